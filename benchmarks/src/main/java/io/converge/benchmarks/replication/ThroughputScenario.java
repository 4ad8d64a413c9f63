package io.converge.benchmarks.replication;

import io.converge.clocks.ReplicaId;
import io.converge.crdt.GCounter;
import io.converge.replication.Key;
import io.converge.replication.Replica;
import io.converge.replication.Subscription;
import io.converge.replication.store.FsyncPolicy;
import io.converge.replication.transport.GrpcTransport;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Sustained updates on three replicas over gRPC (plaintext, loopback, ephemeral ports): an
 * open-loop load at a fixed rate over many {@link GCounter} keys, and the convergence lag of every
 * update.
 *
 * <p><b>Schedule.</b> Update {@code i} (0, 1, 2, ...) is due at {@code t0 + i / rate}; it is made
 * by replica {@code i % 3}, on key {@code perm[(i / 3) % keys]} (a fixed random permutation of the
 * keys), by one writer thread per replica that issues each update at its due time, or at once if it
 * is late: the load does not slow down when the system does, so coordinated omission does not hide
 * stalls (the lag from the due time is measured as well as the lag from the return).
 *
 * <p><b>Exact visibility.</b> The n-th update of writer {@code w} on key {@code k} raises {@code
 * w}'s count of that counter to exactly {@code n}, so from {@code (k, w, n)} the update's number
 * {@code i} is known. Each replica subscribes to every key; a notification carrying count {@code c}
 * of writer {@code w} makes every update of {@code w} on that key up to {@code c} visible there.
 * When the writer's return and both readers' visibility are recorded, the update's lag is the later
 * visibility minus the return (and minus the due time).
 */
final class ThroughputScenario {

  static final String KEY_PREFIX = "k:";
  private static final String[] IDS = {"r1", "r2", "r3"};
  private static final long MAX_TRACKABLE_NANOS = TimeUnit.MINUTES.toNanos(10);

  private ThroughputScenario() {}

  /**
   * The settings of one run.
   *
   * @param rate updates per second, all replicas together
   * @param keys how many keys the updates spread over
   * @param warmup the load before measuring
   * @param measure the measured load
   * @param drainTimeout how long to wait, after the last update, for every update to be visible
   * @param durable whether the replicas keep their state in RocksDB with fsync on every write
   * @param resendInterval the replicas' resend interval, or null for the library's default
   */
  record Config(
      int rate,
      int keys,
      Duration warmup,
      Duration measure,
      Duration drainTimeout,
      boolean durable,
      Duration resendInterval) {}

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
   * What one run measured; counts and rates are of the measurement window unless named otherwise.
   *
   * @param targetRate the configured rate, updates per second
   * @param keys the number of keys
   * @param durable whether the replicas were durable
   * @param resendIntervalMs the replicas' resend interval, ms
   * @param warmupSeconds the warmup
   * @param measureSeconds the measurement window
   * @param updatesScheduled updates due in the window
   * @param updatesIssued updates whose {@code update} returned in the window
   * @param issuedPerSecond {@code updatesIssued} per second
   * @param updatesConverged updates due in the window that became visible on both other replicas
   *     (before the drain timeout)
   * @param updatesUnconverged updates due in the window still not visible everywhere at the drain
   *     timeout (not in the histograms)
   * @param convergedInWindowPerSecond updates (of any due time) that became visible on both other
   *     replicas during the window, per second: the throughput applied everywhere
   * @param lagFromReturn convergence lag: from the update's return on its writer to its visibility
   *     on the second of the two other replicas
   * @param lagFromSchedule the same, from the update's due time (includes the writer's lateness)
   * @param issueDelay how late the writers issued updates, from the due time to the call
   * @param bytesSent {@code converge.bytes.sent}, summed over replicas and peers, in the window
   * @param bytesPerUpdate {@code bytesSent / updatesIssued}
   * @param deltasSent {@code converge.deltas.sent} in the window, resends included
   * @param digestRounds {@code converge.digest.rounds} in the window
   * @param fullStatesSent {@code converge.fullstate.sent} in the window
   */
  record Result(
      int targetRate,
      int keys,
      boolean durable,
      long resendIntervalMs,
      double warmupSeconds,
      double measureSeconds,
      long updatesScheduled,
      long updatesIssued,
      double issuedPerSecond,
      long updatesConverged,
      long updatesUnconverged,
      double convergedInWindowPerSecond,
      Lag lagFromReturn,
      Lag lagFromSchedule,
      Lag issueDelay,
      long bytesSent,
      double bytesPerUpdate,
      long deltasSent,
      long digestRounds,
      long fullStatesSent) {}

  /** The bookkeeping of one run, shared by the writer threads and the subscribers. */
  private static final class Run {
    final int keys;
    final int rate;
    final long total;
    final long measureFrom;
    final long measureTo;
    final int[] perm;
    final int[] position;
    final long[] returned;
    final long[] seen;
    final AtomicIntegerArray events;
    final AtomicIntegerArray lastSeen;
    final Histogram fromReturn = new ConcurrentHistogram(MAX_TRACKABLE_NANOS, 3);
    final Histogram fromSchedule = new ConcurrentHistogram(MAX_TRACKABLE_NANOS, 3);
    final Histogram issueDelay = new ConcurrentHistogram(MAX_TRACKABLE_NANOS, 3);
    final LongAdder completed = new LongAdder();
    final LongAdder completedMeasured = new LongAdder();
    final LongAdder convergedInWindow = new LongAdder();
    final LongAdder issuedInWindow = new LongAdder();
    volatile long t0;

    Run(Config config) {
      this.keys = config.keys();
      this.rate = config.rate();
      this.measureFrom = index(config.warmup());
      this.total = index(config.warmup().plus(config.measure()));
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
      this.lastSeen = new AtomicIntegerArray(3 * keys * 3);
    }

    private long index(Duration d) {
      return d.toNanos() * rate / 1_000_000_000L;
    }

    long due(long i) {
      return t0 + i * 1_000_000_000L / rate;
    }

    int keyOf(long i) {
      return perm[(int) ((i / 3) % keys)];
    }

    /** The update of writer {@code w}'s {@code n}-th increment (n from 1) on key {@code k}. */
    long updateOf(int k, int w, long n) {
      return 3 * ((n - 1) * keys + position[k]) + w;
    }

    boolean inWindow(long nanos) {
      return nanos >= due(measureFrom) && nanos < due(measureTo);
    }

    /** A subscriber of replica {@code reader} saw writer counts on key {@code k}. */
    void observed(int reader, int k, GCounter value, ReplicaId[] ids) {
      long now = System.nanoTime();
      for (int w = 0; w < 3; w++) {
        if (w == reader) {
          continue;
        }
        long count = value.get(ids[w]);
        int slot = (reader * keys + k) * 3 + w;
        int last = lastSeen.get(slot);
        while (count > last) {
          if (lastSeen.compareAndSet(slot, last, (int) count)) {
            int role = (reader - w + 2) % 3; // 0 or 1: which of the writer's two readers
            for (long n = last + 1; n <= count; n++) {
              long i = updateOf(k, w, n);
              if (i < total) {
                seen[(int) (2 * i + role)] = now;
                event(i, now);
              }
            }
            break;
          }
          last = lastSeen.get(slot);
        }
      }
    }

    void issued(long i, long returnedAt) {
      returned[(int) i] = returnedAt;
      if (inWindow(returnedAt)) {
        issuedInWindow.increment();
      }
      event(i, returnedAt);
    }

    private void event(long i, long now) {
      if (events.incrementAndGet((int) i) == 3) {
        long visible = Math.max(seen[(int) (2 * i)], seen[(int) (2 * i + 1)]);
        completed.increment();
        if (inWindow(visible)) {
          convergedInWindow.increment();
        }
        if (i >= measureFrom) {
          completedMeasured.increment();
          fromReturn.recordValue(
              Math.min(MAX_TRACKABLE_NANOS, Math.max(0, visible - returned[(int) i])));
          fromSchedule.recordValue(Math.min(MAX_TRACKABLE_NANOS, Math.max(0, visible - due(i))));
        }
      }
    }
  }

  /**
   * Runs the scenario once on a new cluster of three replicas.
   *
   * @param config the settings
   * @return the measurements
   * @throws InterruptedException if interrupted
   * @throws IOException if a temporary data directory cannot be made or deleted
   */
  static Result run(Config config) throws InterruptedException, IOException {
    Run run = new Run(config);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    ReplicaId[] ids = new ReplicaId[3];
    for (int r = 0; r < 3; r++) {
      ids[r] = ReplicaId.of(IDS[r]);
    }
    List<Key<GCounter>> keys = new ArrayList<>(config.keys());
    for (int k = 0; k < config.keys(); k++) {
      keys.add(Key.gCounter(KEY_PREFIX + k));
    }
    Path dataRoot = config.durable() ? Files.createTempDirectory("converge-bench-") : null;
    Replica[] replicas = new Replica[3];
    List<Subscription> subscriptions = new ArrayList<>();
    try {
      // Of each pair the smaller id dials: start r3 (dialled by both), then r2, then r1.
      GrpcTransport t3 =
          GrpcTransport.builder()
              .listen("127.0.0.1", 0)
              .acceptFrom("r1")
              .acceptFrom("r2")
              .plaintext()
              .build();
      replicas[2] = start("r3", t3, registry, dataRoot, config);
      GrpcTransport t2 =
          GrpcTransport.builder()
              .listen("127.0.0.1", 0)
              .acceptFrom("r1")
              .peer("r3", "127.0.0.1:" + t3.port())
              .plaintext()
              .build();
      replicas[1] = start("r2", t2, registry, dataRoot, config);
      GrpcTransport t1 =
          GrpcTransport.builder()
              .listen("127.0.0.1", 0)
              .peer("r2", "127.0.0.1:" + t2.port())
              .peer("r3", "127.0.0.1:" + t3.port())
              .plaintext()
              .build();
      replicas[0] = start("r1", t1, registry, dataRoot, config);
      awaitConnected(replicas, Duration.ofSeconds(30));
      for (int r = 0; r < 3; r++) {
        int reader = r;
        for (int k = 0; k < config.keys(); k++) {
          int key = k;
          subscriptions.add(
              replicas[r].subscribe(keys.get(k), c -> run.observed(reader, key, c, ids)));
        }
      }

      run.t0 = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
      List<Thread> writers = new ArrayList<>();
      for (int w = 0; w < 3; w++) {
        int writer = w;
        Replica replica = replicas[w];
        ReplicaId self = ids[w];
        Thread t =
            new Thread(
                () -> {
                  for (long i = writer; i < run.total; i += 3) {
                    long due = run.due(i);
                    long now;
                    while ((now = System.nanoTime()) < due) {
                      LockSupport.parkNanos(due - now);
                    }
                    if (i >= run.measureFrom) {
                      run.issueDelay.recordValue(Math.min(MAX_TRACKABLE_NANOS, now - due));
                    }
                    replica.update(keys.get(run.keyOf(i)), c -> c.increment(self, 1));
                    run.issued(i, System.nanoTime());
                  }
                },
                "bench-writer-" + IDS[w]);
        t.setDaemon(true);
        writers.add(t);
      }
      writers.forEach(Thread::start);

      parkUntil(run.due(run.measureFrom));
      Meters before = Meters.read(registry);
      parkUntil(run.due(run.measureTo));
      Meters after = Meters.read(registry);
      for (Thread t : writers) {
        t.join();
      }
      long deadline = System.nanoTime() + config.drainTimeout().toNanos();
      while (run.completed.sum() < run.total && System.nanoTime() < deadline) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
      }

      double window = config.measure().toNanos() / 1e9;
      long scheduled = run.measureTo - run.measureFrom;
      long issued = run.issuedInWindow.sum();
      long converged = run.completedMeasured.sum();
      long bytes = after.bytesSent() - before.bytesSent();
      return new Result(
          config.rate(),
          config.keys(),
          config.durable(),
          (config.resendInterval() == null
                  ? Replica.Builder.DEFAULT_RESEND_INTERVAL
                  : config.resendInterval())
              .toMillis(),
          config.warmup().toNanos() / 1e9,
          window,
          scheduled,
          issued,
          issued / window,
          converged,
          scheduled - converged,
          run.convergedInWindow.sum() / window,
          Lag.of(run.fromReturn),
          Lag.of(run.fromSchedule),
          Lag.of(run.issueDelay),
          bytes,
          issued == 0 ? 0 : (double) bytes / issued,
          after.deltasSent() - before.deltasSent(),
          after.digestRounds() - before.digestRounds(),
          after.fullStatesSent() - before.fullStatesSent());
    } finally {
      subscriptions.forEach(Subscription::close);
      for (Replica replica : replicas) {
        if (replica != null) {
          replica.close();
        }
      }
      if (dataRoot != null) {
        TempFiles.deleteRecursively(dataRoot);
      }
    }
  }

  private static Replica start(
      String id, GrpcTransport transport, SimpleMeterRegistry registry, Path dataRoot, Config c) {
    Replica.Builder b =
        Replica.builder()
            .replicaId(id)
            .transport(transport)
            .keyFamily(KEY_PREFIX, Key::gCounter)
            .meterRegistry(registry)
            .drainTimeout(Duration.ofSeconds(1));
    if (c.resendInterval() != null) {
      b.resendInterval(c.resendInterval());
    }
    if (dataRoot != null) {
      b.dataDirectory(dataRoot.resolve(id)).fsyncPolicy(FsyncPolicy.always());
    }
    return b.start();
  }

  static void awaitConnected(Replica[] replicas, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      boolean all = true;
      for (Replica r : replicas) {
        long up = r.peers().values().stream().filter(p -> p.connected()).count();
        if (up < replicas.length - 1) {
          all = false;
        }
      }
      if (all) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("replicas did not connect within " + timeout);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
    }
  }

  static void parkUntil(long nanoTime) {
    long now;
    while ((now = System.nanoTime()) < nanoTime) {
      LockSupport.parkNanos(nanoTime - now);
    }
  }
}
