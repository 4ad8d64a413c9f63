package io.converge.crdt;

import io.converge.clocks.HlcTimestamp;
import io.converge.clocks.HybridLogicalClock;
import io.converge.clocks.ReplicaId;
import java.util.Objects;
import java.util.Optional;

/**
 * A last-writer-wins register (LWW-Register; Shapiro, Preguiça, Baquero, Zawirski, "A comprehensive
 * study of Convergent and Commutative Replicated Data Types", INRIA RR-7506, 2011): one value,
 * stamped with the hybrid logical clock timestamp and the replica id of the write that made it.
 *
 * <p>Conflicts: of two writes, the one with the greater <em>stamp</em> wins, where stamps are
 * ordered by {@link HlcTimestamp}, then by writer {@link ReplicaId}. So of two concurrent writes
 * with the same timestamp, the one from the replica with the greater id wins, on every replica. The
 * losing write is discarded: use an {@link MVRegister} to keep concurrent writes. An older write
 * loses even if it arrives later. Hybrid logical clocks stay close to the wall clock yet respect
 * causality, so a write made after seeing another always has the greater stamp, which wall-clock
 * timestamps do not guarantee.
 *
 * <p>Each replica must give its writes distinct timestamps (one {@link HybridLogicalClock} per
 * replica does). Two different values with the same stamp mean that a replica reused a timestamp:
 * {@link #merge} and {@link #set} then throw an {@link IllegalStateException} instead of silently
 * keeping one of them, which could make replicas disagree.
 *
 * <p>Deltas follow {@link DeltaCrdt} (Almeida, Shoker, Baquero, "Delta State Replicated Data
 * Types", 2018): the delta of a write that takes effect is the new register itself; a write that
 * loses changes nothing and adds nothing to the delta.
 *
 * <p>Costs: every operation, {@link #merge} included, is O(1) plus one {@code equals} of the values
 * when the stamps are equal; merge returns {@code this} or {@code other} without allocating unless
 * it must carry over the pending delta of {@code this}.
 *
 * <p>This class is immutable and thread-safe if the value is.
 *
 * @param <V> the value type; values must be immutable with value-based {@code equals}
 */
public final class LWWRegister<V> implements DeltaCrdt<LWWRegister<V>> {

  private static final LWWRegister<?> EMPTY = new LWWRegister<>(null, null, null, null);

  /** The value; null only in the empty register. */
  private final V value;

  /** The timestamp of the write; null only in the empty register. */
  private final HlcTimestamp timestamp;

  /** The replica of the write; null only in the empty register. */
  private final ReplicaId writer;

  /** The join of the deltas since the last reset, or null; never has a pending delta itself. */
  private final LWWRegister<V> pending;

  private LWWRegister(V value, HlcTimestamp timestamp, ReplicaId writer, LWWRegister<V> pending) {
    this.value = value;
    this.timestamp = timestamp;
    this.writer = writer;
    this.pending = pending;
  }

  /**
   * Returns the register that holds no value, with no pending delta. Every write wins over it.
   *
   * @param <V> the value type
   * @return the empty register
   */
  @SuppressWarnings("unchecked")
  public static <V> LWWRegister<V> empty() {
    return (LWWRegister<V>) EMPTY;
  }

  /**
   * Returns a register holding {@code value}, written at {@code timestamp} by {@code writer}, with
   * no pending delta (it is a state, not a local mutation; use {@code empty().set(...)} for one).
   *
   * @param value the value, never null
   * @param timestamp the timestamp of the write
   * @param writer the replica that wrote it
   * @param <V> the value type
   * @return the register
   * @throws NullPointerException if an argument is null
   */
  public static <V> LWWRegister<V> of(V value, HlcTimestamp timestamp, ReplicaId writer) {
    return new LWWRegister<>(
        Objects.requireNonNull(value, "value"),
        Objects.requireNonNull(timestamp, "timestamp"),
        Objects.requireNonNull(writer, "writer"),
        null);
  }

  /**
   * Writes {@code value} at {@code timestamp} by {@code writer}, if that stamp is greater than the
   * current one: an older write loses, and the result then equals {@code this}. A write that takes
   * effect becomes the pending delta.
   *
   * @param value the value, never null
   * @param timestamp the timestamp of the write, normally from the writer's {@link
   *     HybridLogicalClock}
   * @param writer the replica making the write
   * @return the new register if the write wins; {@code this} if it loses or repeats the current
   *     write
   * @throws NullPointerException if an argument is null
   * @throws IllegalStateException if the current write has the same timestamp and writer but a
   *     different value (a replica reused a timestamp); the message shows both values and the
   *     stamp. This register is unchanged
   */
  public LWWRegister<V> set(V value, HlcTimestamp timestamp, ReplicaId writer) {
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(timestamp, "timestamp");
    Objects.requireNonNull(writer, "writer");
    if (this.timestamp != null) {
      int c = compareStamps(timestamp, writer, this.timestamp, this.writer);
      if (c < 0) {
        return this;
      }
      if (c == 0) {
        checkSameValue(this.value, value);
        return this;
      }
    }
    LWWRegister<V> delta = new LWWRegister<>(value, timestamp, writer, null);
    return new LWWRegister<>(value, timestamp, writer, delta);
  }

  /**
   * Writes {@code value} at {@code clock.now()} by {@code writer}. The clock is read only after the
   * arguments are checked. A fresh timestamp from the writer's own clock is after every write the
   * clock has seen, so the write normally takes effect; see {@link #set(Object, HlcTimestamp,
   * ReplicaId)}.
   *
   * @param value the value, never null
   * @param clock the hybrid logical clock of {@code writer}
   * @param writer the replica making the write
   * @return the new register, or {@code this} if the write loses
   * @throws NullPointerException if an argument is null
   * @throws IllegalStateException if the clock's physical clock is out of range, or as for {@link
   *     #set(Object, HlcTimestamp, ReplicaId)}
   * @throws ArithmeticException if the clock's physical part would pass {@link
   *     HlcTimestamp#MAX_PHYSICAL}
   */
  public LWWRegister<V> set(V value, HybridLogicalClock clock, ReplicaId writer) {
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(writer, "writer");
    return set(value, clock.now(), writer);
  }

  /**
   * Returns the value of the winning write.
   *
   * @return the value, or empty if nothing was written
   */
  public Optional<V> value() {
    return Optional.ofNullable(value);
  }

  /**
   * Returns the timestamp of the winning write.
   *
   * @return the timestamp, or empty if nothing was written
   */
  public Optional<HlcTimestamp> timestamp() {
    return Optional.ofNullable(timestamp);
  }

  /**
   * Returns the replica that made the winning write.
   *
   * @return the writer, or empty if nothing was written
   */
  public Optional<ReplicaId> writer() {
    return Optional.ofNullable(writer);
  }

  /**
   * Returns the register with the greater (timestamp, writer) stamp; keeps the pending delta of
   * {@code this}. O(1).
   *
   * @param other the register to merge with
   * @return the winner: {@code this} if it wins or both are equal, {@code other} if it wins and has
   *     the same pending delta, otherwise a copy of {@code other} with this register's pending
   *     delta
   * @throws NullPointerException if {@code other} is null
   * @throws IllegalStateException if both have the same stamp but different values (a replica
   *     reused a timestamp); the message shows both values and the stamp
   */
  @Override
  public LWWRegister<V> merge(LWWRegister<V> other) {
    Objects.requireNonNull(other, "other");
    if (other == this || other.timestamp == null) {
      return this;
    }
    if (timestamp != null) {
      int c = compareStamps(timestamp, writer, other.timestamp, other.writer);
      if (c > 0) {
        return this;
      }
      if (c == 0) {
        checkSameValue(value, other.value);
        return this;
      }
    }
    return other.pending == pending
        ? other
        : new LWWRegister<>(other.value, other.timestamp, other.writer, pending);
  }

  private static int compareStamps(
      HlcTimestamp ts1, ReplicaId writer1, HlcTimestamp ts2, ReplicaId writer2) {
    int byTime = ts1.compareTo(ts2);
    return byTime != 0 ? byTime : writer1.compareTo(writer2);
  }

  private void checkSameValue(V mine, V theirs) {
    if (!mine.equals(theirs)) {
      throw new IllegalStateException(
          "LWWRegister: two different values with the same stamp (a replica reused a timestamp):"
              + " values "
              + mine
              + " and "
              + theirs
              + ", timestamp="
              + timestamp
              + ", writer="
              + writer);
    }
  }

  @Override
  public Optional<LWWRegister<V>> delta() {
    return Optional.ofNullable(pending);
  }

  @Override
  public LWWRegister<V> resetDelta() {
    return pending == null ? this : new LWWRegister<>(value, timestamp, writer, null);
  }

  /** Compares value, timestamp and writer; the pending delta is not part of the state. */
  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof LWWRegister)) {
      return false;
    }
    LWWRegister<?> that = (LWWRegister<?>) o;
    return Objects.equals(value, that.value)
        && Objects.equals(timestamp, that.timestamp)
        && Objects.equals(writer, that.writer);
  }

  @Override
  public int hashCode() {
    return Objects.hash(value, timestamp, writer);
  }

  /**
   * Returns the value and its stamp, for example {@code LWWRegister[blue @
   * 2026-11-23T09:00:00.123Z#0 by us-east]}, or {@code LWWRegister[empty]}.
   */
  @Override
  public String toString() {
    return timestamp == null
        ? "LWWRegister[empty]"
        : "LWWRegister[" + value + " @ " + timestamp + " by " + writer + "]";
  }
}
