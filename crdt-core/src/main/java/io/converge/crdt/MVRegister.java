package io.converge.crdt;

import io.converge.clocks.CausalContext;
import io.converge.clocks.Dot;
import io.converge.clocks.HlcTimestamp;
import io.converge.clocks.HybridLogicalClock;
import io.converge.clocks.ReplicaId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A multi-value register: a write replaces every value its replica has seen, and concurrent writes
 * are all kept as <em>siblings</em> (the register of Amazon's Dynamo and Riak; in delta-state form:
 * Almeida, Shoker, Baquero, "Delta State Replicated Data Types", 2018).
 *
 * <p>Nothing is lost silently: after two regions write concurrently, both values are present until
 * a later write, which has seen both, replaces them. A {@link ConflictResolver} turns the siblings
 * into one value the same way on every replica ({@link #resolve}). Each sibling records its
 * hybrid-logical-clock timestamp and writer, so last-writer-wins or first-writer-wins resolution is
 * available without a second data type.
 *
 * <p>Costs: a write and any merge are O(siblings) plus O(replicas); there is usually one sibling.
 *
 * <p>This class is immutable and thread-safe if the values are.
 *
 * @param <V> the value type; values must be immutable
 */
public final class MVRegister<V> extends Causal<MVRegister<V>> {

  private static final Versioned<?>[] NONE = {};

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static final MVRegister<?> EMPTY = new MVRegister(NONE, CausalContext.empty(), null);

  /** Live siblings, sorted by dot. */
  private final Versioned<V>[] siblings;

  private MVRegister(Versioned<V>[] siblings, CausalContext context, MVRegister<V> pending) {
    super(context, pending);
    this.siblings = siblings;
  }

  /**
   * Returns the register with no value.
   *
   * @param <V> the value type
   * @return the empty register
   */
  @SuppressWarnings("unchecked")
  public static <V> MVRegister<V> empty() {
    return (MVRegister<V>) EMPTY;
  }

  /**
   * Returns this register after {@code replica} writes {@code value} at {@code timestamp}: the new
   * value replaces every sibling this replica has seen; siblings written concurrently elsewhere
   * survive the merge.
   *
   * @param replica the writing replica
   * @param value the value
   * @param timestamp the write's time, normally {@code clock.now()} of the writer's clock
   * @return the new register
   * @throws NullPointerException if an argument is null
   */
  public MVRegister<V> write(ReplicaId replica, V value, HlcTimestamp timestamp) {
    requireReplica(replica);
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(timestamp, "timestamp");
    Dot dot = context.nextDot(replica);
    @SuppressWarnings({"unchecked", "rawtypes"})
    Versioned<V>[] written = new Versioned[] {new Versioned<>(value, timestamp, dot)};
    return apply(new MVRegister<>(written, eventContext(dots(), dot), null));
  }

  /**
   * Returns this register after {@code replica} writes {@code value}, stamped with {@code
   * clock.now()}.
   *
   * @param replica the writing replica
   * @param value the value
   * @param clock the writer's hybrid logical clock
   * @return the new register
   * @throws NullPointerException if an argument is null
   */
  public MVRegister<V> write(ReplicaId replica, V value, HybridLogicalClock clock) {
    return write(replica, value, Objects.requireNonNull(clock, "clock").now());
  }

  /**
   * Returns this register with every sibling this replica has seen removed; a concurrent write
   * elsewhere survives.
   *
   * @param replica the replica making the change
   * @return the new register, or {@code this} if it is empty
   * @throws NullPointerException if {@code replica} is null
   */
  public MVRegister<V> clear(ReplicaId replica) {
    requireReplica(replica);
    if (siblings.length == 0) {
      return this;
    }
    @SuppressWarnings("unchecked")
    Versioned<V>[] none = (Versioned<V>[]) NONE;
    return apply(new MVRegister<>(none, eventContext(dots(), context.nextDot(replica)), null));
  }

  /**
   * Returns the concurrent versions, in {@link Versioned#ORDER} (timestamp, then writer).
   *
   * @return an unmodifiable list; empty if nothing was written, one element if there is no conflict
   */
  public List<Versioned<V>> siblings() {
    Versioned<V>[] sorted = siblings.clone();
    Arrays.sort(sorted, Versioned.ORDER);
    return List.of(sorted);
  }

  /**
   * Returns the sibling values in {@link Versioned#ORDER}.
   *
   * @return an unmodifiable list of values
   */
  public List<V> values() {
    List<V> out = new ArrayList<>(siblings.length);
    for (Versioned<V> v : siblings()) {
      out.add(v.value());
    }
    return List.copyOf(out);
  }

  /**
   * Returns whether concurrent writes left more than one sibling.
   *
   * @return true if there is a conflict to resolve
   */
  public boolean hasConflict() {
    return siblings.length > 1;
  }

  /**
   * Resolves the siblings into one value with {@code resolver}; every replica with the same
   * siblings gets the same value.
   *
   * @param resolver the conflict resolver
   * @return the resolved value, or empty if the register is empty
   * @throws NullPointerException if {@code resolver} is null
   */
  public Optional<V> resolve(ConflictResolver<V> resolver) {
    Objects.requireNonNull(resolver, "resolver");
    return siblings.length == 0 ? Optional.empty() : Optional.of(resolver.resolve(siblings()));
  }

  @Override
  public boolean isEmpty() {
    return siblings.length == 0;
  }

  @Override
  MVRegister<V> with(CausalContext newContext, boolean keepDelta, MVRegister<V> newPending) {
    return new MVRegister<>(siblings, newContext, newPending);
  }

  @Override
  boolean isDelta() {
    return false;
  }

  @Override
  void collectDots(List<Dot> out) {
    for (Versioned<V> v : siblings) {
      out.add(v.dot());
    }
  }

  @Override
  MVRegister<V> joinStores(
      MVRegister<V> other, CausalContext mine, CausalContext theirs, CausalContext result) {
    return new MVRegister<>(
        joinByDot(siblings, mine, other.siblings, theirs, Versioned::dot), result, null);
  }

  /** Compares siblings and context; the pending delta is not part of the state. */
  @Override
  public boolean equals(Object o) {
    return this == o
        || (o instanceof MVRegister
            && context.equals(((MVRegister<?>) o).context)
            && Arrays.equals(siblings, ((MVRegister<?>) o).siblings));
  }

  @Override
  public int hashCode() {
    return 31 * context.hashCode() + Arrays.hashCode(siblings);
  }

  /** Returns the sibling values, for example {@code MVRegister[a, b]}. */
  @Override
  public String toString() {
    return "MVRegister" + values();
  }

  Versioned<V>[] siblingsForWire() {
    return siblings;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  static <V> MVRegister<V> fromWire(List<Versioned<V>> siblings, CausalContext context) {
    Versioned<V>[] sorted = siblings.toArray(new Versioned[0]);
    Arrays.sort(sorted, (a, b) -> a.dot().compareTo(b.dot()));
    return new MVRegister<>(sorted, context, null);
  }
}
