package io.converge.replication;

import java.io.Serial;

/**
 * A write was refused because this replica is fenced: its clock disagrees, beyond the maximum clock
 * offset, with a majority of its cluster (see {@link ClockHealth} and {@link
 * ClockSkewPolicy#FENCE}). Nothing was applied. The write may be retried once {@link
 * Replica#clockHealth()} is no longer fenced, or sent to another region.
 */
public final class ClockSkewException extends IllegalStateException {

  @Serial private static final long serialVersionUID = 1L;

  private final transient ClockHealth health;

  ClockSkewException(String key, ClockHealth health) {
    super("write to key " + key + " refused: " + health.reason());
    this.health = health;
  }

  /**
   * Returns the clock health that made the replica refuse the write.
   *
   * @return the health at the time of the refusal
   */
  public ClockHealth health() {
    return health;
  }
}
