package io.converge.replication;

import static io.converge.replication.Consistency.ALL;
import static io.converge.replication.Consistency.LOCAL;
import static io.converge.replication.Consistency.QUORUM;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.clocks.ReplicaId;
import io.converge.crdt.GCounter;
import io.converge.replication.transport.InMemoryNetwork;
import io.converge.replication.transport.Transport;
import io.converge.replication.wire.v1.Envelope;
import io.converge.replication.wire.v1.Reject;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/**
 * The async API over the in-memory network, driven by one thread: every future completes inside
 * {@link InMemoryNetwork#advance}, at a virtual time that depends on the seed alone, and nothing
 * waits in real time.
 */
final class ReplicaAsyncTest {

  private static final Key<GCounter> VISITS = Key.gCounter("visits");
  private static final Duration SECOND = Duration.ofSeconds(1);
  private static final Duration STEP = Duration.ofMillis(1);
  private static final Duration TIMEOUT = Duration.ofMillis(300);

  private static SimulatedCluster cluster(long seed) {
    return new SimulatedCluster(
        InMemoryNetwork.builder()
            .seed(seed)
            .delay(Duration.ofMillis(20), Duration.ofMillis(40))
            .build());
  }

  private static List<Replica> three(SimulatedCluster cluster) {
    List<Replica> rs =
        List.of(
            cluster.start("r1", b -> b.key(VISITS)),
            cluster.start("r2", b -> b.key(VISITS)),
            cluster.start("r3", b -> b.key(VISITS)));
    cluster.advance(SECOND);
    return rs;
  }

  /** Advances virtual time until {@code future} is done; fails after a virtual minute. */
  private static void advanceUntilDone(SimulatedCluster cluster, CompletableFuture<?> future) {
    Duration limit = cluster.network.now().plus(Duration.ofMinutes(1));
    while (!future.isDone()) {
      assertTrue(cluster.network.now().compareTo(limit) < 0, "not done after a virtual minute");
      cluster.advance(STEP);
    }
  }

  private static GCounter increment(Replica r, GCounter c) {
    return c.increment(r.self(), 1);
  }

  @Test
  void writeAsync_local_completedWhenItReturns() {
    SimulatedCluster cluster = cluster(1);
    Replica r1 = three(cluster).get(0);
    CompletableFuture<Written<GCounter>> f =
        r1.writeAsync(VISITS, c -> increment(r1, c), LOCAL, TIMEOUT);
    assertTrue(f.isDone());
    assertEquals(1, f.join().value().value());
    assertEquals(1, r1.get(VISITS).value());
  }

  @Test
  void writeAsync_quorum_appliedAtOnce_completesOnceAPeerHoldsIt() {
    SimulatedCluster cluster = cluster(2);
    List<Replica> rs = three(cluster);
    Replica r1 = rs.get(0);
    CompletableFuture<Written<GCounter>> f =
        r1.writeAsync(VISITS, c -> increment(r1, c), QUORUM, TIMEOUT);
    assertFalse(f.isDone(), "no virtual time passed: no peer acknowledged");
    assertEquals(1, r1.get(VISITS).value(), "applied here before any acknowledgement");
    advanceUntilDone(cluster, f);
    assertEquals(1, f.join().value().value());
    assertTrue(rs.stream().skip(1).anyMatch(r -> r.get(VISITS).value() == 1));
  }

  @Test
  void writeAsync_defaultConsistency_usesTheKeysPrefixRuleAndTheWriteTimeout() {
    SimulatedCluster cluster = cluster(3);
    Replica r1 = cluster.start("r1", b -> b.key(VISITS).consistency(ALL).writeTimeout(TIMEOUT));
    cluster.start("r2", b -> b.key(VISITS));
    cluster.advance(SECOND);
    cluster.network.isolate(r1.self());
    cluster.advance(SECOND);
    Duration start = cluster.network.now();
    CompletableFuture<Written<GCounter>> f = r1.writeAsync(VISITS, c -> increment(r1, c));
    advanceUntilDone(cluster, f);
    assertEquals(start.plus(TIMEOUT), cluster.network.now());
    assertEquals(ALL, failure(f, WriteTimeoutException.class).consistency());
  }

  @Test
  void writeAsync_quorumThatTimesOut_doesSoAtTheVirtualDeadline_andReplaysFromItsSeed() {
    String first = quorumTimeoutRun(21);
    String second = quorumTimeoutRun(21);
    assertEquals(first, second, "same seed, same outcome at the same virtual time");
  }

  /**
   * r1 writes QUORUM with r2 crashed and r3 cut off; describes how the write ended, and when (in
   * virtual time), after checking that it ended exactly at its deadline.
   */
  private static String quorumTimeoutRun(long seed) {
    SimulatedCluster cluster =
        new SimulatedCluster(
            InMemoryNetwork.builder()
                .seed(seed)
                .delay(Duration.ofMillis(5), Duration.ofMillis(80))
                .loss(0.1)
                .build());
    List<Replica> rs = three(cluster);
    Replica r1 = rs.get(0);
    for (int i = 0; i < 20; i++) {
      r1.update(VISITS, c -> increment(r1, c)); // some traffic that the seed schedules
    }
    cluster.network.crash(ReplicaId.of("r2"));
    cluster.network.partition(Set.of(r1.self()), Set.of(ReplicaId.of("r3")));
    cluster.advance(Duration.ofMillis(7));
    Duration start = cluster.network.now();
    CompletableFuture<Written<GCounter>> f =
        r1.writeAsync(VISITS, c -> increment(r1, c), QUORUM, TIMEOUT);
    Duration[] endedAt = {null};
    f.whenComplete((w, e) -> endedAt[0] = cluster.network.now());
    cluster.advance(TIMEOUT.minusNanos(1));
    assertFalse(f.isDone(), "ended before its virtual deadline");
    cluster.advance(Duration.ofNanos(1));
    assertTrue(f.isDone(), "not ended at its virtual deadline");
    assertEquals(start.plus(TIMEOUT), endedAt[0]);
    WriteTimeoutException e = failure(f, WriteTimeoutException.class);
    assertEquals(Set.of(), e.acknowledgedBy());
    assertTrue(e.getMessage().contains("not by [r2, r3]"), e::getMessage);
    assertEquals(21, r1.get(VISITS).value(), "applied, not rolled back");
    return endedAt[0] + " " + e.getMessage() + " " + cluster.network.stats();
  }

  @Test
  void getAsync_completesWhenTheTokenIsSeen_withTheValueThen() {
    SimulatedCluster cluster = cluster(4);
    List<Replica> rs = three(cluster);
    Replica r1 = rs.get(0);
    Replica r3 = rs.get(2);
    CausalToken token = r1.write(VISITS, c -> increment(r1, c)).token();
    CompletableFuture<GCounter> read = r3.getAsync(VISITS, token, SECOND);
    assertFalse(read.isDone(), "r3 has not seen the write yet");
    advanceUntilDone(cluster, read);
    assertEquals(1, read.join().value());
    assertTrue(r3.getAsync(VISITS, token, Duration.ZERO).isDone(), "seen: at once");
  }

  @Test
  void getAsync_unseenToken_timesOutAtTheVirtualDeadline_namingTheKey() {
    SimulatedCluster cluster = cluster(5);
    List<Replica> rs = three(cluster);
    Replica r1 = rs.get(0);
    Replica r3 = rs.get(2);
    cluster.network.isolate(r3.self());
    cluster.advance(SECOND);
    CausalToken token = r1.write(VISITS, c -> increment(r1, c)).token();
    Duration start = cluster.network.now();
    CompletableFuture<GCounter> read = r3.getAsync(VISITS, token, TIMEOUT);
    advanceUntilDone(cluster, read);
    assertEquals(start.plus(TIMEOUT), cluster.network.now());
    ReadTimeoutException e = failure(read, ReadTimeoutException.class);
    assertEquals(Set.of("visits"), e.unseenKeys());
  }

  @Test
  void drainAsync_trueOnceConnectedPeersAcked_falseAtTheVirtualTimeoutWhenAcksAreLost() {
    SimulatedCluster cluster = cluster(6);
    List<Replica> rs = three(cluster);
    Replica r1 = rs.get(0);
    r1.update(VISITS, c -> increment(r1, c));
    CompletableFuture<Boolean> drained = r1.drainAsync(SECOND);
    assertFalse(drained.isDone());
    advanceUntilDone(cluster, drained);
    assertTrue(drained.join());

    SimulatedCluster lossy =
        new SimulatedCluster(InMemoryNetwork.builder().seed(6).loss(1.0).build());
    Replica a = lossy.start("a", b -> b.key(VISITS));
    lossy.start("b", b -> b.key(VISITS));
    lossy.advance(SECOND); // connected, every message lost
    a.update(VISITS, c -> increment(a, c));
    Duration start = lossy.network.now();
    CompletableFuture<Boolean> never = a.drainAsync(TIMEOUT);
    advanceUntilDone(lossy, never);
    assertFalse(never.join());
    assertEquals(start.plus(TIMEOUT), lossy.network.now());
  }

  @Test
  void close_endsWhatWaits() {
    SimulatedCluster cluster = cluster(7);
    List<Replica> rs = three(cluster);
    Replica r1 = rs.get(0);
    CompletableFuture<Written<GCounter>> write =
        r1.writeAsync(VISITS, c -> increment(r1, c), ALL, SECOND);
    CompletableFuture<Boolean> drain = r1.drainAsync(SECOND);
    r1.close();
    assertTrue(failure(write, WriteTimeoutException.class).getMessage().contains("replica closed"));
    assertFalse(drain.join());
    assertFalse(r1.drainAsync(SECOND).join(), "closed: nothing is drained any more");
  }

  @Test
  void builderTicker_givesALambdaSchedulerItsClock() {
    InMemoryNetwork network = InMemoryNetwork.builder().seed(8).build();
    Transport transport = network.transport(ReplicaId.of("a"));
    Replica a =
        Replica.builder()
            .replicaId("a")
            .transport(transport)
            .key(VISITS)
            .scheduler((delay, task) -> network.schedule(transport, delay, task))
            .ticker(() -> network.now().toNanos())
            .drainTimeout(Duration.ZERO)
            .start();
    network.transport(ReplicaId.of("b")).start(ReplicaId.of("b"), new SilentPeer());
    network.advance(SECOND);
    Duration start = network.now();
    CompletableFuture<Written<GCounter>> f =
        a.writeAsync(VISITS, c -> increment(a, c), ALL, TIMEOUT);
    while (!f.isDone()) {
      assertTrue(network.now().compareTo(start.plus(SECOND)) < 0, "the ticker is not read");
      network.advance(STEP);
    }
    assertEquals(start.plus(TIMEOUT), network.now());
    failure(f, WriteTimeoutException.class);
    a.close();
  }

  @Test
  void arguments_checked_namingTheValue() {
    SimulatedCluster cluster = cluster(9);
    Replica r1 = cluster.start("r1", b -> b.key(VISITS));
    IllegalArgumentException negative =
        assertThrows(
            IllegalArgumentException.class,
            () -> r1.writeAsync(VISITS, c -> c, QUORUM, Duration.ofMillis(-1)));
    assertTrue(negative.getMessage().contains("PT-0.001S"), negative::getMessage);
    assertThrows(
        IllegalArgumentException.class,
        () -> r1.getAsync(VISITS, CausalToken.empty(), Duration.ofSeconds(-2)));
    IllegalArgumentException drain =
        assertThrows(IllegalArgumentException.class, () -> r1.drainAsync(Duration.ofSeconds(-3)));
    assertTrue(drain.getMessage().contains("PT-3S"), drain::getMessage);
    assertThrows(NullPointerException.class, () -> r1.writeAsync(null, c -> c));
    assertThrows(NullPointerException.class, () -> r1.writeAsync(VISITS, null));
    assertThrows(NullPointerException.class, () -> r1.getAsync(VISITS, null, SECOND));
    assertThrows(NullPointerException.class, () -> r1.drainAsync(null));

    Replica.Builder b = Replica.builder();
    NullPointerException ticker = assertThrows(NullPointerException.class, () -> b.ticker(null));
    assertTrue(ticker.getMessage().contains("ticker"), ticker::getMessage);
    NullPointerException executor =
        assertThrows(NullPointerException.class, () -> b.listenerExecutor(null));
    assertTrue(executor.getMessage().contains("executor"), executor::getMessage);
  }

  @Test
  void builder_tickerThatConflictsWithTheSchedulersOwn_refused() {
    InMemoryNetwork network = InMemoryNetwork.builder().seed(10).build();
    Transport transport = network.transport(ReplicaId.of("a"));
    Ticker other = () -> 42;
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () ->
                Replica.builder()
                    .replicaId("a")
                    .transport(transport)
                    .scheduler(EngineScheduler.virtual(network, transport))
                    .ticker(other)
                    .start());
    assertTrue(e.getMessage().contains("one clock"), e::getMessage);
  }

  private static <E extends Throwable> E failure(CompletableFuture<?> f, Class<E> type) {
    CompletionException e = assertThrows(CompletionException.class, f::join);
    assertNotNull(e.getCause());
    return assertInstanceOf(type, e.getCause());
  }

  /** A peer that connects and never answers. */
  private static final class SilentPeer implements Transport.Listener {
    @Override
    public void onMessage(ReplicaId from, Envelope message) {}

    @Override
    public void onPeerUp(ReplicaId peer) {}

    @Override
    public void onPeerDown(ReplicaId peer, String reason) {}

    @Override
    public void onRefused(ReplicaId peer, Reject.Reason reason, String detail) {}
  }
}
