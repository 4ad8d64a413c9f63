package io.converge.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.clocks.ReplicaId;
import io.converge.crdt.GCounter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** {@link Waiters} alone: no engine, a hand-driven scheduler and ticker. */
final class WaitersTest {

  private static final ReplicaId SELF = ReplicaId.of("r1");
  private static final ReplicaId R2 = ReplicaId.of("r2");
  private static final ReplicaId R3 = ReplicaId.of("r3");
  private static final Set<ReplicaId> GROUP = Set.of(R2, R3);
  private static final Duration TIMEOUT = Duration.ofMillis(300);
  private static final Written<GCounter> WRITTEN =
      new Written<>(GCounter.empty().increment(SELF, 1).resetDelta(), CausalToken.empty());

  private final ManualScheduler time = new ManualScheduler();
  private final Waiters waiters = new Waiters(SELF, time);
  private final List<Runnable> after = new ArrayList<>();

  /** What the engine does once its lock is released. */
  private void release() {
    List<Runnable> actions = new ArrayList<>(after);
    after.clear();
    actions.forEach(Runnable::run);
  }

  private CompletableFuture<Written<GCounter>> quorumOf(long sequence, Set<ReplicaId> holding) {
    CompletableFuture<Written<GCounter>> f =
        waiters.awaitAcks(
            "visits",
            Consistency.QUORUM,
            TIMEOUT,
            sequence,
            GROUP,
            1,
            holding::contains,
            WRITTEN,
            after);
    release();
    return f;
  }

  private CompletableFuture<Written<GCounter>> allOf(long sequence) {
    CompletableFuture<Written<GCounter>> f =
        waiters.awaitAcks(
            "visits", Consistency.ALL, TIMEOUT, sequence, GROUP, 2, id -> false, WRITTEN, after);
    release();
    return f;
  }

  @Test
  void awaitAcks_heldAlready_completedAtOnce_noTimer() {
    CompletableFuture<Written<GCounter>> f = quorumOf(1, Set.of(R2));
    assertSame(WRITTEN, f.join());
    assertEquals(0, time.scheduled(), "no timer for a wait that is over");
  }

  @Test
  void acknowledged_enoughPeers_completesOnlyOnceTheEngineReleasedItsLock() {
    CompletableFuture<Written<GCounter>> f = allOf(5);
    waiters.acknowledged(R2, 0, 5, s -> true, after);
    release();
    assertFalse(f.isDone(), "one of two");
    waiters.acknowledged(R3, 0, 7, s -> true, after);
    assertFalse(f.isDone(), "completed under the engine's lock");
    release();
    assertSame(WRITTEN, f.join());
    assertEquals(0, waiters.pending());
  }

  @Test
  void acknowledged_belowTheSequence_orAPeerOutsideTheGroup_orARefusal_doesNotCount() {
    CompletableFuture<Written<GCounter>> f = quorumOf(5, Set.of());
    waiters.acknowledged(R2, 0, 4, s -> true, after);
    waiters.acknowledged(ReplicaId.of("r9"), 0, 9, s -> true, after);
    waiters.acknowledged(R3, 0, 9, s -> s != 5, after); // r3 refused sequence 5
    release();
    assertFalse(f.isDone());
    waiters.acknowledged(R2, 4, 5, s -> true, after);
    release();
    assertSame(WRITTEN, f.join());
  }

  @Test
  void refusedAfterTheAck_orPeerReset_uncountsThePeer() {
    CompletableFuture<Written<GCounter>> f = allOf(3);
    waiters.acknowledged(R2, 0, 3, s -> true, after);
    waiters.refused(R2, 3);
    waiters.acknowledged(R3, 0, 3, s -> true, after);
    release();
    assertFalse(f.isDone(), "r2 refused the delta it had acknowledged");

    CompletableFuture<Written<GCounter>> g = allOf(4);
    waiters.acknowledged(R2, 3, 4, s -> true, after);
    waiters.reset(R2); // restarted without its state
    waiters.acknowledged(R3, 3, 4, s -> true, after);
    release();
    assertFalse(g.isDone(), "r2 restarted empty");
    waiters.acknowledged(R2, 0, 4, s -> true, after);
    release();
    assertTrue(g.isDone());
  }

  @Test
  void awaitOwnWrites_askedAgainOnTheAckOfItsSequence_andOnProofOfWhatAPeerHolds() {
    Set<ReplicaId> holding = new java.util.HashSet<>();
    CompletableFuture<Written<GCounter>> f =
        waiters.awaitOwnWrites(
            "visits", Consistency.ALL, TIMEOUT, 5, GROUP, 2, holding::contains, WRITTEN, after);
    release();
    assertFalse(f.isDone());
    holding.add(R2);
    waiters.acknowledged(R2, 0, 5, s -> false, after); // its own condition, not the sequence's
    waiters.held("visits", R3, after); // r3 does not hold them yet
    release();
    assertFalse(f.isDone(), "one of two");
    holding.add(R3);
    waiters.held("other", R3, after);
    release();
    assertFalse(f.isDone(), "proof about another key");
    waiters.held("visits", R3, after);
    assertFalse(f.isDone(), "completed under the engine's lock");
    release();
    assertSame(WRITTEN, f.join());
    assertEquals(0, waiters.pending());
  }

  @Test
  void awaitOwnWrites_noDeltaToWaitFor_timesOutUnlessProven() {
    CompletableFuture<Written<GCounter>> f =
        waiters.awaitOwnWrites(
            "visits", Consistency.QUORUM, TIMEOUT, 0, GROUP, 1, id -> false, WRITTEN, after);
    release();
    waiters.acknowledged(R2, 0, 9, s -> true, after);
    release();
    assertFalse(f.isDone(), "no Ack proves it");
    time.advance(TIMEOUT);
    CompletionException e = assertThrows(CompletionException.class, f::join);
    assertInstanceOf(WriteTimeoutException.class, e.getCause());
    assertEquals(0, waiters.pending());
  }

  @Test
  void awaitAcks_timesOutAtTheDeadlineOnTheTicker_namingWhoAcknowledged() {
    CompletableFuture<Written<GCounter>> f = allOf(2);
    waiters.acknowledged(R3, 0, 2, s -> true, after);
    release();
    time.advance(TIMEOUT.minusNanos(1));
    assertFalse(f.isDone(), "before the deadline");
    time.advance(Duration.ofNanos(1));
    WriteTimeoutException e = failure(f, WriteTimeoutException.class);
    assertEquals(Set.of(R3), e.acknowledgedBy());
    assertEquals(2, e.peersNeeded());
    assertEquals(Consistency.ALL, e.consistency());
    assertEquals("visits", e.key());
    assertTrue(e.getMessage().contains("not confirmed in time"), e::getMessage);
    assertTrue(e.getMessage().contains("not by [r2]"), e::getMessage);
    assertTrue(e.getMessage().contains("applied on r1"), e::getMessage);
    assertEquals(0, waiters.pending());
  }

  @Test
  void timerThatFiresBeforeTheTickerReachesTheDeadline_sleepsAgainForWhatIsLeft() {
    time.early = true; // this scheduler runs tasks at half their delay
    CompletableFuture<Written<GCounter>> f = allOf(1);
    time.advance(TIMEOUT.minusNanos(1));
    assertFalse(f.isDone(), "ended by a timer that fired before the deadline");
    assertEquals(1, time.scheduled(), "sleeps again");
    time.advance(Duration.ofNanos(1));
    failure(f, WriteTimeoutException.class);
  }

  @Test
  void zeroTimeout_checksOnce() {
    CompletableFuture<Written<GCounter>> f =
        waiters.awaitAcks(
            "visits", Consistency.QUORUM, Duration.ZERO, 1, GROUP, 1, id -> false, WRITTEN, after);
    release();
    assertTrue(f.isDone(), "a zero timeout waits for nothing");
    failure(f, WriteTimeoutException.class);
  }

  @Test
  void awaitSeen_completesWithTheValueReadWhenTheLastWriteIsSeen() {
    AtomicBoolean cartSeen = new AtomicBoolean();
    AtomicBoolean visitsSeen = new AtomicBoolean();
    AtomicLong value = new AtomicLong(1);
    CompletableFuture<Long> f =
        waiters.awaitSeen(
            3,
            List.of(
                new Waiters.Unseen("cart", cartSeen::get),
                new Waiters.Unseen("visits", visitsSeen::get)),
            value::get,
            TIMEOUT,
            after);
    release();
    waiters.changed("visits", after); // changed, still not seen
    waiters.changed("other", after);
    release();
    assertFalse(f.isDone());
    visitsSeen.set(true);
    waiters.changed("visits", after);
    release();
    assertFalse(f.isDone(), "the cart write is still unseen");
    cartSeen.set(true);
    value.set(7);
    waiters.changed("cart", after);
    value.set(8); // read under the engine's lock, when seen: not later
    assertFalse(f.isDone());
    release();
    assertEquals(7L, f.join());
    assertEquals(0, waiters.pending());
  }

  @Test
  void awaitSeen_nothingUnseen_completedAtOnce() {
    CompletableFuture<String> f = waiters.awaitSeen(1, List.of(), () -> "now", TIMEOUT, after);
    assertEquals("now", f.join());
    assertTrue(after.isEmpty());
  }

  @Test
  void awaitSeen_timesOut_namingTheKeysNotSeen() {
    CompletableFuture<Long> f =
        waiters.awaitSeen(
            2,
            List.of(new Waiters.Unseen("cart", () -> false), new Waiters.Unseen("x", () -> true)),
            () -> 0L,
            TIMEOUT,
            after);
    release();
    waiters.changed("x", after); // seen now
    release();
    time.advance(TIMEOUT);
    ReadTimeoutException e = failure(f, ReadTimeoutException.class);
    assertEquals(Set.of("cart"), e.unseenKeys());
    assertTrue(e.getMessage().contains("r1 has not seen 1 of the 2 writes"), e::getMessage);
    assertTrue(e.getMessage().contains("within PT0.3S"), e::getMessage);
  }

  @Test
  void awaitSeen_writeThatContradictsTheValue_failsTheRead_notTheThreadThatMerged() {
    CompletableFuture<Long> f =
        waiters.awaitSeen(
            1,
            List.of(
                new Waiters.Unseen(
                    "reg",
                    () -> {
                      throw new IllegalArgumentException("contradicts the value held");
                    })),
            () -> 0L,
            TIMEOUT,
            after);
    release();
    waiters.changed("reg", after); // must not throw here
    release();
    assertEquals(
        "contradicts the value held", failure(f, IllegalArgumentException.class).getMessage());
  }

  @Test
  void drain_trueOnceDrained_falseAtTheTimeout() {
    AtomicBoolean drained = new AtomicBoolean();
    CompletableFuture<Boolean> f = waiters.awaitDrain(drained::get, TIMEOUT, after);
    release();
    waiters.acknowledged(R2, 0, 1, s -> true, after);
    release();
    assertFalse(f.isDone());
    drained.set(true);
    waiters.peerDown(after);
    release();
    assertTrue(f.join());

    CompletableFuture<Boolean> g = waiters.awaitDrain(() -> false, TIMEOUT, after);
    release();
    time.advance(TIMEOUT);
    assertFalse(g.join());
    assertTrue(waiters.awaitDrain(() -> true, TIMEOUT, after).join());
  }

  @Test
  void close_endsEveryWait_andLaterWaitsAtOnce() {
    CompletableFuture<Written<GCounter>> write = allOf(1);
    CompletableFuture<Long> read =
        waiters.awaitSeen(
            2,
            List.of(new Waiters.Unseen("a", () -> false), new Waiters.Unseen("b", () -> false)),
            () -> 0L,
            TIMEOUT,
            after);
    CompletableFuture<Boolean> drain = waiters.awaitDrain(() -> false, TIMEOUT, after);
    release();
    assertEquals(3, waiters.pending());
    waiters.close(after);
    assertFalse(write.isDone(), "completed under the engine's lock");
    release();
    assertTrue(
        failure(write, WriteTimeoutException.class)
            .getMessage()
            .contains("before the replica closed"));
    assertTrue(failure(read, ReadTimeoutException.class).getMessage().contains("replica closed"));
    assertFalse(drain.join());
    assertEquals(0, waiters.pending());

    CompletableFuture<Written<GCounter>> late = allOf(2);
    assertTrue(failure(late, WriteTimeoutException.class).getMessage().contains("closed"));
    assertFalse(waiters.awaitDrain(() -> true, TIMEOUT, after).join());
  }

  @Test
  void await_interrupted_endsTheWaitSayingSo_andKeepsTheFlag() throws Exception {
    CompletableFuture<Written<GCounter>> f = allOf(1);
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    AtomicBoolean flag = new AtomicBoolean();
    Thread waiter =
        new Thread(
            () -> {
              try {
                Waiters.await(f);
              } catch (RuntimeException e) {
                thrown.set(e);
                flag.set(Thread.currentThread().isInterrupted());
              }
            });
    waiter.start();
    while (waiter.getState() != Thread.State.WAITING) {
      Thread.onSpinWait();
    }
    waiter.interrupt();
    waiter.join();
    WriteTimeoutException e = assertInstanceOf(WriteTimeoutException.class, thrown.get());
    assertTrue(e.getMessage().contains("interrupted"), e::getMessage);
    assertTrue(flag.get(), "interrupt flag set again");
    assertEquals(0, waiters.pending());
  }

  @Test
  void await_unwrapsTheException() {
    CompletableFuture<Written<GCounter>> f = allOf(1);
    time.advance(TIMEOUT);
    assertThrows(WriteTimeoutException.class, () -> Waiters.await(f));
  }

  @Test
  void engineThatFailsBeforeRunningWhatItWasLeft_theTimerStillEndsTheWait() {
    CompletableFuture<Written<GCounter>> f = allOf(1);
    waiters.acknowledged(R2, 0, 1, s -> true, after);
    waiters.acknowledged(R3, 0, 1, s -> true, after);
    after.clear(); // the engine threw before it ran them
    time.advance(TIMEOUT);
    assertTrue(f.isDone(), "left waiting forever");
  }

  private static <E extends Throwable> E failure(CompletableFuture<?> f, Class<E> type) {
    CompletionException e = assertThrows(CompletionException.class, f::join);
    return assertInstanceOf(type, e.getCause());
  }

  /** Timers on a hand-driven ticker; {@link #early} makes them fire at half their delay. */
  private static final class ManualScheduler implements EngineScheduler {
    private record Timer(long at, long order, Runnable task) {}

    private final PriorityQueue<Timer> timers =
        new PriorityQueue<>(
            (a, b) -> a.at != b.at ? Long.compare(a.at, b.at) : Long.compare(a.order, b.order));
    private long now = 1_000_000_000L;
    private long order;
    boolean early;

    @Override
    public void schedule(Duration delay, Runnable task) {
      long nanos = delay.toNanos();
      timers.add(new Timer(now + (early ? (nanos + 1) / 2 : nanos), order++, task));
    }

    @Override
    public Ticker ticker() {
      return () -> now;
    }

    int scheduled() {
      return timers.size();
    }

    void advance(Duration by) {
      long until = now + by.toNanos();
      while (!timers.isEmpty() && timers.peek().at <= until) {
        Timer t = timers.poll();
        now = Math.max(now, t.at);
        t.task.run();
      }
      now = until;
    }
  }
}
