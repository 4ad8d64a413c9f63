package io.converge.replication.durability;

import io.converge.clocks.ReplicaId;
import io.converge.replication.transport.Transport;
import io.converge.replication.wire.v1.Envelope;
import io.converge.replication.wire.v1.Reject;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A test-only {@link Transport} that adds a fixed one-way delay to every message its replica sends,
 * to model a replication lag between regions (a long link, a slow peer) over a real transport.
 * Everything else passes straight through: inbound messages and peer events reach the listener
 * without delay, {@link #disconnect} acts at once.
 *
 * <p>{@link #send} returns {@code true} when the message is queued: the transport is started and
 * not closed, the peer is one of the inner transport's {@linkplain #peers() peers}, and the message
 * fits {@link #maxMessageBytes()}. The delay starts then; messages to one peer leave in the order
 * of {@code send} (FIFO per peer), each handed to the inner transport once its delay passed. A
 * delayed message may still be dropped then: the inner transport refuses it if the connection is
 * down at that moment, and a message queued on one connection may go out on the next one. The
 * engine tolerates both (the {@linkplain Transport delivery contract} allows loss), through resends
 * and anti-entropy. Messages still queued when the transport closes are dropped.
 */
final class DelayedTransport implements Transport {

  private final Transport inner;
  private final long delayNanos;
  private final ScheduledExecutorService timer;
  private final Map<ReplicaId, Queue<Envelope>> queues = new ConcurrentHashMap<>();
  private volatile boolean started;
  private volatile boolean closed;

  /**
   * Wraps a transport not started yet; this one starts and closes it.
   *
   * @param inner the transport that carries the messages
   * @param delay the one-way delay of every outbound message, positive
   */
  DelayedTransport(Transport inner, Duration delay) {
    this.inner = Objects.requireNonNull(inner, "inner");
    Objects.requireNonNull(delay, "delay");
    if (delay.isZero() || delay.isNegative()) {
      throw new IllegalArgumentException("must be > 0: delay=" + delay);
    }
    this.delayNanos = delay.toNanos();
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            task -> {
              Thread thread = new Thread(task, "delayed-transport");
              thread.setDaemon(true);
              return thread;
            });
  }

  @Override
  public void start(ReplicaId self, Listener listener) {
    Objects.requireNonNull(self, "self");
    Objects.requireNonNull(listener, "listener");
    if (closed) {
      throw new IllegalStateException("closed");
    }
    inner.start(self, listener);
    started = true;
  }

  @Override
  public boolean send(ReplicaId peer, Envelope message) {
    Objects.requireNonNull(peer, "peer");
    Objects.requireNonNull(message, "message");
    if (!started) {
      throw new IllegalStateException("not started");
    }
    if (closed
        || !inner.peers().contains(peer)
        || message.getSerializedSize() > inner.maxMessageBytes()) {
      return false;
    }
    // One queue per peer and one timer task per message, each sending the head of its peer's
    // queue: whatever order the tasks run in, a peer's messages leave in the order they came.
    queues.computeIfAbsent(peer, p -> new ConcurrentLinkedQueue<>()).add(message);
    try {
      timer.schedule(() -> sendHead(peer), delayNanos, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      return false; // closed meanwhile
    }
    return true;
  }

  private void sendHead(ReplicaId peer) {
    Queue<Envelope> queue = queues.get(peer);
    Envelope head = queue == null ? null : queue.poll();
    if (head != null && !closed) {
      inner.send(peer, head); // false: the connection is down now; the engine resends
    }
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
    closed = true;
    timer.shutdownNow();
    queues.clear();
    inner.close();
  }

  @Override
  public String toString() {
    return "DelayedTransport[" + TimeUnit.NANOSECONDS.toMillis(delayNanos) + " ms, " + inner + "]";
  }
}
