package io.converge.replication.store;

import static io.converge.replication.store.RocksDbErrors.translate;

import io.converge.clocks.ReplicaId;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.rocksdb.FlushOptions;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * A {@link DurableStore} in a RocksDB database, one per replica and directory. The layout, the
 * format and the reasons for RocksDB are in the {@linkplain io.converge.replication.store package
 * documentation}.
 *
 * <p>Thread safety: every method is thread-safe. Appends and checkpoints are serialised by one
 * lock, held only while the batch is handed to RocksDB (no fsync under it), so tickets follow the
 * order of the write-ahead log. Under {@link FsyncPolicy#always()} a waiter whose batch is not yet
 * synced either becomes the leader, which syncs the log up to the last written batch, or waits for
 * the leader in progress; one fsync thus acknowledges every batch written before it started (group
 * commit). Under {@link FsyncPolicy#group(java.time.Duration)} a daemon thread, {@code
 * converge-store-syncer}, does the syncing and the waiters only wait. {@link #close()} waits for
 * the calls in progress that use the database, then closes it.
 */
public final class RocksDbStore implements DurableStore {

  // Design: this class writes (appends, checkpoints) and owns the database's life; the key layout
  // of the package documentation is below. Package-private classes of one job each do the rest:
  // - StoreRecovery: opening, on the caller's thread: the directory checked, the metadata checked
  //   or created, and every record read back and checked into what recover() hands out;
  // - GroupCommit: which tickets are written and which durable, the fsyncs between them (the
  //   leader/follower group commit, or the converge-store-syncer thread) and whether the store
  //   closed;
  // - RocksDbErrors: RocksDB's failures as StoreExceptions naming the directory;
  // - RecordCodec: the bytes of one record.

  /** The version of the layout in the package documentation; stored under {@code Mformat}. */
  static final int FORMAT_VERSION = 1;

  static final byte META = 'M';
  static final byte LOG = 'L';
  static final byte STATE = 'S';

  static final byte[] META_FORMAT = metaKey("format");
  static final byte[] META_REPLICA = metaKey("replica");
  static final byte[] META_HLC = metaKey("hlc");
  static final byte[] META_TICKET = metaKey("ticket");

  private final Path directory;
  private final String where;
  private final FsyncPolicy policy;
  private final Options options;
  private final WriteOptions writeOptions;
  private final RocksDB db;

  /** Held (shared) by every call that uses {@link #db}; {@link #close()} takes it exclusively. */
  private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();

  private boolean closeStarted; // guarded by closeLock
  private final Object closeLock = new Object();

  // Guarded by appendLock.
  private final Object appendLock = new Object();
  private volatile long lastTicket;
  private long hlcBound;
  private Recovered recovered;
  private String recoverUnavailable;

  /**
   * Which tickets are durable, and the fsyncs that make them so; knows whether the store closed.
   */
  private final GroupCommit commit;

  private RocksDbStore(
      Path directory,
      FsyncPolicy policy,
      Options options,
      WriteOptions writeOptions,
      RocksDB db,
      Recovered recovered,
      long lastTicket) {
    this.directory = directory;
    this.where = describe(directory);
    this.policy = policy;
    this.options = options;
    this.writeOptions = writeOptions;
    this.db = db;
    this.recovered = recovered;
    this.hlcBound = recovered.hlcBound();
    this.lastTicket = lastTicket;
    this.commit = new GroupCommit(db, where, policy, lifecycle, lastTicket);
  }

  /**
   * Opens the store in {@code directory}, creating it if the directory is missing or empty, and
   * reads everything it holds (which verifies every checksum); {@link #recover()} hands that out.
   * The store holds RocksDB's lock on the directory until {@link #close()}.
   *
   * <p>Nothing is ever reset or initialised over: a directory that is not empty and holds no store,
   * or a store of another replica or format, is refused. A crash during creation, before any record
   * was written, leaves a directory that the next open completes.
   *
   * @param directory the data directory of this replica
   * @param replica the replica that owns the store; stored on creation and checked on every open
   * @param policy when appends are fsynced; may differ between openings
   * @return the open store, which the caller must close
   * @throws NullPointerException if an argument is null
   * @throws StoreException with reason {@link StoreException.Reason#NOT_A_STORE} if the directory
   *     is not empty and holds no store (or is not a directory), {@link
   *     StoreException.Reason#OTHER_REPLICA} if the store belongs to another replica, {@link
   *     StoreException.Reason#INCOMPATIBLE_VERSION} if it has another format version, {@link
   *     StoreException.Reason#CORRUPT} if a checksum fails or a record does not decode, {@link
   *     StoreException.Reason#LOCKED} if another process or instance has it open, {@link
   *     StoreException.Reason#IO} if reading or writing fails; every message names the directory
   */
  public static RocksDbStore open(Path directory, ReplicaId replica, FsyncPolicy policy) {
    Objects.requireNonNull(directory, "directory");
    Objects.requireNonNull(replica, "replica");
    Objects.requireNonNull(policy, "policy");
    String where = describe(directory);
    boolean create = StoreRecovery.prepareDirectory(directory, where);
    RocksDB.loadLibrary();
    Options options = new Options();
    WriteOptions writeOptions = new WriteOptions();
    RocksDB db = null;
    try {
      options
          .setCreateIfMissing(create)
          .setErrorIfExists(false)
          .setParanoidChecks(true)
          .setKeepLogFileNum(3)
          .setMaxLogFileSize(8L << 20);
      // The write-ahead log stays on and is written to the OS on every write; fsyncs are ours.
      writeOptions.setSync(false).setDisableWAL(false);
      db = StoreRecovery.openDb(options, directory, where);
      StoreRecovery.Opened opened = StoreRecovery.readAll(db, where, replica, create);
      RocksDbStore store =
          new RocksDbStore(
              directory,
              policy,
              options,
              writeOptions,
              db,
              opened.recovered(),
              opened.lastTicket());
      store.commit.start();
      return store;
    } catch (RuntimeException | Error e) {
      if (db != null) {
        db.close();
      }
      writeOptions.close();
      options.close();
      throw e;
    }
  }

  // ---------------------------------------------------------------------------------------------

  @Override
  public Recovered recover() {
    synchronized (appendLock) {
      ensureOpen();
      if (recovered == null) {
        throw new IllegalStateException(
            "recover() of store "
                + where
                + " may be called only once, before the first append or"
                + " checkpoint: "
                + recoverUnavailable);
      }
      Recovered r = recovered;
      recovered = null;
      recoverUnavailable = "it was already called";
      return r;
    }
  }

  @Override
  public long append(List<StoredRecord> records, long hlcBound) {
    Objects.requireNonNull(records, "records");
    requireHlc(hlcBound);
    List<byte[]> values = new ArrayList<>(records.size());
    for (int i = 0; i < records.size(); i++) {
      StoredRecord r = records.get(i);
      if (r == null) {
        throw new NullPointerException("records[" + i + "] is null");
      }
      values.add(RecordCodec.encode(r));
    }
    lifecycle.readLock().lock();
    try {
      ensureOpen();
      long ticket;
      synchronized (appendLock) {
        ticket = lastTicket + 1;
        long newHlc = Math.max(this.hlcBound, hlcBound);
        try (WriteBatch batch = new WriteBatch()) {
          for (int i = 0; i < values.size(); i++) {
            batch.put(logKey(ticket, i), values.get(i));
          }
          batch.put(META_TICKET, longBytes(ticket));
          if (newHlc != this.hlcBound) {
            batch.put(META_HLC, longBytes(newHlc));
          }
          db.write(writeOptions, batch);
        } catch (RocksDBException e) {
          throw translate(e, where, "cannot append ticket " + ticket + " to");
        }
        lastTicket = ticket;
        this.hlcBound = newHlc;
        tooLateToRecover("append");
        commit.written(ticket);
      }
      return ticket;
    } finally {
      lifecycle.readLock().unlock();
    }
  }

  @Override
  public void awaitDurable(long ticket) throws InterruptedException {
    ensureOpen();
    long last = lastTicket;
    if (ticket < 1 || ticket > last) {
      throw new IllegalArgumentException(
          "ticket was never issued by store " + where + ": ticket=" + ticket + ", last=" + last);
    }
    commit.awaitDurable(ticket);
  }

  @Override
  public void checkpoint(Collection<StoredRecord> states, long upToTicket, long hlcBound) {
    Objects.requireNonNull(states, "states");
    requireHlc(hlcBound);
    if (upToTicket < 0) {
      throw new IllegalArgumentException("upToTicket must be >= 0: upToTicket=" + upToTicket);
    }
    List<byte[]> keys = new ArrayList<>(states.size());
    List<byte[]> values = new ArrayList<>(states.size());
    Set<String> seen = new HashSet<>();
    for (StoredRecord r : states) {
      Objects.requireNonNull(r, "states element");
      if (!seen.add(r.key())) {
        throw new IllegalArgumentException("two states for one key: key=\"" + r.key() + "\"");
      }
      values.add(RecordCodec.encode(r));
      keys.add(stateKey(r.key()));
    }
    lifecycle.readLock().lock();
    try {
      ensureOpen();
      long target;
      synchronized (appendLock) {
        if (upToTicket > lastTicket) {
          throw new IllegalArgumentException(
              "upToTicket was never issued by store "
                  + where
                  + ": upToTicket="
                  + upToTicket
                  + ", last="
                  + lastTicket);
        }
        long newHlc = Math.max(this.hlcBound, hlcBound);
        try (WriteBatch batch = new WriteBatch()) {
          for (int i = 0; i < keys.size(); i++) {
            batch.put(keys.get(i), values.get(i));
          }
          if (upToTicket > 0) {
            batch.deleteRange(logKey(0, 0), logKey(upToTicket + 1, 0));
          }
          if (newHlc != this.hlcBound) {
            batch.put(META_HLC, longBytes(newHlc));
          }
          db.write(writeOptions, batch);
        } catch (RocksDBException e) {
          throw translate(e, where, "cannot checkpoint up to ticket " + upToTicket + " in");
        }
        this.hlcBound = newHlc;
        tooLateToRecover("checkpoint");
        target = lastTicket;
      }
      commit.syncCheckpoint(target);
    } finally {
      lifecycle.readLock().unlock();
    }
  }

  @Override
  public Path directory() {
    ensureOpen();
    return directory;
  }

  @Override
  public FsyncPolicy fsyncPolicy() {
    ensureOpen();
    return policy;
  }

  @Override
  public void close() {
    synchronized (closeLock) {
      if (closeStarted) {
        return;
      }
      closeStarted = true;
    }
    commit.stopSyncer();
    StoreException failure;
    lifecycle.writeLock().lock();
    try {
      failure = commit.close();
      try {
        db.closeE();
      } catch (RocksDBException e) {
        if (failure == null) {
          failure = translate(e, where, "cannot close");
        }
      } finally {
        writeOptions.close();
        options.close();
      }
    } finally {
      lifecycle.writeLock().unlock();
    }
    if (failure != null) {
      throw failure;
    }
  }

  /** Flushes the memtable to an SST file and waits; for tests that need files on disk. */
  void flushForTest() {
    lifecycle.readLock().lock();
    try (FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
      ensureOpen();
      db.flush(flush);
    } catch (RocksDBException e) {
      throw translate(e, where, "cannot flush");
    } finally {
      lifecycle.readLock().unlock();
    }
  }

  @Override
  public String toString() {
    return "RocksDbStore[" + where + ", " + policy + (commit.isClosed() ? ", closed]" : "]");
  }

  // ---------------------------------------------------------------------------------------------

  private void ensureOpen() {
    if (commit.isClosed()) {
      throw new IllegalStateException("store " + where + " is closed");
    }
  }

  private void tooLateToRecover(String what) {
    if (recoverUnavailable == null || recovered != null) {
      recovered = null;
      recoverUnavailable = "the store already had an " + what;
    }
  }

  private static void requireHlc(long hlcBound) {
    if (hlcBound < 0) {
      throw new IllegalArgumentException("hlcBound must be >= 0: hlcBound=" + hlcBound);
    }
  }

  static byte[] metaKey(String name) {
    byte[] n = name.getBytes(StandardCharsets.US_ASCII);
    byte[] key = new byte[n.length + 1];
    key[0] = META;
    System.arraycopy(n, 0, key, 1, n.length);
    return key;
  }

  static byte[] logKey(long ticket, int index) {
    return ByteBuffer.allocate(13).put(LOG).putLong(ticket).putInt(index).array();
  }

  static byte[] stateKey(String key) {
    byte[] k = RecordCodec.utf8(key, "key");
    byte[] out = new byte[k.length + 1];
    out[0] = STATE;
    System.arraycopy(k, 0, out, 1, k.length);
    return out;
  }

  static byte[] longBytes(long v) {
    return ByteBuffer.allocate(8).putLong(v).array();
  }

  /** Names a RocksDB key in messages: {@code log/ticket=5/index=0}, {@code state/cart-1}, ... */
  static String describeKey(byte[] key) {
    if (key.length == 13 && key[0] == LOG) {
      ByteBuffer b = ByteBuffer.wrap(key, 1, 12);
      return "log/ticket=" + b.getLong() + "/index=" + b.getInt();
    }
    String rest = new String(key, 1, Math.max(0, key.length - 1), StandardCharsets.UTF_8);
    if (key.length > 0 && key[0] == STATE) {
      return "state/" + rest;
    }
    if (key.length > 0 && key[0] == META) {
      return "meta/" + rest;
    }
    StringBuilder hex = new StringBuilder("0x");
    for (int i = 0; i < Math.min(key.length, 32); i++) {
      hex.append(String.format("%02x", key[i]));
    }
    return hex.toString();
  }

  private static String describe(Path directory) {
    return directory.toAbsolutePath().normalize().toString();
  }
}
