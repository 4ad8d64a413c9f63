package io.converge.replication;

import io.converge.crdt.DeltaCrdt;
import io.converge.replication.codec.WireException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * One key's value in a {@link ReplicationEngine}, with the key it was declared with. Guarded by the
 * engine's lock, except {@link #encode}, which encodes a state read before under it.
 */
final class Slot<T extends DeltaCrdt<T>> {
  final Key<T> key;
  T state;

  /**
   * The sequence of this replica's last write to the key, if it was sent as a delta; 0 if none or
   * if the last one was too large for a delta.
   */
  long lastSequence;

  /** The sequence of this replica's first write to the key sent as a delta; 0 if none. */
  long firstSequence;

  /**
   * This replica's own writes to the key: what a restart recovered counts as one (it may hold
   * writes of earlier incarnations), then one per write. Numbers them for {@link #held}.
   */
  long writes;

  /** {@link WriteProofs#ownWrites} at the last of them (0: none since the start). */
  long lastWriteStamp;

  /**
   * What is known beyond Acks of which peers hold those writes; null while every one is a delta of
   * this incarnation that no peer skipped.
   */
  HeldWrites held;

  HeldWrites held() {
    if (held == null) {
      held = new HeldWrites();
    }
    return held;
  }

  Slot(Key<T> key, T state) {
    this.key = key;
    this.state = state;
  }

  static <T extends DeltaCrdt<T>> Slot<T> of(Key<T> key) {
    return new Slot<>(key, key.zero());
  }

  byte[] encodeState() {
    return key.codec().encode(state.resetDelta());
  }

  /** Encodes a state of this slot read before (under the lock); thread-safe. */
  byte[] encode(Object snapshot) {
    @SuppressWarnings("unchecked")
    T typed = (T) snapshot;
    return key.codec().encode(typed.resetDelta());
  }

  /**
   * Decodes now and checks the value with {@code check} unless it is null (either may throw),
   * merges when the returned action runs; the action tells whether the value changed.
   */
  BooleanSupplier prepareMerge(byte[] bytes, Consumer<Object> check) {
    T decoded = key.codec().decode(bytes);
    if (check != null) {
      check.accept(decoded);
    }
    return () -> {
      T before = state;
      T merged;
      try {
        merged = before.merge(decoded).resetDelta();
      } catch (IllegalStateException contradiction) {
        // The value contradicts one held here (two different last-writer-wins values with the
        // same timestamp and writer: a stamp is issued once, so one of them is forged). The state
        // is untouched.
        throw new WireException(
            WireException.Reason.FORGED_EVENT,
            "key " + key.name() + ": " + contradiction.getMessage(),
            contradiction);
      }
      state = merged;
      return merged != before && !merged.equals(before);
    };
  }
}
