package io.converge.crdt;

import io.converge.clocks.ReplicaId;
import java.math.BigInteger;
import java.util.Objects;
import java.util.Optional;

/**
 * A counter that goes up and down (PN-Counter; Shapiro, Preguiça, Baquero, Zawirski, "A
 * comprehensive study of Convergent and Commutative Replicated Data Types", INRIA RR-7506, 2011):
 * two {@link GCounter}s, one for increments (P) and one for decrements (N); the value is {@code P -
 * N}, and {@link #merge} merges P with P and N with N. There are no conflicts to resolve: every
 * increment and decrement made on any replica counts exactly once in the merged value.
 *
 * <p>Deltas follow {@link DeltaCrdt} (Almeida, Shoker, Baquero, "Delta State Replicated Data
 * Types", 2018): the delta of an increment or decrement is a counter holding only the changed
 * replica's new increment or decrement count; deltas accumulate by merge until {@link
 * #resetDelta()}.
 *
 * <p>Each replica's increments and its decrements are each at most {@link Long#MAX_VALUE}; an
 * operation that would pass that is rejected with an {@link ArithmeticException}, and nothing ever
 * wraps. {@link #value()} is exact even when P or N alone exceeds a {@code long}, and throws only
 * if the difference does; {@link #bigValue()} is always exact.
 *
 * <p>Costs, with n replicas: an update is O(n); {@link #value()} is O(n); {@link #merge} is O(n)
 * and returns {@code this} or {@code other} without allocating when one already includes the other.
 *
 * <p>This class is immutable and thread-safe.
 */
public final class PNCounter implements DeltaCrdt<PNCounter> {

  private static final PNCounter EMPTY = new PNCounter(GCounter.empty(), GCounter.empty(), null);

  /** Increments; never has a pending delta. */
  private final GCounter p;

  /** Decrements; never has a pending delta. */
  private final GCounter n;

  /** The join of the deltas since the last reset, or null; never has a pending delta itself. */
  private final PNCounter pending;

  private PNCounter(GCounter p, GCounter n, PNCounter pending) {
    this.p = p;
    this.n = n;
    this.pending = pending;
  }

  /**
   * Returns the counter with value 0 and no pending delta.
   *
   * @return the empty counter
   */
  public static PNCounter empty() {
    return EMPTY;
  }

  /**
   * Returns this counter with {@code replica}'s increments raised by {@code amount}, and the delta
   * joined into the pending delta.
   *
   * @param replica the replica making the change, normally the local one
   * @param amount how much to add, at least 0
   * @return the new counter, or {@code this} if {@code amount} is 0
   * @throws NullPointerException if {@code replica} is null
   * @throws IllegalArgumentException if {@code amount} is negative; the message shows it
   * @throws ArithmeticException if {@code replica}'s increments would pass {@link Long#MAX_VALUE};
   *     the message names the replica, its count and the amount
   */
  public PNCounter increment(ReplicaId replica, long amount) {
    long next = p.nextCount(replica, amount, "increment");
    if (amount == 0) {
      return this;
    }
    return apply(
        new PNCounter(p.withCount(replica, next), n, null),
        new PNCounter(GCounter.single(replica, next), GCounter.empty(), null));
  }

  /**
   * Returns this counter with {@code replica}'s decrements raised by {@code amount}, and the delta
   * joined into the pending delta.
   *
   * @param replica the replica making the change, normally the local one
   * @param amount how much to subtract, at least 0
   * @return the new counter, or {@code this} if {@code amount} is 0
   * @throws NullPointerException if {@code replica} is null
   * @throws IllegalArgumentException if {@code amount} is negative; the message shows it
   * @throws ArithmeticException if {@code replica}'s decrements would pass {@link Long#MAX_VALUE};
   *     the message names the replica, its count and the amount
   */
  public PNCounter decrement(ReplicaId replica, long amount) {
    long next = n.nextCount(replica, amount, "decrement");
    if (amount == 0) {
      return this;
    }
    return apply(
        new PNCounter(p, n.withCount(replica, next), null),
        new PNCounter(GCounter.empty(), GCounter.single(replica, next), null));
  }

  /**
   * Adds a signed amount: a positive amount is an {@link #increment}, a negative one a {@link
   * #decrement} by its magnitude.
   *
   * <p>{@code Long.MIN_VALUE} has no positive {@code long} counterpart: a decrement by its
   * magnitude, 2<sup>63</sup>, always passes the largest count a replica can hold, so it is
   * rejected with an {@link ArithmeticException} (never negated into a wrong amount).
   *
   * @param replica the replica making the change, normally the local one
   * @param signedAmount how much to add; negative to subtract
   * @return the new counter, or {@code this} if {@code signedAmount} is 0
   * @throws NullPointerException if {@code replica} is null
   * @throws ArithmeticException if {@code replica}'s increments or decrements would pass {@link
   *     Long#MAX_VALUE}, which is always the case for {@code Long.MIN_VALUE}; the message names the
   *     replica, its count and the amount
   */
  public PNCounter add(ReplicaId replica, long signedAmount) {
    if (signedAmount >= 0) {
      return increment(replica, signedAmount);
    }
    if (signedAmount == Long.MIN_VALUE) {
      Objects.requireNonNull(replica, "replica");
      throw new ArithmeticException(
          "decrement would overflow the count of replica "
              + replica
              + ": count="
              + n.get(replica)
              + ", amount="
              + BigInteger.valueOf(signedAmount).negate()
              + " (signedAmount="
              + signedAmount
              + "), max="
              + Long.MAX_VALUE);
    }
    return decrement(replica, -signedAmount);
  }

  private PNCounter apply(PNCounter next, PNCounter delta) {
    return new PNCounter(next.p, next.n, pending == null ? delta : pending.merge(delta));
  }

  /**
   * Returns the value, increments minus decrements, exactly. O(replicas).
   *
   * @return {@code P - N}
   * @throws ArithmeticException if the value does not fit in a {@code long}; the message shows the
   *     exact value. Use {@link #bigValue()} when that can happen
   */
  public long value() {
    try {
      return Math.subtractExact(p.value(), n.value());
    } catch (ArithmeticException overflow) {
      // P or N alone may overflow while P - N fits, so decide on the exact value.
      BigInteger exact = bigValue();
      if (exact.bitLength() < Long.SIZE) {
        return exact.longValue();
      }
      throw new ArithmeticException(
          "PNCounter value overflows long: value="
              + exact
              + ", range=["
              + Long.MIN_VALUE
              + ", "
              + Long.MAX_VALUE
              + "]");
    }
  }

  /**
   * Returns the exact value, however large. O(replicas).
   *
   * @return increments minus decrements
   */
  public BigInteger bigValue() {
    return p.bigValue().subtract(n.bigValue());
  }

  /**
   * Returns the increments (P).
   *
   * @return the grow-only counter of increments, with no pending delta
   */
  public GCounter increments() {
    return p;
  }

  /**
   * Returns the decrements (N).
   *
   * @return the grow-only counter of decrements, with no pending delta
   */
  public GCounter decrements() {
    return n;
  }

  /**
   * Merges increments with increments and decrements with decrements; keeps the pending delta of
   * {@code this}. O(replicas).
   *
   * @param other the counter to merge with
   * @return the merged counter: {@code this} if it already includes {@code other}, {@code other} if
   *     it includes {@code this} and has the same pending delta, otherwise a new counter
   * @throws NullPointerException if {@code other} is null
   */
  @Override
  public PNCounter merge(PNCounter other) {
    Objects.requireNonNull(other, "other");
    GCounter mp = p.merge(other.p);
    GCounter mn = n.merge(other.n);
    if (mp == p && mn == n) {
      return this;
    }
    if (mp == other.p && mn == other.n && other.pending == pending) {
      return other;
    }
    return new PNCounter(mp, mn, pending);
  }

  @Override
  public Optional<PNCounter> delta() {
    return Optional.ofNullable(pending);
  }

  @Override
  public PNCounter resetDelta() {
    return pending == null ? this : new PNCounter(p, n, null);
  }

  /** Compares increments and decrements; the pending delta is not part of the state. */
  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof PNCounter)) {
      return false;
    }
    PNCounter that = (PNCounter) o;
    return p.equals(that.p) && n.equals(that.n);
  }

  @Override
  public int hashCode() {
    return 31 * p.hashCode() + n.hashCode();
  }

  /**
   * Returns the exact value, increments and decrements, for example {@code PNCounter[3 P{r1=5}
   * N{r2=2}]}.
   */
  @Override
  public String toString() {
    return "PNCounter[" + bigValue() + " P" + p.counts() + " N" + n.counts() + "]";
  }
}
