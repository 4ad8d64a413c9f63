package io.converge.benchmarks.replication;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * The open-loop schedule of one throughput run and the exact visibility of each of its updates,
 * shared by every system the benchmark measures (Converge, Pekko Distributed Data), so both are
 * loaded and measured by the same code.
 *
 * <p><b>Schedule.</b> Update {@code i} (0, 1, 2, ...) is due at {@code t0 + i / rate}; it is made
 * by writer {@code i % 3}, on key {@code perm[(i / 3) % keys]} (a fixed random permutation of the
 * keys, seed 42). The load does not slow down when the system does: an update that is late is
 * issued at once, so coordinated omission does not hide stalls.
 *
 * <p><b>Exact visibility.</b> The n-th update of writer {@code w} on key {@code k} raises {@code
 * w}'s own count in that counter to exactly {@code n} (every update adds 1), so from {@code (k, w,
 * n)} the update's number {@code i} is known ({@link #updateOf}). A reader that sees writer {@code
 * w}'s count {@code c} on key {@code k} has seen every update of {@code w} on {@code k} up to
 * {@code c} ({@link #observed}); notifications may be batched or skip values, the counts never go
 * back. An update is complete when its writer's return and its visibility on both other replicas
 * are recorded, in any order; its lag is the later visibility minus the return (and minus the due
 * time).
 *
 * <p>Thread safety: {@link #issued} is called by the writers, {@link #observed} by any number of
 * notification threads concurrently; the counters and histograms are concurrent, and each update's
 * times are published by the atomic event count that completes it.
 */
final class OpenLoop {

  /** Values above this are recorded as this (ten minutes). */
  static final long MAX_TRACKABLE_NANOS = TimeUnit.MINUTES.toNanos(10);

  /** Writers, which are also the readers: replicas or cluster nodes. */
  static final int NODES = 3;

  final int keys;
  final int rate;

  /** Updates of the whole run, warmup and measurement. */
  final long total;

  /** The first update of the measurement window. */
  final long measureFrom;

  /** The first update after the measurement window. */
  final long measureTo;

  private final int[] perm;
  private final int[] position;
  private final long[] returned;
  private final long[] seen;
  private final AtomicIntegerArray events;
  private final AtomicIntegerArray lastSeen;
  final Histogram fromReturn = new ConcurrentHistogram(MAX_TRACKABLE_NANOS, 3);
  final Histogram fromSchedule = new ConcurrentHistogram(MAX_TRACKABLE_NANOS, 3);
  final Histogram issueDelay = new ConcurrentHistogram(MAX_TRACKABLE_NANOS, 3);
  final LongAdder completed = new LongAdder();
  final LongAdder completedMeasured = new LongAdder();
  final LongAdder convergedInWindow = new LongAdder();
  final LongAdder issuedInWindow = new LongAdder();

  /**
   * Recording into the histograms holds the read lock (recorders do not exclude each other); {@link
   * #figures} takes the write lock once to close them, so no update that completes after the drain
   * timeout is recorded while they are read (their iteration is not safe against it).
   */
  private final ReadWriteLock recording = new ReentrantReadWriteLock();

  private boolean closed;
  private volatile long t0;

  /**
   * The schedule of a run.
   *
   * @param rate updates per second, all writers together
   * @param keys how many keys the updates spread over
   * @param warmup the load before the measurement window
   * @param measure the measurement window
   * @throws IllegalArgumentException if the rate or the key count is not positive, or the run has
   *     more updates than the bookkeeping can hold
   */
  OpenLoop(int rate, int keys, Duration warmup, Duration measure) {
    if (rate <= 0) {
      throw new IllegalArgumentException("rate must be > 0: rate=" + rate);
    }
    if (keys <= 0) {
      throw new IllegalArgumentException("keys must be > 0: keys=" + keys);
    }
    this.keys = keys;
    this.rate = rate;
    this.measureFrom = index(warmup);
    this.total = index(warmup.plus(measure));
    this.measureTo = total;
    if (total > Integer.MAX_VALUE / 2) {
      throw new IllegalArgumentException("too many updates for one run: " + total);
    }
    this.perm = new int[keys];
    this.position = new int[keys];
    for (int k = 0; k < keys; k++) {
      perm[k] = k;
    }
    SplittableRandom random = new SplittableRandom(42);
    for (int k = keys - 1; k > 0; k--) {
      int j = random.nextInt(k + 1);
      int t = perm[k];
      perm[k] = perm[j];
      perm[j] = t;
    }
    for (int p = 0; p < keys; p++) {
      position[perm[p]] = p;
    }
    this.returned = new long[(int) total];
    this.seen = new long[(int) total * 2];
    this.events = new AtomicIntegerArray((int) total);
    this.lastSeen = new AtomicIntegerArray(NODES * keys * NODES);
  }

  private long index(Duration d) {
    return d.toNanos() * rate / 1_000_000_000L;
  }

  /** Starts the schedule: update 0 is due at {@code nanoTime} ({@link System#nanoTime} scale). */
  void start(long nanoTime) {
    t0 = nanoTime;
  }

  /** The due time of update {@code i}. */
  long due(long i) {
    return t0 + i * 1_000_000_000L / rate;
  }

  /** The writer of update {@code i}. */
  static int writerOf(long i) {
    return (int) (i % NODES);
  }

  /** The key of update {@code i}. */
  int keyOf(long i) {
    return perm[(int) ((i / NODES) % keys)];
  }

  /** The update of writer {@code w}'s {@code n}-th increment (n from 1) on key {@code k}. */
  long updateOf(int k, int w, long n) {
    return NODES * ((n - 1) * keys + position[k]) + w;
  }

  /** Whether a time falls in the measurement window. */
  boolean inWindow(long nanos) {
    return nanos >= due(measureFrom) && nanos < due(measureTo);
  }

  /**
   * Records how late a writer issued update {@code i} (measured updates only).
   *
   * @param i the update
   * @param issuedAt when the writer issued it
   */
  void issuing(long i, long issuedAt) {
    if (i >= measureFrom) {
      recording.readLock().lock();
      try {
        if (!closed) {
          issueDelay.recordValue(Math.min(MAX_TRACKABLE_NANOS, Math.max(0, issuedAt - due(i))));
        }
      } finally {
        recording.readLock().unlock();
      }
    }
  }

  /**
   * Update {@code i} returned on its writer (was applied there).
   *
   * @param i the update
   * @param returnedAt when
   */
  void issued(long i, long returnedAt) {
    returned[(int) i] = returnedAt;
    if (inWindow(returnedAt)) {
      issuedInWindow.increment();
    }
    event(i, returnedAt);
  }

  /**
   * Reader {@code reader} sees writer {@code w}'s count {@code count} on key {@code k}: every
   * update of {@code w} on {@code k} up to that count not seen there before becomes visible now. A
   * reader's own writes and counts at or below what it saw already are ignored.
   *
   * @param reader the replica or node that sees the value
   * @param k the key
   * @param w the writer whose count it is
   * @param count the writer's count in the value seen
   * @param now when it was seen
   */
  void observed(int reader, int k, int w, long count, long now) {
    if (w == reader) {
      return;
    }
    int slot = (reader * keys + k) * NODES + w;
    int last = lastSeen.get(slot);
    while (count > last) {
      if (lastSeen.compareAndSet(slot, last, (int) count)) {
        int role = (reader - w + 2) % NODES; // 0 or 1: which of the writer's two readers
        for (long n = last + 1; n <= count; n++) {
          long i = updateOf(k, w, n);
          if (i < total) {
            seen[(int) (2 * i + role)] = now;
            event(i, now);
          }
        }
        return;
      }
      last = lastSeen.get(slot);
    }
  }

  private void event(long i, long now) {
    if (events.incrementAndGet((int) i) == NODES) {
      long visible = Math.max(seen[(int) (2 * i)], seen[(int) (2 * i + 1)]);
      completed.increment();
      if (inWindow(visible)) {
        convergedInWindow.increment();
      }
      if (i >= measureFrom) {
        recording.readLock().lock();
        try {
          if (!closed) {
            completedMeasured.increment();
            fromReturn.recordValue(
                Math.min(MAX_TRACKABLE_NANOS, Math.max(0, visible - returned[(int) i])));
            fromSchedule.recordValue(Math.min(MAX_TRACKABLE_NANOS, Math.max(0, visible - due(i))));
          }
        } finally {
          recording.readLock().unlock();
        }
      }
    }
  }

  /**
   * Percentiles of a lag histogram, in milliseconds.
   *
   * @param count recorded values
   * @param p50Ms median
   * @param p90Ms 90th percentile
   * @param p99Ms 99th percentile
   * @param p999Ms 99.9th percentile
   * @param maxMs maximum
   * @param meanMs mean
   */
  record Lag(
      long count,
      double p50Ms,
      double p90Ms,
      double p99Ms,
      double p999Ms,
      double maxMs,
      double meanMs) {

    static Lag of(Histogram h) {
      return new Lag(
          h.getTotalCount(),
          ms(h.getValueAtPercentile(50)),
          ms(h.getValueAtPercentile(90)),
          ms(h.getValueAtPercentile(99)),
          ms(h.getValueAtPercentile(99.9)),
          ms(h.getMaxValue()),
          h.getTotalCount() == 0 ? 0 : h.getMean() / 1e6);
    }

    private static double ms(long nanos) {
      return nanos / 1e6;
    }
  }

  /**
   * What the load measured in its window, the same for every system.
   *
   * @param updatesScheduled updates due in the window
   * @param updatesIssued updates that returned on their writer in the window
   * @param issuedPerSecond {@code updatesIssued} per second
   * @param updatesConverged updates due in the window that became visible on both other nodes
   *     (before the drain timeout)
   * @param updatesUnconverged updates due in the window still not visible everywhere at the drain
   *     timeout (not in the histograms)
   * @param convergedInWindowPerSecond updates (of any due time) that became visible on both other
   *     nodes during the window, per second: the throughput applied everywhere
   * @param lagFromReturn convergence lag: from the update's return on its writer to its visibility
   *     on the second of the two other nodes
   * @param lagFromSchedule the same, from the update's due time (includes the writer's lateness)
   * @param issueDelay how late the writers issued updates, from the due time to the call
   * @param cpuSeconds the process's CPU time over the window ({@link ProcessCpu})
   * @param cpuSecondsPerUpdate {@code cpuSeconds / updatesIssued}
   */
  record Figures(
      long updatesScheduled,
      long updatesIssued,
      double issuedPerSecond,
      long updatesConverged,
      long updatesUnconverged,
      double convergedInWindowPerSecond,
      Lag lagFromReturn,
      Lag lagFromSchedule,
      Lag issueDelay,
      double cpuSeconds,
      double cpuSecondsPerUpdate) {}

  /**
   * The figures of the window, once {@link #drive} has returned. Closes the histograms: an update
   * that completes later is not recorded (it counts as not converged).
   *
   * @param measure the window's length
   * @param cpuNanos the process's CPU time over it
   * @return the figures
   */
  Figures figures(Duration measure, long cpuNanos) {
    recording.writeLock().lock();
    try {
      closed = true;
    } finally {
      recording.writeLock().unlock();
    }
    double window = measure.toNanos() / 1e9;
    long scheduled = scheduledInWindow();
    long issued = issuedInWindow.sum();
    long converged = completedMeasured.sum();
    return new Figures(
        scheduled,
        issued,
        issued / window,
        converged,
        scheduled - converged,
        convergedInWindow.sum() / window,
        Lag.of(fromReturn),
        Lag.of(fromSchedule),
        Lag.of(issueDelay),
        cpuNanos / 1e9,
        ProcessCpu.secondsPerUpdate(cpuNanos, issued));
  }

  /** Issues one update on the system measured. */
  @FunctionalInterface
  interface Issuer {
    /**
     * Issues update {@code i} on writer {@code writer}; a blocking write also records its return
     * ({@link #issued}) before returning, an asynchronous one when its reply arrives.
     *
     * @param writer the writer ({@link #writerOf}{@code (i)})
     * @param i the update
     */
    void issue(int writer, long i);
  }

  /**
   * What the load measured around its window.
   *
   * @param cpuNanos the process's CPU time over the measurement window ({@link ProcessCpu})
   * @param before the meters at the start of the window
   * @param after the meters at its end
   * @param <T> the meters' type
   */
  record Window<T>(long cpuNanos, T before, T after) {}

  /**
   * Runs the whole load: starts the schedule 50 ms from now, one writer thread per node issues its
   * updates at their due times (or at once when late), the meters and the process's CPU time are
   * read at the window's start and end; then waits for the writers and, up to {@code drainTimeout},
   * for every update to complete.
   *
   * @param issuer issues each update
   * @param meters reads the system's traffic meters
   * @param drainTimeout how long to wait after the last update
   * @param threadName the writer threads' name prefix
   * @param <T> the meters' type
   * @return the window's CPU time and meters
   * @throws InterruptedException if interrupted
   */
  <T> Window<T> drive(Issuer issuer, Supplier<T> meters, Duration drainTimeout, String threadName)
      throws InterruptedException {
    start(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50));
    List<Thread> writers = new ArrayList<>();
    for (int w = 0; w < NODES; w++) {
      int writer = w;
      Thread t =
          new Thread(
              () -> {
                for (long i = writer; i < total; i += NODES) {
                  long due = due(i);
                  long now;
                  while ((now = System.nanoTime()) < due) {
                    LockSupport.parkNanos(due - now);
                  }
                  issuing(i, now);
                  issuer.issue(writer, i);
                }
              },
              threadName + (w + 1));
      t.setDaemon(true);
      writers.add(t);
    }
    writers.forEach(Thread::start);
    parkUntil(due(measureFrom));
    T before = meters.get();
    long cpuBefore = ProcessCpu.nanos();
    parkUntil(due(measureTo));
    long cpu = ProcessCpu.nanos() - cpuBefore;
    T after = meters.get();
    for (Thread t : writers) {
      t.join();
    }
    long deadline = System.nanoTime() + drainTimeout.toNanos();
    while (!allComplete() && System.nanoTime() < deadline) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
    return new Window<>(cpu, before, after);
  }

  /** Parks the calling thread until {@code nanoTime} ({@link System#nanoTime} scale). */
  static void parkUntil(long nanoTime) {
    long now;
    while ((now = System.nanoTime()) < nanoTime) {
      LockSupport.parkNanos(nanoTime - now);
    }
  }

  /** Whether every update of the run is complete. */
  boolean allComplete() {
    return completed.sum() >= total;
  }

  /** Updates due in the measurement window. */
  long scheduledInWindow() {
    return measureTo - measureFrom;
  }
}
