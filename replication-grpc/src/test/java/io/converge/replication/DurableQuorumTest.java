package io.converge.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.clocks.ReplicaId;
import io.converge.crdt.ORSet;
import io.converge.replication.codec.ElementCodec;
import io.converge.replication.transport.InMemoryNetwork;
import io.converge.replication.transport.Transport;
import io.converge.replication.wire.v1.Envelope;
import io.converge.replication.wire.v1.Reject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a {@code QUORUM} write promises across a restart of a durable replica. A {@code QUORUM}
 * write that changes nothing promises that a quorum holds what the writer observed, so it waits for
 * the writer's last write to the key (see {@code ReplicationEngine.write}).
 */
final class DurableQuorumTest {

  private static final Key<ORSet<String>> TAGS = Key.orSet("tags", ElementCodec.strings());
  private static final ReplicaId R1 = ReplicaId.of("r1");

  @TempDir Path dir;

  private DurableCluster cluster;

  /** Three durable replicas without anti-entropy (it would repair what these tests look at). */
  private Replica start(long seed) {
    return start(seed, b -> b);
  }

  private Replica start(long seed, UnaryOperator<Replica.Builder> configure) {
    cluster =
        new DurableCluster(
            InMemoryNetwork.builder()
                .seed(seed)
                .delay(Duration.ofMillis(1), Duration.ofMillis(5))
                .build(),
            dir,
            b -> configure.apply(b.key(TAGS).antiEntropyInterval(Duration.ofHours(1))));
    Replica r1 = cluster.start("r1", Duration.ZERO);
    cluster.start("r2", Duration.ZERO);
    cluster.start("r3", Duration.ZERO);
    cluster.network.advance(Duration.ofSeconds(1));
    cluster.network.isolate(R1);
    return r1;
  }

  /** Whether a QUORUM write that changes nothing returns at once (else it times out). */
  private static boolean noOpQuorumWriteReturns(Replica replica) {
    try {
      replica.write(TAGS, s -> s, Consistency.QUORUM, Duration.ZERO);
      return true;
    } catch (WriteTimeoutException e) {
      return false;
    }
  }

  @AfterEach
  void tearDown() {
    cluster.close();
  }

  @Test
  void noOpQuorumWrite_whileTheLastWriteIsOnThisDiskAlone_timesOut() {
    Replica r1 = start(3);
    r1.write(TAGS, s -> s.add(R1, "a"), Consistency.LOCAL, Duration.ZERO);

    assertFalse(
        noOpQuorumWriteReturns(r1), "no peer holds the write, yet the QUORUM write returned");
  }

  /**
   * Found by {@link DurableReplicationProperties} (seed -6028440159939044516): after a restart the
   * engine no longer knows the sequence of its last write to a key ({@code Slot.lastSequence} is
   * not recovered, so it is 0), and a {@code QUORUM} write that changes nothing returns at once,
   * although the write it observed exists on this replica's disk alone. Fixed (issue 14): what a
   * restart recovered counts as a write no Ack can prove a peer holds; an anti-entropy exchange can
   * (a full state merged, or digests found equal), and one starts at each handshake meanwhile.
   */
  @Test
  void noOpQuorumWrite_afterRestart_whileTheLastWriteIsOnThisDiskAlone_timesOut() {
    Replica r1 = start(3);
    r1.write(TAGS, s -> s.add(R1, "a"), Consistency.LOCAL, Duration.ZERO);
    cluster.crash(R1, SimulatedDisk.Crash.PROCESS);
    Replica restarted = cluster.restart(R1);
    assertEquals(Set.of("a"), restarted.get(TAGS).elements(), "the write survived the crash");

    assertFalse(
        noOpQuorumWriteReturns(restarted),
        "no peer holds the write, yet the QUORUM write returned");

    cluster.network.heal(); // the handshakes start an anti-entropy exchange: "a" is pushed
    cluster.network.advance(Duration.ofSeconds(1));
    assertTrue(cluster.node(ReplicaId.of("r2")).replica.get(TAGS).contains("a"), "r2 holds it");
    assertTrue(noOpQuorumWriteReturns(restarted), "r2 holds it, as its FullStateAck says");
  }

  /**
   * Found by {@link DurableReplicationProperties} (seed 1240810678958064087, loss 5%): a restarted
   * replica numbers its deltas from 1 again and tells its peers so in its handshake; if that
   * handshake is lost (the transport contract allows loss), the peer still expects the old
   * incarnation's next sequence, takes the new deltas for duplicates, skips them and acknowledges
   * them. The restarted replica then counts them as held by that peer (a QUORUM write returns) and
   * drops them from its log; only anti-entropy repairs the peer later. Fixed (issue 14): an Ack
   * names the incarnation its receiver counts in, and one naming another is not counted but sends
   * the handshake again.
   */
  @Test
  void restartedReplicasHandshakeLost_peerDoesNotAcknowledgeDeltasItSkipped() {
    Replica r1 = start(5);
    cluster.network.heal();
    ReplicaId r2 = ReplicaId.of("r2");
    r1.write(TAGS, s -> s.add(R1, "a"), Consistency.LOCAL, Duration.ZERO);
    r1.write(TAGS, s -> s.add(R1, "b"), Consistency.LOCAL, Duration.ZERO);
    cluster.network.advance(Duration.ofMillis(100));
    assertEquals(Set.of("a", "b"), cluster.node(r2).replica.get(TAGS).elements());
    cluster.network.isolate(ReplicaId.of("r3")); // r2 is r1's only possible quorum
    cluster.crash(R1, SimulatedDisk.Crash.PROCESS);

    Replica restarted = cluster.restart(R1, DurableQuorumTest::droppingFirstHandshake);
    cluster.network.advance(Duration.ofMillis(20)); // up, handshakes (r1's lost)
    restarted.write(TAGS, s -> s.add(R1, "c"), Consistency.LOCAL, Duration.ZERO);
    cluster.network.advance(Duration.ofMillis(20)); // the delta, its Ack

    boolean r2HoldsIt = cluster.node(r2).replica.get(TAGS).elements().contains("c");
    boolean quorumReturned = noOpQuorumWriteReturns(restarted);
    assertTrue(
        r2HoldsIt || !quorumReturned, "the QUORUM write returned, yet no peer holds r1's write");

    cluster.network.advance(Duration.ofSeconds(1)); // r2's Ack names the old incarnation: resent
    assertTrue(cluster.node(r2).replica.get(TAGS).contains("c"), "the delta reached r2");
    assertTrue(noOpQuorumWriteReturns(restarted), "r2 holds it");
  }

  /**
   * Found by {@link DurableReplicationProperties} (seed -8027697383334362031, a log of a few
   * entries): a QUORUM write that changes nothing waits for the writer's last write to the key,
   * taking its acknowledgement for one of the earlier writes too; but a peer told to skip what the
   * bounded log dropped acknowledges the later sequence without holding the earlier writes. Fixed
   * (issue 14): a delta dropped from the log before a peer acknowledged it makes its key's writes
   * lacked by that peer until anti-entropy proves it holds them.
   */
  @Test
  void noOpQuorumWrite_afterThePeerSkippedTheEarlierWrite_timesOut() {
    Replica r1 = start(7, b -> b.maxLogEntries(1));
    r1.write(TAGS, s -> s.add(R1, "a"), Consistency.LOCAL, Duration.ZERO);
    r1.write(TAGS, s -> s.add(R1, "b"), Consistency.LOCAL, Duration.ZERO); // the log drops "a"
    cluster.network.heal();
    cluster.network.advance(Duration.ofMillis(200)); // a skip past "a", then "b", acknowledged

    boolean someoneHoldsA =
        cluster.running().stream().filter(r -> r != r1).anyMatch(r -> r.get(TAGS).contains("a"));
    boolean quorumReturned = noOpQuorumWriteReturns(r1);
    assertTrue(
        someoneHoldsA || !quorumReturned, "the QUORUM write returned, yet no peer holds \"a\"");

    cluster.network.advance(Duration.ofSeconds(1)); // the handshakes started an exchange
    assertTrue(cluster.node(ReplicaId.of("r2")).replica.get(TAGS).contains("a"), "r2 holds it");
    assertTrue(noOpQuorumWriteReturns(r1), "r2 holds it, as its FullStateAck says");
  }

  /**
   * Like the skip above, for a peer met after the log dropped a write: it is told to skip it as
   * soon as it connects (issue 14).
   */
  @Test
  void noOpQuorumWrite_peerMetAfterTheLogDroppedTheEarlierWrite_timesOutUntilItHoldsIt() {
    cluster =
        new DurableCluster(
            InMemoryNetwork.builder()
                .seed(9)
                .delay(Duration.ofMillis(1), Duration.ofMillis(5))
                .build(),
            dir,
            b -> b.key(TAGS).antiEntropyInterval(Duration.ofHours(1)).maxLogEntries(1));
    Replica r1 = cluster.start("r1", Duration.ZERO);
    r1.write(TAGS, s -> s.add(R1, "a"), Consistency.LOCAL, Duration.ZERO);
    r1.write(TAGS, s -> s.add(R1, "b"), Consistency.LOCAL, Duration.ZERO); // the log drops "a"
    Replica r2 = cluster.start("r2", Duration.ZERO);

    for (int i = 0; i < 40; i++) {
      cluster.network.advance(Duration.ofMillis(5));
      boolean r2HoldsA = r2.get(TAGS).contains("a");
      assertTrue(
          r2HoldsA || !noOpQuorumWriteReturns(r1),
          "the QUORUM write returned, yet no peer holds \"a\"");
    }
    cluster.network.advance(Duration.ofSeconds(1));
    assertEquals(Set.of("a", "b"), r2.get(TAGS).elements());
    assertTrue(noOpQuorumWriteReturns(r1), "r2 holds both");
  }

  @Test
  void restartedReplica_handshakeDelivered_peerAppliesItsNewDeltas() {
    Replica r1 = start(5);
    cluster.network.heal();
    ReplicaId r2 = ReplicaId.of("r2");
    r1.write(TAGS, s -> s.add(R1, "a"), Consistency.LOCAL, Duration.ZERO);
    cluster.network.advance(Duration.ofMillis(100));
    cluster.network.isolate(ReplicaId.of("r3"));
    cluster.crash(R1, SimulatedDisk.Crash.PROCESS);

    Replica restarted = cluster.restart(R1);
    cluster.network.advance(Duration.ofMillis(20));
    restarted.write(TAGS, s -> s.add(R1, "c"), Consistency.LOCAL, Duration.ZERO);
    cluster.network.advance(Duration.ofMillis(20));

    assertEquals(Set.of("a", "c"), cluster.node(r2).replica.get(TAGS).elements());
    assertTrue(noOpQuorumWriteReturns(restarted), "r2 holds it");
  }

  /** A transport that loses the first handshake it sends, as a lossy network may. */
  private static Transport droppingFirstHandshake(Transport inner) {
    return new Transport() {
      private boolean dropped;

      @Override
      public void start(ReplicaId self, Listener listener) {
        inner.start(self, listener);
      }

      @Override
      public boolean send(ReplicaId peer, Envelope message) {
        if (!dropped && message.getBodyCase() == Envelope.BodyCase.HANDSHAKE) {
          dropped = true;
          return true; // accepted, then lost
        }
        return inner.send(peer, message);
      }

      @Override
      public void disconnect(ReplicaId peer, Reject.Reason reason, String detail) {
        inner.disconnect(peer, reason, detail);
      }

      @Override
      public Set<ReplicaId> peers() {
        return inner.peers();
      }

      @Override
      public int maxMessageBytes() {
        return inner.maxMessageBytes();
      }

      @Override
      public void close() {
        inner.close();
      }
    };
  }
}
