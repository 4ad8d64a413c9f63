package io.converge.replication.store;

import org.rocksdb.RocksDBException;
import org.rocksdb.Status;

/** Maps RocksDB's failures to {@link StoreException}s that name the data directory. */
final class RocksDbErrors {

  private RocksDbErrors() {}

  /** Maps a RocksDB failure to a reason: lock held, checksum or format failure, or I/O. */
  static StoreException translate(RocksDBException e, String where, String action) {
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
}
