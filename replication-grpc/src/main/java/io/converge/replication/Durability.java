package io.converge.replication;

import io.converge.clocks.HybridLogicalClock;
import io.converge.clocks.ReplicaId;
import io.converge.replication.codec.WireException;
import io.converge.replication.store.DurableStore;
import io.converge.replication.store.Recovered;
import io.converge.replication.store.StoredRecord;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * What ties a {@link ReplicationEngine} to its {@link DurableStore}: rebuilds the state from what
 * the store recovered, queues each applied change for {@link Persistence}, which writes it in group
 * commits on a thread of its own, queues a checkpoint of the keys changed every {@link
 * #CHECKPOINT_EVERY} changes and at close. Without a store (in memory only) it does nothing.
 *
 * <p>Its state is guarded by the engine's lock, like the engine's: {@link #persist}, {@link
 * #restore} and the accessors are called under it; {@link #close} takes it for the last checkpoint
 * and closes the store after it. No method does I/O under the lock: {@link Persistence} encodes and
 * writes on its own thread.
 */
final class Durability {

  /** Records appended to the store between two checkpoints, at most. */
  static final int CHECKPOINT_EVERY = 10_000;

  private final ReplicationEngine engine;
  private final Object lock;

  /** Where every applied change is logged before it is acknowledged; null: in memory only. */
  private final DurableStore store;

  /** Writes {@link #store} off the lock, in group commits; null: in memory only. */
  private final Persistence persistence;

  /** Keys changed since the last checkpoint, whose full states the next checkpoint writes. */
  private final Set<String> uncheckpointed = new LinkedHashSet<>();

  private long lastTicket;
  private long appendsSinceCheckpoint;

  Durability(
      ReplicationEngine engine,
      Object lock,
      DurableStore store,
      HybridLogicalClock clock,
      ReplicaId self,
      EngineScheduler scheduler) {
    this.engine = engine;
    this.lock = lock;
    this.store = store;
    this.persistence =
        store == null
            ? null
            : new Persistence(
                store,
                () -> clock.current().packed(),
                self.name(),
                scheduler.ticker() == Ticker.system());
  }

  /** Writes the store off the lock; null: in memory only. */
  Persistence persistence() {
    return persistence;
  }

  /** The ticket of the last change queued for the store; under the lock. */
  long lastTicket() {
    return lastTicket;
  }

  /**
   * Rebuilds the state from what the store recovered: checkpointed states, then the logged changes
   * after them, merged (idempotent, so overlap is harmless). Under the lock, before the engine
   * starts.
   *
   * @throws IllegalStateException if the store holds a key this replica does not declare, or
   *     declares with another type, or a record that does not decode
   */
  void restore(Recovered recovered) {
    List<StoredRecord> all = new ArrayList<>(recovered.states().values());
    all.addAll(recovered.log());
    for (StoredRecord record : all) {
      Slot<?> slot;
      try {
        slot = engine.remoteSlot(record.key(), record.type());
        slot.prepareMerge(record.payload(), null).getAsBoolean();
      } catch (WireException e) {
        throw new IllegalStateException(
            "data directory "
                + store.directory()
                + " holds key "
                + record.key()
                + " of type "
                + record.type()
                + " that this replica cannot load ("
                + e.getMessage()
                + "): declare it with key(...) or keyFamily(...) and the same type",
            e);
      }
      engine.antiEntropy().changed(record.key());
      uncheckpointed.add(record.key());
      engine.proofs().recovered(slot);
    }
  }

  /**
   * Queues a change for the store ({@link Persistence#log}, no I/O) under the lock; returns its
   * ticket. Every {@link #CHECKPOINT_EVERY} changes, queues a checkpoint too.
   */
  long persist(StoredRecord record) {
    long ticket = persistence.log(record);
    lastTicket = ticket;
    uncheckpointed.add(record.key());
    if (++appendsSinceCheckpoint >= CHECKPOINT_EVERY) {
      checkpoint();
    }
    return ticket;
  }

  /**
   * Queues a checkpoint of the keys changed since the last one: their states as of now, which hold
   * every change logged so far, encoded by {@link Persistence}'s drain (states are immutable), so
   * that the store may drop the log they cover. Under the lock.
   */
  private void checkpoint() {
    if (persistence == null || uncheckpointed.isEmpty()) {
      return;
    }
    List<Persistence.State> states = new ArrayList<>(uncheckpointed.size());
    for (String name : uncheckpointed) {
      Slot<?> slot = engine.slot(name);
      if (slot != null) {
        Object state = slot.state;
        // The encoding of this version if a digest or a transfer made it (shared, see
        // EncodedStates), else made on the store's thread (states are immutable).
        AntiEntropyRounds rounds = engine.antiEntropy();
        byte[] cached = rounds.encodings().get(name, state, rounds.ticks());
        Supplier<byte[]> encoding = cached != null ? () -> cached : () -> slot.encode(state);
        states.add(new Persistence.State(name, slot.key.typeName(), encoding));
      }
    }
    persistence.checkpoint(states);
    uncheckpointed.clear();
    appendsSinceCheckpoint = 0;
  }

  /**
   * When the engine closes, after its waiters, transport and meters: queues a last checkpoint under
   * the lock, then, outside it, writes what is queued (the checkpoint last) and closes the store.
   */
  void close() {
    if (store != null) {
      try {
        synchronized (lock) {
          checkpoint();
        }
        persistence.close(); // writes what is queued, the checkpoint last
      } finally {
        store.close();
      }
    }
  }
}
