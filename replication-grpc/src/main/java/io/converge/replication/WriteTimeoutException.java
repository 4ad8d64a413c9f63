package io.converge.replication;

import io.converge.clocks.ReplicaId;
import java.io.Serial;
import java.time.Duration;
import java.util.Set;

/**
 * A {@link Consistency#QUORUM} or {@link Consistency#ALL} write was not acknowledged by enough
 * replicas in time. The write is <b>not</b> rolled back: it is applied on the writing replica (and
 * committed there, with a data directory), it will still replicate to every peer, and {@link
 * #token()} reads it back as any write's token does. What the caller does not have is the promise
 * that the write survives the loss of the writing region. Retrying the same mutation would write it
 * again (an increment would count twice); wait for the peers instead, or accept the risk.
 */
public final class WriteTimeoutException extends RuntimeException {

  @Serial private static final long serialVersionUID = 1L;

  private final String key;
  private final Consistency consistency;
  private final transient Set<ReplicaId> acknowledged;
  private final int needed;
  private final transient CausalToken token;

  WriteTimeoutException(
      String key,
      Consistency consistency,
      Duration timeout,
      ReplicaId self,
      Set<ReplicaId> acknowledged,
      Set<ReplicaId> waitingFor,
      int needed,
      CausalToken token,
      String why) {
    super(
        consistency
            + " write to key "
            + key
            + " "
            + why
            + " (timeout "
            + timeout
            + "): acknowledged by "
            + acknowledged.size()
            + " of the "
            + needed
            + " peers it needs "
            + acknowledged
            + ", not by "
            + waitingFor
            + ". The write is applied on "
            + self
            + " and will still replicate; nothing is rolled back");
    this.key = key;
    this.consistency = consistency;
    this.acknowledged = Set.copyOf(acknowledged);
    this.needed = needed;
    this.token = token;
  }

  /**
   * Returns the name of the key written.
   *
   * @return the key name
   */
  public String key() {
    return key;
  }

  /**
   * Returns the consistency the write asked for.
   *
   * @return {@code QUORUM} or {@code ALL}
   */
  public Consistency consistency() {
    return consistency;
  }

  /**
   * Returns the peers that acknowledged the write before the timeout.
   *
   * @return an immutable set, smaller than {@link #peersNeeded()}
   */
  public Set<ReplicaId> acknowledgedBy() {
    return acknowledged;
  }

  /**
   * Returns how many peers had to acknowledge the write.
   *
   * @return the number of peers the consistency needs
   */
  public int peersNeeded() {
    return needed;
  }

  /**
   * Returns the write's causal token: the write happened, and reads with this token see it once it
   * reaches their region.
   *
   * @return the token
   */
  public CausalToken token() {
    return token;
  }
}
