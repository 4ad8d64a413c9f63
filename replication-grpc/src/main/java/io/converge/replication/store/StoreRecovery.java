package io.converge.replication.store;

import static io.converge.replication.store.RocksDbStore.FORMAT_VERSION;
import static io.converge.replication.store.RocksDbStore.LOG;
import static io.converge.replication.store.RocksDbStore.META;
import static io.converge.replication.store.RocksDbStore.META_FORMAT;
import static io.converge.replication.store.RocksDbStore.META_HLC;
import static io.converge.replication.store.RocksDbStore.META_REPLICA;
import static io.converge.replication.store.RocksDbStore.META_TICKET;
import static io.converge.replication.store.RocksDbStore.STATE;
import static io.converge.replication.store.RocksDbStore.describeKey;
import static io.converge.replication.store.RocksDbStore.longBytes;

import io.converge.clocks.ReplicaId;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * What {@link RocksDbStore#open} does before the store exists: makes sure the data directory is
 * missing, empty, an interrupted creation or a store (never initialising over files it did not
 * write), opens RocksDB, checks the metadata (format version, owning replica) or writes it on
 * creation, and reads every key back, which verifies the checksum of every block, decoding and
 * checking every record into the {@link Recovered} that {@link RocksDbStore#recover()} hands out.
 * Every refusal is a {@link StoreException} whose message names the directory and, for a bad
 * record, the RocksDB key. The rules are in the package documentation, under "Opening".
 *
 * <p>Stateless; runs on the thread that opens the store.
 */
final class StoreRecovery {

  /**
   * The names of the files RocksDB writes while creating a database, before {@code CURRENT} exists:
   * a directory holding only these is a creation that was interrupted, not someone else's files.
   */
  private static final Pattern ROCKSDB_CREATION_FILE =
      Pattern.compile(
          "LOCK|IDENTITY|LOG|LOG\\.old\\.\\d+|(MANIFEST|OPTIONS)-\\d+(\\.dbtmp)?|\\d+\\.(log|dbtmp)");

  private StoreRecovery() {}

  /** Returns true if the store must be created, after making sure the directory exists. */
  static boolean prepareDirectory(Path directory, String where) {
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

  static RocksDB openDb(Options options, Path directory, String where) {
    try {
      return RocksDB.open(options, directory.toString());
    } catch (RocksDBException e) {
      throw RocksDbErrors.translate(e, where, "cannot open");
    }
  }

  /** What {@link #readAll} found. */
  record Opened(Recovered recovered, long lastTicket) {}

  static Opened readAll(RocksDB db, String where, ReplicaId replica, boolean create) {
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
      throw RocksDbErrors.translate(e, where, "cannot read");
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
}
