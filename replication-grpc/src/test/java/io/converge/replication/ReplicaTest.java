package io.converge.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.converge.clocks.HybridLogicalClock;
import io.converge.clocks.ReplicaId;
import io.converge.crdt.GCounter;
import io.converge.crdt.ORSet;
import io.converge.crdt.PNCounter;
import io.converge.replication.codec.CrdtCodec;
import io.converge.replication.codec.ElementCodec;
import io.converge.replication.codec.WireException.Reason;
import io.converge.replication.transport.InMemoryNetwork;
import io.converge.replication.transport.Transport;
import io.converge.replication.wire.v1.Envelope;
import io.converge.replication.wire.v1.FullStateChunk;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

final class ReplicaTest {

  private static final Key<GCounter> VISITS = Key.gCounter("visits");
  private static final Key<ORSet<String>> TAGS = Key.orSet("tags", ElementCodec.strings());
  private static final Duration SECOND = Duration.ofSeconds(1);

  private SimulatedCluster cluster;

  @BeforeEach
  void setUp() {
    cluster =
        new SimulatedCluster(
            InMemoryNetwork.builder()
                .seed(7)
                .delay(Duration.ofMillis(1), Duration.ofMillis(5))
                .build());
  }

  private Replica start(String name) {
    return cluster.start(name, b -> b.key(VISITS).key(TAGS));
  }

  @Test
  void update_gCounter_returnsNewValueAndGetSeesIt() {
    Replica r1 = start("r1");
    GCounter value = r1.update(VISITS, c -> c.increment(r1.self(), 3));
    assertEquals(3, value.value());
    assertEquals(3, r1.get(VISITS).value());
    assertTrue(r1.get(VISITS).delta().isEmpty());
  }

  @Test
  void get_neverWritten_returnsZero() {
    Replica r1 = start("r1");
    assertEquals(GCounter.empty(), r1.get(VISITS));
    assertEquals(ORSet.empty(), r1.get(TAGS));
  }

  @Test
  void update_noDelta_isNoOpAndSendsNothing() {
    Replica r1 = start("r1");
    start("r2");
    cluster.advance(SECOND);
    GCounter value = r1.update(VISITS, c -> c);
    cluster.advance(SECOND);
    assertEquals(0, value.value());
    assertEquals(0, r1.stats().deltasSent());
  }

  @Test
  void update_replicatesToEveryPeer() {
    Replica r1 = start("r1");
    Replica r2 = start("r2");
    Replica r3 = start("r3");
    cluster.advance(SECOND);
    r1.update(VISITS, c -> c.increment(r1.self(), 1));
    r2.update(TAGS, s -> s.add(r2.self(), "blue"));
    cluster.advance(SECOND);
    for (Replica r : List.of(r1, r2, r3)) {
      assertEquals(1, r.get(VISITS).value(), r::toString);
      assertEquals(Set.of("blue"), r.get(TAGS).elements(), r::toString);
    }
    assertEquals(0, r1.peers().get(r2.self()).pendingDeltas());
    assertEquals(1, r1.peers().get(r3.self()).ackedSequence());
    assertTrue(r1.peers().get(r2.self()).connected());
  }

  @Test
  void burstOfUpdates_toPeersWhoseRoundTripExceedsTheResendInterval_notSentOverAndOver() {
    cluster =
        new SimulatedCluster(
            InMemoryNetwork.builder()
                .seed(9)
                .delay(Duration.ofMillis(150), Duration.ofMillis(250)) // round trip > 50 ms resend
                .build());
    // The wait before resending doubles after each resend (1, 2, 4, 8, 16 intervals of 50 ms): four
    // windows go twice to each peer while it learns the 300-500 ms round trip, then no more. (A
    // resent window leaves in full batches, whose Acks all come back a round trip later, up to 10
    // intervals with no progress: so the wait must reach 16 intervals, after resends at 1, 2, 4,
    // 8.)
    burstOfUpdates(4 * 2 * PeerSession.WINDOW);
  }

  @Test
  void burstOfUpdates_pacedByAcks_everyDeltaSentOnceToEachPeer() {
    burstOfUpdates(0);
  }

  /** Sends five windows at once to two peers; checks delivery, and the deltas sent again. */
  private void burstOfUpdates(long maxResent) {
    Replica r1 = start("r1");
    Replica r2 = start("r2");
    Replica r3 = start("r3");
    cluster.advance(SECOND);
    int updates = 5 * PeerSession.WINDOW;
    for (int i = 0; i < updates; i++) {
      r1.update(VISITS, c -> c.increment(r1.self(), 1));
    }
    cluster.advance(Duration.ofSeconds(20));
    assertEquals(updates, r2.get(VISITS).value());
    assertEquals(updates, r3.get(VISITS).value());
    // More than a window at once: the rest waited for Acks; resends bounded.
    long sent = r1.stats().deltasSent();
    assertTrue(sent >= 2L * updates, "sent " + sent);
    assertTrue(
        sent <= 2L * updates + maxResent,
        () -> "deltas sent " + sent + " for " + 2 * updates + " deliveries");
    assertEquals(0, r1.peers().get(r2.self()).pendingDeltas());
  }

  @Test
  void update_duringPartition_arrivesAfterHeal() {
    Replica r1 = start("r1");
    Replica r2 = start("r2");
    cluster.advance(SECOND);
    cluster.network.partition(Set.of(r1.self()), Set.of(r2.self()));
    r1.update(VISITS, c -> c.increment(r1.self(), 5));
    cluster.advance(SECOND);
    assertEquals(0, r2.get(VISITS).value());
    assertEquals(1, r1.peers().get(r2.self()).pendingDeltas());
    cluster.network.heal();
    cluster.advance(SECOND);
    assertEquals(5, r2.get(VISITS).value());
  }

  @Test
  void update_peerLagsBeyondLogBound_catchesUpThroughChunkedFullStates() {
    cluster =
        new SimulatedCluster(
            InMemoryNetwork.builder()
                .seed(3)
                .delay(Duration.ofMillis(1), Duration.ofMillis(5))
                .maxMessageBytes(600)
                .build());
    Replica r1 = cluster.start("r1", b -> b.key(TAGS).maxLogEntries(2));
    Replica r2 = cluster.start("r2", b -> b.key(TAGS));
    cluster.advance(SECOND);
    cluster.network.partition(Set.of(r1.self()), Set.of(r2.self()));
    IntStream.range(0, 100).forEach(i -> r1.update(TAGS, s -> s.add(r1.self(), "element-" + i)));
    cluster.network.heal();
    cluster.advance(Duration.ofSeconds(5));
    assertEquals(100, r2.get(TAGS).size());
    assertEquals(r1.get(TAGS), r2.get(TAGS));
    assertTrue(r1.stats().fullStatesSent() > 0, r1.stats()::toString);
    assertTrue(r2.stats().fullStatesReceived() > 0, r2.stats()::toString);
  }

  @Test
  void update_deltaLargerThanMessageLimit_travelsAsChunkedFullState() {
    cluster =
        new SimulatedCluster(
            InMemoryNetwork.builder()
                .seed(5)
                .delay(Duration.ofMillis(1), Duration.ofMillis(5))
                .maxMessageBytes(700)
                .build());
    Replica r1 = cluster.start("r1", b -> b.key(TAGS));
    Replica r2 = cluster.start("r2", b -> b.key(TAGS));
    cluster.advance(SECOND);
    String large = "x".repeat(2_000);
    r1.update(TAGS, s -> s.add(r1.self(), large));
    cluster.advance(SECOND);
    assertEquals(Set.of(large), r2.get(TAGS).elements());
    assertEquals(1, r1.stats().oversizedDeltas());
    assertEquals(0, r1.stats().deltasSent());
  }

  @Test
  void restart_crashedReplicaWithNoState_catchesUp() {
    Replica r1 = start("r1");
    start("r2");
    cluster.advance(SECOND);
    r1.update(VISITS, c -> c.increment(r1.self(), 4));
    cluster.advance(SECOND);
    cluster.network.crash(ReplicaId.of("r2"));
    r1.update(TAGS, s -> s.add(r1.self(), "late"));
    cluster.advance(SECOND);
    Replica r2 = cluster.restart("r2", b -> b.key(VISITS).key(TAGS));
    cluster.advance(SECOND);
    assertEquals(4, r2.get(VISITS).value());
    assertEquals(Set.of("late"), r2.get(TAGS).elements());
    r2.update(VISITS, c -> c.increment(r2.self(), 1));
    cluster.advance(SECOND);
    assertEquals(5, r1.get(VISITS).value());
  }

  @Test
  void subscribe_localAndRemoteChanges_notifiedUntilClosed() {
    Replica r1 = start("r1");
    Replica r2 = start("r2");
    cluster.advance(SECOND);
    List<Long> seen = new ArrayList<>();
    Subscription subscription = r2.subscribe(VISITS, c -> seen.add(c.value()));
    r2.update(VISITS, c -> c.increment(r2.self(), 1));
    r1.update(VISITS, c -> c.increment(r1.self(), 2));
    cluster.advance(SECOND);
    assertEquals(List.of(1L, 3L), seen);
    subscription.close();
    r1.update(VISITS, c -> c.increment(r1.self(), 2));
    cluster.advance(SECOND);
    assertEquals(List.of(1L, 3L), seen);
    assertEquals(5, r2.get(VISITS).value());
  }

  @Test
  void key_emptyName_throwsNamingIt() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Key.gCounter(""));
    assertTrue(e.getMessage().contains("name"), e.getMessage());
  }

  @Test
  void key_nameTooLong_throwsWithLength() {
    String name = "k".repeat(Key.MAX_NAME_LENGTH + 1);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Key.orSet(name, ElementCodec.longs()));
    assertTrue(e.getMessage().contains("length=257"), e.getMessage());
    assertEquals(Key.MAX_NAME_LENGTH, Key.pnCounter("k".repeat(256)).name().length());
  }

  @Test
  void key_nullName_throwsNullPointerException() {
    assertThrows(NullPointerException.class, () -> Key.ewFlag(null));
  }

  @Test
  void key_sameNameAndType_equal() {
    assertEquals(Key.gCounter("a"), Key.gCounter("a"));
    assertFalse(Key.gCounter("a").equals(Key.pnCounter("a")));
    assertEquals("GCounter", Key.gCounter("a").typeName());
  }

  @Test
  void update_nameDeclaredWithOtherType_throws() {
    Replica r1 = start("r1");
    Key<PNCounter> visits = Key.pnCounter("visits");
    assertThrows(IllegalArgumentException.class, () -> r1.update(visits, c -> c));
    assertThrows(IllegalArgumentException.class, () -> r1.get(visits));
  }

  @Test
  void builder_maxClockOffset_setOnTheClockTheReplicaMakes() {
    InMemoryNetwork network = InMemoryNetwork.builder().build();
    ReplicaId id = ReplicaId.of("offset");
    try (Replica replica =
        Replica.builder()
            .replicaId(id)
            .transport(network.transport(id))
            .maxClockOffset(Duration.ofSeconds(3))
            .start()) {
      assertEquals(Duration.ofSeconds(3), replica.clock().maxOffset());
    }
  }

  @Test
  void builder_maxClockOffsetWithGivenClock_orOutOfRange_throwsNamingIt() {
    IllegalStateException both =
        assertThrows(
            IllegalStateException.class,
            () ->
                Replica.builder()
                    .replicaId("r")
                    .transport(cluster.rawPeer("r-transport"))
                    .clock(HybridLogicalClock.system())
                    .maxClockOffset(Duration.ofSeconds(3))
                    .start());
    assertTrue(both.getMessage().contains("PT3S"), both.getMessage());
    IllegalArgumentException zero =
        assertThrows(
            IllegalArgumentException.class, () -> Replica.builder().maxClockOffset(Duration.ZERO));
    assertTrue(zero.getMessage().contains("PT0S"), zero.getMessage());
  }

  @Test
  void builder_keyDeclaredTwiceWithOtherTypes_throws() {
    assertThrows(
        IllegalArgumentException.class,
        () -> Replica.builder().key(Key.gCounter("x")).key(Key.pnCounter("x")));
  }

  @Test
  void incomingDelta_otherTypeOrUndeclared_rejectedTypeMismatchAndStateUntouched() {
    Key<PNCounter> otherType = Key.pnCounter("visits");
    Replica r1 = start("r1");
    Replica r2 = cluster.start("r2", b -> b.key(otherType));
    Replica r3 = cluster.start("r3", b -> b);
    cluster.advance(SECOND);
    r1.update(VISITS, c -> c.increment(r1.self(), 1));
    cluster.advance(SECOND);
    assertEquals(0, r2.get(otherType).value());
    assertTrue(r2.stats().rejected(Reason.TYPE_MISMATCH) > 0, r2.stats()::toString);
    assertTrue(r3.stats().rejected(Reason.TYPE_MISMATCH) > 0, r3.stats()::toString);
    assertTrue(r1.stats().rejectsReceived().get(Reason.TYPE_MISMATCH) > 0);
    // The refused delta's sequence is consumed: later deltas of other keys still flow.
    r1.update(TAGS, s -> s.add(r1.self(), "x"));
    cluster.advance(SECOND);
    assertEquals(0, r1.peers().get(r2.self()).pendingDeltas());
  }

  @Test
  void incomingMessage_clockBeyondMaxOffset_rejectedAndNotApplied() {
    // REPORT: under the default FENCE policy r1, whose clock its only peer refuses, would refuse
    // the write itself (ClockFenceTest); here the receiver's refusal is what is tested.
    Replica r1 =
        cluster.start(
            "r1",
            Duration.ofSeconds(10),
            b -> b.key(VISITS).clockSkewPolicy(ClockSkewPolicy.REPORT));
    Replica r2 = start("r2");
    cluster.advance(SECOND);
    r1.update(VISITS, c -> c.increment(r1.self(), 1));
    cluster.advance(SECOND);
    assertEquals(0, r2.get(VISITS).value());
    assertTrue(r2.stats().rejected(Reason.CLOCK_OFFSET) > 0, r2.stats()::toString);
    assertTrue(r1.stats().rejectsReceived().get(Reason.CLOCK_OFFSET) > 0);
    assertEquals(0, r2.stats().deltasReceived());
  }

  @Test
  void incomingMessage_senderNotConnectionPeer_rejectedUntrusted() {
    Replica r1 = start("r1");
    Transport rogue = cluster.rawPeer("rogue");
    cluster.advance(SECOND);
    rogue.send(r1.self(), cluster.visitsDelta("someone-else", ByteString.EMPTY));
    cluster.advance(SECOND);
    assertEquals(1, r1.stats().rejected(Reason.UNTRUSTED_PEER));
    assertEquals(
        List.of("rogue down r1: disconnected by r1: UNTRUSTED_PEER"),
        cluster.rawPeerEvents.stream().map(e -> e.replaceAll(": sender .*", "")).toList());
  }

  @Test
  void incomingMessage_unknownProtocolVersion_refusedDisconnectedReconnectsLater() {
    Replica r1 = start("r1");
    Transport rogue = cluster.rawPeer("rogue");
    cluster.advance(SECOND);
    Envelope v2 =
        cluster.visitsDelta("rogue", ByteString.EMPTY).toBuilder().setProtocolVersion(2).build();
    rogue.send(r1.self(), v2);
    cluster.advance(Duration.ofMillis(100));
    assertEquals(1, r1.stats().rejected(Reason.UNKNOWN_VERSION));
    assertEquals(0, r1.get(VISITS).value());
    assertEquals(
        List.of(
            "rogue down r1: disconnected by r1: UNKNOWN_VERSION: protocol version 2, expected 1"),
        cluster.rawPeerEvents);
    assertFalse(r1.peers().get(ReplicaId.of("rogue")).connected());
    assertFalse(rogue.send(r1.self(), v2), "the link is down until the reconnect delay ends");
    cluster.advance(Duration.ofSeconds(2));
    assertTrue(r1.peers().get(ReplicaId.of("rogue")).connected(), r1.peers()::toString);
    assertTrue(rogue.send(r1.self(), cluster.envelopeFrom("rogue").build()));
  }

  @Test
  void incomingMessage_clockOffsetOrTypeMismatch_refusedButConnectionKept() {
    Replica r1 = start("r1");
    Transport rogue = cluster.rawPeer("rogue");
    cluster.advance(SECOND);
    Envelope wrongType = cluster.visitsDelta("rogue", "PNCounter", ByteString.EMPTY);
    rogue.send(r1.self(), wrongType);
    cluster.advance(SECOND);
    assertEquals(1, r1.stats().rejected(Reason.TYPE_MISMATCH));
    assertEquals(List.of(), cluster.rawPeerEvents);
    assertTrue(r1.peers().get(ReplicaId.of("rogue")).connected());
  }

  @Test
  void incomingDelta_garbagePayload_rejectedMalformedOthersCarryOn() {
    Replica r1 = start("r1");
    Replica r2 = start("r2");
    Transport rogue = cluster.rawPeer("rogue");
    cluster.advance(SECOND);
    rogue.send(
        r1.self(), cluster.visitsDelta("rogue", ByteString.copyFrom(new byte[] {(byte) 0xff, 1})));
    r2.update(VISITS, c -> c.increment(r2.self(), 2));
    cluster.advance(SECOND);
    assertEquals(1, r1.stats().rejected(Reason.MALFORMED));
    assertEquals(2, r1.get(VISITS).value());
    assertEquals(1, cluster.rawPeerEvents.size(), cluster.rawPeerEvents::toString);
    assertTrue(
        cluster.rawPeerEvents.get(0).startsWith("rogue down r1: disconnected by r1: MALFORMED"),
        cluster.rawPeerEvents::toString);
    assertTrue(r1.peers().get(r2.self()).connected());
  }

  @Test
  void fullStateChunks_ofTwoReorderedTransfers_areNeverCombined() {
    Replica r1 = start("r1");
    Transport rogue = cluster.rawPeer("rogue");
    cluster.advance(SECOND);
    ReplicaId id = ReplicaId.of("rogue");
    byte[] a = CrdtCodec.gCounter().encode(GCounter.empty().increment(id, 5).resetDelta());
    byte[] b = CrdtCodec.gCounter().encode(GCounter.empty().increment(id, 7).resetDelta());
    // Transfer 1's first half, then transfer 2's second half: combined they would be a mix.
    rogue.send(r1.self(), chunkEnvelope(1, 0, a, 0, a.length / 2));
    rogue.send(r1.self(), chunkEnvelope(2, 1, b, b.length / 2, b.length));
    cluster.advance(SECOND);
    assertEquals(0, r1.get(VISITS).value());
    assertEquals(0, r1.stats().fullStatesReceived());
    rogue.send(r1.self(), chunkEnvelope(2, 0, b, 0, b.length / 2));
    cluster.advance(SECOND);
    assertEquals(7, r1.get(VISITS).value(), r1.stats()::toString);
    assertEquals(1, r1.stats().fullStatesReceived());
  }

  private Envelope chunkEnvelope(long transfer, int index, byte[] state, int from, int to) {
    return cluster
        .envelopeFrom("rogue")
        .setFullState(
            FullStateChunk.newBuilder()
                .setKey("visits")
                .setType("GCounter")
                .setTransfer(transfer)
                .setChunkIndex(index)
                .setChunkCount(2)
                .setTotalBytes(state.length)
                .setPayload(ByteString.copyFrom(state, from, to - from)))
        .build();
  }

  @Test
  void close_stopsReplicaAndIsIdempotent() {
    Replica r1 = start("r1");
    Replica r2 = start("r2");
    cluster.advance(SECOND);
    r1.close();
    r1.close();
    cluster.advance(SECOND);
    assertThrows(IllegalStateException.class, () -> r1.update(VISITS, c -> c));
    assertFalse(r2.peers().get(r1.self()).connected());
  }

  @Test
  void keyFamily_declaresNamesByPrefix() {
    Replica r1 = start("r1");
    Replica r2 =
        cluster.start(
            "r2", b -> b.keyFamily("cart:", name -> Key.orSet(name, ElementCodec.strings())));
    cluster.advance(SECOND);
    Key<ORSet<String>> cart = Key.orSet("cart:42", ElementCodec.strings());
    r1.update(cart, s -> s.add(r1.self(), "book"));
    cluster.advance(SECOND);
    assertEquals(Set.of("book"), r2.get(cart).elements());
  }

  @Test
  void builder_missingTransport_throws() {
    assertThrows(IllegalStateException.class, () -> Replica.builder().replicaId("a").start());
    assertThrows(IllegalArgumentException.class, () -> Replica.builder().maxLogEntries(0));
  }

  @Test
  void self_isConfiguredId() {
    Replica r1 = start("r1");
    assertEquals(ReplicaId.of("r1"), r1.self());
    assertSame(r1.clock(), r1.clock());
  }
}
