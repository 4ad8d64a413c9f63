package io.converge.crdt;

import java.util.Optional;

/**
 * A delta-state CRDT (Almeida, Shoker, Baquero, "Delta State Replicated Data Types", 2018): every
 * mutator also yields a <em>delta</em>, a small state of the same type, so that replicas ship the
 * delta instead of the whole state. Merging a delta is the same {@link #merge join} as merging a
 * full state: {@code before.merge(delta)} equals the state after the mutation.
 *
 * <p>A value remembers the join of the deltas of the mutations applied to it since the last {@link
 * #resetDelta()} (the model Pekko Distributed Data uses). A replica applies a mutation to a reset
 * value, takes {@link #delta()} to ship, and keeps the reset result:
 *
 * <pre>{@code
 * GCounter next = current.resetDelta().increment(self, 1);
 * ship(next.delta().orElseThrow());
 * current = next.resetDelta();
 * }</pre>
 *
 * <p>The pending delta is not part of the state: {@code equals} and {@code hashCode} ignore it, and
 * {@code merge} keeps the delta of {@code this} (merging in remote state is not a local mutation).
 *
 * @param <T> the implementing type
 */
public interface DeltaCrdt<T extends DeltaCrdt<T>> extends Crdt<T> {

  /**
   * Returns the join of the deltas of the mutations applied since the last {@link #resetDelta()}.
   *
   * @return the delta, or empty if no mutation was applied
   */
  Optional<T> delta();

  /**
   * Returns this state with no pending delta.
   *
   * @return an equal state whose {@link #delta()} is empty; {@code this} if it has none
   */
  T resetDelta();
}
