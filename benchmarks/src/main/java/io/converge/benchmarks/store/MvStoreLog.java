package io.converge.benchmarks.store;

import io.converge.replication.store.StoredRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;

/**
 * A {@link DurableLog} on H2's MVStore: one file, one {@code MVMap<Long, byte[]>} from a sequence
 * number to the record, auto-commit disabled so that the log decides when versions are written.
 *
 * <p>An append puts the record, then {@link MVStore#commit()}, which writes a new chunk (the
 * changed pages and the chunk's header and footer) to the file and returns after the write, but
 * does not force it to the disk; under {@link Sync#FSYNC} it then calls {@link MVStore#sync()},
 * which is {@code FileChannel.force(true)} on the store's file. Concurrent appenders each commit
 * and sync: a commit finds nothing to write if another thread's commit already took its record, but
 * MVStore has no group commit, so every appender issues its own fsync.
 */
public final class MvStoreLog implements DurableLog {

  /** The store's file in the log's directory. */
  static final String FILE_NAME = "log.mv.db";

  private final MVStore store;
  private final MVMap<Long, byte[]> map;
  private final boolean fsync;
  private final AtomicLong sequence;

  private MvStoreLog(MVStore store, boolean fsync) {
    this.store = store;
    this.map = store.openMap("log");
    this.fsync = fsync;
    Long last = map.lastKey();
    this.sequence = new AtomicLong(last == null ? 0 : last);
  }

  /**
   * Opens (or creates) the store file {@value #FILE_NAME} in {@code directory}.
   *
   * @param directory the directory, created if missing
   * @param sync whether each append is fsynced
   * @return the open log, which the caller must close
   */
  public static MvStoreLog open(Path directory, Sync sync) {
    try {
      Files.createDirectories(directory);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + directory, e);
    }
    MVStore store =
        new MVStore.Builder()
            .fileName(directory.resolve(FILE_NAME).toString())
            .autoCommitDisabled()
            .open();
    return new MvStoreLog(store, sync == Sync.FSYNC);
  }

  @Override
  public void append(String key, String type, byte[] payload) {
    map.put(sequence.incrementAndGet(), RecordBytes.encode(key, type, payload));
    store.commit();
    if (fsync) {
      store.sync();
    }
  }

  @Override
  public List<StoredRecord> readAll() {
    List<StoredRecord> all = new ArrayList<>(map.size());
    for (Map.Entry<Long, byte[]> e : map.entrySet()) {
      all.add(RecordBytes.decode(ByteBuffer.wrap(e.getValue())));
    }
    return all;
  }

  @Override
  public void close() {
    store.close();
  }
}
