package io.converge.replication.store;

import static io.converge.replication.store.RocksDbErrors.translate;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;

/**
 * When the batches of a {@link RocksDbStore} become durable: the last ticket written to RocksDB and
 * the last one durable, and the fsyncs of its write-ahead log ({@code syncWal()}) that move the one
 * up to the other, per the store's {@link FsyncPolicy}.
 *
 * <p>Design: under {@link FsyncPolicy#always()} a caller of {@link #awaitDurable} whose ticket is
 * not durable yet either becomes the leader, which syncs the log up to the last written ticket, or
 * waits for the leader in progress; one fsync thus acknowledges every batch written before it
 * started (group commit). Under {@link FsyncPolicy#group(java.time.Duration)} a daemon thread,
 * {@code converge-store-syncer}, syncs at most the policy's delay after the first unsynced write,
 * and the callers only wait. Under {@link FsyncPolicy#none()} nothing is synced here but a
 * checkpoint. The first failed fsync is final: every later wait for a ticket not durable yet fails
 * with it.
 *
 * <p>Threads and locks: {@code syncLock} guards the counters and flags and is never held during an
 * fsync, except the last one, by {@link #close()}. Every fsync runs while the store's lifecycle
 * lock is held shared, so the database is not closed under it; {@link #close()} runs while it is
 * held exclusively.
 */
final class GroupCommit {

  private static final long NOT_PENDING = Long.MIN_VALUE;

  private final RocksDB db;
  private final String where;
  private final FsyncPolicy policy;
  private final ReentrantReadWriteLock lifecycle;

  /** Set by {@link #close()} under both locks; read without them to refuse calls. */
  private volatile boolean closed;

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

  /**
   * @param lifecycle the store's lock: held shared by every use of {@code db}, exclusively by close
   * @param lastTicket the last ticket the store issued, durable since it was opened
   */
  GroupCommit(
      RocksDB db,
      String where,
      FsyncPolicy policy,
      ReentrantReadWriteLock lifecycle,
      long lastTicket) {
    this.db = db;
    this.where = where;
    this.policy = policy;
    this.lifecycle = lifecycle;
    this.written = lastTicket;
    this.durable = lastTicket;
    if (policy.kind() == FsyncPolicy.Kind.GROUP) {
      syncer = new Thread(this::runSyncer, "converge-store-syncer");
      syncer.setDaemon(true);
    } else {
      syncer = null;
    }
  }

  /** Starts the syncer thread of {@link FsyncPolicy#group}, if any. */
  void start() {
    if (syncer != null) {
      syncer.start();
    }
  }

  /** Whether the store closed. */
  boolean isClosed() {
    return closed;
  }

  /** Records that every batch up to {@code ticket} is written to RocksDB (not durable yet). */
  void written(long ticket) {
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

  /** See {@link RocksDbStore#awaitDurable}, for a ticket the store issued. */
  void awaitDurable(long ticket) throws InterruptedException {
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
      publish(synced, target, failure);
    } finally {
      syncLock.unlock();
    }
  }

  /**
   * Under {@code syncLock}: marks {@code target} durable if synced, or else records the first
   * failure; wakes the waiters either way.
   */
  private void publish(boolean synced, long target, StoreException failure) {
    if (synced) {
      durable = Math.max(durable, target);
    } else if (failure != null && syncFailure == null) {
      syncFailure = failure;
    }
    durableChanged.signalAll();
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

  /**
   * Syncs a checkpoint written to RocksDB, with the store's lifecycle lock held shared, whatever
   * the policy, and marks {@code target} (the last ticket written before it) durable.
   *
   * @throws StoreException if the fsync fails, which is then final, as any failed fsync
   */
  void syncCheckpoint(long target) {
    try {
      db.syncWal();
    } catch (RocksDBException e) {
      StoreException failure = translate(e, where, "cannot fsync the checkpoint of");
      syncLock.lock();
      try {
        publish(false, target, failure);
      } finally {
        syncLock.unlock();
      }
      throw failure;
    }
    syncLock.lock();
    try {
      publish(true, target, null);
    } finally {
      syncLock.unlock();
    }
  }

  /** The first step of closing: stops the syncer thread, if any, and waits until it ended. */
  void stopSyncer() {
    if (syncer == null) {
      return;
    }
    syncLock.lock();
    try {
      stopping = true;
      syncWork.signalAll();
    } finally {
      syncLock.unlock();
    }
    joinUninterruptibly(syncer);
  }

  /**
   * The second step of closing, with the store's lifecycle lock held exclusively: syncs what was
   * written and is not durable yet (unless the policy is {@code none()} or an fsync failed), then
   * marks the store closed, which fails every wait from now on.
   *
   * @return the failure of that last fsync, or null
   */
  StoreException close() {
    StoreException failure = null;
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
    return failure;
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
}
