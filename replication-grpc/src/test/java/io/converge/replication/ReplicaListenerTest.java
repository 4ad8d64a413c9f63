package io.converge.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.converge.crdt.GCounter;
import io.converge.replication.transport.InMemoryNetwork;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A subscriber that throws never reaches the writer or the transport (issue 14). */
final class ReplicaListenerTest {

  private static final Key<GCounter> VISITS = Key.gCounter("visits");
  private static final Duration SECOND = Duration.ofSeconds(1);

  private static SimulatedCluster cluster() {
    return new SimulatedCluster(
        InMemoryNetwork.builder()
            .seed(5)
            .delay(Duration.ofMillis(1), Duration.ofMillis(5))
            .build());
  }

  @Test
  void update_listenerThrows_updateReturnsNormally_writeAppliedOnce_errorCounted() {
    // Before: the listener's exception escaped update() after the write was applied, so a caller
    // that retried counted twice.
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    SimulatedCluster cluster = cluster();
    Replica r1 = cluster.start("r1", b -> b.key(VISITS).meterRegistry(registry));
    r1.subscribe(
        VISITS,
        c -> {
          throw new IllegalStateException("listener bug");
        });
    GCounter value = r1.update(VISITS, c -> c.increment(r1.self(), 1));
    assertEquals(1, value.value());
    assertEquals(1, r1.get(VISITS).value());
    assertEquals(1, r1.stats().listenerErrors());
    assertEquals(1.0, registry.get(EngineMeters.LISTENER_ERRORS).functionCounter().count());
  }

  @Test
  void remoteChanges_listenerThrows_linkCarriesOn_otherListenersStillCalled() {
    SimulatedCluster cluster = cluster();
    Replica r1 = cluster.start("r1", b -> b.key(VISITS));
    Replica r2 = cluster.start("r2", b -> b.key(VISITS));
    cluster.advance(SECOND);
    r2.subscribe(
        VISITS,
        c -> {
          throw new IllegalStateException("listener bug");
        });
    long[] seen = {0};
    r2.subscribe(VISITS, c -> seen[0] = c.value());
    r1.update(VISITS, c -> c.increment(r1.self(), 1));
    cluster.advance(SECOND);
    r1.update(VISITS, c -> c.increment(r1.self(), 1));
    cluster.advance(SECOND);
    assertEquals(2, r2.get(VISITS).value());
    assertEquals(2, seen[0]);
    assertEquals(2, r2.stats().listenerErrors());
    assertEquals(0, r1.peers().get(r2.self()).pendingDeltas());
  }
}
