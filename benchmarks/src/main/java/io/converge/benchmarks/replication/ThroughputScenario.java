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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Sustained updates on three Converge replicas over gRPC (plaintext, loopback, ephemeral ports): an
 * open-loop load at a fixed rate over many {@link GCounter} keys, and the convergence lag of every
 * update. The schedule and the exact bookkeeping of visibility are {@link OpenLoop}'s: one writer
 * thread per replica issues its updates at their due times ({@code update} returns once the write
 * is applied locally), and each replica subscribes to every key, reporting each other writer's
 * count ({@code GCounter.get(writer)}) as it sees it.
 */
final class ThroughputScenario {

  static final String KEY_PREFIX = "k:";

  /** The system's name in results and tables. */
  static final String SYSTEM = "converge";

  private static final String[] IDS = {"r1", "r2", "r3"};

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
   * @param batchLinger the replicas' batch linger, or null for the library's default (zero)
   */
  record Config(
      int rate,
      int keys,
      Duration warmup,
      Duration measure,
      Duration drainTimeout,
      boolean durable,
      Duration resendInterval,
      Duration batchLinger) {}

  /**
   * What one run measured; counts and rates are of the measurement window unless named otherwise.
   *
   * @param system {@code "converge"}
   * @param targetRate the configured rate, updates per second
   * @param keys the number of keys
   * @param durable whether the replicas were durable
   * @param resendIntervalMs the replicas' resend interval, ms
   * @param warmupSeconds the warmup
   * @param measureSeconds the measurement window
   * @param load the open-loop figures: lag, applied throughput, CPU ({@link OpenLoop.Figures}); an
   *     update returns when {@code Replica.update} returns
   * @param bytesSent {@code converge.bytes.sent}, summed over replicas and peers, in the window
   * @param bytesPerUpdate {@code bytesSent / updatesIssued}
   * @param deltasSent {@code converge.deltas.sent} in the window, resends included
   * @param digestRounds {@code converge.digest.rounds} in the window
   * @param fullStatesSent {@code converge.fullstate.sent} in the window
   */
  record Result(
      String system,
      int targetRate,
      int keys,
      boolean durable,
      long resendIntervalMs,
      double warmupSeconds,
      double measureSeconds,
      OpenLoop.Figures load,
      long bytesSent,
      double bytesPerUpdate,
      long deltasSent,
      long digestRounds,
      long fullStatesSent)
      implements ThroughputFigures {}

  /**
   * Runs the scenario once on a new cluster of three replicas.
   *
   * @param config the settings
   * @return the measurements
   * @throws InterruptedException if interrupted
   * @throws IOException if a temporary data directory cannot be made or deleted
   */
  static Result run(Config config) throws InterruptedException, IOException {
    OpenLoop run = new OpenLoop(config.rate(), config.keys(), config.warmup(), config.measure());
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
    AtomicLong failedWrites = new AtomicLong();
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
              replicas[r].subscribe(keys.get(k), c -> observed(run, reader, key, c, ids)));
        }
      }

      OpenLoop.Window<Meters> measured =
          run.drive(
              (w, i) -> {
                // writeAsync: a durable replica commits on its store's thread, in groups, so the
                // writer goes on while the fsync runs (update() would wait for each one).
                replicas[w]
                    .writeAsync(keys.get(run.keyOf(i)), c -> c.increment(ids[w], 1))
                    .whenComplete(
                        (written, failure) -> {
                          if (failure != null) {
                            failedWrites.incrementAndGet();
                          }
                        });
                run.issued(i, System.nanoTime());
              },
              () -> Meters.read(registry),
              config.drainTimeout(),
              "bench-writer-r");
      if (failedWrites.get() > 0) {
        throw new IllegalStateException(failedWrites.get() + " writes failed; see the log");
      }
      Meters before = measured.before();
      Meters after = measured.after();
      long cpu = measured.cpuNanos();

      OpenLoop.Figures load = run.figures(config.measure(), cpu);
      long bytes = after.bytesSent() - before.bytesSent();
      return new Result(
          SYSTEM,
          config.rate(),
          config.keys(),
          config.durable(),
          (config.resendInterval() == null
                  ? Replica.Builder.DEFAULT_RESEND_INTERVAL
                  : config.resendInterval())
              .toMillis(),
          config.warmup().toNanos() / 1e9,
          config.measure().toNanos() / 1e9,
          load,
          bytes,
          perUpdate(bytes, load),
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

  /** {@code value / load.updatesIssued()}, 0 when none was issued. */
  static double perUpdate(long value, OpenLoop.Figures load) {
    return load.updatesIssued() == 0 ? 0 : (double) value / load.updatesIssued();
  }

  private static void observed(OpenLoop run, int reader, int key, GCounter c, ReplicaId[] ids) {
    long now = System.nanoTime();
    for (int w = 0; w < OpenLoop.NODES; w++) {
      if (w != reader) {
        run.observed(reader, key, w, c.get(ids[w]), now);
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
    if (c.batchLinger() != null) {
      b.batchLinger(c.batchLinger());
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
}
