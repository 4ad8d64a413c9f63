package io.converge.replication.fuzz;

import java.lang.management.ManagementFactory;

/**
 * Measures what the current thread allocates, so that a fuzz target can assert that decoding one
 * input allocates in proportion to the input, not to what the input claims (a length prefix, an
 * element count): an input of a few bytes must not make a replica allocate megabytes.
 *
 * <p>Uses {@code com.sun.management.ThreadMXBean#getCurrentThreadAllocatedBytes}, which HotSpot
 * supports; where it does not, {@link #measure} returns -1 and {@link #assertBounded} checks
 * nothing. Stateless and thread-safe.
 */
public final class Allocations {

  /** What any decode may allocate besides {@link #PER_INPUT_BYTE} per input byte. */
  public static final long BASE = 1L << 20;

  /** What any decode may allocate per byte of its input. */
  public static final long PER_INPUT_BYTE = 64;

  private static final com.sun.management.ThreadMXBean THREADS = threads();

  private Allocations() {}

  private static com.sun.management.ThreadMXBean threads() {
    if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t
        && t.isThreadAllocatedMemorySupported()) {
      t.setThreadAllocatedMemoryEnabled(true);
      return t;
    }
    return null;
  }

  /**
   * Runs {@code work} and fails if it allocated more than {@code PER_INPUT_BYTE * inputBytes +
   * base} bytes, twice in a row. The first run of a code path loads and links classes (and, under
   * Jazzer, instruments them) on the running thread, which allocates megabytes once per JVM, not
   * per input: a run over the bound is therefore repeated, and only a repeat over the bound fails.
   * {@code work} must be repeatable: same input, same allocations, no side effect that changes
   * them.
   *
   * @param work the work, such as one decode; what it throws propagates (from the first run)
   * @param inputBytes the size of the input the work reads
   * @param base the allowance independent of the input, such as {@link #BASE}
   * @param what the work, for the message
   * @throws AssertionError if the work allocated more, twice
   */
  public static void assertBounded(Runnable work, int inputBytes, long base, String what) {
    long bound = PER_INPUT_BYTE * inputBytes + base;
    long first = measure(work);
    if (first <= bound) {
      return;
    }
    long again = measure(work);
    if (again > bound) {
      throw new AssertionError(
          what
              + " of "
              + inputBytes
              + " bytes allocated "
              + again
              + " bytes (first run "
              + first
              + "), more than "
              + PER_INPUT_BYTE
              + " x input + "
              + base
              + " = "
              + bound);
    }
  }

  /**
   * Returns what {@code work} allocated on the current thread, or -1 if the JVM cannot tell.
   *
   * @param work the work; what it throws propagates
   * @return the bytes allocated
   */
  public static long measure(Runnable work) {
    if (THREADS == null) {
      work.run();
      return -1;
    }
    long start = THREADS.getCurrentThreadAllocatedBytes();
    work.run();
    return THREADS.getCurrentThreadAllocatedBytes() - start;
  }
}
