package io.converge.replication;

import io.converge.clocks.HybridLogicalClock;
import io.converge.clocks.ReplicaId;
import io.converge.replication.transport.InMemoryNetwork;
import io.converge.replication.transport.Transport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Replicas over one {@link InMemoryNetwork}, with their timers on its virtual time: nothing in a
 * test built on it sleeps, and a run replays from the network's seed.
 */
final class SimulatedCluster {

  final InMemoryNetwork network;
  final List<Replica> replicas = new ArrayList<>();

  SimulatedCluster(InMemoryNetwork network) {
    this.network = network;
  }

  /** A scheduler whose timers die with the transport, as a process's timers do. */
  static EngineScheduler scheduler(InMemoryNetwork network, Transport owner) {
    return (delay, task) -> network.schedule(owner, delay, task);
  }

  /**
   * Starts a replica named {@code name} with a clock skewed by {@code skew}; {@code configure} adds
   * keys and settings.
   */
  Replica start(String name, Duration skew, UnaryOperator<Replica.Builder> configure) {
    ReplicaId id = ReplicaId.of(name);
    return start(id, network.transport(id), skew, configure);
  }

  /** Restarts a crashed replica, with no state, on a new transport. */
  Replica restart(String name, UnaryOperator<Replica.Builder> configure) {
    ReplicaId id = ReplicaId.of(name);
    return start(id, network.restart(id), Duration.ZERO, configure);
  }

  private Replica start(
      ReplicaId id, Transport transport, Duration skew, UnaryOperator<Replica.Builder> configure) {
    Replica replica =
        configure
            .apply(
                Replica.builder()
                    .replicaId(id)
                    .transport(transport)
                    .clock(
                        HybridLogicalClock.builder().physicalClock(network.clock(id, skew)).build())
                    .scheduler(scheduler(network, transport))
                    .resendInterval(Duration.ofMillis(50))
                    .antiEntropyInterval(Duration.ofMillis(200)))
            .start();
    replicas.add(replica);
    return replica;
  }

  Replica start(String name, UnaryOperator<Replica.Builder> configure) {
    return start(name, Duration.ZERO, configure);
  }

  void advance(Duration duration) {
    network.advance(duration);
  }
}
