package io.converge.replication.transport;

import static io.converge.replication.transport.Messages.numbered;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.clocks.PhysicalClock;
import io.converge.clocks.ReplicaId;
import io.converge.replication.wire.v1.Envelope;
import io.converge.replication.wire.v1.Handshake;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

final class InMemoryNetworkTest {

  private final ReplicaId r1 = ReplicaId.of("r1");
  private final ReplicaId r2 = ReplicaId.of("r2");
  private final ReplicaId r3 = ReplicaId.of("r3");

  private InMemoryNetwork network;
  private final Map<ReplicaId, Transport> transports = new HashMap<>();
  private final Map<ReplicaId, RecordingListener> listeners = new HashMap<>();
  private final List<String> trace = new ArrayList<>();
  private final Map<ReplicaId, Integer> baseline = new HashMap<>();

  /** Builds a network with a fixed seed, makes and starts a transport per id; no event runs yet. */
  private void start(UnaryOperator<InMemoryNetwork.Builder> config, ReplicaId... ids) {
    network = config.apply(InMemoryNetwork.builder().seed(42)).build();
    for (ReplicaId id : ids) {
      startTransport(network.transport(id), id);
    }
  }

  private RecordingListener startTransport(Transport transport, ReplicaId id) {
    InMemoryNetwork n = network;
    RecordingListener listener =
        new RecordingListener(id, trace, () -> "t=" + n.now().toMillis() + "ms");
    transport.start(id, listener);
    transports.put(id, transport);
    listeners.put(id, listener);
    return listener;
  }

  /**
   * As {@link #start}, then runs the peer-up events, so that every pair is connected; {@link
   * #trace} and {@link #events} start after them.
   */
  private void startConnected(UnaryOperator<InMemoryNetwork.Builder> config, ReplicaId... ids) {
    start(config, ids);
    assertEquals(0, network.runUntilQuiet(0));
    trace.clear();
    listeners.forEach((id, listener) -> baseline.put(id, listener.events().size()));
  }

  /** What the listener of {@code id} recorded since {@link #startConnected}, without times. */
  private List<String> events(ReplicaId id) {
    List<String> all = l(id).events();
    return all.subList(baseline.getOrDefault(id, 0), all.size());
  }

  private Transport t(ReplicaId id) {
    return transports.get(id);
  }

  private RecordingListener l(ReplicaId id) {
    return listeners.get(id);
  }

  private static List<Long> oneTo(int n) {
    return LongStream.rangeClosed(1, n).boxed().collect(Collectors.toList());
  }

  private void sendNumbered(ReplicaId from, ReplicaId to, int count) {
    for (int i = 1; i <= count; i++) {
      assertTrue(t(from).send(to, numbered(from, i)), () -> from + " -> " + to + " refused");
    }
  }

  // --- Lifecycle and peer events --------------------------------------------------------------

  @Test
  void start_twoReplicas_firesPeerUpOnBothSidesOnlyWhenEventsRun() {
    start(b -> b, r1, r2);

    assertEquals(List.of(), trace, "no callback inside start()");
    assertTrue(network.isConnected(r1, r2), "send sees the connection at once");

    network.runUntilQuiet(0);

    assertEquals(List.of("t=0ms r1 up r2", "t=0ms r2 up r1"), trace);
  }

  @Test
  void start_withAnotherReplicaId_throwsIllegalArgument() {
    network = InMemoryNetwork.builder().seed(1).build();
    Transport transport = network.transport(r1);

    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> transport.start(r2, new RecordingListener(r2)));

    assertTrue(e.getMessage().contains("r1") && e.getMessage().contains("self=r2"), e::getMessage);
  }

  @Test
  void start_twice_throwsIllegalState() {
    start(b -> b, r1);

    assertThrows(IllegalStateException.class, () -> t(r1).start(r1, new RecordingListener(r1)));
  }

  @Test
  void transport_secondLiveTransportForSameReplica_throwsIllegalState() {
    start(b -> b, r1);

    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> network.transport(r1));

    assertTrue(e.getMessage().contains("id=r1"), e::getMessage);
  }

  @Test
  void send_beforeStart_throwsIllegalState() {
    network = InMemoryNetwork.builder().seed(1).build();
    Transport transport = network.transport(r1);

    assertThrows(IllegalStateException.class, () -> transport.send(r2, numbered(r1, 1)));
  }

  @Test
  void send_toUnknownOrUnstartedPeer_returnsFalseAndCountsRefused() {
    startConnected(b -> b, r1);
    network.transport(r2);

    assertFalse(t(r1).send(r2, numbered(r1, 1)), "r2 not started");
    assertFalse(t(r1).send(r3, numbered(r1, 2)), "r3 unknown");

    assertEquals(2, network.stats().refused());
    assertEquals(0, network.stats().sent());
    assertEquals(1, network.stats(r1, r3).refused());
  }

  @Test
  void send_toSelf_returnsFalse() {
    startConnected(b -> b, r1, r2);

    assertFalse(t(r1).send(r1, numbered(r1, 1)));
    assertEquals(1, network.stats(r1, r1).refused());
  }

  @Test
  void close_notifiesPeersRefusesSendsAndIsIdempotent() {
    startConnected(b -> b.delay(Duration.ofMillis(10), Duration.ofMillis(10)), r1, r2, r3);
    sendNumbered(r2, r1, 2);

    t(r1).close();
    t(r1).close();
    network.runUntilQuiet(100);

    assertEquals(List.of("t=0ms r2 down r1 closed", "t=0ms r3 down r1 closed"), trace);
    assertFalse(t(r1).send(r2, numbered(r1, 3)));
    assertEquals(2, network.stats().droppedCrash());
    assertEquals(0, network.inFlight());
  }

  // --- Ordering, loss, duplication ------------------------------------------------------------

  @Test
  void send_withoutReorder_deliversEachLinkInFifoOrderDespiteRandomDelays() {
    startConnected(b -> b.delay(Duration.ofMillis(1), Duration.ofMillis(100)), r1, r2, r3);
    for (int i = 1; i <= 500; i++) {
      assertTrue(t(r1).send(r2, numbered(r1, i)));
      assertTrue(t(r3).send(r2, numbered(r3, i)));
    }

    assertEquals(1000, network.runUntilQuiet(1000));

    assertEquals(oneTo(500), l(r2).numbersFrom(r1));
    assertEquals(oneTo(500), l(r2).numbersFrom(r3));
    assertTrue(network.now().toMillis() >= 90, () -> "delays were drawn: now=" + network.now());
  }

  @Test
  void send_withReorder_deliversEveryMessageButNotInSendOrder() {
    startConnected(
        b -> b.delay(Duration.ofMillis(1), Duration.ofMillis(100)).reorder(true), r1, r2);
    sendNumbered(r1, r2, 500);

    network.runUntilQuiet(500);

    List<Long> received = l(r2).numbersFrom(r1);
    assertNotEquals(oneTo(500), received);
    assertEquals(oneTo(500), received.stream().sorted().collect(Collectors.toList()));
  }

  @Test
  void send_withLoss_losesAboutThatFraction() {
    startConnected(b -> b.loss(0.3), r1, r2);
    sendNumbered(r1, r2, 10_000);

    int delivered = network.runUntilQuiet(10_000);

    // Binomial(10000, 0.7): mean 7000, standard deviation 46; the seed is fixed, so this is exact
    // on every run, and the bounds (about 8 deviations) only say the rate is right.
    assertTrue(delivered > 6_600 && delivered < 7_400, () -> "delivered=" + delivered);
    InMemoryNetwork.Stats stats = network.stats();
    assertEquals(10_000, stats.sent());
    assertEquals(10_000 - delivered, stats.droppedLoss());
    assertEquals(stats, network.stats(r1, r2));
  }

  @Test
  void send_withDuplication_duplicatesAboutThatFraction() {
    startConnected(b -> b.duplication(0.2), r1, r2);
    sendNumbered(r1, r2, 10_000);

    int delivered = network.runUntilQuiet(20_000);

    long duplicated = network.stats().duplicated();
    assertTrue(duplicated > 1_600 && duplicated < 2_400, () -> "duplicated=" + duplicated);
    assertEquals(10_000 + duplicated, delivered);
    assertEquals(oneTo(10_000), l(r2).numbersFrom(r1).stream().distinct().toList());
  }

  @Test
  void send_withDuplicationWithoutReorder_deliversCopiesInSendOrder() {
    startConnected(b -> b.duplication(0.5).delay(Duration.ZERO, Duration.ofMillis(50)), r1, r2);
    sendNumbered(r1, r2, 1_000);

    network.runUntilQuiet(2_000);

    List<Long> received = l(r2).numbersFrom(r1);
    assertTrue(received.size() > 1_000);
    assertEquals(received.stream().sorted().toList(), received, "non-decreasing");
  }

  @Test
  void send_oversized_returnsFalseAndCountsOversized() {
    startConnected(b -> b.maxMessageBytes(20), r1, r2);
    Envelope small = numbered(r1, 1);
    Envelope large =
        Envelope.newBuilder()
            .setProtocolVersion(1)
            .setSender("r1")
            .setHandshake(Handshake.newBuilder().setCluster("a-cluster-name-longer-than-twenty"))
            .build();

    assertTrue(small.getSerializedSize() <= 20);
    assertTrue(t(r1).send(r2, small));
    assertFalse(t(r1).send(r2, large));

    assertEquals(20, t(r1).maxMessageBytes());
    assertEquals(1, network.stats().oversized());
    assertEquals(1, network.stats(r1, r2).sent());
    assertEquals(1, network.runUntilQuiet(10));
  }

  @Test
  void stats_perLink_countsEachDirectionSeparately() {
    startConnected(b -> b, r1, r2, r3);
    sendNumbered(r1, r2, 3);
    sendNumbered(r2, r1, 1);
    sendNumbered(r3, r1, 2);

    network.runUntilQuiet(10);

    assertEquals(3, network.stats(r1, r2).delivered());
    assertEquals(1, network.stats(r2, r1).delivered());
    assertEquals(2, network.stats(r3, r1).delivered());
    assertEquals(InMemoryNetwork.Stats.ZERO, network.stats(r1, r3));
    assertEquals(6, network.stats().delivered());
  }

  // --- Partitions and crashes -----------------------------------------------------------------

  @Test
  void partition_dropsInFlightAcrossAndFiresPeerDownOnBothSides() {
    startConnected(b -> b.delay(Duration.ofMillis(10), Duration.ofMillis(10)), r1, r2, r3);
    sendNumbered(r1, r2, 5);
    sendNumbered(r1, r3, 5);

    network.partition(Set.of(r1, r3), Set.of(r2));

    assertEquals(5, network.inFlight(), "dropped at once");
    assertEquals(5, network.stats(r1, r2).droppedPartition());
    assertFalse(network.isConnected(r1, r2));
    assertTrue(network.isConnected(r1, r3));
    assertFalse(t(r1).send(r2, numbered(r1, 6)));
    assertFalse(t(r2).send(r3, numbered(r2, 1)));

    assertEquals(5, network.runUntilQuiet(100));

    assertEquals(List.of(), l(r2).numbersFrom(r1));
    assertEquals(oneTo(5), l(r3).numbersFrom(r1));
    assertEquals(List.of("r1 down r2 partitioned"), events(r1));
    assertEquals(List.of("r2 down r1 partitioned", "r2 down r3 partitioned"), events(r2));
  }

  @Test
  void partition_overlappingSides_throwsNamingSharedReplica() {
    startConnected(b -> b, r1, r2, r3);

    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> network.partition(Set.of(r1, r2), Set.of(r2, r3)));

    assertTrue(e.getMessage().contains("shared=[r2]"), e::getMessage);
  }

  @Test
  void heal_afterPartition_firesPeerUpAndDeliversAgain() {
    startConnected(b -> b, r1, r2);
    network.partition(Set.of(r1), Set.of(r2));
    network.runUntilQuiet(0);

    network.heal();
    assertTrue(t(r1).send(r2, numbered(r1, 7)));
    network.runUntilQuiet(10);

    assertEquals(
        List.of(
            "t=0ms r1 down r2 partitioned",
            "t=0ms r2 down r1 partitioned",
            "t=0ms r1 up r2",
            "t=0ms r2 up r1",
            "t=0ms r2 <- r1 #7"),
        trace);
    assertEquals(List.of(), l(r1).violations());
    assertEquals(List.of(), l(r2).violations());
  }

  @Test
  void heal_beforeInFlightMessagesArrive_stillDropsMessagesOfTheCutConnection() {
    startConnected(b -> b.delay(Duration.ofMillis(10), Duration.ofMillis(10)), r1, r2);
    sendNumbered(r1, r2, 3);

    network.partition(Set.of(r1), Set.of(r2));
    network.heal();
    network.runUntilQuiet(10);

    assertEquals(
        List.of("r2 down r1 partitioned", "r2 up r1"), events(r2), "nothing outlives its link");
    assertEquals(3, network.stats().droppedPartition());
  }

  @Test
  void isolate_cutsReplicaFromEveryPeerUntilHeal() {
    startConnected(b -> b, r1, r2, r3);

    network.isolate(r1);
    network.runUntilQuiet(0);

    assertFalse(network.isConnected(r1, r2));
    assertFalse(network.isConnected(r1, r3));
    assertTrue(network.isConnected(r2, r3));
    assertEquals(List.of("r1 down r2 isolated", "r1 down r3 isolated"), events(r1));

    network.heal();

    assertTrue(network.isConnected(r1, r2));
    assertTrue(network.isConnected(r1, r3));
  }

  @Test
  void crash_dropsEverythingInFlightToAndFromReplicaAndNotifiesPeers() {
    startConnected(b -> b.delay(Duration.ofMillis(10), Duration.ofMillis(10)), r1, r2, r3);
    Transport crashed = t(r2);
    sendNumbered(r1, r2, 3);
    sendNumbered(r2, r1, 2);
    sendNumbered(r3, r2, 1);
    sendNumbered(r1, r3, 4);

    network.crash(r2);

    assertEquals(4, network.inFlight());
    assertEquals(6, network.stats().droppedCrash());
    assertFalse(crashed.send(r1, numbered(r2, 3)), "a crashed transport is dead");
    assertEquals(4, network.runUntilQuiet(10));
    assertEquals(List.of(), events(r2), "the crashed replica hears nothing more");
    assertEquals(List.of("r1 down r2 crashed"), events(r1));
    assertEquals(
        List.of("r3 down r2 crashed", "r3 <- r1 #1", "r3 <- r1 #2", "r3 <- r1 #3", "r3 <- r1 #4"),
        events(r3));
  }

  @Test
  void crash_beforePeerUpRan_crashedReplicaHearsNothing() {
    start(b -> b, r1, r2);

    network.crash(r2);
    network.runUntilQuiet(0);

    assertEquals(List.of(), events(r2));
    assertEquals(List.of("r1 up r2", "r1 down r2 crashed"), events(r1));
  }

  @Test
  void crash_twice_throwsIllegalState() {
    startConnected(b -> b, r1);
    network.crash(r1);

    assertThrows(IllegalStateException.class, () -> network.crash(r1));
    assertThrows(IllegalArgumentException.class, () -> network.crash(r2));
  }

  @Test
  void restart_returnsNewTransportThatReconnectsWhileOldStaysDead() {
    startConnected(b -> b, r1, r2);
    Transport old = t(r2);
    RecordingListener oldListener = l(r2);
    network.crash(r2);

    Transport fresh = network.restart(r2);
    RecordingListener freshListener = startTransport(fresh, r2);
    network.runUntilQuiet(0);
    assertTrue(t(r1).send(r2, numbered(r1, 1)));
    assertTrue(fresh.send(r1, numbered(r2, 1)));
    network.runUntilQuiet(10);

    assertEquals(List.of("r2 up r1", "r2 <- r1 #1"), freshListener.events());
    assertEquals(List.of("r1 down r2 crashed", "r1 up r2", "r1 <- r2 #1"), events(r1));
    assertEquals(List.of("r2 up r1"), oldListener.events());
    assertFalse(old.send(r1, numbered(r2, 2)));
    assertThrows(IllegalStateException.class, () -> old.start(r2, new RecordingListener(r2)));
  }

  @Test
  void restart_replicaThatDidNotCrash_throwsIllegalState() {
    startConnected(b -> b, r1);

    IllegalStateException e = assertThrows(IllegalStateException.class, () -> network.restart(r1));

    assertTrue(e.getMessage().contains("state=STARTED"), e::getMessage);
  }

  @Test
  void crash_cancelsActionsScheduledForTheCrashedReplicaOnly() {
    startConnected(b -> b, r1, r2);
    List<String> ran = new ArrayList<>();
    InMemoryNetwork.ScheduledAction r1Timer =
        network.schedule(t(r1), Duration.ofSeconds(1), () -> ran.add("r1 timer"));
    network.schedule(t(r2), Duration.ofSeconds(1), () -> ran.add("r2 timer"));
    network.schedule(Duration.ofSeconds(1), () -> ran.add("global"));

    network.crash(r1);
    InMemoryNetwork.ScheduledAction late =
        network.schedule(t(r1), Duration.ZERO, () -> ran.add("zombie"));
    network.advance(Duration.ofSeconds(2));

    assertEquals(List.of("r2 timer", "global"), ran);
    assertFalse(r1Timer.cancel(), "already cancelled by the crash");
    assertFalse(late.cancel(), "never scheduled");
  }

  // --- Virtual time and scheduling ------------------------------------------------------------

  @Test
  void now_movesOnlyThroughStepAndAdvance() {
    startConnected(b -> b.delay(Duration.ofMillis(5), Duration.ofMillis(5)), r1, r2);
    long start = network.currentTimeMillis();

    sendNumbered(r1, r2, 1);

    assertEquals(Duration.ZERO, network.now());
    assertEquals(InMemoryNetwork.DEFAULT_START_TIME.toEpochMilli(), start);
    assertTrue(network.step());
    assertEquals(Duration.ofMillis(5), network.now());
    assertEquals(start + 5, network.currentTimeMillis());
    assertFalse(network.step());
    assertEquals(Duration.ofMillis(5), network.now());
    network.advance(Duration.ofSeconds(1));
    assertEquals(Duration.ofMillis(1005), network.now());
  }

  @Test
  void advance_deliversWhatIsDueAtTheDeadlineInclusiveAndNothingLater() {
    startConnected(b -> b.delay(Duration.ofMillis(10), Duration.ofMillis(10)), r1, r2);
    sendNumbered(r1, r2, 1);

    network.advance(Duration.ofMillis(9));
    assertEquals(List.of(), l(r2).numbersFrom(r1));

    network.advance(Duration.ofMillis(1));
    assertEquals(List.of(1L), l(r2).numbersFrom(r1));
  }

  @Test
  void schedule_actionsRunInTimeOrderInterleavedWithDeliveries() {
    startConnected(b -> b.delay(Duration.ofMillis(10), Duration.ofMillis(10)), r1, r2);
    network.schedule(
        Duration.ofMillis(15), () -> trace.add("t=" + network.now().toMillis() + "ms a15"));
    network.schedule(
        Duration.ofMillis(5), () -> trace.add("t=" + network.now().toMillis() + "ms a5"));
    sendNumbered(r1, r2, 1);
    network.schedule(
        Duration.ofMillis(10), () -> trace.add("t=" + network.now().toMillis() + "ms a10"));

    network.advance(Duration.ofMillis(20));

    assertEquals(
        List.of("t=5ms a5", "t=10ms r2 <- r1 #1", "t=10ms a10", "t=15ms a15"),
        trace,
        "same instant: creation order");
  }

  @Test
  void schedule_actionThatSchedulesAnother_runsBothWithinOneAdvance() {
    network = InMemoryNetwork.builder().seed(1).build();
    List<Duration> ran = new ArrayList<>();
    network.schedule(
        Duration.ofMillis(10),
        () -> {
          ran.add(network.now());
          network.schedule(Duration.ofMillis(10), () -> ran.add(network.now()));
          network.schedule(Duration.ofMillis(11), () -> ran.add(network.now()));
        });

    network.advance(Duration.ofMillis(20));

    assertEquals(List.of(Duration.ofMillis(10), Duration.ofMillis(20)), ran);
    assertTrue(network.step());
    assertEquals(Duration.ofMillis(21), network.now());
  }

  @Test
  void schedule_cancelled_neverRuns() {
    network = InMemoryNetwork.builder().seed(1).build();
    List<String> ran = new ArrayList<>();
    InMemoryNetwork.ScheduledAction action =
        network.schedule(Duration.ofMillis(1), () -> ran.add("x"));

    assertTrue(action.cancel());
    assertFalse(action.cancel());
    assertFalse(network.step(), "removed from the queue");
    assertEquals(List.of(), ran);
  }

  @Test
  void schedule_negativeDelayOrForeignOwner_throwsIllegalArgument() {
    network = InMemoryNetwork.builder().seed(1).build();
    Transport foreign = InMemoryNetwork.builder().build().transport(r1);

    assertThrows(
        IllegalArgumentException.class, () -> network.schedule(Duration.ofMillis(-1), () -> {}));
    assertThrows(
        IllegalArgumentException.class, () -> network.schedule(foreign, Duration.ZERO, () -> {}));
    assertThrows(NullPointerException.class, () -> network.schedule(null, Duration.ZERO, () -> {}));
  }

  @Test
  void runUntilQuiet_leavesActionsDueAfterTheLastMessagePending() {
    startConnected(b -> b.delay(Duration.ofMillis(3), Duration.ofMillis(3)), r1, r2);
    List<String> ran = new ArrayList<>();
    network.schedule(Duration.ofMillis(1), () -> ran.add("early"));
    network.schedule(Duration.ofHours(1), () -> ran.add("late"));
    sendNumbered(r1, r2, 1);

    assertEquals(1, network.runUntilQuiet(1));

    assertEquals(List.of("early"), ran);
    assertEquals(Duration.ofMillis(3), network.now());
    assertEquals(0, network.inFlight());
  }

  @Test
  void runUntilQuiet_pingPongForever_throwsNamingCapAndInFlight() {
    startConnected(b -> b.delay(Duration.ofMillis(1), Duration.ofMillis(1)), r1, r2);
    l(r1).reacting((from, m) -> t(r1).send(from, numbered(r1, Messages.number(m) + 1)));
    l(r2).reacting((from, m) -> t(r2).send(from, numbered(r2, Messages.number(m) + 1)));
    sendNumbered(r1, r2, 1);

    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> network.runUntilQuiet(100));

    assertTrue(e.getMessage().contains("maxMessages=100"), e::getMessage);
    assertTrue(e.getMessage().contains("inFlight=1"), e::getMessage);
    assertTrue(e.getMessage().contains("seed=42"), e::getMessage);
    assertEquals(100, network.stats().delivered());
  }

  @Test
  void step_calledFromInsideListener_throwsIllegalStateAndNetworkStaysUsable() {
    startConnected(b -> b, r1, r2);
    l(r2).reacting((from, m) -> network.step());
    sendNumbered(r1, r2, 2);

    IllegalStateException e = assertThrows(IllegalStateException.class, network::step);

    assertTrue(e.getMessage().startsWith("step() may not be called from inside"), e::getMessage);
    l(r2).reacting((from, m) -> {});
    assertEquals(1, network.runUntilQuiet(1), "the throwing event was consumed, the next one runs");
    assertEquals(List.of(1L, 2L), l(r2).numbersFrom(r1));
  }

  @Test
  void step_emptyNetwork_returnsFalse() {
    network = InMemoryNetwork.builder().build();

    assertFalse(network.step());
    assertEquals(0, network.runUntilQuiet(0));
  }

  // --- Clocks ---------------------------------------------------------------------------------

  @Test
  void clock_withSkew_readsVirtualTimePlusSkewAndJumpsWhenSkewChanges() {
    network = InMemoryNetwork.builder().startTime(Instant.ofEpochMilli(1_000_000)).seed(1).build();
    PhysicalClock ahead = network.clock(r1, Duration.ofMillis(100));
    PhysicalClock behind = network.clock(r2, Duration.ofMillis(-50));
    PhysicalClock exact = network::currentTimeMillis;

    network.advance(Duration.ofSeconds(1));

    assertEquals(1_001_000, exact.currentTimeMillis());
    assertEquals(1_001_100, ahead.currentTimeMillis());
    assertEquals(1_000_950, behind.currentTimeMillis());

    network.clock(r1, Duration.ofMillis(-200));

    assertEquals(1_000_800, ahead.currentTimeMillis(), "every clock of r1 reads the new skew");
  }

  @Test
  void clock_skewedBeforeTheEpoch_throwsIllegalArgument() {
    network = InMemoryNetwork.builder().startTime(Instant.EPOCH).build();

    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> network.clock(r1, Duration.ofMillis(-1)));

    assertTrue(e.getMessage().contains("reading=-1"), e::getMessage);
  }

  // --- Builder, toString, determinism ---------------------------------------------------------

  @Test
  void builder_invalidValues_throwIllegalArgumentNamingThem() {
    InMemoryNetwork.Builder b = InMemoryNetwork.builder();

    assertMessage("loss=1.5", assertThrows(IllegalArgumentException.class, () -> b.loss(1.5)));
    assertMessage(
        "duplication=NaN",
        assertThrows(IllegalArgumentException.class, () -> b.duplication(Double.NaN)));
    assertMessage(
        "min=PT0.002S, max=PT0.001S",
        assertThrows(
            IllegalArgumentException.class,
            () -> b.delay(Duration.ofMillis(2), Duration.ofMillis(1))));
    assertMessage(
        "bytes=0", assertThrows(IllegalArgumentException.class, () -> b.maxMessageBytes(0)));
    assertThrows(IllegalArgumentException.class, () -> b.startTime(Instant.EPOCH.minusMillis(1)));
  }

  private static void assertMessage(String expected, Exception e) {
    assertTrue(e.getMessage().contains(expected), e::getMessage);
  }

  @Test
  void toString_showsSeedConfigurationAndCounters() {
    startConnected(b -> b.seed(1234).loss(0.25).reorder(true), r1, r2);
    sendNumbered(r1, r2, 1);

    String s = network.toString();

    assertTrue(s.startsWith("InMemoryNetwork{seed=1234, now=PT0S"), s);
    assertTrue(s.contains("loss=0.25") && s.contains("reorder=true"), s);
    assertTrue(s.contains("sent=1"), s);
    assertEquals(1234, network.seed());
  }

  @Test
  void builder_withoutSeed_choosesOneAndReportsIt() {
    InMemoryNetwork a = InMemoryNetwork.builder().build();
    InMemoryNetwork b = InMemoryNetwork.builder().build();

    assertNotEquals(a.seed(), b.seed());
    assertTrue(a.toString().contains("seed=" + a.seed()));
  }

  @Test
  void run_sameSeed_replaysIdenticalTraceAndOtherSeedDiffers() {
    List<String> first = faultyRun(7);
    List<String> second = faultyRun(7);
    List<String> other = faultyRun(8);

    assertEquals(first, second);
    assertNotEquals(first, other);
  }

  private List<String> faultyRun(long seed) {
    trace.clear();
    start(
        b ->
            b.seed(seed)
                .delay(Duration.ofMillis(1), Duration.ofMillis(40))
                .loss(0.1)
                .duplication(0.1)
                .reorder(true),
        r1,
        r2,
        r3);
    for (int i = 1; i <= 50; i++) {
      t(r1).send(r2, numbered(r1, i));
      t(r2).send(r3, numbered(r2, i));
      t(r3).send(r1, numbered(r3, i));
      if (i == 25) {
        network.advance(Duration.ofMillis(20));
        network.partition(Set.of(r1), Set.of(r2, r3));
      }
    }
    network.heal();
    network.runUntilQuiet(1_000);
    List<String> result = new ArrayList<>(trace);
    result.add(network.toString());
    return result;
  }

  @Test
  void listeners_neverSeeAMessageOutsideUpAndDown() {
    faultyRun(3);

    for (RecordingListener listener : listeners.values()) {
      assertEquals(List.of(), listener.violations());
    }
    assertEquals(3, listeners.size());
  }
}
