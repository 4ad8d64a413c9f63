package io.converge.crdt;

import io.converge.clocks.ReplicaId;
import io.converge.clocks.VersionVector;
import java.math.BigInteger;
import java.util.Objects;
import java.util.Optional;

/**
 * A grow-only counter (G-Counter; Shapiro, Preguiça, Baquero, Zawirski, "A comprehensive study of
 * Convergent and Commutative Replicated Data Types", INRIA RR-7506, 2011): each replica counts its
 * own increments, the value is the sum of the per-replica counts, and {@link #merge} takes, for
 * each replica, the larger count. There are no conflicts to resolve: every increment made on any
 * replica is in the merged value exactly once, however often and in whatever order states are
 * merged.
 *
 * <p>The state is a {@link VersionVector} whose entries are the per-replica counts (see {@link
 * #counts()}), so the join is the version vector's entry-wise maximum.
 *
 * <p>Deltas follow {@link DeltaCrdt} (Almeida, Shoker, Baquero, "Delta State Replicated Data
 * Types", 2018): the delta of {@code increment(r, n)} is a counter holding only {@code r}'s new
 * count; deltas of successive increments accumulate by merge until {@link #resetDelta()}.
 *
 * <p>Counts never wrap: an increment that would take one replica's count past {@link
 * Long#MAX_VALUE} is rejected with an {@link ArithmeticException}. The sum of all counts may exceed
 * a {@code long}; {@link #value()} then throws and {@link #bigValue()} is exact.
 *
 * <p>Costs, with n replicas: {@link #increment} is O(n) (it copies the counts array); {@link #get}
 * is O(log n); {@link #value()} is O(n); {@link #merge} is O(n) and returns {@code this} or {@code
 * other} without allocating when one already includes the other.
 *
 * <p>This class is immutable and thread-safe.
 */
public final class GCounter implements DeltaCrdt<GCounter> {

  private static final GCounter EMPTY = new GCounter(VersionVector.empty(), null);

  /** The count of each replica; replicas that never incremented are absent (count 0). */
  private final VersionVector counts;

  /** The join of the deltas since the last reset, or null; never has a pending delta itself. */
  private final GCounter pending;

  private GCounter(VersionVector counts, GCounter pending) {
    this.counts = counts;
    this.pending = pending;
  }

  /**
   * Returns the counter with value 0 and no pending delta.
   *
   * @return the empty counter
   */
  public static GCounter empty() {
    return EMPTY;
  }

  /**
   * Returns this counter with {@code replica}'s count raised by {@code amount}, and the delta (a
   * counter holding only {@code replica}'s new count) joined into the pending delta.
   *
   * @param replica the replica making the increment, normally the local one
   * @param amount how much to add, at least 0
   * @return the new counter, or {@code this} if {@code amount} is 0
   * @throws NullPointerException if {@code replica} is null
   * @throws IllegalArgumentException if {@code amount} is negative; the message shows it
   * @throws ArithmeticException if {@code replica}'s count would pass {@link Long#MAX_VALUE}; the
   *     message names the replica, its count and the amount
   */
  public GCounter increment(ReplicaId replica, long amount) {
    long next = nextCount(replica, amount, "increment");
    if (amount == 0) {
      return this;
    }
    GCounter delta = new GCounter(VersionVector.of(replica, next), null);
    return new GCounter(counts.with(replica, next), pending == null ? delta : pending.merge(delta));
  }

  /**
   * Checks an increment and returns {@code replica}'s count after it.
   *
   * @param what the operation, for messages
   */
  long nextCount(ReplicaId replica, long amount, String what) {
    Objects.requireNonNull(replica, "replica");
    if (amount < 0) {
      throw new IllegalArgumentException(
          what + " amount must be >= 0: amount=" + amount + ", replica=" + replica);
    }
    long current = counts.get(replica);
    if (amount > Long.MAX_VALUE - current) {
      throw new ArithmeticException(
          what
              + " would overflow the count of replica "
              + replica
              + ": count="
              + current
              + ", amount="
              + amount
              + ", max="
              + Long.MAX_VALUE);
    }
    return current + amount;
  }

  /**
   * Returns this counter's state with {@code replica}'s count set to {@code count}, and no pending
   * delta; {@code count} comes from {@link #nextCount}.
   */
  GCounter withCount(ReplicaId replica, long count) {
    return new GCounter(counts.with(replica, count), null);
  }

  /**
   * Returns a counter, with no pending delta, holding only {@code replica}'s count {@code count}.
   */
  static GCounter single(ReplicaId replica, long count) {
    return new GCounter(VersionVector.of(replica, count), null);
  }

  /**
   * Returns the value: the sum of all replicas' counts. O(replicas).
   *
   * @return the sum, at least 0
   * @throws ArithmeticException if the sum exceeds {@link Long#MAX_VALUE}; the message shows the
   *     exact sum. Use {@link #bigValue()} when that can happen
   */
  public long value() {
    long sum = 0;
    for (int i = 0; i < counts.size(); i++) {
      long c = counts.counter(i);
      if (c > Long.MAX_VALUE - sum) {
        throw new ArithmeticException(
            "GCounter value overflows long: sum=" + bigValue() + ", max=" + Long.MAX_VALUE);
      }
      sum += c;
    }
    return sum;
  }

  /**
   * Returns the exact value, however large. O(replicas).
   *
   * @return the sum of all replicas' counts, at least 0
   */
  public BigInteger bigValue() {
    BigInteger sum = BigInteger.ZERO;
    for (int i = 0; i < counts.size(); i++) {
      sum = sum.add(BigInteger.valueOf(counts.counter(i)));
    }
    return sum;
  }

  /**
   * Returns how much {@code replica} has added. O(log replicas).
   *
   * @param replica the replica
   * @return its count, 0 if it never incremented
   * @throws NullPointerException if {@code replica} is null
   */
  public long get(ReplicaId replica) {
    return counts.get(replica);
  }

  /**
   * Returns the per-replica counts.
   *
   * @return a version vector whose entry for each replica is its count; the state itself, not a
   *     copy
   */
  public VersionVector counts() {
    return counts;
  }

  /**
   * Returns, for each replica, the larger of the two counts; keeps the pending delta of {@code
   * this}. O(replicas).
   *
   * @param other the counter to merge with
   * @return the merged counter: {@code this} if it already includes {@code other}, {@code other} if
   *     it includes {@code this} and has the same pending delta, otherwise a new counter
   * @throws NullPointerException if {@code other} is null
   */
  @Override
  public GCounter merge(GCounter other) {
    VersionVector merged = counts.merge(Objects.requireNonNull(other, "other").counts);
    if (merged == counts) {
      return this;
    }
    if (merged == other.counts && other.pending == pending) {
      return other;
    }
    return new GCounter(merged, pending);
  }

  @Override
  public Optional<GCounter> delta() {
    return Optional.ofNullable(pending);
  }

  @Override
  public GCounter resetDelta() {
    return pending == null ? this : new GCounter(counts, null);
  }

  /** Compares the counts; the pending delta is not part of the state. */
  @Override
  public boolean equals(Object o) {
    return this == o || (o instanceof GCounter && counts.equals(((GCounter) o).counts));
  }

  @Override
  public int hashCode() {
    return counts.hashCode();
  }

  /** Returns the exact value and the counts, for example {@code GCounter[5 {r1=3, r2=2}]}. */
  @Override
  public String toString() {
    return "GCounter[" + bigValue() + " " + counts + "]";
  }
}
