package io.converge.replication;

import com.google.protobuf.ByteString;
import io.converge.clocks.HlcTimestamp;
import io.converge.clocks.HybridLogicalClock;
import io.converge.clocks.ReplicaId;
import io.converge.replication.codec.Clocks;
import io.converge.replication.transport.InMemoryNetwork;
import io.converge.replication.transport.Transport;
import io.converge.replication.wire.v1.DeltaBatch;
import io.converge.replication.wire.v1.Envelope;
import io.converge.replication.wire.v1.KeyedDelta;
import io.converge.replication.wire.v1.Reject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.locks.LockSupport;
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

  /**
   * A scheduler whose timers die with the transport, as a process's timers do, and whose ticker is
   * the network's virtual time: waits time out in virtual time.
   */
  static EngineScheduler scheduler(InMemoryNetwork network, Transport owner) {
    return EngineScheduler.virtual(network, owner);
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
                    .drainTimeout(Duration.ZERO)
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

  /** How much virtual time {@link #driving} lets a call take before it fails the test. */
  static final Duration DRIVING_LIMIT = Duration.ofMinutes(10);

  /**
   * Runs {@code call} on another thread (it may block, waiting for peers) while this thread drives
   * the network's virtual time in steps of {@code step}; returns its result or rethrows what it
   * threw. Time moves only while the caller is parked (waiting for a future that virtual time
   * completes), never while it runs: the call starts at the current virtual time, and each of its
   * waits ends at a virtual time that depends on the network's seed alone, not on how fast the two
   * threads run. Fails if it has not returned after {@link #DRIVING_LIMIT} of virtual time.
   */
  <T> T driving(Duration step, Callable<T> call) throws Exception {
    FutureTask<T> task = new FutureTask<>(call);
    Thread thread = new Thread(task, "simulated-cluster-caller");
    thread.setDaemon(true);
    thread.start();
    Duration limit = network.now().plus(DRIVING_LIMIT);
    while (!parkedOrDone(thread, task)) {
      if (network.now().compareTo(limit) >= 0) {
        thread.interrupt();
        throw new AssertionError(
            "the call did not return within " + DRIVING_LIMIT + " of virtual time: " + network);
      }
      network.advance(step);
    }
    try {
      return task.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception cause) {
        throw cause;
      }
      throw e;
    }
  }

  /**
   * Waits until {@code task} is done (true) or its thread is parked, waiting for something (false).
   * Polls the condition; how often changes nothing but the CPU it takes.
   */
  private static boolean parkedOrDone(Thread thread, FutureTask<?> task) {
    while (true) {
      if (task.isDone()) {
        return true;
      }
      Thread.State state = thread.getState();
      if (state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING) {
        return task.isDone();
      }
      LockSupport.parkNanos(20_000);
    }
  }

  /** What the raw peers saw: lines like {@code "mallory down r1: disconnected by r1: ..."}. */
  final List<String> rawPeerEvents = new ArrayList<>();

  /** Starts a transport that is not a replica: a peer that sends hand-made envelopes. */
  Transport rawPeer(String name) {
    Transport transport = network.transport(ReplicaId.of(name));
    transport.start(
        ReplicaId.of(name),
        new Transport.Listener() {
          @Override
          public void onMessage(ReplicaId from, Envelope message) {}

          @Override
          public void onPeerUp(ReplicaId peer) {}

          @Override
          public void onPeerDown(ReplicaId peer, String reason) {
            rawPeerEvents.add(name + " down " + peer + ": " + reason);
          }

          @Override
          public void onRefused(ReplicaId peer, Reject.Reason reason, String detail) {
            rawPeerEvents.add(name + " refused " + peer + ": " + reason);
          }
        });
    return transport;
  }

  /** An envelope from {@code sender}, stamped with the network's current time, without a body. */
  Envelope.Builder envelopeFrom(String sender) {
    return Envelope.newBuilder()
        .setProtocolVersion(1)
        .setSender(sender)
        .setSentAt(Clocks.toWire(HlcTimestamp.of(network.currentTimeMillis(), 0)));
  }

  /** A one-delta batch (sequence 1) for the GCounter key "visits" with the given payload. */
  Envelope visitsDelta(String sender, ByteString payload) {
    return visitsDelta(sender, "GCounter", payload);
  }

  /** A one-delta batch (sequence 1) for the key "visits", claiming type {@code type}. */
  Envelope visitsDelta(String sender, String type, ByteString payload) {
    return envelopeFrom(sender)
        .setDeltas(
            DeltaBatch.newBuilder()
                .setFirstSequence(1)
                .addDeltas(
                    KeyedDelta.newBuilder().setKey("visits").setType(type).setPayload(payload)))
        .build();
  }
}
