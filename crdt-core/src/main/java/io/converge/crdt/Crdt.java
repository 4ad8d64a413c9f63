package io.converge.crdt;

/**
 * A state-based conflict-free replicated data type (Shapiro, Preguiça, Baquero, Zawirski,
 * "Conflict-free Replicated Data Types", 2011): its states form a join-semilattice, and {@link
 * #merge} is the join.
 *
 * <p>Every implementation must make {@code merge} commutative ({@code a.merge(b)} equals {@code
 * b.merge(a)}), associative and idempotent ({@code a.merge(a)} equals {@code a}), and {@link
 * Object#equals} must compare states. Then replicas that have received the same updates, in any
 * order, any number of times, are equal. The {@code crdt-testkit} module checks these laws for any
 * type.
 *
 * <p>Implementations in this library are immutable and thread-safe.
 *
 * @param <T> the implementing type
 */
public interface Crdt<T extends Crdt<T>> {

  /**
   * Returns the join (least upper bound) of this state and {@code other}. Neither is modified.
   *
   * @param other the state to merge with
   * @return the merged state; may be {@code this} or {@code other} when one already includes the
   *     other
   * @throws NullPointerException if {@code other} is null
   */
  T merge(T other);
}
