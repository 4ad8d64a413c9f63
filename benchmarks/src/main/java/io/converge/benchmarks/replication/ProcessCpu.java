package io.converge.benchmarks.replication;

import java.lang.management.ManagementFactory;

/**
 * The CPU time of this whole process (every thread, JIT and GC included), as the operating system
 * counts it: the cost of a run, not its wall time. Both systems of the throughput scenario run in
 * this one JVM, one after the other, so each is charged the process's CPU over its own measurement
 * window.
 */
final class ProcessCpu {

  private ProcessCpu() {}

  /**
   * The CPU time this process has used so far, in nanoseconds.
   *
   * @return {@code com.sun.management.OperatingSystemMXBean#getProcessCpuTime()}
   * @throws IllegalStateException if the JVM does not report it
   */
  static long nanos() {
    if (!(ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os)) {
      throw new IllegalStateException(
          "this JVM has no com.sun.management.OperatingSystemMXBean: no process CPU time");
    }
    long cpu = os.getProcessCpuTime();
    if (cpu < 0) {
      throw new IllegalStateException("this JVM does not report the process CPU time: " + cpu);
    }
    return cpu;
  }

  /**
   * CPU-seconds per update.
   *
   * @param cpuNanos CPU time over the window, ns
   * @param updates updates issued in the window
   * @return {@code cpuNanos / 1e9 / updates}, or 0 when no update was issued
   * @throws IllegalArgumentException if either is negative
   */
  static double secondsPerUpdate(long cpuNanos, long updates) {
    if (cpuNanos < 0) {
      throw new IllegalArgumentException("cpuNanos must be >= 0: cpuNanos=" + cpuNanos);
    }
    if (updates < 0) {
      throw new IllegalArgumentException("updates must be >= 0: updates=" + updates);
    }
    return updates == 0 ? 0 : cpuNanos / 1e9 / updates;
  }
}
