package io.converge.replication.transport;

import io.converge.clocks.ReplicaId;
import io.converge.replication.wire.v1.Envelope;
import io.converge.replication.wire.v1.Reject;
import io.grpc.Status;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One peer of a running {@link GrpcTransport}: its current {@link Connection}, if any, and the
 * serial executor on which every listener callback concerning it runs, in order, one at a time
 * (never on a gRPC or Netty thread). A connection replaces the previous one here; each callback
 * checks that its connection is still the one the listener was told of ({@code deliverable}), so
 * the listener sees up, messages, down, strictly alternating per connection.
 *
 * <p>It also keeps, for tests and diagnosis, the high-water marks of its connections' inbound
 * messages awaiting the listener and of their outbound queued bytes. Thread-safe.
 */
final class PeerLink {

  final ReplicaId peer;
  final AtomicReference<Connection> current = new AtomicReference<>();
  private final TransportRuntime rt;
  private final SerialExecutor callbacks;
  private final AtomicLong inboundPendingMax = new AtomicLong();
  private final AtomicLong inboundPendingBytesMax = new AtomicLong();
  private final AtomicLong queuedBytesMax = new AtomicLong();
  volatile Dialler dialler;

  PeerLink(TransportRuntime rt, ReplicaId peer) {
    this.rt = rt;
    this.peer = peer;
    this.callbacks = new SerialExecutor(rt::pool);
  }

  void up(Connection c) {
    Connection old = current.getAndSet(c);
    if (old != null) {
      old.terminate("replaced by a new stream", Status.CANCELLED.withDescription("replaced"));
    }
    c.live = true;
    callbacks.execute(
        () -> {
          if (!rt.closed() && c.deliverable.compareAndSet(false, true)) {
            rt.listener().onPeerUp(peer);
          }
        });
  }

  /**
   * Hands {@code e} to the listener, after whatever is queued before it, then tells {@code c} that
   * it was processed (the next inbound message may be requested) whether the listener returned,
   * threw, or was not called because the connection is gone.
   */
  void message(Connection c, Envelope e, int size) {
    callbacks.execute(
        () -> {
          try {
            if (!rt.closed() && c.deliverable.get()) {
              rt.listener().onMessage(peer, e);
            }
          } finally {
            c.processed(size);
          }
        });
  }

  void refusedBeforeUp(Reject.Reason reason, String detail) {
    callbacks.execute(
        () -> {
          if (!rt.closed()) {
            rt.listener().onRefused(peer, reason, detail);
          }
        });
  }

  void refused(Connection c, Reject.Reason reason, String detail) {
    callbacks.execute(
        () -> {
          if (!rt.closed() && c.deliverable.get()) {
            rt.listener().onRefused(peer, reason, detail);
          }
        });
  }

  void down(Connection c, String reason) {
    current.compareAndSet(c, null);
    callbacks.execute(
        () -> {
          if (c.deliverable.getAndSet(false) && !rt.closed()) {
            rt.listener().onPeerDown(peer, reason);
          }
        });
  }

  /**
   * Records {@code n} inbound messages of {@code bytes} awaiting the listener on a connection of
   * this peer.
   */
  void inboundPending(long n, long bytes) {
    raise(inboundPendingMax, n);
    raise(inboundPendingBytesMax, bytes);
  }

  /** Records {@code bytes} queued outbound on a connection of this peer. */
  void queuedBytes(long bytes) {
    raise(queuedBytesMax, bytes);
  }

  /** The bytes queued now on the current connection, not yet handed to gRPC; 0 without one. */
  long queuedBytes() {
    Connection c = current.get();
    return c == null ? 0 : c.queuedBytes();
  }

  /** The messages received now on the current connection and not yet processed; 0 without one. */
  int inboundPending() {
    Connection c = current.get();
    return c == null ? 0 : c.inboundPending();
  }

  /** The most inbound messages that ever awaited the listener at once on one connection. */
  long inboundPendingMax() {
    return inboundPendingMax.get();
  }

  /**
   * The most bytes of inbound messages that ever awaited the listener at once on one connection.
   */
  long inboundPendingBytesMax() {
    return inboundPendingBytesMax.get();
  }

  /** The bytes of the messages received now on the current connection and not yet processed. */
  long inboundPendingBytes() {
    Connection c = current.get();
    return c == null ? 0 : c.inboundPendingBytes();
  }

  /** The most bytes ever queued outbound at once on one connection. */
  long queuedBytesMax() {
    return queuedBytesMax.get();
  }

  private static void raise(AtomicLong max, long value) {
    if (value > max.get()) {
      max.accumulateAndGet(value, Math::max);
    }
  }
}
