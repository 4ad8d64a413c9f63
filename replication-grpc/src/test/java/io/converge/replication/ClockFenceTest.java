package io.converge.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.clocks.ReplicaId;
import io.converge.crdt.GCounter;
import io.converge.crdt.LWWRegister;
import io.converge.replication.codec.ElementCodec;
import io.converge.replication.codec.WireException.Reason;
import io.converge.replication.transport.InMemoryNetwork;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The clock fence (issue 13, finding 3): a replica whose clock disagrees beyond the maximum offset
 * with a majority of its peers is fenced and refuses writes, so that it never mints timestamps that
 * beat writes made later in real time.
 */
final class ClockFenceTest {

  private static final Key<GCounter> VISITS = Key.gCounter("visits");
  private static final Key<LWWRegister<String>> ADDRESS =
      Key.lwwRegister("address", ElementCodec.strings());
  private static final Duration SECOND = Duration.ofSeconds(1);
  private static final Duration SKEW = Duration.ofSeconds(5); // max offset: 500 ms
  private static final ReplicaId P1 = ReplicaId.of("p1");
  private static final ReplicaId P2 = ReplicaId.of("p2");
  private static final ReplicaId P3 = ReplicaId.of("p3");

  private SimulatedCluster cluster;

  @BeforeEach
  void setUp() {
    cluster =
        new SimulatedCluster(
            InMemoryNetwork.builder()
                .seed(13)
                .delay(Duration.ofMillis(1), Duration.ofMillis(5))
                .build());
  }

  private Replica start(String name, Duration skew) {
    return cluster.start(name, skew, b -> b.key(VISITS).key(ADDRESS));
  }

  // --- the state machine alone ------------------------------------------------------------------

  @Test
  void health_noEvidence_notFenced() {
    ClockFence fence = new ClockFence(ClockSkewPolicy.FENCE, SECOND);
    ClockHealth health = fence.health(Set.of(P1, P2));
    assertFalse(health.fenced());
    assertFalse(health.refusesWrites());
    assertEquals("", health.reason());
    assertEquals(2, health.peers());
  }

  @Test
  void health_refusedByMajority_fencedWithReasonNamingPeersAndOffset() {
    ClockFence fence = new ClockFence(ClockSkewPolicy.FENCE, SECOND);
    fence.theyRefusedOurs(P1);
    fence.refusedTheirs(P2);
    ClockHealth health = fence.health(Set.of(P1, P2));
    assertTrue(health.fenced());
    assertTrue(health.refusesWrites());
    assertEquals(Set.of(P1, P2), health.disagreeing());
    assertTrue(health.reason().contains("1000 ms"), health.reason());
    assertTrue(health.reason().contains("[p1, p2]"), health.reason());
  }

  @Test
  void health_disagreesWithOneOfTwoPeers_notFenced() {
    ClockFence fence = new ClockFence(ClockSkewPolicy.FENCE, SECOND);
    fence.refusedTheirs(P1);
    ClockHealth health = fence.health(Set.of(P1, P2));
    assertFalse(health.fenced());
    assertEquals(Set.of(P1), health.disagreeing());
  }

  @Test
  void health_twoReplicas_theOnlyPeerDisagrees_fenced() {
    ClockFence fence = new ClockFence(ClockSkewPolicy.FENCE, SECOND);
    fence.refusedTheirs(P1);
    assertTrue(fence.health(Set.of(P1)).fenced());
  }

  @Test
  void health_laterAcceptanceInTheSameDirection_overturnsRefusal() {
    ClockFence fence = new ClockFence(ClockSkewPolicy.FENCE, SECOND);
    fence.refusedTheirs(P1);
    fence.theyRefusedOurs(P2);
    fence.acceptedTheirs(P1);
    fence.theyAcceptedOurs(P2);
    assertFalse(fence.health(Set.of(P1, P2)).fenced());
    fence.theyRefusedOurs(P1);
    fence.acceptedTheirs(P1); // the other direction says nothing about our timestamps
    assertEquals(Set.of(P1), fence.health(Set.of(P1, P2)).disagreeing());
  }

  @Test
  void health_reportPolicy_fencedButAcceptsWrites() {
    ClockFence fence = new ClockFence(ClockSkewPolicy.REPORT, SECOND);
    fence.refusedTheirs(P1);
    fence.refusedTheirs(P2);
    ClockHealth health = fence.health(Set.of(P1, P2));
    assertTrue(health.fenced());
    assertFalse(health.refusesWrites());
    assertTrue(health.reason().contains("REPORT"), health.reason());
  }

  @Test
  void health_peerForgotten_orNotConfigured_notCounted() {
    ClockFence fence = new ClockFence(ClockSkewPolicy.FENCE, SECOND);
    fence.refusedTheirs(P1);
    fence.refusedTheirs(P3);
    fence.forget(P1);
    assertEquals(Set.of(), fence.health(Set.of(P1, P2)).disagreeing());
  }

  // --- replicas over the simulated network ------------------------------------------------------

  @Test
  void clockAhead_threeReplicas_skewedOneFencedAndRefusesWrites_othersNot() {
    Replica skewed = start("r1", SKEW);
    Replica r2 = start("r2", Duration.ZERO);
    Replica r3 = start("r3", Duration.ZERO);
    cluster.advance(SECOND);

    ClockHealth health = skewed.clockHealth();
    assertTrue(health.fenced(), health::toString);
    assertEquals(Set.of(r2.self(), r3.self()), health.disagreeing());
    ClockSkewException refused =
        assertThrows(
            ClockSkewException.class, () -> skewed.update(VISITS, c -> c.increment(P1, 1)));
    assertTrue(refused.getMessage().contains("key visits"), refused.getMessage());
    assertTrue(refused.getMessage().contains("fenced"), refused.getMessage());
    assertEquals(GCounter.empty(), skewed.get(VISITS)); // nothing applied
    assertFalse(r2.clockHealth().fenced(), () -> r2.clockHealth().toString());
    assertFalse(r3.clockHealth().fenced(), () -> r3.clockHealth().toString());
    assertEquals(Set.of(skewed.self()), r2.clockHealth().disagreeing());
    r2.update(VISITS, c -> c.increment(r2.self(), 1)); // the healthy majority keeps writing
  }

  @Test
  void clockBehind_threeReplicas_skewedOneFenced_othersNot() {
    Replica skewed = start("r1", SKEW.negated());
    Replica r2 = start("r2", Duration.ZERO);
    Replica r3 = start("r3", Duration.ZERO);
    cluster.advance(SECOND);

    assertTrue(skewed.clockHealth().fenced(), () -> skewed.clockHealth().toString());
    assertThrows(ClockSkewException.class, () -> skewed.update(VISITS, c -> c.increment(P1, 1)));
    assertFalse(r2.clockHealth().fenced());
    assertFalse(r3.clockHealth().fenced());
    assertTrue(skewed.stats().rejected(Reason.CLOCK_OFFSET) > 0, skewed.stats()::toString);
  }

  @Test
  void clockFixed_fenceLifts_writesReplicateAndLaterWriteWins() {
    Replica skewed = start("r1", SKEW);
    Replica r2 = start("r2", Duration.ZERO);
    start("r3", Duration.ZERO);
    cluster.advance(SECOND);
    assertTrue(skewed.clockHealth().fenced());

    cluster.network.clock(skewed.self(), Duration.ZERO);
    // The replica's hybrid clock stays ahead until the wall clock passes what it issued (about
    // the skew): the peers refuse it until then, and the fence holds.
    cluster.advance(SECOND);
    assertTrue(skewed.clockHealth().fenced(), () -> skewed.clockHealth().toString());
    cluster.advance(SKEW.plus(SECOND));
    assertFalse(skewed.clockHealth().fenced(), () -> skewed.clockHealth().toString());

    skewed.update(ADDRESS, a -> a.set("skewed region's write", skewed.clock(), skewed.self()));
    cluster.advance(SECOND);
    r2.update(ADDRESS, a -> a.set("later write", r2.clock(), r2.self()));
    cluster.advance(SECOND);
    for (Replica r : cluster.replicas) {
      assertEquals("later write", r.get(ADDRESS).value().orElseThrow(), r.self()::toString);
    }
  }

  @Test
  void clockAhead_withoutFence_aWriteDuringTheSkewBeatsALaterOne() {
    // What the fence prevents: under REPORT the skewed replica's write, made first, wins over a
    // write made a second later in real time once its clock is fixed.
    Replica skewed =
        cluster.start("r1", SKEW, b -> b.key(ADDRESS).clockSkewPolicy(ClockSkewPolicy.REPORT));
    Replica r2 = start("r2", Duration.ZERO);
    start("r3", Duration.ZERO);
    cluster.advance(SECOND);
    assertTrue(skewed.clockHealth().fenced());
    assertFalse(skewed.clockHealth().refusesWrites());
    skewed.update(ADDRESS, a -> a.set("written during the skew", skewed.clock(), skewed.self()));
    cluster.advance(SECOND);
    r2.update(ADDRESS, a -> a.set("later write", r2.clock(), r2.self()));
    cluster.network.clock(skewed.self(), Duration.ZERO);
    cluster.advance(SKEW.multipliedBy(3));
    for (Replica r : cluster.replicas) {
      assertEquals(
          "written during the skew", r.get(ADDRESS).value().orElseThrow(), r.self()::toString);
    }
  }

  @Test
  void twoReplicas_clocksDisagree_bothFenced() {
    Replica r1 = start("r1", SKEW);
    Replica r2 = start("r2", Duration.ZERO);
    cluster.advance(SECOND);
    assertTrue(r1.clockHealth().fenced(), () -> r1.clockHealth().toString());
    assertTrue(r2.clockHealth().fenced(), () -> r2.clockHealth().toString());
  }

  @Test
  void clocksWithinOffset_nobodyFenced() {
    start("r1", Duration.ofMillis(400));
    start("r2", Duration.ofMillis(-50));
    start("r3", Duration.ZERO);
    cluster.advance(SECOND.multipliedBy(3));
    for (Replica r : cluster.replicas) {
      assertFalse(r.clockHealth().fenced(), () -> r.clockHealth().toString());
      r.update(VISITS, c -> c.increment(r.self(), 1));
    }
    cluster.advance(SECOND);
    for (Replica r : cluster.replicas) {
      assertEquals(3, r.get(VISITS).value());
    }
  }

  @Test
  void fencedGauge_readsOneWhileFenced() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Replica skewed = cluster.start("r1", SKEW, b -> b.key(VISITS).meterRegistry(registry));
    start("r2", Duration.ZERO);
    start("r3", Duration.ZERO);
    cluster.advance(SECOND);
    assertEquals(1.0, registry.get(EngineMeters.CLOCK_FENCED).gauge().value());
    assertEquals(2.0, registry.get(EngineMeters.CLOCK_DISAGREEING).gauge().value());
    cluster.network.clock(skewed.self(), Duration.ZERO);
    cluster.advance(SKEW.multipliedBy(2));
    assertEquals(0.0, registry.get(EngineMeters.CLOCK_FENCED).gauge().value());
  }
}
