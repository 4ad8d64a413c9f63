package io.converge.benchmarks.store;

import io.converge.replication.store.FsyncPolicy;
import io.converge.replication.store.StoredRecord;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * RocksDB (through Converge's {@link io.converge.replication.store.RocksDbStore}) against H2's
 * MVStore and LMDB as the replica's durable store, on the replica's write path and on recovery.
 *
 * <ul>
 *   <li>{@link #durableAppend}: the latency of one acknowledged write on one thread: append one
 *       record ({@value #KEY}, {@value #TYPE}, a {@value #PAYLOAD_SIZE}-byte payload) and wait
 *       until it is durable.
 *   <li>{@link #concurrentAppend}: the same with 8 writer threads on one store, in writes per
 *       second: whether the engine lets concurrent writers share fsyncs. {@link
 *       #concurrentAppendRocksDbGroup2ms} adds RocksDB under {@code FsyncPolicy.group(2 ms)}.
 *   <li>{@link #recover}: the time to open a store holding {@value #RECOVERED_RECORDS} records
 *       (written one per commit, then closed) and read them all back, decoded.
 * </ul>
 *
 * <p>{@code sync=fsync}: each engine forces every acknowledged write to stable storage (RocksDB
 * {@code FsyncPolicy.always()}, MVStore {@code commit()} then {@code sync()}, LMDB's default
 * synchronous commit). {@code sync=none}: written to the operating system only, which survives a
 * crash of the process but not of the machine. Every trial runs on a fresh directory under {@code
 * java.io.tmpdir}, deleted at its end.
 */
// lmdbjava 0.9.x needs java.nio opened on JDK 16+ (see the lmdbjava.add-opens property in pom.xml).
@Fork(
    value = 1,
    jvmArgsAppend = {
      "--add-opens=java.base/java.nio=ALL-UNNAMED",
      "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED"
    })
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 2)
public class StoreBenchmark {

  /** The key of every appended record. */
  public static final String KEY = "cart:user-123";

  /** The CRDT type name of every appended record. */
  public static final String TYPE = "ORSet";

  /** The size of every appended record's payload, in bytes. */
  public static final int PAYLOAD_SIZE = 100;

  /** How many records {@link #recover} reads back. */
  public static final int RECOVERED_RECORDS = 100_000;

  private static final byte[] PAYLOAD = payload();

  /** Creates the benchmark; JMH instantiates it. */
  public StoreBenchmark() {}

  private static byte[] payload() {
    byte[] b = new byte[PAYLOAD_SIZE];
    new Random(42).nextBytes(b);
    return b;
  }

  /** One open log per trial, shared by all the benchmark's threads. */
  @State(Scope.Benchmark)
  public static class Appender {

    /** The engine: {@code rocksdb}, {@code mvstore} or {@code lmdb}. */
    @Param({"rocksdb", "mvstore", "lmdb"})
    public String engine;

    /** When appends are fsynced: {@code fsync} (every acknowledged write) or {@code none}. */
    @Param({"fsync", "none"})
    public String sync;

    private Path directory;
    DurableLog log;

    /** Creates the state; JMH instantiates it. */
    public Appender() {}

    /** Opens the log on a fresh directory. */
    @Setup(Level.Trial)
    public void open() {
      directory = TempDirs.create("converge-store-bench-");
      log = Engine.named(engine).open(directory, Sync.named(sync));
    }

    /** Closes the log and deletes its directory. */
    @TearDown(Level.Trial)
    public void close() {
      try {
        if (log != null) {
          log.close();
        }
      } finally {
        TempDirs.delete(directory);
      }
    }
  }

  /** RocksDB under {@code FsyncPolicy.group(2 ms)}, shared by all the benchmark's threads. */
  @State(Scope.Benchmark)
  public static class GroupAppender {

    private Path directory;
    DurableLog log;

    /** Creates the state; JMH instantiates it. */
    public GroupAppender() {}

    /** Opens the store on a fresh directory. */
    @Setup(Level.Trial)
    public void open() {
      directory = TempDirs.create("converge-store-bench-");
      log = RocksDbLog.open(directory, FsyncPolicy.group(Duration.ofMillis(2)));
    }

    /** Closes the store and deletes its directory. */
    @TearDown(Level.Trial)
    public void close() {
      try {
        if (log != null) {
          log.close();
        }
      } finally {
        TempDirs.delete(directory);
      }
    }
  }

  /**
   * A closed store of {@value #RECOVERED_RECORDS} records, written once per trial; each iteration
   * recovers a fresh copy of it, so every measured open is the first open after the writer closed.
   */
  @State(Scope.Benchmark)
  public static class Recovery {

    /** The engine: {@code rocksdb}, {@code mvstore} or {@code lmdb}. */
    @Param({"rocksdb", "mvstore", "lmdb"})
    public String engine;

    private Path root;
    private Path original;
    private int iteration;
    Engine opened;
    Path copy;

    /** Creates the state; JMH instantiates it. */
    public Recovery() {}

    /**
     * Writes {@value #RECOVERED_RECORDS} records, one append each (not fsynced, to keep the setup
     * short), and closes the store.
     *
     * @throws InterruptedException if interrupted
     */
    @Setup(Level.Trial)
    public void write() throws InterruptedException {
      opened = Engine.named(engine);
      root = TempDirs.create("converge-store-recover-");
      original = root.resolve("original");
      try (DurableLog log = opened.open(original, Sync.NONE)) {
        for (int i = 0; i < RECOVERED_RECORDS; i++) {
          log.append("cart:user-" + (i % 1000), TYPE, PAYLOAD);
        }
      }
    }

    /** Copies the closed store to a new directory for the next iteration to recover. */
    @Setup(Level.Iteration)
    public void copy() {
      copy = root.resolve("copy-" + iteration++);
      TempDirs.copyFlat(original, copy);
    }

    /** Deletes the iteration's copy. */
    @TearDown(Level.Iteration)
    public void deleteCopy() {
      TempDirs.delete(copy);
    }

    /** Deletes the store and its copies. */
    @TearDown(Level.Trial)
    public void delete() {
      TempDirs.delete(root);
    }
  }

  /**
   * One acknowledged write on one thread: append, wait until durable.
   *
   * @param s the open log
   * @throws InterruptedException if interrupted
   */
  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public void durableAppend(Appender s) throws InterruptedException {
    s.log.append(KEY, TYPE, PAYLOAD);
  }

  /**
   * Acknowledged writes from 8 threads on one store.
   *
   * @param s the open log, shared
   * @throws InterruptedException if interrupted
   */
  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  @Threads(8)
  public void concurrentAppend(Appender s) throws InterruptedException {
    s.log.append(KEY, TYPE, PAYLOAD);
  }

  /**
   * Acknowledged writes from 8 threads on RocksDB with {@code FsyncPolicy.group(2 ms)}: a
   * background thread fsyncs at most 2 ms after the first unsynced append.
   *
   * @param s the open store, shared
   * @throws InterruptedException if interrupted
   */
  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  @Threads(8)
  public void concurrentAppendRocksDbGroup2ms(GroupAppender s) throws InterruptedException {
    s.log.append(KEY, TYPE, PAYLOAD);
  }

  /**
   * Opens a copy of a store of {@value #RECOVERED_RECORDS} records and reads them all back.
   *
   * @param s the store to recover
   * @return the records read back
   */
  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  @Warmup(iterations = 2)
  @Measurement(iterations = 5)
  public List<StoredRecord> recover(Recovery s) {
    try (DurableLog log = s.opened.open(s.copy, Sync.NONE)) {
      List<StoredRecord> all = log.readAll();
      if (all.size() != RECOVERED_RECORDS) {
        throw new IllegalStateException(
            s.opened + " recovered " + all.size() + " records, expected " + RECOVERED_RECORDS);
      }
      return all;
    }
  }
}
