package io.converge.clocks;

import java.time.Duration;
import java.time.Instant;

/**
 * Thrown when a remote hybrid logical clock timestamp is further ahead of the local physical clock
 * than the configured maximum offset. The clock is left unchanged: accepting the timestamp would
 * drag this replica's clock, and every clock that later hears from it, into the future.
 *
 * <p>This is how CockroachDB treats a peer whose clock is out of bounds; the sender's clock, or the
 * maximum offset, needs attention.
 */
public final class ClockOffsetException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final long remotePacked;
  private final long localPhysical;
  private final long maxOffsetMillis;

  ClockOffsetException(HlcTimestamp remote, long localPhysical, long maxOffsetMillis) {
    super(
        "remote HLC timestamp "
            + remote
            + " is "
            + (remote.physical() - localPhysical)
            + " ms ahead of the local physical clock ("
            + Instant.ofEpochMilli(localPhysical)
            + "), beyond the maximum offset of "
            + maxOffsetMillis
            + " ms; the timestamp was rejected and the clock is unchanged");
    this.remotePacked = remote.packed();
    this.localPhysical = localPhysical;
    this.maxOffsetMillis = maxOffsetMillis;
  }

  /**
   * Returns the rejected timestamp.
   *
   * @return the remote timestamp
   */
  public HlcTimestamp remote() {
    return HlcTimestamp.fromPacked(remotePacked);
  }

  /**
   * Returns the local physical time when the timestamp was rejected.
   *
   * @return milliseconds since the epoch
   */
  public long localPhysical() {
    return localPhysical;
  }

  /**
   * Returns how far the remote timestamp was ahead of the local physical clock.
   *
   * @return the offset
   */
  public Duration offset() {
    return Duration.ofMillis(remote().physical() - localPhysical);
  }

  /**
   * Returns the maximum offset in force.
   *
   * @return the maximum offset
   */
  public Duration maxOffset() {
    return Duration.ofMillis(maxOffsetMillis);
  }
}
