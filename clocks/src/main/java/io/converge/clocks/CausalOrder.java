package io.converge.clocks;

/**
 * How two version vectors (or the events they describe) are ordered by causality.
 *
 * @see VersionVector#compare(VersionVector)
 */
public enum CausalOrder {
  /** The first has seen less than the second: it happened before. */
  BEFORE,
  /** The first has seen more than the second: it happened after. */
  AFTER,
  /** Both have seen exactly the same events. */
  EQUAL,
  /** Each has seen an event the other has not: neither happened before the other. */
  CONCURRENT
}
