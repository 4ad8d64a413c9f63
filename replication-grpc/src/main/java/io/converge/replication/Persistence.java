package io.converge.replication;

import io.converge.replication.store.DurableStore;
import io.converge.replication.store.StoredRecord;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Writes the engine's changes to its {@link DurableStore} away from the engine's lock, in group
 * commits: the engine {@linkplain #log logs} a change under its lock (a queue append, no I/O) and
 * gets a ticket; the drain hands every change queued since the last one to the store in one {@link
 * DurableStore#append}, waits for one fsync ({@link DurableStore#awaitDurable}), and then completes
 * the futures of the tickets that became durable, in ticket order. Checkpoints ({@link
 * #checkpoint}) are queued the same way and written, with their states encoded, by the drain.
 *
 * <p><b>Threads.</b> {@link #log} and {@link #checkpoint} are called under the engine's lock and
 * only touch the queue (under this object's monitor). The drain never runs under the engine's lock:
 * on a dedicated thread ({@code converge-store-<replica>}) when the replica runs on the system's
 * time, so that no writer, transport or timer thread waits for a disk, and many changes share one
 * fsync; or, for a replica on a simulation's virtual time, on the thread that {@linkplain #kick
 * kicks} it after leaving the engine's lock, so that a simulated run stays a function of its seed.
 * What waits for durability runs on the draining thread.
 *
 * <p><b>Failures.</b> A failed append, checkpoint or fsync is final, as the store's is: every
 * ticket not yet durable, and every later one, completes exceptionally with that failure (the
 * change is applied in memory and may be lost in a crash, so nothing that depends on it is sent or
 * acknowledged).
 */
final class Persistence {

  private static final System.Logger LOG = System.getLogger(Persistence.class.getName());

  /** A full state to checkpoint, encoded by the drain (states are immutable). */
  record State(String key, String type, Supplier<byte[]> encoding) {}

  /** What the drain does, in queue order: append a record, or checkpoint states. */
  private record Item(long ticket, StoredRecord record, List<State> checkpoint) {}

  private final DurableStore store;
  private final LongSupplier hlcBound;
  private final String replica;

  /** The drain's own thread; null when the drain runs on the kicking thread. */
  private final ExecutorService thread;

  private final ArrayDeque<Item> queue = new ArrayDeque<>();
  private final TreeMap<Long, List<CompletableFuture<Void>>> waiting = new TreeMap<>();
  private long issued;
  private long durable;
  private boolean draining;

  /** The thread running the drain, while one runs. */
  private Thread drainer;

  private RuntimeException failure;
  private long groupCommits;

  /** The store's last ticket; only the drain (one at a time) touches it. */
  private long storeTicket;

  /**
   * @param store the store, opened and recovered
   * @param hlcBound a bound of every timestamp logged so far (read when a group is appended)
   * @param replica the replica's name, for the thread and messages
   * @param ownThread whether the drain runs on a thread of its own (else on the kicking thread)
   */
  Persistence(DurableStore store, LongSupplier hlcBound, String replica, boolean ownThread) {
    this.store = Objects.requireNonNull(store, "store");
    this.hlcBound = Objects.requireNonNull(hlcBound, "hlcBound");
    this.replica = Objects.requireNonNull(replica, "replica");
    this.thread =
        ownThread
            ? Executors.newSingleThreadExecutor(
                r -> {
                  Thread t = new Thread(r, "converge-store-" + replica);
                  t.setDaemon(true);
                  return t;
                })
            : null;
  }

  /** Queues a change already applied in memory; returns its ticket. Under the engine's lock. */
  synchronized long log(StoredRecord record) {
    Objects.requireNonNull(record, "record");
    queue.addLast(new Item(++issued, record, null));
    return issued;
  }

  /**
   * Queues a checkpoint of these states, which must hold every change logged so far (under the
   * engine's lock, after those changes were merged): the store may then drop the records they
   * cover.
   */
  synchronized void checkpoint(List<State> states) {
    if (!states.isEmpty()) {
      queue.addLast(new Item(issued, null, List.copyOf(states)));
    }
  }

  /** The last ticket issued. */
  synchronized long issued() {
    return issued;
  }

  /** Group commits done so far (appends handed to the store together, then one fsync). */
  synchronized long groupCommits() {
    return groupCommits;
  }

  /** The failure that stopped this persistence, or null. */
  synchronized RuntimeException failure() {
    return failure;
  }

  /**
   * A future that completes once every change up to {@code ticket} is durable, or exceptionally
   * with the store's failure; completed already if it is. Call {@link #kick} after, off the
   * engine's lock.
   */
  synchronized CompletableFuture<Void> whenDurable(long ticket) {
    if (ticket <= durable) {
      return CompletableFuture.completedFuture(null);
    }
    if (failure != null) {
      return CompletableFuture.failedFuture(failure);
    }
    CompletableFuture<Void> future = new CompletableFuture<>();
    waiting.computeIfAbsent(ticket, t -> new ArrayList<>(1)).add(future);
    return future;
  }

  /**
   * Starts a drain of what is queued, unless one is running (it takes what was queued meanwhile
   * before it stops): on the drain's thread, or on this one. Never under the engine's lock. Called
   * on the draining thread itself (by code that runs when a change is durable: a listener that
   * writes, and may wait for its write), it writes what is queued at once, there.
   */
  void kick() {
    boolean reentered;
    synchronized (this) {
      // Re-entered from a completion, the drain is between two groups: write this one now (the
      // caller may wait for it, and no other thread drains meanwhile).
      reentered = drainer == Thread.currentThread();
      if (!reentered) {
        if (draining || queue.isEmpty() || failure != null) {
          return;
        }
        draining = true;
        if (thread != null) {
          try {
            thread.execute(this::drain);
          } catch (RejectedExecutionException closed) {
            draining = false;
          }
          return;
        }
      }
    }
    if (reentered) {
      writeQueued();
    } else {
      drain();
    }
  }

  private void drain() {
    synchronized (this) {
      drainer = Thread.currentThread();
    }
    try {
      writeQueued();
    } finally {
      synchronized (this) {
        drainer = null;
        draining = false;
      }
    }
    // Queued after the last look, by a thread that saw this drain running and left it the work.
    kick();
  }

  /** Writes what is queued, group after group, until the queue is empty or the store failed. */
  private void writeQueued() {
    while (true) {
      List<Item> items;
      synchronized (this) {
        if (queue.isEmpty() || failure != null) {
          return;
        }
        items = new ArrayList<>(queue);
        queue.clear();
      }
      long through = items.get(items.size() - 1).ticket();
      List<CompletableFuture<Void>> done = new ArrayList<>();
      RuntimeException failed = null;
      try {
        write(items);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        failed =
            new IllegalStateException("replica " + replica + " closed before a change was durable");
      } catch (RuntimeException e) {
        failed = e;
      }
      synchronized (this) {
        if (failed == null) {
          durable = Math.max(durable, through);
          groupCommits++;
          Map<Long, List<CompletableFuture<Void>>> ready = waiting.headMap(durable, true);
          ready.values().forEach(done::addAll);
          ready.clear();
        } else {
          failure = failed;
          queue.clear();
          waiting.values().forEach(done::addAll);
          waiting.clear();
        }
      }
      if (failed != null) {
        LOG.log(
            System.Logger.Level.ERROR,
            "replica "
                + replica
                + ": its store failed; changes from now on are applied in memory only, and none is"
                + " acknowledged or sent: "
                + failed.getMessage(),
            failed);
        for (CompletableFuture<Void> f : done) {
          f.completeExceptionally(failed);
        }
        return;
      }
      for (CompletableFuture<Void> f : done) {
        f.complete(null);
      }
    }
  }

  /** Appends the records of {@code items} in groups, writes their checkpoints, then one fsync. */
  private void write(List<Item> items) throws InterruptedException {
    List<StoredRecord> group = new ArrayList<>();
    boolean synced = true;
    for (Item item : items) {
      if (item.record() != null) {
        group.add(item.record());
        continue;
      }
      if (!group.isEmpty()) {
        storeTicket = store.append(group, hlcBound.getAsLong());
        group = new ArrayList<>();
      }
      List<StoredRecord> states = new ArrayList<>(item.checkpoint().size());
      for (State s : item.checkpoint()) {
        states.add(new StoredRecord(s.key(), s.type(), s.encoding().get()));
      }
      store.checkpoint(states, storeTicket, hlcBound.getAsLong()); // fsyncs what came before
      synced = true;
    }
    if (!group.isEmpty()) {
      storeTicket = store.append(group, hlcBound.getAsLong());
      synced = false;
    }
    if (!synced) {
      store.awaitDurable(storeTicket);
    }
  }

  /**
   * Writes what is queued, then stops the drain's thread. What is logged after it is never written.
   * Not under the engine's lock.
   */
  void close() {
    kick();
    if (thread == null) {
      return; // drained on this thread (unless another thread is at it, which then finishes)
    }
    thread.shutdown();
    try {
      if (!thread.awaitTermination(1, TimeUnit.MINUTES)) {
        thread.shutdownNow();
      }
    } catch (InterruptedException e) {
      thread.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
