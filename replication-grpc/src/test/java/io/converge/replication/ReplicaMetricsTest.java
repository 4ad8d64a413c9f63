package io.converge.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.converge.crdt.GCounter;
import io.converge.crdt.PNCounter;
import io.converge.replication.codec.WireException.Reason;
import io.converge.replication.transport.InMemoryNetwork;
import io.converge.replication.transport.Transport;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

final class ReplicaMetricsTest {

  private static final Key<GCounter> VISITS = Key.gCounter("visits");
  private static final Key<GCounter> CLICKS = Key.gCounter("clicks");
  private static final Duration SECOND = Duration.ofSeconds(1);
  private static final Duration MIN_DELAY = Duration.ofMillis(1);
  private static final Duration MAX_DELAY = Duration.ofMillis(5);

  private SimulatedCluster cluster;
  private SimpleMeterRegistry registry;

  @BeforeEach
  void setUp() {
    cluster =
        new SimulatedCluster(
            InMemoryNetwork.builder().seed(11).delay(MIN_DELAY, MAX_DELAY).build());
    registry = new SimpleMeterRegistry();
  }

  private Replica start(String name) {
    return cluster.start(name, b -> b.key(VISITS).key(CLICKS).meterRegistry(registry));
  }

  private double sum(String meter, String replica) {
    return registry.find(meter).tag("replica", replica).counters().stream()
        .mapToDouble(Counter::count)
        .sum();
  }

  private double count(String meter, String replica, String peer) {
    return registry.get(meter).tag("replica", replica).tag("peer", peer).counter().count();
  }

  private double pending(String replica, String peer) {
    return registry
        .get("converge.deltas.pending")
        .tag("replica", replica)
        .tag("peer", peer)
        .gauge()
        .value();
  }

  private double rejected(String replica, Reason reason, String direction) {
    return registry
        .get("converge.rejected")
        .tag("replica", replica)
        .tag("reason", reason.name())
        .tag("direction", direction)
        .counter()
        .count();
  }

  @Test
  void counters_afterUpdatesAndAntiEntropy_matchStats() {
    Replica r1 = start("r1");
    Replica r2 = start("r2");
    Replica r3 = start("r3");
    cluster.advance(SECOND);
    for (int i = 0; i < 5; i++) {
      r1.update(VISITS, c -> c.increment(r1.self(), 1));
      r2.update(CLICKS, c -> c.increment(r2.self(), 2));
      cluster.advance(Duration.ofMillis(30));
    }
    r3.update(VISITS, c -> c.increment(r3.self(), 3));
    cluster.advance(SECOND);
    for (Replica r : new Replica[] {r1, r2, r3}) {
      String id = r.self().name();
      Stats stats = r.stats();
      assertEquals(stats.deltasSent(), sum("converge.deltas.sent", id), id);
      assertEquals(stats.deltasReceived(), sum("converge.deltas.received", id), id);
      assertEquals(stats.fullStatesSent(), sum("converge.fullstate.sent", id), id);
      assertEquals(stats.fullStatesReceived(), sum("converge.fullstate.received", id), id);
      assertEquals(stats.digestRounds(), sum("converge.digest.rounds", id), id);
      assertTrue(stats.digestRounds() > 0, stats::toString);
      assertTrue(sum("converge.bytes.sent", id) > 0, id);
      assertTrue(sum("converge.bytes.received", id) > 0, id);
    }
    assertEquals(5, count("converge.deltas.received", "r3", "r1"));
    assertEquals(5, count("converge.deltas.received", "r3", "r2"));
    assertEquals(1, count("converge.deltas.received", "r1", "r3"));
    assertEquals(5, r3.get(VISITS).value() - 3);
  }

  @Test
  void bytes_sentByOneEqualReceivedByTheOther_onALosslessNetwork() {
    start("r1");
    Replica r2 = start("r2");
    cluster.advance(SECOND);
    r2.update(VISITS, c -> c.increment(r2.self(), 1));
    cluster.advance(SECOND);
    cluster.network.runUntilQuiet(10_000);
    assertEquals(
        count("converge.bytes.sent", "r1", "r2"), count("converge.bytes.received", "r2", "r1"));
    assertEquals(
        count("converge.bytes.sent", "r2", "r1"), count("converge.bytes.received", "r1", "r2"));
  }

  @Test
  void lag_isRecordedPerOriginPeer_withinTheNetworkDelay() {
    Replica r1 = start("r1");
    Replica r2 = start("r2");
    cluster.advance(SECOND);
    assertEquals(-1, r2.peers().get(r1.self()).lagMillis());
    for (int i = 0; i < 20; i++) {
      r1.update(VISITS, c -> c.increment(r1.self(), 1));
      cluster.advance(Duration.ofMillis(20));
    }
    cluster.advance(SECOND);
    Timer lag =
        registry.get("converge.replication.lag").tag("replica", "r2").tag("peer", "r1").timer();
    assertEquals(20, lag.count());
    assertEquals(r2.stats().deltasReceived(), lag.count());
    double min = MIN_DELAY.toMillis();
    double max = MAX_DELAY.toMillis();
    assertTrue(
        lag.max(TimeUnit.MILLISECONDS) <= max, () -> "max " + lag.max(TimeUnit.MILLISECONDS));
    assertTrue(
        lag.max(TimeUnit.MILLISECONDS) >= min, () -> "max " + lag.max(TimeUnit.MILLISECONDS));
    double mean = lag.mean(TimeUnit.MILLISECONDS);
    assertTrue(mean >= min && mean <= max, () -> "mean " + mean);
    long last = r2.peers().get(r1.self()).lagMillis();
    assertTrue(last >= min && last <= max, () -> "last " + last);
    // r1 received no delta of r2: no lag from it.
    assertEquals(-1, r1.peers().get(r2.self()).lagMillis());
    assertEquals(0, registry.get("converge.replication.lag").tag("replica", "r1").timer().count());
  }

  @Test
  void pendingGauge_countsUnackedDeltas_andDropsToZeroAfterAcks() {
    Replica r1 = start("r1");
    Replica r2 = start("r2");
    cluster.advance(SECOND);
    assertEquals(0, pending("r1", "r2"));
    cluster.network.partition(Set.of(r1.self()), Set.of(r2.self()));
    for (int i = 0; i < 3; i++) {
      r1.update(VISITS, c -> c.increment(r1.self(), 1));
    }
    cluster.advance(SECOND);
    assertEquals(3, pending("r1", "r2"));
    assertEquals(3, r1.peers().get(r2.self()).pendingDeltas());
    cluster.network.heal();
    cluster.advance(SECOND);
    assertEquals(0, pending("r1", "r2"));
    assertEquals(0, r1.peers().get(r2.self()).pendingDeltas());
    assertEquals(3, r2.get(VISITS).value());
  }

  @Test
  void rejected_isCountedByReasonAndDirection() {
    Key<PNCounter> otherType = Key.pnCounter("visits");
    Replica r1 = start("r1");
    Replica r2 = cluster.start("r2", b -> b.key(otherType).meterRegistry(registry));
    Transport rogue = cluster.rawPeer("rogue");
    cluster.advance(SECOND);
    r1.update(VISITS, c -> c.increment(r1.self(), 1));
    rogue.send(
        r1.self(), cluster.visitsDelta("rogue", ByteString.copyFrom(new byte[] {(byte) 0xff, 1})));
    cluster.advance(SECOND);

    long mismatches = r2.stats().rejected(Reason.TYPE_MISMATCH);
    assertTrue(mismatches > 0, r2.stats()::toString);
    assertEquals(mismatches, rejected("r2", Reason.TYPE_MISMATCH, "received"));
    assertEquals(
        (double) r1.stats().rejectsReceived().get(Reason.TYPE_MISMATCH),
        rejected("r1", Reason.TYPE_MISMATCH, "sent"));
    assertTrue(rejected("r1", Reason.TYPE_MISMATCH, "sent") > 0);
    assertEquals(1, r1.stats().rejected(Reason.MALFORMED));
    assertEquals(1, rejected("r1", Reason.MALFORMED, "received"));
    for (Reason reason : Reason.values()) {
      assertEquals(r1.stats().rejected(reason), rejected("r1", reason, "received"), reason.name());
      assertEquals(r2.stats().rejected(reason), rejected("r2", reason, "received"), reason.name());
    }
  }

  @Test
  void close_removesTheReplicasMeters_defaultRegistryKeepsStats() {
    Replica r1 = start("r1");
    Replica r2 = cluster.start("r2", b -> b.key(VISITS));
    cluster.advance(SECOND);
    r2.update(VISITS, c -> c.increment(r2.self(), 1));
    cluster.advance(SECOND);
    assertEquals(1, r2.stats().deltasSent());
    assertTrue(registry.find("converge.deltas.sent").tag("replica", "r2").counters().isEmpty());
    assertEquals(1, count("converge.deltas.received", "r1", "r2"));
    Gauge gauge = registry.get("converge.deltas.pending").tag("replica", "r1").gauge();
    assertEquals(0, gauge.value());
    r1.close();
    assertTrue(registry.find("converge.deltas.received").tag("replica", "r1").meters().isEmpty());
    assertTrue(registry.find("converge.deltas.pending").tag("replica", "r1").meters().isEmpty());
  }
}
