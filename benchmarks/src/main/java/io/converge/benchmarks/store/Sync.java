package io.converge.benchmarks.store;

import java.util.Locale;

/** When a {@link DurableLog} forces an appended record to stable storage. */
public enum Sync {
  /** Every append is fsynced before it returns (concurrent appends may share an fsync). */
  FSYNC,
  /** Appends reach the operating system only; the engine never fsyncs them. */
  NONE;

  /**
   * Returns the mode with this lower-case name, as JMH's {@code sync} parameter spells it.
   *
   * @param name {@code "fsync"} or {@code "none"}
   * @return the mode
   * @throws IllegalArgumentException if no mode has that name
   */
  public static Sync named(String name) {
    return valueOf(name.toUpperCase(Locale.ROOT));
  }
}
