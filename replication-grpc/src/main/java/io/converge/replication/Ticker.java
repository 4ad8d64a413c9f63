package io.converge.replication;

/**
 * The clock of every wait and timer of a replica: how long a {@code QUORUM} write, a causal-token
 * read or a drain has waited, and when its timeout is due. It measures elapsed time, not the time
 * of day (the hybrid logical clock reads a {@link io.converge.clocks.PhysicalClock} for that), so
 * it need not be related to any wall clock; only differences between two readings mean anything.
 *
 * <p>A production replica uses {@link #system()}. A simulation supplies the virtual time of its
 * scheduler ({@link EngineScheduler#ticker()}, for instance {@link
 * EngineScheduler#virtual(io.converge.replication.transport.InMemoryNetwork,
 * io.converge.replication.transport.Transport)}), so that a run that waits is a function of its
 * seed.
 *
 * <p>Implementations must be thread-safe and should never go backwards.
 */
@FunctionalInterface
public interface Ticker {

  /**
   * Returns the current reading.
   *
   * @return nanoseconds since an arbitrary origin, fixed for the ticker's life
   */
  long read();

  /**
   * Returns the system's monotonic clock, {@link System#nanoTime()}.
   *
   * @return the system ticker, a singleton
   */
  static Ticker system() {
    return SystemTicker.INSTANCE;
  }
}

/** The system ticker; an enum so that it is a serialization-safe singleton. */
enum SystemTicker implements Ticker {
  INSTANCE;

  @Override
  public long read() {
    return System.nanoTime();
  }
}
