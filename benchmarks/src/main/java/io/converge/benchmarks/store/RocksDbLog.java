package io.converge.benchmarks.store;

import io.converge.clocks.ReplicaId;
import io.converge.replication.store.FsyncPolicy;
import io.converge.replication.store.Recovered;
import io.converge.replication.store.RocksDbStore;
import io.converge.replication.store.StoredRecord;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link DurableLog} on Converge's {@link RocksDbStore}, used exactly as a replica uses it: each
 * append is a one-record batch with a new hlc bound, followed by {@code awaitDurable} of its
 * ticket. Reading back is opening the store (which reads and checks every record) and {@code
 * recover()}.
 */
public final class RocksDbLog implements DurableLog {

  /** The replica that owns the benchmark's stores. */
  static final ReplicaId REPLICA = ReplicaId.of("r1");

  private final RocksDbStore store;
  private final AtomicLong hlc = new AtomicLong();

  private RocksDbLog(RocksDbStore store) {
    this.store = store;
  }

  /**
   * Opens the store in {@code directory} for replica {@code r1}.
   *
   * @param directory the store's data directory
   * @param policy when appends are fsynced: {@code always()} for {@link Sync#FSYNC} (concurrent
   *     waiters share fsyncs), {@code none()} for {@link Sync#NONE}, or {@code group(d)}
   * @return the open log, which the caller must close
   */
  public static RocksDbLog open(Path directory, FsyncPolicy policy) {
    return new RocksDbLog(RocksDbStore.open(directory, REPLICA, policy));
  }

  @Override
  public void append(String key, String type, byte[] payload) throws InterruptedException {
    long ticket =
        store.append(List.of(new StoredRecord(key, type, payload)), hlc.incrementAndGet());
    store.awaitDurable(ticket);
  }

  @Override
  public List<StoredRecord> readAll() {
    Recovered r = store.recover();
    List<StoredRecord> all = new ArrayList<>(r.states().size() + r.log().size());
    all.addAll(r.states().values());
    all.addAll(r.log());
    return all;
  }

  @Override
  public void close() {
    store.close();
  }
}
