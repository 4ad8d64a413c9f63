package io.converge.replication;

/**
 * What a replica does when its clock disagrees, beyond the maximum clock offset, with a majority of
 * its cluster (see {@link ClockHealth}). Chosen with {@link Replica.Builder#clockSkewPolicy}.
 */
public enum ClockSkewPolicy {

  /**
   * The default. The replica reports itself fenced in {@link Replica#clockHealth()} and the {@code
   * converge.clock.fenced} gauge, and refuses new writes with a {@link ClockSkewException} until
   * its clock agrees with a majority again, so that it never mints timestamps that would beat
   * honest writes made later in real time. It keeps receiving, applying and acknowledging its
   * peers' changes, and serving reads.
   */
  FENCE,

  /**
   * The replica reports the disagreement exactly as {@link #FENCE} does, but keeps accepting
   * writes. For operators who prefer availability over the last-writer-wins order of writes made
   * while the clock is wrong (counters and sets do not depend on clocks; registers and LWW maps
   * do).
   */
  REPORT
}
