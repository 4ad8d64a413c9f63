package io.converge.crdt;

import io.converge.clocks.CausalContext;
import io.converge.clocks.Dot;
import java.util.List;

/**
 * What a delta's context is made of: the delta's own events, and the dots those events overwrite
 * that are not themselves events of the delta (its dependencies).
 *
 * <p>A receiver whose context already holds the dependencies gets the delta in causal order: it
 * learns of no write whose own effects it lacks, so a closed state stays closed.
 *
 * @param events the delta's own events
 * @param deps the overwritten dots the receiver should already have seen
 */
record DeltaDots(CausalContext events, CausalContext deps) {

  /** One mutation: it made {@code event} and overwrote {@code seen}. */
  static DeltaDots of(List<Dot> seen, Dot event) {
    return new DeltaDots(CausalContext.empty().add(event), Causal.dotsContext(seen));
  }

  /** The make-up of the join of two deltas. */
  DeltaDots union(DeltaDots other) {
    return new DeltaDots(events.merge(other.events), deps.merge(other.deps));
  }

  /** Whether a state of {@code context} has seen every dependency not made by the delta itself. */
  boolean causallyReady(CausalContext context) {
    return Causal.covers(deps, context, events);
  }
}
