package io.converge.replication;

import io.converge.replication.store.DurableStore;
import io.converge.replication.store.FsyncPolicy;
import io.converge.replication.store.Recovered;
import io.converge.replication.store.StoreException;
import io.converge.replication.store.StoredRecord;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A {@link DurableStore} over a real one (RocksDB in a temporary directory) that models what the
 * operating system does between them, so that a simulated crash can lose what a real one may lose,
 * and an fsync can fail on purpose.
 *
 * <p>An {@link #append} stays here, in the "page cache", until an fsync covers it: {@link
 * #awaitDurable} (group commit: it hands every append made so far to the real store, then awaits
 * the real store's fsync) or a {@link #checkpoint}. {@link #crash} then ends the store as a process
 * death or a power loss would: after a {@linkplain Crash#PROCESS process death} the page cache
 * still reaches the disk (what was appended survives); after a {@linkplain Crash#POWER_LOSS power
 * loss} it is gone (only what an fsync covered survives). Either way the real store is closed,
 * which releases its directory's lock, as the death of the process that held it would, so that a
 * new replica can open the directory.
 *
 * <p>{@link #failNextFsync()} makes the next fsync fail, as the real store reports it: {@link
 * StoreException} with reason {@code IO}; and, as the real store promises, the failure is final:
 * every later fsync fails too, until the store is reopened (after a crash). What the failed fsync
 * should have covered stays in the page cache: a process death keeps it, a power loss loses it.
 *
 * <p>Tickets are this class's own (1, 2, ... per opening), mapped to the real store's when the
 * appends reach it. Thread-safe (synchronized), though simulations use it from one thread.
 */
final class SimulatedDisk implements DurableStore {

  /** How a simulated replica dies. */
  enum Crash {
    /** {@code kill -9}: what was appended is in the kernel's page cache and reaches the disk. */
    PROCESS,
    /** Power loss or kernel panic: what no fsync covered is lost. */
    POWER_LOSS
  }

  private record Pending(long ticket, List<StoredRecord> records, long hlcBound) {}

  private final DurableStore disk;
  private final ArrayDeque<Pending> pageCache = new ArrayDeque<>();
  private final Map<Long, Long> onDisk = new HashMap<>();
  private long lastTicket;
  private long durable;
  private boolean failNext;
  private boolean failed;
  private boolean crashed;
  private int fsyncs;

  /**
   * Wraps {@code disk}, which is owned by this class from now on.
   *
   * @param disk the real store, just opened
   */
  SimulatedDisk(DurableStore disk) {
    this.disk = Objects.requireNonNull(disk, "disk");
  }

  /** Makes the next fsync (of an append or a checkpoint) fail, and every one after it. */
  synchronized void failNextFsync() {
    failNext = true;
  }

  /** Cancels {@link #failNextFsync()} if no fsync came since; fails if one failed already. */
  synchronized void disarm() {
    if (failed) {
      throw new IllegalStateException("an fsync failed already: " + this);
    }
    failNext = false;
  }

  /** Whether an fsync failed: the store is unusable until reopened. */
  synchronized boolean fsyncFailed() {
    return failed;
  }

  /** How many fsyncs this store made (failed ones included). */
  synchronized int fsyncs() {
    return fsyncs;
  }

  /**
   * Ends the store as {@code how} says: the page cache reaches the real store or is lost, then the
   * real store is closed (which releases its lock) and this one refuses every call.
   */
  synchronized void crash(Crash how) {
    if (crashed) {
      return;
    }
    crashed = true;
    if (how == Crash.PROCESS) {
      writeBack();
    }
    pageCache.clear();
    disk.close();
  }

  @Override
  public synchronized Recovered recover() {
    checkLive();
    return disk.recover();
  }

  @Override
  public synchronized long append(List<StoredRecord> records, long hlcBound) {
    checkLive();
    Objects.requireNonNull(records, "records");
    records.forEach(r -> Objects.requireNonNull(r, "record"));
    if (hlcBound < 0) {
      throw new IllegalArgumentException("hlcBound must be >= 0: hlcBound=" + hlcBound);
    }
    lastTicket++;
    pageCache.addLast(new Pending(lastTicket, List.copyOf(records), hlcBound));
    return lastTicket;
  }

  @Override
  public synchronized void awaitDurable(long ticket) throws InterruptedException {
    checkLive();
    if (ticket < 1 || ticket > lastTicket) {
      throw new IllegalArgumentException("ticket was never issued: ticket=" + ticket);
    }
    if (ticket <= durable) {
      return;
    }
    fsync();
    long real = writeBack();
    if (real > 0) {
      disk.awaitDurable(real);
    }
    durable = lastTicket;
  }

  @Override
  public synchronized void checkpoint(
      Collection<StoredRecord> states, long upToTicket, long hlcBound) {
    checkLive();
    if (upToTicket < 0 || upToTicket > lastTicket) {
      throw new IllegalArgumentException("ticket was never issued: upToTicket=" + upToTicket);
    }
    fsync();
    writeBack();
    disk.checkpoint(states, upToTicket == 0 ? 0 : onDisk.get(upToTicket), hlcBound);
    durable = lastTicket;
  }

  /** Counts an fsync, and fails it if told to or if one failed before. */
  private void fsync() {
    fsyncs++;
    if (failNext) {
      failNext = false;
      failed = true;
      throw new StoreException(
          StoreException.Reason.IO, "simulated fsync failure in " + disk.directory());
    }
    if (failed) {
      throw new StoreException(
          StoreException.Reason.IO,
          "an fsync failed before in " + disk.directory() + ": reopen the store");
    }
  }

  /** Hands the page cache to the real store, in order; returns the last real ticket, or 0. */
  private long writeBack() {
    long real = 0;
    while (!pageCache.isEmpty()) {
      Pending p = pageCache.pollFirst();
      real = disk.append(p.records(), p.hlcBound());
      onDisk.put(p.ticket(), real);
    }
    return real;
  }

  private void checkLive() {
    if (crashed) {
      throw new IllegalStateException("store crashed: " + disk.directory());
    }
  }

  @Override
  public Path directory() {
    return disk.directory();
  }

  @Override
  public FsyncPolicy fsyncPolicy() {
    return disk.fsyncPolicy();
  }

  /** A clean close: what is appended is synced, as the real store does. */
  @Override
  public synchronized void close() {
    if (crashed) {
      return;
    }
    crashed = true;
    if (!failed) {
      writeBack();
    }
    disk.close();
  }

  @Override
  public synchronized String toString() {
    return "SimulatedDisk{"
        + disk.directory()
        + ", pageCache="
        + pageCache.size()
        + ", lastTicket="
        + lastTicket
        + ", durable="
        + durable
        + ", failed="
        + failed
        + "}";
  }
}
