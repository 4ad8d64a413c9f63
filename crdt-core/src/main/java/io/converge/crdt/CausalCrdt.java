package io.converge.crdt;

import io.converge.clocks.CausalContext;

/**
 * A causal CRDT (Almeida, Shoker, Baquero, "Delta State Replicated Data Types", 2018, section 6): a
 * <em>dot store</em> (the live writes, each named by a {@link io.converge.clocks.Dot}) together
 * with a {@link CausalContext} (every write the replica has seen). A write that is in the context
 * but not in the store has been overwritten or removed, so no tombstones are kept.
 *
 * <p>In Converge every mutation of a causal CRDT is one event with its own dot, which is added to
 * the context even when it removes. A state built only from mutations, full states and deltas
 * delivered in causal order (as the replication engine delivers them) reflects exactly the writes
 * its context names, so when its context includes another state's it already includes that state,
 * and {@link #merge} returns it after comparing contexts (O(replicas)), without touching elements.
 * After a delta arrives out of causal order the types fall back to the full join, which is always
 * correct, until a full state catches them up.
 *
 * <p>Causal CRDTs nest: the values of an {@link ORMap} are causal CRDTs that share the map's
 * context, which is what lets removing a key clear exactly the writes the remover had seen while a
 * concurrent write survives. This interface is sealed; the implementations are {@link ORSet},
 * {@link MVRegister}, {@link EWFlag}, {@link DWFlag}, {@link CausalCounter} and {@link ORMap}.
 *
 * @param <T> the implementing type
 */
public sealed interface CausalCrdt<T extends CausalCrdt<T>> extends DeltaCrdt<T> permits Causal {

  /**
   * Returns the writes this state has seen, live or not.
   *
   * @return the causal context
   */
  CausalContext context();

  /**
   * Returns whether no write is live: the state of a fresh value, or of one whose every write was
   * removed. An {@link ORMap} holds a key exactly while its value is not empty.
   *
   * @return true if the dot store is empty
   */
  boolean isEmpty();
}
