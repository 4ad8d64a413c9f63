package io.converge.replication.transport;

import io.converge.clocks.ReplicaId;
import io.converge.replication.wire.v1.Envelope;
import io.converge.replication.wire.v1.Reject;
import java.util.Objects;
import java.util.Set;

/**
 * The transport of one replica on an {@link InMemoryNetwork}: a view of the network from that
 * replica. Made by {@link InMemoryNetwork#transport}; thread-safe, every method holds the network's
 * lock.
 */
final class InMemoryTransport implements Transport {

  /** The life of a transport: made, started, then crashed or closed for good. */
  enum State {
    NEW,
    STARTED,
    CRASHED,
    CLOSED
  }

  final ReplicaId id;
  private final InMemoryNetwork network;
  private final Object lock;
  private State state = State.NEW;
  private Transport.Listener listener;

  InMemoryTransport(InMemoryNetwork network, ReplicaId id) {
    this.network = network;
    this.lock = network.lock();
    this.id = id;
  }

  InMemoryNetwork network() {
    return network;
  }

  /** Under the network's lock. */
  State state() {
    return state;
  }

  /** Under the network's lock; the listener of a started transport. */
  Transport.Listener listener() {
    return listener;
  }

  boolean isAlive() {
    return state == State.NEW || state == State.STARTED;
  }

  /** Under the network's lock: crashed or closed, this transport never calls its listener again. */
  void die(State end) {
    state = end;
    listener = null;
  }

  @Override
  public void start(ReplicaId self, Listener listener) {
    Objects.requireNonNull(self, "self");
    Objects.requireNonNull(listener, "listener");
    synchronized (lock) {
      if (!self.equals(id)) {
        throw new IllegalArgumentException(
            "transport was made for replica " + id + ", not for self=" + self);
      }
      if (state != State.NEW) {
        throw new IllegalStateException("transport cannot start: id=" + id + ", state=" + state);
      }
      this.listener = listener;
      this.state = State.STARTED;
      network.topology().reconcile(null, MessageCarrier.Drop.CRASH);
    }
  }

  @Override
  public boolean send(ReplicaId peer, Envelope message) {
    synchronized (lock) {
      return network.topology().send(this, peer, message);
    }
  }

  @Override
  public void disconnect(ReplicaId peer, Reject.Reason reason, String detail) {
    Objects.requireNonNull(peer, "peer");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(detail, "detail");
    synchronized (lock) {
      if (state == State.NEW) {
        throw new IllegalStateException("transport not started: id=" + id);
      }
      network
          .topology()
          .suspend(this, peer, "disconnected by " + id + ": " + reason + ": " + detail);
    }
  }

  @Override
  public int maxMessageBytes() {
    return network.topology().carrier().maxMessageBytes();
  }

  @Override
  public Set<ReplicaId> peers() {
    synchronized (lock) {
      return network.topology().peersOf(id);
    }
  }

  @Override
  public void close() {
    synchronized (lock) {
      if (isAlive()) {
        network.topology().kill(this, State.CLOSED, "closed");
      }
    }
  }

  @Override
  public String toString() {
    synchronized (lock) {
      return "InMemoryTransport{" + id + ", " + state + ", seed=" + network.seed() + "}";
    }
  }
}
