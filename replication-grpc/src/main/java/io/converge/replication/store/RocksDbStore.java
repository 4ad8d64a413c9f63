package io.converge.replication.store;

import io.converge.clocks.ReplicaId;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.rocksdb.FlushOptions;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Status;
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

  /** The version of the layout in the package documentation; stored under {@code Mformat}. */
  static final int FORMAT_VERSION = 1;

  static final byte META = 'M';
  static final byte LOG = 'L';
  static final byte STATE = 'S';

  static final byte[] META_FORMAT = metaKey("format");
  static final byte[] META_REPLICA = metaKey("replica");
  static final byte[] META_HLC = metaKey("hlc");
  static final byte[] META_TICKET = metaKey("ticket");

  /**
   * The names of the files RocksDB writes while creating a database, before {@code CURRENT} exists:
   * a directory holding only these is a creation that was interrupted, not someone else's files.
   */
  private static final Pattern ROCKSDB_CREATION_FILE =
      Pattern.compile(
          "LOCK|IDENTITY|LOG|LOG\\.old\\.\\d+|(MANIFEST|OPTIONS)-\\d+(\\.dbtmp)?|\\d+\\.(log|dbtmp)");

  private static final long NOT_PENDING = Long.MIN_VALUE;

  private final Path directory;
  private final String where;
  private final FsyncPolicy policy;
  private final Options options;
  private final WriteOptions writeOptions;
  private final RocksDB db;

  /** Held (shared) by every call that uses {@link #db}; {@link #close()} takes it exclusively. */
  private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();

  private volatile boolean closed;
  private boolean closeStarted; // guarded by closeLock
  private final Object closeLock = new Object();

  // Guarded by appendLock.
  private final Object appendLock = new Object();
  private volatile long lastTicket;
  private long hlcBound;
  private Recovered recovered;
  private String recoverUnavailable;

  // Guarded by syncLock.
  private final ReentrantLock syncLock = new ReentrantLock();
  private final Condition durableChanged = syncLock.newCondition();
  private final Condition syncWork = syncLock.newCondition();
  private long written;
  private long durable;
  private boolean syncing;
  private boolean stopping;
  private long pendingSince = NOT_PENDING;
  private StoreException syncFailure;

  private final Thread syncer;

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
    this.written = lastTicket;
    this.durable = lastTicket;
    if (policy.kind() == FsyncPolicy.Kind.GROUP) {
      syncer = new Thread(this::runSyncer, "converge-store-syncer");
      syncer.setDaemon(true);
    } else {
      syncer = null;
    }
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
    boolean create = prepareDirectory(directory, where);
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
      db = openDb(options, directory, where);
      Opened opened = readAll(db, directory, where, replica, create);
      RocksDbStore store =
          new RocksDbStore(
              directory, policy, options, writeOptions, db, opened.recovered, opened.lastTicket);
      if (store.syncer != null) {
        store.syncer.start();
      }
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

  /** Returns true if the store must be created, after making sure the directory exists. */
  private static boolean prepareDirectory(Path directory, String where) {
    try {
      if (Files.exists(directory) && !Files.isDirectory(directory)) {
        throw new StoreException(
            StoreException.Reason.NOT_A_STORE, "data directory " + where + " is not a directory");
      }
      Files.createDirectories(directory);
      List<String> names;
      try (Stream<Path> s = Files.list(directory)) {
        names = s.map(p -> p.getFileName().toString()).sorted().toList();
      }
      if (names.isEmpty() || names.contains("CURRENT")) {
        return names.isEmpty();
      }
      if (names.stream().allMatch(n -> ROCKSDB_CREATION_FILE.matcher(n).matches())) {
        return true; // RocksDB was creating the database when the process died: finish the job
      }
      throw new StoreException(
          StoreException.Reason.NOT_A_STORE,
          "data directory "
              + where
              + " is not empty and holds no store (no RocksDB CURRENT file): found "
              + (names.size() <= 5
                  ? names
                  : names.subList(0, 5) + " and " + (names.size() - 5) + " more"));
    } catch (IOException e) {
      throw new StoreException(
          StoreException.Reason.IO, "cannot prepare data directory " + where + ": " + e, e);
    }
  }

  private static RocksDB openDb(Options options, Path directory, String where) {
    try {
      return RocksDB.open(options, directory.toString());
    } catch (RocksDBException e) {
      throw translate(e, where, "cannot open");
    }
  }

  /** What {@link #readAll} found. */
  private record Opened(Recovered recovered, long lastTicket) {}

  private static Opened readAll(
      RocksDB db, Path directory, String where, ReplicaId replica, boolean create) {
    try {
      byte[] format = db.get(META_FORMAT);
      if (format == null) {
        if (!create && !isEmpty(db, where)) {
          throw new StoreException(
              StoreException.Reason.NOT_A_STORE,
              "data directory "
                  + where
                  + " holds a RocksDB database without a Converge store's metadata (no key "
                  + describeKey(META_FORMAT)
                  + ")");
        }
        initialise(db, replica);
        return new Opened(new Recovered(new TreeMap<>(), List.of(), 0, true), 0);
      }
      int version = metaInt(format, META_FORMAT, where);
      if (version != FORMAT_VERSION) {
        throw new StoreException(
            StoreException.Reason.INCOMPATIBLE_VERSION,
            "data directory "
                + where
                + " has store format version "
                + version
                + ", this code reads version "
                + FORMAT_VERSION);
      }
      byte[] owner = db.get(META_REPLICA);
      if (owner == null) {
        throw corrupt(where, describeKey(META_REPLICA), "missing");
      }
      String ownerName = new String(owner, StandardCharsets.UTF_8);
      if (!ownerName.equals(replica.toString())) {
        throw new StoreException(
            StoreException.Reason.OTHER_REPLICA,
            "data directory " + where + " belongs to replica " + ownerName + ", not " + replica);
      }
      Opened opened = scan(db, where);
      // Make what the last run wrote without an fsync durable, so old tickets count as durable.
      db.syncWal();
      return opened;
    } catch (RocksDBException e) {
      throw translate(e, where, "cannot read");
    }
  }

  private static boolean isEmpty(RocksDB db, String where) throws RocksDBException {
    try (RocksIterator it = db.newIterator()) {
      it.seekToFirst();
      boolean empty = !it.isValid();
      it.status();
      return empty;
    }
  }

  private static void initialise(RocksDB db, ReplicaId replica) throws RocksDBException {
    try (WriteBatch batch = new WriteBatch();
        WriteOptions sync = new WriteOptions().setSync(true)) {
      batch.put(META_FORMAT, ByteBuffer.allocate(4).putInt(FORMAT_VERSION).array());
      batch.put(META_REPLICA, replica.toString().getBytes(StandardCharsets.UTF_8));
      batch.put(META_HLC, longBytes(0));
      batch.put(META_TICKET, longBytes(0));
      db.write(sync, batch);
    }
  }

  /** Reads every key, which makes RocksDB verify the checksum of every block it reads. */
  private static Opened scan(RocksDB db, String where) throws RocksDBException {
    TreeMap<String, StoredRecord> states = new TreeMap<>();
    List<StoredRecord> log = new ArrayList<>();
    long hlc = -1;
    long metaTicket = -1;
    long maxLogTicket = 0;
    try (ReadOptions read = new ReadOptions().setVerifyChecksums(true).setFillCache(false);
        RocksIterator it = db.newIterator(read)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        byte[] key = it.key();
        byte[] value = it.value();
        if (key.length == 0) {
          throw corrupt(where, "(empty key)", "unexpected key");
        }
        switch (key[0]) {
          case LOG -> {
            if (key.length != 13) {
              throw corrupt(
                  where, describeKey(key), "a log key is 13 bytes, this one " + key.length);
            }
            long ticket = ByteBuffer.wrap(key, 1, 8).getLong();
            if (ticket < 1 || ticket < maxLogTicket) {
              throw corrupt(where, describeKey(key), "ticket out of order after " + maxLogTicket);
            }
            maxLogTicket = ticket;
            log.add(decode(value, key, where));
          }
          case STATE -> {
            String name = stateName(key, where);
            StoredRecord r = decode(value, key, where);
            if (!r.key().equals(name)) {
              throw corrupt(where, describeKey(key), "holds the state of key \"" + r.key() + "\"");
            }
            states.put(name, r);
          }
          case META -> {
            if (Arrays.equals(key, META_HLC)) {
              hlc = metaLong(value, key, where);
            } else if (Arrays.equals(key, META_TICKET)) {
              metaTicket = metaLong(value, key, where);
            } else if (!Arrays.equals(key, META_FORMAT) && !Arrays.equals(key, META_REPLICA)) {
              throw corrupt(where, describeKey(key), "unknown metadata key");
            }
          }
          default -> throw corrupt(where, describeKey(key), "unknown key");
        }
      }
      it.status();
    }
    if (hlc < 0) {
      throw corrupt(where, describeKey(META_HLC), "missing or negative");
    }
    if (metaTicket < 0) {
      throw corrupt(where, describeKey(META_TICKET), "missing");
    }
    if (metaTicket < maxLogTicket) {
      throw corrupt(
          where,
          describeKey(META_TICKET),
          "last ticket " + metaTicket + " is below the logged ticket " + maxLogTicket);
    }
    return new Opened(new Recovered(states, log, hlc, false), metaTicket);
  }

  private static StoredRecord decode(byte[] value, byte[] key, String where) {
    try {
      return RecordCodec.decode(value);
    } catch (IllegalArgumentException e) {
      throw new StoreException(
          StoreException.Reason.CORRUPT,
          "data directory "
              + where
              + ": the record at key "
              + describeKey(key)
              + " does not decode: "
              + e.getMessage(),
          e);
    }
  }

  private static String stateName(byte[] key, String where) {
    try {
      String name = RecordCodec.fromUtf8(key, 1, key.length - 1);
      if (name.isEmpty()) {
        throw corrupt(where, describeKey(key), "empty state key");
      }
      return name;
    } catch (CharacterCodingException e) {
      throw corrupt(where, describeKey(key), "state key is not valid UTF-8");
    }
  }

  private static int metaInt(byte[] value, byte[] key, String where) {
    if (value.length != 4) {
      throw corrupt(where, describeKey(key), "expected 4 bytes, found " + value.length);
    }
    return ByteBuffer.wrap(value).getInt();
  }

  private static long metaLong(byte[] value, byte[] key, String where) {
    if (value.length != 8) {
      throw corrupt(where, describeKey(key), "expected 8 bytes, found " + value.length);
    }
    long v = ByteBuffer.wrap(value).getLong();
    if (v < 0) {
      throw corrupt(where, describeKey(key), "negative value " + v);
    }
    return v;
  }

  private static StoreException corrupt(String where, String key, String detail) {
    return new StoreException(
        StoreException.Reason.CORRUPT, "data directory " + where + ": key " + key + ": " + detail);
  }

  /** Maps a RocksDB failure to a reason: lock held, checksum or format failure, or I/O. */
  private static StoreException translate(RocksDBException e, String where, String action) {
    Status status = e.getStatus();
    Status.Code code = status == null ? null : status.getCode();
    String message = String.valueOf(e.getMessage());
    StoreException.Reason reason;
    if (code == Status.Code.Corruption || message.startsWith("Corruption")) {
      reason = StoreException.Reason.CORRUPT;
    } else if (code == Status.Code.IOError && isLockFailure(message)) {
      reason = StoreException.Reason.LOCKED;
    } else {
      reason = StoreException.Reason.IO;
    }
    String detail =
        switch (reason) {
          case CORRUPT -> "data directory " + where + " is corrupt: " + message;
          case LOCKED ->
              "data directory "
                  + where
                  + " is open in another process or store instance (RocksDB LOCK): "
                  + message;
          default -> action + " data directory " + where + ": " + message;
        };
    return new StoreException(reason, detail, e);
  }

  private static boolean isLockFailure(String message) {
    // RocksDB: "lock hold by current process" in this JVM, "While lock file: .../LOCK: Resource
    // temporarily unavailable" when another process holds the fcntl lock.
    return message.contains("/LOCK") || message.contains("lock hold by current process");
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
        written(ticket);
      }
      return ticket;
    } finally {
      lifecycle.readLock().unlock();
    }
  }

  private void written(long ticket) {
    syncLock.lock();
    try {
      written = ticket;
      if (syncer != null && pendingSince == NOT_PENDING) {
        pendingSince = System.nanoTime();
        syncWork.signal();
      }
    } finally {
      syncLock.unlock();
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
    if (policy.kind() == FsyncPolicy.Kind.NONE) {
      return;
    }
    while (true) {
      long target;
      syncLock.lockInterruptibly();
      try {
        while (true) {
          if (durable >= ticket) {
            return;
          }
          if (syncFailure != null) {
            throw new StoreException(
                StoreException.Reason.IO,
                "ticket " + ticket + " is not durable: " + syncFailure.getMessage(),
                syncFailure);
          }
          if (closed) {
            throw new IllegalStateException(
                "store " + where + " closed before ticket " + ticket + " was durable");
          }
          if (syncer == null && !syncing) {
            break; // leader: sync for everyone who waits
          }
          durableChanged.await();
        }
        syncing = true;
        target = written;
      } finally {
        syncLock.unlock();
      }
      syncAndPublish(target);
    }
  }

  /** Syncs the write-ahead log, then marks {@code target} durable or records the failure. */
  private void syncAndPublish(long target) {
    StoreException failure = null;
    boolean synced = false;
    lifecycle.readLock().lock();
    try {
      if (!closed) {
        db.syncWal();
        synced = true;
      }
    } catch (RocksDBException e) {
      failure = translate(e, where, "cannot fsync the write-ahead log of");
    } finally {
      lifecycle.readLock().unlock();
    }
    syncLock.lock();
    try {
      syncing = false;
      if (synced) {
        durable = Math.max(durable, target);
      } else if (failure != null && syncFailure == null) {
        syncFailure = failure;
      }
      durableChanged.signalAll();
    } finally {
      syncLock.unlock();
    }
  }

  private void runSyncer() {
    long maxDelay = policy.maxDelay().toNanos();
    while (true) {
      long target;
      syncLock.lock();
      try {
        while (!stopping && pendingSince == NOT_PENDING) {
          syncWork.awaitUninterruptibly();
        }
        long wait;
        while (!stopping && (wait = pendingSince + maxDelay - System.nanoTime()) > 0) {
          syncWork.awaitNanos(wait);
        }
        if (stopping || syncFailure != null) {
          return;
        }
        pendingSince = NOT_PENDING;
        syncing = true;
        target = written;
      } catch (InterruptedException e) {
        return; // only close() interrupts, and it syncs what is left
      } finally {
        syncLock.unlock();
      }
      syncAndPublish(target);
    }
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
      try {
        db.syncWal();
      } catch (RocksDBException e) {
        StoreException failure = translate(e, where, "cannot fsync the checkpoint of");
        syncLock.lock();
        try {
          if (syncFailure == null) {
            syncFailure = failure;
          }
          durableChanged.signalAll();
        } finally {
          syncLock.unlock();
        }
        throw failure;
      }
      syncLock.lock();
      try {
        durable = Math.max(durable, target);
        durableChanged.signalAll();
      } finally {
        syncLock.unlock();
      }
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
    if (syncer != null) {
      syncLock.lock();
      try {
        stopping = true;
        syncWork.signalAll();
      } finally {
        syncLock.unlock();
      }
      joinUninterruptibly(syncer);
    }
    StoreException failure = null;
    lifecycle.writeLock().lock();
    try {
      syncLock.lock();
      try {
        if (policy.kind() != FsyncPolicy.Kind.NONE && syncFailure == null && written > durable) {
          try {
            db.syncWal();
            durable = written;
          } catch (RocksDBException e) {
            failure = translate(e, where, "cannot fsync on close");
          }
        }
        closed = true;
        durableChanged.signalAll();
      } finally {
        syncLock.unlock();
      }
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
    return "RocksDbStore[" + where + ", " + policy + (closed ? ", closed]" : "]");
  }

  // ---------------------------------------------------------------------------------------------

  private void ensureOpen() {
    if (closed) {
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

  private static void joinUninterruptibly(Thread thread) {
    boolean interrupted = false;
    while (true) {
      try {
        thread.join(TimeUnit.SECONDS.toMillis(60));
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
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
