package io.converge.crdt;

import io.converge.clocks.CausalContext;
import io.converge.clocks.Dot;
import io.converge.clocks.ReplicaId;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A counter that can be reset by observation: increments and decrements are writes named by dots,
 * its value is their sum, and a {@link #reset} removes exactly the writes its replica has seen (the
 * "observed-reset" counter; Almeida, Shoker, Baquero, "Delta State Replicated Data Types", 2018,
 * and Riak's embedded map counters).
 *
 * <p>This is the counter to nest in an {@link ORMap}, for example item quantities in a cart:
 * concurrent increments from two regions both count, and removing the key (or resetting) clears
 * what the remover saw while an increment made concurrently elsewhere survives with exactly its own
 * amount. For a counter that is never reset, {@link PNCounter} is smaller.
 *
 * <p>Costs: each change keeps one entry (dot, amount) until a reset removes it, so the state grows
 * with the number of changes since the last reset; merge is O(entries) plus O(replicas).
 *
 * <p>This class is immutable and thread-safe.
 */
public final class CausalCounter extends Causal<CausalCounter> {

  /** One change: its dot and signed amount. */
  record Change(Dot dot, long amount) {}

  private static final Change[] NONE = {};
  private static final CausalCounter ZERO = new CausalCounter(NONE, CausalContext.empty(), null);

  /** Live changes, sorted by dot. */
  private final Change[] changes;

  private CausalCounter(Change[] changes, CausalContext context, CausalCounter pending) {
    super(context, pending);
    this.changes = changes;
  }

  /**
   * Returns the counter at zero.
   *
   * @return the initial counter
   */
  public static CausalCounter zero() {
    return ZERO;
  }

  /**
   * Returns this counter increased by {@code amount} at {@code replica}.
   *
   * @param replica the replica making the change
   * @param amount at least 0; 0 changes nothing
   * @return the new counter
   * @throws NullPointerException if {@code replica} is null
   * @throws IllegalArgumentException if {@code amount} is negative
   */
  public CausalCounter increment(ReplicaId replica, long amount) {
    if (amount < 0) {
      throw new IllegalArgumentException("increment must be >= 0: amount=" + amount);
    }
    return add(replica, amount);
  }

  /**
   * Returns this counter decreased by {@code amount} at {@code replica}.
   *
   * @param replica the replica making the change
   * @param amount at least 0; 0 changes nothing
   * @return the new counter
   * @throws NullPointerException if {@code replica} is null
   * @throws IllegalArgumentException if {@code amount} is negative
   */
  public CausalCounter decrement(ReplicaId replica, long amount) {
    if (amount < 0) {
      throw new IllegalArgumentException("decrement must be >= 0: amount=" + amount);
    }
    return add(replica, -amount);
  }

  /**
   * Returns this counter changed by the signed {@code amount} at {@code replica}.
   *
   * @param replica the replica making the change
   * @param amount the change; 0 changes nothing
   * @return the new counter
   * @throws NullPointerException if {@code replica} is null
   */
  public CausalCounter add(ReplicaId replica, long amount) {
    requireReplica(replica);
    if (amount == 0) {
      return this;
    }
    Dot dot = context.nextDot(replica);
    return apply(
        new CausalCounter(
            new Change[] {new Change(dot, amount)}, eventContext(new ArrayList<>(), dot), null));
  }

  /**
   * Returns this counter with every change its replica has seen removed; changes made concurrently
   * elsewhere survive.
   *
   * @param replica the replica making the change
   * @return the new counter, or {@code this} if no change is live
   * @throws NullPointerException if {@code replica} is null
   */
  public CausalCounter reset(ReplicaId replica) {
    requireReplica(replica);
    if (changes.length == 0) {
      return this;
    }
    return apply(new CausalCounter(NONE, eventContext(dots(), context.nextDot(replica)), null));
  }

  /**
   * Returns the sum of the live changes.
   *
   * @return the value
   * @throws ArithmeticException if the sum does not fit in a {@code long}; use {@link #bigValue()}
   */
  public long value() {
    long sum = 0;
    for (Change c : changes) {
      try {
        sum = Math.addExact(sum, c.amount());
      } catch (ArithmeticException e) {
        throw new ArithmeticException("counter value overflows a long: value=" + bigValue());
      }
    }
    return sum;
  }

  /**
   * Returns the exact sum of the live changes.
   *
   * @return the value
   */
  public BigInteger bigValue() {
    BigInteger sum = BigInteger.ZERO;
    for (Change c : changes) {
      sum = sum.add(BigInteger.valueOf(c.amount()));
    }
    return sum;
  }

  /** Returns true when no change is live (the value is then 0). */
  @Override
  public boolean isEmpty() {
    return changes.length == 0;
  }

  @Override
  CausalCounter with(CausalContext newContext, boolean keepDelta, CausalCounter newPending) {
    return new CausalCounter(changes, newContext, newPending);
  }

  @Override
  boolean isDelta() {
    return false;
  }

  @Override
  void collectDots(List<Dot> out) {
    for (Change c : changes) {
      out.add(c.dot());
    }
  }

  @Override
  CausalCounter joinStores(
      CausalCounter other, CausalContext mine, CausalContext theirs, CausalContext result) {
    return new CausalCounter(
        joinByDot(changes, mine, other.changes, theirs, Change::dot), result, null);
  }

  /** Compares the live changes and the context; the pending delta is not part of the state. */
  @Override
  public boolean equals(Object o) {
    return this == o
        || (o instanceof CausalCounter
            && context.equals(((CausalCounter) o).context)
            && Arrays.equals(changes, ((CausalCounter) o).changes));
  }

  @Override
  public int hashCode() {
    return 31 * context.hashCode() + Arrays.hashCode(changes);
  }

  /** Returns the value, for example {@code CausalCounter[3]}. */
  @Override
  public String toString() {
    return "CausalCounter[" + bigValue() + "]";
  }

  Change[] changesForWire() {
    return changes;
  }

  static CausalCounter fromWire(Change[] changes, CausalContext context) {
    return new CausalCounter(changes, context, null);
  }
}
