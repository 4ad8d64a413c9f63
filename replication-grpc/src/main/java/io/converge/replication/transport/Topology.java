package io.converge.replication.transport;

import io.converge.clocks.ReplicaId;
import io.converge.replication.wire.v1.Envelope;
import io.converge.replication.wire.v1.Reject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The replicas of an {@link InMemoryNetwork} and their connections: the latest transport of each
 * replica and its state, the {@link Connectivity} rules, and the peer events that tell both sides
 * of each connection that goes down or comes up (queued at the current time, never run inside the
 * call that caused them). A link that goes down loses what is in flight on it. Sends go through
 * here to the {@link MessageCarrier} once the two replicas are known to be connected.
 *
 * <p>Guarded by the network's lock: every method expects the caller to hold it.
 */
final class Topology {

  private final EventQueue events;
  private final long reconnectDelayNanos;
  private final MessageCarrier carrier;
  private final Connectivity connectivity = new Connectivity();

  /** The latest transport made for each replica, in id order (which orders peer events). */
  private final TreeMap<ReplicaId, InMemoryTransport> endpoints = new TreeMap<>();

  Topology(
      EventQueue events, long reconnectDelayNanos, Function<Topology, MessageCarrier> carrier) {
    this.events = events;
    this.reconnectDelayNanos = reconnectDelayNanos;
    this.carrier = carrier.apply(this);
  }

  MessageCarrier carrier() {
    return carrier;
  }

  Connectivity connectivity() {
    return connectivity;
  }

  /** See {@link InMemoryNetwork#transport}. */
  InMemoryTransport newTransport(InMemoryNetwork network, ReplicaId id) {
    InMemoryTransport existing = endpoints.get(id);
    if (existing != null && existing.isAlive()) {
      throw new IllegalStateException(
          "replica already has a live transport: id=" + id + ", state=" + existing.state());
    }
    InMemoryTransport endpoint = new InMemoryTransport(network, id);
    endpoints.put(id, endpoint);
    return endpoint;
  }

  /** See {@link InMemoryNetwork#crash}. */
  void crash(ReplicaId id) {
    InMemoryTransport endpoint = endpoint(id);
    if (!endpoint.isAlive()) {
      throw new IllegalStateException(
          "cannot crash a replica whose transport is " + endpoint.state() + ": id=" + id);
    }
    kill(endpoint, InMemoryTransport.State.CRASHED, "crashed");
  }

  /** See {@link InMemoryNetwork#restart}. */
  InMemoryTransport restart(InMemoryNetwork network, ReplicaId id) {
    InMemoryTransport endpoint = endpoint(id);
    if (endpoint.state() != InMemoryTransport.State.CRASHED) {
      throw new IllegalStateException(
          "only a crashed replica can restart: id=" + id + ", state=" + endpoint.state());
    }
    return newTransport(network, id);
  }

  /** The latest transport of {@code id}; IllegalArgumentException if it has none. */
  InMemoryTransport endpoint(ReplicaId id) {
    InMemoryTransport endpoint = endpoints.get(id);
    if (endpoint == null) {
      throw new IllegalArgumentException("no transport on this network for replica " + id);
    }
    return endpoint;
  }

  /** Every replica but {@code id}. */
  Set<ReplicaId> peersOf(ReplicaId id) {
    Set<ReplicaId> others = new TreeSet<>(endpoints.keySet());
    others.remove(id);
    return Collections.unmodifiableSet(others);
  }

  boolean send(InMemoryTransport source, ReplicaId peer, Envelope message) {
    Objects.requireNonNull(peer, "peer");
    Objects.requireNonNull(message, "message");
    return carrier.send(route(source, peer), deliverable(source, peer), message);
  }

  boolean sendBytes(InMemoryTransport source, ReplicaId peer, byte[] bytes) {
    return carrier.sendBytes(route(source, peer), deliverable(source, peer), bytes);
  }

  private static MessageCarrier.Route route(InMemoryTransport source, ReplicaId peer) {
    if (source.state() == InMemoryTransport.State.NEW) {
      throw new IllegalStateException("transport not started: id=" + source.id);
    }
    return new MessageCarrier.Route(source.id, peer);
  }

  private boolean deliverable(InMemoryTransport source, ReplicaId peer) {
    return source.state() == InMemoryTransport.State.STARTED
        && connectivity.isConnected(source.id, peer);
  }

  /**
   * Ends the connection between {@code endpoint} and {@code peer} for a protocol violation: both
   * sides hear {@code onPeerDown(reason)}, and the link stays down for the reconnect delay. Does
   * nothing if they are not connected.
   */
  void suspend(InMemoryTransport endpoint, ReplicaId peer, String reason) {
    Connectivity.Link link = Connectivity.Link.of(endpoint.id, peer);
    if (endpoint.id.equals(peer) || !connectivity.suspend(link)) {
      return;
    }
    reconcile(reason, MessageCarrier.Drop.PARTITION);
    events.schedule(
        Math.addExact(events.nowNanos(), reconnectDelayNanos),
        null,
        () -> {
          connectivity.resume(link);
          reconcile("reconnected", MessageCarrier.Drop.PARTITION);
        });
  }

  /**
   * Bytes from {@code from} that {@code target}'s transport refused on arrival, as the gRPC
   * transport refuses them: the listener hears {@code onRefused}, then the connection ends.
   */
  void refusedOnArrival(
      InMemoryTransport target, ReplicaId from, Reject.Reason reason, String detail) {
    suspend(target, from, "refused by " + target.id + ": " + reason + ": " + detail);
    target.listener().onRefused(from, reason, detail); // before the onPeerDown just queued
  }

  /**
   * Kills a transport (crashed or closed): its listener is never called again, its pending peer
   * events and timers are cancelled, and its connections go down.
   */
  void kill(InMemoryTransport endpoint, InMemoryTransport.State state, String reason) {
    endpoint.die(state);
    events.removeIf(
        e -> {
          if (e instanceof PeerEvent p) {
            return p.target == endpoint;
          }
          if (e instanceof EventQueue.Action a && a.owner == endpoint) {
            a.done = true;
            return true;
          }
          return false;
        });
    reconcile(reason, MessageCarrier.Drop.CRASH);
  }

  /**
   * Brings the connected links in line with the transports' states and the partitions: drops the
   * messages of links that went down, and queues the peer events of every change, in link order.
   */
  void reconcile(String downReason, MessageCarrier.Drop cause) {
    List<ReplicaId> started = new ArrayList<>();
    for (InMemoryTransport e : endpoints.values()) {
      if (e.state() == InMemoryTransport.State.STARTED) {
        started.add(e.id);
      }
    }
    for (Connectivity.Change change : connectivity.reconcile(started)) {
      Connectivity.Link link = change.link();
      if (!change.up()) {
        carrier.dropInFlight(link, cause);
      }
      notifyPeer(link.a(), link.b(), change.up(), downReason);
      notifyPeer(link.b(), link.a(), change.up(), downReason);
    }
  }

  private void notifyPeer(ReplicaId target, ReplicaId peer, boolean up, String reason) {
    InMemoryTransport endpoint = endpoints.get(target);
    if (endpoint != null && endpoint.state() == InMemoryTransport.State.STARTED) {
      events.add(new PeerEvent(endpoint, peer, up, reason));
    }
  }

  /** {@code onPeerUp} or {@code onPeerDown} of one side of a link. */
  private final class PeerEvent extends EventQueue.Event {
    final InMemoryTransport target;
    final ReplicaId peer;
    final boolean up;
    final String reason;

    PeerEvent(InMemoryTransport target, ReplicaId peer, boolean up, String reason) {
      super(events.nowNanos(), events.nextSequence(), EventQueue.Kind.PEER_EVENT);
      this.target = target;
      this.peer = peer;
      this.up = up;
      this.reason = reason;
    }

    @Override
    void run() {
      if (up) {
        target.listener().onPeerUp(peer);
      } else {
        target.listener().onPeerDown(peer, reason);
      }
    }
  }
}
