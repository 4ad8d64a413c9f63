package io.converge.benchmarks.store;

import io.converge.replication.store.FsyncPolicy;
import java.nio.file.Path;
import java.util.Locale;

/** The embedded stores the benchmark compares, each opened as a {@link DurableLog}. */
public enum Engine {
  /** Converge's {@link io.converge.replication.store.RocksDbStore}. */
  ROCKSDB {
    @Override
    public DurableLog open(Path directory, Sync sync) {
      return RocksDbLog.open(
          directory, sync == Sync.FSYNC ? FsyncPolicy.always() : FsyncPolicy.none());
    }
  },
  /** H2's MVStore: one map keyed by sequence number, a commit per append. */
  MVSTORE {
    @Override
    public DurableLog open(Path directory, Sync sync) {
      return MvStoreLog.open(directory, sync);
    }
  },
  /**
   * LMDB through lmdbjava: one database keyed by sequence number, a write transaction per append.
   */
  LMDB {
    @Override
    public DurableLog open(Path directory, Sync sync) {
      return LmdbLog.open(directory, sync);
    }
  };

  /**
   * Opens the log in {@code directory}, creating it if the directory is missing or empty.
   *
   * @param directory the directory the engine keeps its files in
   * @param sync when appends are fsynced
   * @return the open log, which the caller must close
   */
  public abstract DurableLog open(Path directory, Sync sync);

  /**
   * Returns the engine with this lower-case name, as JMH's {@code engine} parameter spells it.
   *
   * @param name {@code "rocksdb"}, {@code "mvstore"} or {@code "lmdb"}
   * @return the engine
   * @throws IllegalArgumentException if no engine has that name
   */
  public static Engine named(String name) {
    return valueOf(name.toUpperCase(Locale.ROOT));
  }
}
