package io.converge.clocks;

/**
 * The wall clock a {@link HybridLogicalClock} reads: milliseconds since the Unix epoch.
 *
 * <p>Inject your own to test with skewed, stuck or backward-jumping time. Implementations must be
 * thread-safe; they need not be monotonic (the hybrid logical clock stays monotonic regardless).
 */
@FunctionalInterface
public interface PhysicalClock {

  /**
   * Returns the current time.
   *
   * @return milliseconds since 1970-01-01T00:00:00Z, from 0 to {@link HlcTimestamp#MAX_PHYSICAL}
   */
  long currentTimeMillis();

  /**
   * Returns the system wall clock, {@link System#currentTimeMillis()}.
   *
   * @return the system clock, a singleton
   */
  static PhysicalClock system() {
    return SystemPhysicalClock.INSTANCE;
  }
}

/** The system wall clock; an enum so that it is a serialization-safe singleton. */
enum SystemPhysicalClock implements PhysicalClock {
  INSTANCE;

  @Override
  public long currentTimeMillis() {
    return System.currentTimeMillis();
  }
}
