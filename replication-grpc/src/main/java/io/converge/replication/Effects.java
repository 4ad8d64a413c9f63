package io.converge.replication;

import io.converge.clocks.ReplicaId;
import io.converge.replication.codec.WireException;
import io.converge.replication.store.StoredRecord;
import io.converge.replication.wire.v1.Envelope;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * What a {@link ReplicationEngine} does once its lock is released: sends (queued in the engine's
 * {@link Outbox} as they are decided), then notifications, then what the {@link Waiters} left to do
 * (complete futures, arm timers), which runs even if the rest failed. With a store, all of it waits
 * until the changes logged before (by this effect, or before its envelopes) are durable, on {@link
 * Persistence}'s drain.
 *
 * <p>Made and filled under the engine's lock ({@link #persist}, {@link #send}, {@link #disconnect},
 * {@link #after}); {@link #run} is called once the lock is released, by the thread that made it,
 * and what waits for the store runs on {@link Persistence}'s thread. It holds no lock while it
 * sends, notifies or completes futures.
 */
final class Effects {
  private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

  private final ReplicationEngine engine;

  private final List<Subscribers.Notification> notifications = new ArrayList<>();
  final List<Runnable> after = new ArrayList<>();
  private long ticket;

  /** The last store ticket issued when this effect queued its last envelope. */
  private long queuedAfter;

  Effects(ReplicationEngine engine) {
    this.engine = engine;
  }

  /**
   * Logs a change already merged into the state (call under the lock); what {@link #run} does then
   * waits until it is durable: nothing is sent (acks included) and no one notified before.
   */
  void persist(Supplier<StoredRecord> record) {
    if (engine.durability().persistence() == null) {
      return; // in memory: no record is built, so no payload is copied
    }
    ticket = Math.max(ticket, engine.durability().persist(record.get()));
  }

  /** Delivers a notification once {@link #run} sends. Under the lock. */
  void notifyLater(Subscribers.Notification notification) {
    notifications.add(notification);
  }

  /** Ends the connection to {@code peer} after the messages queued before. Under the lock. */
  void disconnect(ReplicaId peer, WireException e) {
    queue(new Outbox.Outgoing(peer, null, e, engine.durability().lastTicket()));
  }

  void send(ReplicaId peer, Object body) {
    send(peer, body, 0);
  }

  /** Queues an envelope for {@code peer} behind those queued before. Under the lock. */
  void send(ReplicaId peer, Object body, int deltas) {
    Envelope envelope = engine.envelope(body);
    queue(new Outbox.Outgoing(peer, envelope, null, engine.durability().lastTicket()));
    engine.sent(peer, deltas, envelope.getSerializedSize());
  }

  private void queue(Outbox.Outgoing outgoing) {
    engine.outbox().add(outgoing);
    queuedAfter = Math.max(queuedAfter, outgoing.ticket());
  }

  /**
   * After the lock is released: once this effect's changes, and those logged before its envelopes,
   * are durable, flushes the outbox (this effect's envelopes leave in their place, maybe on another
   * thread that is flushing), then notifies subscribers. What the {@link Waiters} left to do
   * ({@link #after}) runs first, at once: it completes futures of what peers acknowledged or this
   * replica has seen, and arms timers, none of which waits for this replica's disk (so a completion
   * never waits behind the store's thread). Returns a future of the rest: done at once in memory,
   * or when the drain made the changes durable (on its thread); exceptional with the store's
   * failure (nothing of this effect is then sent or notified, and its changes stay applied in
   * memory only).
   */
  CompletableFuture<Void> run() {
    ticket = Math.max(ticket, queuedAfter);
    if (ticket == 0) {
      finish(null);
      return DONE;
    }
    runAfter();
    CompletableFuture<Void> finished = new CompletableFuture<>();
    Persistence persistence = engine.durability().persistence();
    persistence
        .whenDurable(ticket)
        .whenComplete(
            (ignored, failure) -> {
              try {
                finish(failure);
              } catch (RuntimeException e) {
                finished.completeExceptionally(e);
                return;
              }
              if (failure != null) {
                finished.completeExceptionally(failure);
              } else {
                finished.complete(null);
              }
            });
    persistence.kick();
    return finished;
  }

  private void finish(Throwable failure) {
    try {
      if (failure != null) {
        engine
            .outbox()
            .flush(0); // what is ready goes; the rest waits for a later change to be durable
        return;
      }
      engine.outbox().flush(ticket);
      for (Subscribers.Notification notification : notifications) {
        notification.deliver();
      }
    } finally {
      notifications.forEach(Subscribers.Notification::skip); // those not delivered
      runAfter();
    }
  }

  private void runAfter() {
    List<Runnable> actions = new ArrayList<>(after);
    after.clear();
    for (Runnable action : actions) {
      action.run();
    }
  }
}
