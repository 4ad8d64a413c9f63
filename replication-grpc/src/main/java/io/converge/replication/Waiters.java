package io.converge.replication;

import io.converge.clocks.ReplicaId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BooleanSupplier;
import java.util.function.LongPredicate;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * What callers of a replica wait for, as futures: {@code QUORUM} and {@code ALL} writes waiting for
 * their peers' acknowledgements (or, for a write that changed nothing, until enough peers hold the
 * replica's own writes to the key), reads waiting until every write of a causal token is seen, and
 * drains waiting until every connected peer acknowledged everything. Each wait is a {@link
 * CompletableFuture}, indexed by what it waits for (a sequence number, a key name), completed when
 * the engine reports that progress, and timed out by a timer on the engine's {@link
 * EngineScheduler}, whose {@link Ticker} is the clock of every deadline: with virtual time, a
 * timeout is virtual too.
 *
 * <h2>Threads</h2>
 *
 * The engine calls the registering methods and the progress methods ({@link #acknowledged}, {@link
 * #refused}, {@link #reset}, {@link #held}, {@link #changed}, {@link #peerDown}, {@link #close})
 * under its own lock, and the conditions it hands over (who holds a sequence, whether a write is
 * seen, the value to read) are evaluated right there, under that lock. Those methods never complete
 * a future themselves: they add what to do to {@code after}, a list that the engine runs once its
 * lock is released, on the thread that made the progress (the writer's, or the transport's that
 * delivered an Ack or a delta), so that no code chained to a future ever runs under the engine's
 * lock. The timers are armed from {@code after} too: a scheduler may take a lock of its own that a
 * thread holding it calls the engine back under. A timeout completes its future on the scheduler's
 * thread; an {@linkplain #await interrupted} blocking caller completes its own. This class's
 * monitor guards the indexes and the waiters' state: it is taken inside the engine's lock (never
 * the other way round), and nothing is called out while it is held but the conditions the engine
 * handed over.
 */
final class Waiters {

  /** A wait longer than this (about 146 years) is this long: deadlines stay comparable. */
  private static final long MAX_TIMEOUT_NANOS = Long.MAX_VALUE / 2;

  /** Why a wait ended without what it waited for. */
  enum End {
    CLOSED,
    TIMED_OUT,
    INTERRUPTED
  }

  final ReplicaId self;
  private final EngineScheduler scheduler;
  private final Ticker ticker;

  /** Writes waiting for acknowledgements, by the sequence they wait for. Under this monitor. */
  private final TreeMap<Long, List<Waiter.Acks<?>>> bySequence = new TreeMap<>();

  /**
   * Writes that changed nothing, waiting until peers hold the replica's own writes to a key, by the
   * key (and by its last delta's sequence in {@link #bySequence}, if any). Under this monitor.
   */
  private final Map<String, List<Waiter.Acks<?>>> byOwnWrites = new HashMap<>();

  /** Reads waiting for a token, under the key of each write they have not seen yet. */
  private final Map<String, List<Waiter.Token<?>>> byKey = new HashMap<>();

  private final List<Waiter.Drain> drains = new ArrayList<>();
  private boolean closed;

  Waiters(ReplicaId self, EngineScheduler scheduler) {
    this.self = Objects.requireNonNull(self, "self");
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    this.ticker = Objects.requireNonNull(scheduler.ticker(), "scheduler.ticker()");
  }

  // ---------------------------------------------------------------------------------------------
  // Registering (under the engine's lock)
  // ---------------------------------------------------------------------------------------------

  /**
   * A {@code QUORUM} or {@code ALL} write of {@code sequence} waits until {@code needed} peers of
   * {@code group} hold it, or {@code timeout}. Under the engine's lock.
   *
   * @param holdsNow whether a peer of the group holds the sequence already
   * @param written what the future completes with
   * @param after what to run once the engine's lock is released (arms the timer)
   * @return a future: {@code written}, or a {@link WriteTimeoutException}
   */
  <T> CompletableFuture<Written<T>> awaitAcks(
      String key,
      Consistency consistency,
      Duration timeout,
      long sequence,
      Set<ReplicaId> group,
      int needed,
      Predicate<ReplicaId> holdsNow,
      Written<T> written,
      List<Runnable> after) {
    return awaitPeers(
        key, consistency, timeout, sequence, group, needed, holdsNow, null, written, after);
  }

  /**
   * A {@code QUORUM} or {@code ALL} write that changed nothing waits until {@code needed} peers of
   * {@code group} hold every write of this replica to {@code key} (which {@code holds} tells, under
   * the engine's lock), or {@code timeout}. Asked again when a peer acknowledges {@code sequence}
   * (the key's last delta, if it has one, else 0) and when the engine reports proof of what a peer
   * holds ({@link #held}). Under the engine's lock.
   *
   * @param written what the future completes with
   * @param after what to run once the engine's lock is released (arms the timer)
   * @return a future: {@code written}, or a {@link WriteTimeoutException}
   */
  <T> CompletableFuture<Written<T>> awaitOwnWrites(
      String key,
      Consistency consistency,
      Duration timeout,
      long sequence,
      Set<ReplicaId> group,
      int needed,
      Predicate<ReplicaId> holds,
      Written<T> written,
      List<Runnable> after) {
    Objects.requireNonNull(holds, "holds");
    return awaitPeers(
        key, consistency, timeout, sequence, group, needed, holds, holds, written, after);
  }

  /**
   * The wait of {@link #awaitAcks} ({@code holds} null: Acks of {@code sequence} decide) and of
   * {@link #awaitOwnWrites} ({@code holds} asked again on Acks of {@code sequence}, if not 0, and
   * on proofs of what a peer holds).
   */
  private <T> CompletableFuture<Written<T>> awaitPeers(
      String key,
      Consistency consistency,
      Duration timeout,
      long sequence,
      Set<ReplicaId> group,
      int needed,
      Predicate<ReplicaId> holdsNow,
      Predicate<ReplicaId> holds,
      Written<T> written,
      List<Runnable> after) {
    Waiter.Acks<T> waiter =
        new Waiter.Acks<>(this, timeout, key, consistency, sequence, group, needed, holds, written);
    for (ReplicaId id : group) {
      if (holdsNow.test(id)) {
        waiter.acknowledged.add(id);
      }
    }
    if (waiter.acknowledged.size() >= needed) {
      return CompletableFuture.completedFuture(written);
    }
    synchronized (this) {
      if (!register(waiter, after)) {
        return waiter;
      }
      if (sequence > 0) {
        bySequence.computeIfAbsent(sequence, s -> new ArrayList<>(1)).add(waiter);
      }
      if (holds != null) {
        byOwnWrites.computeIfAbsent(key, k -> new ArrayList<>(1)).add(waiter);
      }
    }
    return waiter;
  }

  /** One write of a causal token that the reader had not seen, and how to tell when it is. */
  record Unseen(String key, BooleanSupplier seen) {}

  /**
   * A read waits until every write of a token is seen, then completes with {@code value} (read
   * under the engine's lock at that moment), or times out. Under the engine's lock.
   *
   * @param writes how many writes the token holds, for the timeout's message
   * @param unseen the writes not seen yet
   * @param value the value to complete with
   * @param after what to run once the engine's lock is released (arms the timer)
   * @return a future: the value, or a {@link ReadTimeoutException}
   */
  <T> CompletableFuture<T> awaitSeen(
      int writes, List<Unseen> unseen, Supplier<T> value, Duration timeout, List<Runnable> after) {
    if (unseen.isEmpty()) {
      return CompletableFuture.completedFuture(value.get());
    }
    Waiter.Token<T> waiter = new Waiter.Token<>(this, timeout, writes, unseen, value);
    synchronized (this) {
      if (!register(waiter, after)) {
        return waiter;
      }
      for (String key : waiter.indexedUnder) {
        byKey.computeIfAbsent(key, k -> new ArrayList<>(1)).add(waiter);
      }
    }
    return waiter;
  }

  /**
   * A drain waits until {@code drained} holds (checked again at each {@link #acknowledged} and
   * {@link #peerDown}), or its timeout. Under the engine's lock.
   *
   * @return a future: true once drained; false at the timeout, or if the replica closed first
   */
  CompletableFuture<Boolean> awaitDrain(
      BooleanSupplier drained, Duration timeout, List<Runnable> after) {
    synchronized (this) {
      if (closed) {
        return CompletableFuture.completedFuture(false);
      }
      if (drained.getAsBoolean()) {
        return CompletableFuture.completedFuture(true);
      }
      Waiter.Drain waiter = new Waiter.Drain(this, timeout, drained);
      drains.add(waiter);
      after.add(() -> arm(waiter));
      return waiter;
    }
  }

  /** Arms the timer of a new waiter, or ends it at once if the replica is closed. Under this. */
  private boolean register(Waiter<?> waiter, List<Runnable> after) {
    if (closed) {
      waiter.pending = false;
      Runnable end = waiter.end(End.CLOSED);
      after.add(end);
      return false;
    }
    after.add(() -> arm(waiter));
    return true;
  }

  long deadline(Duration timeout) {
    long nanos;
    try {
      nanos = Math.min(timeout.toNanos(), MAX_TIMEOUT_NANOS);
    } catch (ArithmeticException tooLong) {
      nanos = MAX_TIMEOUT_NANOS;
    }
    return ticker.read() + nanos;
  }

  // ---------------------------------------------------------------------------------------------
  // Timers
  // ---------------------------------------------------------------------------------------------

  /**
   * Ends a waiter whose deadline passed on the ticker, else schedules this again for what is left
   * (so that a timer that fires early, or a ticker that a scheduler does not drive, never ends a
   * wait before its deadline). Not under the engine's lock.
   */
  private void arm(Waiter<?> waiter) {
    synchronized (this) {
      if (!waiter.pending) {
        return;
      }
    }
    long left = waiter.deadline - ticker.read();
    if (left <= 0) {
      end(waiter, End.TIMED_OUT);
      return;
    }
    try {
      scheduler.schedule(Duration.ofNanos(left), () -> arm(waiter));
    } catch (RejectedExecutionException stopped) {
      // The replica's own scheduler stops only once the replica closed.
      end(waiter, End.CLOSED);
    }
  }

  /**
   * Completes a waiter that got what it waited for, unless it ended meanwhile. Not under the
   * engine's lock. A satisfied waiter stays indexed until this runs: if the engine fails before it
   * runs what it was left, the timer still ends the wait (and if it is found satisfied again
   * meanwhile, the second completion does nothing).
   */
  private void finish(Waiter<?> waiter, Runnable completion) {
    synchronized (this) {
      if (!waiter.pending) {
        return;
      }
      unindex(waiter);
    }
    completion.run();
  }

  /** Ends a waiter still pending for {@code why}, on this thread. Not under the engine's lock. */
  private void end(Waiter<?> waiter, End why) {
    Runnable completion;
    synchronized (this) {
      if (!waiter.pending) {
        return;
      }
      unindex(waiter);
      completion = waiter.end(why);
    }
    completion.run();
  }

  private void unindex(Waiter<?> waiter) {
    waiter.pending = false;
    if (waiter instanceof Waiter.Acks<?> ack) {
      List<Waiter.Acks<?>> list = bySequence.get(ack.sequence);
      if (list != null && list.remove(ack) && list.isEmpty()) {
        bySequence.remove(ack.sequence);
      }
      if (ack.holds != null) {
        List<Waiter.Acks<?>> own = byOwnWrites.get(ack.key);
        if (own != null && own.remove(ack) && own.isEmpty()) {
          byOwnWrites.remove(ack.key);
        }
      }
    } else if (waiter instanceof Waiter.Token<?> read) {
      for (String key : read.indexedUnder) {
        List<Waiter.Token<?>> list = byKey.get(key);
        if (list != null && list.remove(read) && list.isEmpty()) {
          byKey.remove(key);
        }
      }
    } else {
      drains.remove(waiter);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Progress (under the engine's lock)
  // ---------------------------------------------------------------------------------------------

  /**
   * A peer acknowledged this replica's deltas up to {@code upTo}; it had acknowledged up to {@code
   * from} before (waits of sequences up to there already counted it). {@code holds} tells whether
   * it holds a sequence (it may have refused one); a write that changed nothing asks its own
   * condition instead. Checks the drains too.
   */
  void acknowledged(
      ReplicaId peer, long from, long upTo, LongPredicate holds, List<Runnable> after) {
    synchronized (this) {
      if (upTo > from && !bySequence.isEmpty()) {
        List<Waiter.Acks<?>> done = null;
        for (List<Waiter.Acks<?>> waiting : bySequence.subMap(from, false, upTo, true).values()) {
          for (Waiter.Acks<?> waiter : waiting) {
            if (waiter.group.contains(peer)
                && (waiter.holds != null ? waiter.holds.test(peer) : holds.test(waiter.sequence))
                && waiter.acknowledged.add(peer)
                && waiter.acknowledged.size() >= waiter.needed) {
              if (done == null) {
                done = new ArrayList<>();
              }
              done.add(waiter);
            }
          }
        }
        if (done != null) {
          for (Waiter.Acks<?> waiter : done) {
            after.add(() -> finish(waiter, waiter::succeed));
          }
        }
      }
      checkDrains(after);
    }
  }

  /**
   * There is new proof of what {@code peer} holds of this replica's own writes to {@code key}: the
   * writes that changed nothing and wait for them ask again.
   */
  void held(String key, ReplicaId peer, List<Runnable> after) {
    synchronized (this) {
      List<Waiter.Acks<?>> waiting = byOwnWrites.get(key);
      if (waiting == null) {
        return;
      }
      for (Waiter.Acks<?> waiter : waiting) {
        if (waiter.group.contains(peer)
            && waiter.holds.test(peer)
            && waiter.acknowledged.add(peer)
            && waiter.acknowledged.size() >= waiter.needed) {
          after.add(() -> finish(waiter, waiter::succeed));
        }
      }
    }
  }

  /** A peer refused this replica's delta {@code sequence}: it does not hold it after all. */
  synchronized void refused(ReplicaId peer, long sequence) {
    bySequence.getOrDefault(sequence, List.of()).forEach(w -> w.acknowledged.remove(peer));
  }

  /** A peer restarted without its state: it holds none of this replica's deltas any more. */
  synchronized void reset(ReplicaId peer) {
    bySequence.values().forEach(list -> list.forEach(w -> w.acknowledged.remove(peer)));
    byOwnWrites.values().forEach(list -> list.forEach(w -> w.acknowledged.remove(peer)));
  }

  /** A peer's connection went down: a drain no longer waits for it. */
  synchronized void peerDown(List<Runnable> after) {
    checkDrains(after);
  }

  private void checkDrains(List<Runnable> after) {
    if (drains.isEmpty()) {
      return;
    }
    for (Waiter.Drain waiter : drains) {
      if (waiter.drained.getAsBoolean()) {
        after.add(() -> finish(waiter, () -> waiter.complete(true)));
      }
    }
  }

  /**
   * A key's value changed: the reads waiting for a write to it check whether they have seen it;
   * those that have seen every write of their token complete with their value, read now.
   */
  void changed(String key, List<Runnable> after) {
    synchronized (this) {
      List<Waiter.Token<?>> waiting = byKey.get(key);
      if (waiting == null) {
        return;
      }
      List<Waiter.Token<?>> done = null;
      for (Waiter.Token<?> waiter : waiting) {
        boolean complete;
        try {
          complete = waiter.check(key);
        } catch (RuntimeException contradiction) {
          // The token contradicts the value now held (see Replica#get): the reader hears why.
          waiter.failure = contradiction;
          complete = true;
        }
        if (complete) {
          if (done == null) {
            done = new ArrayList<>();
          }
          done.add(waiter);
        }
      }
      if (done != null) {
        for (Waiter.Token<?> waiter : done) {
          Runnable result = waiter.result();
          after.add(() -> finish(waiter, result));
        }
      }
    }
  }

  /** The replica closed: every wait ends, with {@link End#CLOSED}. */
  void close(List<Runnable> after) {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      for (Waiter<?> waiter : all()) {
        unindex(waiter);
        after.add(waiter.end(End.CLOSED));
      }
    }
  }

  /** How many waits are pending: for tests. */
  synchronized int pending() {
    return all().size();
  }

  /** Every pending waiter, once each (a read is indexed under each of its keys). Under this. */
  private Set<Waiter<?>> all() {
    Set<Waiter<?>> all = new LinkedHashSet<>(drains);
    bySequence.values().forEach(all::addAll);
    byOwnWrites.values().forEach(all::addAll);
    byKey.values().forEach(all::addAll);
    return all;
  }

  // ---------------------------------------------------------------------------------------------
  // Blocking
  // ---------------------------------------------------------------------------------------------

  /**
   * Waits for a future of the replica's API as its blocking twin does: returns its value, or throws
   * the exception it completed with (not wrapped). If the thread is interrupted first, a pending
   * wait of this class ends there with {@link End#INTERRUPTED} (the write or read then throws its
   * timeout exception saying so) and the thread's interrupt flag is set again.
   *
   * @throws RuntimeException what the future completed with
   */
  static <T> T await(CompletableFuture<T> future) {
    try {
      return future.get();
    } catch (InterruptedException e) {
      if (future instanceof Waiter<?> waiter) {
        waiter.owner.end(waiter, End.INTERRUPTED); // done now, one way or the other
      }
      Thread.currentThread().interrupt();
      try {
        return future.join();
      } catch (CompletionException completed) {
        throw unwrap(completed.getCause());
      }
    } catch (ExecutionException e) {
      throw unwrap(e.getCause());
    }
  }

  /**
   * Waits for a drain's future: true if drained, false at the timeout or the close.
   *
   * @throws InterruptedException if the thread is interrupted first; the drain then ends
   */
  static boolean awaitDrain(CompletableFuture<Boolean> future) throws InterruptedException {
    try {
      return future.get();
    } catch (InterruptedException e) {
      if (future instanceof Waiter<?> waiter) {
        waiter.owner.end(waiter, End.INTERRUPTED);
      }
      throw e;
    } catch (ExecutionException e) {
      throw unwrap(e.getCause());
    }
  }

  private static RuntimeException unwrap(Throwable cause) {
    if (cause instanceof RuntimeException e) {
      return e;
    }
    if (cause instanceof Error e) {
      throw e;
    }
    return new IllegalStateException(cause);
  }
}
