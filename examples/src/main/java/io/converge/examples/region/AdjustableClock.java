package io.converge.examples.region;

import io.converge.clocks.PhysicalClock;
import java.time.Duration;

/**
 * The system clock plus a skew that can change while the region runs: how a game day sets a
 * region's clock ahead or behind without touching the machine's clock.
 */
public final class AdjustableClock implements PhysicalClock {

  /** The largest skew accepted, either way. */
  public static final Duration MAX_SKEW = Duration.ofDays(1);

  private volatile long skewMillis;

  /**
   * Creates the clock with an initial skew.
   *
   * @param skew how far ahead (positive) or behind (negative) of the system clock
   * @throws IllegalArgumentException if the skew is beyond {@link #MAX_SKEW} either way
   */
  public AdjustableClock(Duration skew) {
    skew(skew);
  }

  /**
   * Sets the skew.
   *
   * @param skew how far ahead (positive) or behind (negative) of the system clock
   * @throws IllegalArgumentException if the skew is beyond {@link #MAX_SKEW} either way
   */
  public void skew(Duration skew) {
    if (skew.abs().compareTo(MAX_SKEW) > 0) {
      throw new IllegalArgumentException(
          "clock skew must be within " + MAX_SKEW + " either way: " + skew);
    }
    this.skewMillis = skew.toMillis();
  }

  /**
   * Returns the skew.
   *
   * @return how far ahead (positive) or behind (negative) of the system clock
   */
  public Duration skew() {
    return Duration.ofMillis(skewMillis);
  }

  @Override
  public long currentTimeMillis() {
    return System.currentTimeMillis() + skewMillis;
  }
}
