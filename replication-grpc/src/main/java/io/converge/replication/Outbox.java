package io.converge.replication;

import io.converge.clocks.ReplicaId;
import io.converge.replication.codec.WireException;
import io.converge.replication.transport.Transport;
import io.converge.replication.wire.v1.Envelope;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * What the engine sends, in the order it decided under its lock, waiting to be handed to the
 * transport in that same order. An envelope may leave once every change logged before it is durable
 * (its {@link Outgoing#ticket} at most the {@link Persistence} ticket known durable).
 *
 * <p>Without it two writers (or a writer and an Ack) that left the engine's lock one after the
 * other could send their batches the other way round, and the receiver, which ignores what follows
 * a gap, would drop the later sequence until a resend.
 *
 * <p><b>Threads.</b> Guarded by its own monitor: {@link #add} is called under the engine's lock,
 * {@link #flush} never is; the monitor is never held while calling the transport. One thread at a
 * time hands envelopes to the transport; another that flushes meanwhile leaves its envelopes to it,
 * and it sends what is ready before it stops, so nothing is left behind.
 */
final class Outbox {

  /**
   * An envelope for {@code peer} (or, with {@code disconnect} set, the end of its connection);
   * {@code ticket} is the last {@link Persistence} ticket issued when it was made: it leaves once
   * that one is durable.
   */
  record Outgoing(ReplicaId peer, Envelope envelope, WireException disconnect, long ticket) {}

  private final Transport transport;

  /**
   * Told, off the monitor, of the envelopes carrying deltas or full state the transport refused.
   */
  private final Consumer<List<Outgoing>> refusedSends;

  private final ArrayDeque<Outgoing> queue = new ArrayDeque<>();

  /** Under the monitor: whether a thread is handing the queue to the transport. */
  private boolean flushing;

  /** Under the monitor: every {@link Persistence} ticket up to this one is durable. */
  private long durableTicket;

  Outbox(Transport transport, Consumer<List<Outgoing>> refusedSends) {
    this.transport = transport;
    this.refusedSends = refusedSends;
  }

  /** Queues an envelope behind those queued before. Under the engine's lock. */
  synchronized void add(Outgoing outgoing) {
    queue.addLast(outgoing);
  }

  /**
   * Hands the queue to the transport, in order, up to the first envelope that must still wait for a
   * change to be durable; first records that every ticket up to {@code durable} is. If another
   * thread is at it, leaves the work to that thread. Envelopes of deltas or full state that the
   * transport refused go to {@code refusedSends}, which sends them again later. Not under the
   * engine's lock.
   */
  void flush(long durable) {
    synchronized (this) {
      durableTicket = Math.max(durableTicket, durable);
      if (flushing) {
        return;
      }
      flushing = true;
    }
    List<Outgoing> refused = null;
    boolean done = false;
    try {
      while (true) {
        Outgoing next;
        synchronized (this) {
          next = queue.peekFirst();
          if (next == null || next.ticket() > durableTicket) {
            flushing = false;
            done = true;
            break;
          }
          queue.pollFirst();
        }
        if (next.disconnect() != null) {
          WireException e = next.disconnect();
          transport.disconnect(next.peer(), e.reason().toWire(), e.detail());
        } else if (!transport.send(next.peer(), next.envelope())
            && (next.envelope().getDeltas().getDeltasCount() > 0
                || next.envelope().hasFullState())) {
          if (refused == null) {
            refused = new ArrayList<>();
          }
          refused.add(next);
        }
      }
    } finally {
      if (!done) {
        synchronized (this) {
          flushing = false;
        }
      }
    }
    if (refused != null) {
      refusedSends.accept(refused);
    }
  }
}
