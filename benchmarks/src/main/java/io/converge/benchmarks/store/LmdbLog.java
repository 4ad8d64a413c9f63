package io.converge.benchmarks.store;

import io.converge.replication.store.StoredRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.lmdbjava.Cursor;
import org.lmdbjava.CursorIterable;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.EnvFlags;
import org.lmdbjava.Txn;

/**
 * A {@link DurableLog} on LMDB (lmdbjava): one named database from an 8-byte big-endian sequence
 * number to the record, a write transaction per append.
 *
 * <p>Under {@link Sync#FSYNC} the environment has LMDB's default durability: {@code mdb_txn_commit}
 * writes the pages and fsyncs the data file (and again for the meta page) before it returns. Under
 * {@link Sync#NONE} it is opened with {@code MDB_NOSYNC}: commits write to the operating system and
 * never fsync. LMDB has a single writer: concurrent appenders queue on the environment's writer
 * lock, each commit with its own fsync.
 */
public final class LmdbLog implements DurableLog {

  /**
   * The largest the data file may grow (LMDB maps it whole): 16 GiB of address space, of which a
   * benchmark run uses a few hundred MiB; the file only grows as pages are written.
   */
  static final long MAP_SIZE = 16L << 30;

  private static final int KEY_SIZE = Long.BYTES;

  private final Env<ByteBuffer> env;
  private final Dbi<ByteBuffer> dbi;
  private final AtomicLong sequence;
  private final ThreadLocal<ByteBuffer> keyBuffer =
      ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(KEY_SIZE));
  private final ThreadLocal<ByteBuffer> valueBuffer =
      ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(4096));

  private LmdbLog(Env<ByteBuffer> env) {
    this.env = env;
    this.dbi = env.openDbi("log", DbiFlags.MDB_CREATE);
    long last = 0;
    try (Txn<ByteBuffer> txn = env.txnRead();
        Cursor<ByteBuffer> cursor = dbi.openCursor(txn)) {
      if (cursor.last()) {
        last = cursor.key().order(ByteOrder.BIG_ENDIAN).getLong(0);
      }
    }
    this.sequence = new AtomicLong(last);
  }

  /**
   * Opens (or creates) the environment in {@code directory}.
   *
   * @param directory the directory, created if missing
   * @param sync whether each commit is fsynced ({@code MDB_NOSYNC} if not)
   * @return the open log, which the caller must close
   */
  public static LmdbLog open(Path directory, Sync sync) {
    try {
      Files.createDirectories(directory);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + directory, e);
    }
    EnvFlags[] flags = sync == Sync.FSYNC ? new EnvFlags[0] : new EnvFlags[] {EnvFlags.MDB_NOSYNC};
    Env<ByteBuffer> env =
        Env.create().setMapSize(MAP_SIZE).setMaxDbs(1).open(directory.toFile(), flags);
    try {
      return new LmdbLog(env);
    } catch (RuntimeException | Error e) {
      env.close();
      throw e;
    }
  }

  @Override
  public void append(String key, String type, byte[] payload) {
    byte[] k = key.getBytes(StandardCharsets.UTF_8);
    byte[] t = type.getBytes(StandardCharsets.UTF_8);
    int size = RecordBytes.size(k, t, payload);
    ByteBuffer value = valueBuffer.get();
    if (value.capacity() < size) {
      value = ByteBuffer.allocateDirect(Integer.highestOneBit(size) << 1);
      valueBuffer.set(value);
    }
    value.clear();
    RecordBytes.encode(value, k, t, payload);
    value.flip();
    ByteBuffer seq = keyBuffer.get();
    try (Txn<ByteBuffer> txn = env.txnWrite()) {
      // Numbered under LMDB's writer lock, so the sequence is commit order.
      seq.clear();
      seq.putLong(0, sequence.incrementAndGet());
      dbi.put(txn, seq, value);
      txn.commit();
    }
  }

  @Override
  public List<StoredRecord> readAll() {
    List<StoredRecord> all = new ArrayList<>();
    try (Txn<ByteBuffer> txn = env.txnRead();
        CursorIterable<ByteBuffer> records = dbi.iterate(txn)) {
      for (CursorIterable.KeyVal<ByteBuffer> kv : records) {
        all.add(RecordBytes.decode(kv.val()));
      }
    }
    return all;
  }

  @Override
  public void close() {
    env.close();
  }
}
