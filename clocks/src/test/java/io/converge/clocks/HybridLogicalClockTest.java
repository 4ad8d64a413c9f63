package io.converge.clocks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

final class HybridLogicalClockTest {

  private static final long T0 = Instant.parse("2026-11-23T09:00:00Z").toEpochMilli();
  private static final int MAX_LOGICAL = HlcTimestamp.MAX_LOGICAL;
  private static final long MAX_PHYSICAL = HlcTimestamp.MAX_PHYSICAL;

  /** The injected wall clock: tests move it forwards, backwards or leave it stuck. */
  private final AtomicLong wall = new AtomicLong(T0);

  private HybridLogicalClock clock() {
    return HybridLogicalClock.builder().physicalClock(wall::get).build();
  }

  private HybridLogicalClock clockStartingAfter(HlcTimestamp lowerBound) {
    return HybridLogicalClock.builder().physicalClock(wall::get).startAfter(lowerBound).build();
  }

  private static HlcTimestamp ts(long physical, int logical) {
    return HlcTimestamp.of(physical, logical);
  }

  // ---- builder / accessors ------------------------------------------------------------------

  @Test
  void builder_defaults_zeroStartAndDefaultMaxOffset() {
    HybridLogicalClock c = HybridLogicalClock.builder().build();
    assertEquals(HlcTimestamp.ZERO, c.current());
    assertEquals(HybridLogicalClock.DEFAULT_MAX_OFFSET, c.maxOffset());
    assertEquals(Duration.ofMillis(500), HybridLogicalClock.DEFAULT_MAX_OFFSET);
    assertEquals(0, c.logicalOverflows());
  }

  @Test
  void acceptableUntil_isPhysicalClockPlusMaxOffset_andChangesNothing() {
    wall.set(1_000_000);
    HybridLogicalClock c =
        HybridLogicalClock.builder()
            .physicalClock(wall::get)
            .maxOffset(Duration.ofMillis(300))
            .build();
    HlcTimestamp before = c.current();
    assertEquals(1_000_300, c.acceptableUntil());
    wall.set(2_000_000);
    assertEquals(2_000_300, c.acceptableUntil());
    assertEquals(before, c.current());
  }

  @Test
  void builder_maxOffset_kept() {
    HybridLogicalClock c =
        HybridLogicalClock.builder()
            .physicalClock(wall::get)
            .maxOffset(Duration.ofSeconds(2))
            .build();
    assertEquals(Duration.ofSeconds(2), c.maxOffset());
  }

  @Test
  void builder_maxOffsetBounds_accepted() {
    assertEquals(
        Duration.ofMillis(1),
        HybridLogicalClock.builder().maxOffset(Duration.ofMillis(1)).build().maxOffset());
    assertEquals(
        Duration.ofMillis(MAX_PHYSICAL),
        HybridLogicalClock.builder()
            .maxOffset(Duration.ofMillis(MAX_PHYSICAL))
            .build()
            .maxOffset());
  }

  @Test
  void builder_maxOffsetZero_rejectedWithValue() {
    HybridLogicalClock.Builder b = HybridLogicalClock.builder();
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> b.maxOffset(Duration.ZERO));
    assertTrue(e.getMessage().contains(": PT0S"), e.getMessage());
  }

  @Test
  void builder_maxOffsetBelowOneMillisecond_rejectedWithValue() {
    HybridLogicalClock.Builder b = HybridLogicalClock.builder();
    Duration bad = Duration.ofNanos(999_999);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> b.maxOffset(bad));
    assertTrue(e.getMessage().contains(bad.toString()), e.getMessage());
  }

  @Test
  void builder_maxOffsetNegative_rejectedWithValue() {
    HybridLogicalClock.Builder b = HybridLogicalClock.builder();
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> b.maxOffset(Duration.ofMillis(-5)));
    assertTrue(e.getMessage().contains(Duration.ofMillis(-5).toString()), e.getMessage());
  }

  @Test
  void builder_maxOffsetTooLarge_rejectedWithValue() {
    HybridLogicalClock.Builder b = HybridLogicalClock.builder();
    Duration bad = Duration.ofMillis(MAX_PHYSICAL + 1);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> b.maxOffset(bad));
    assertTrue(e.getMessage().contains(bad.toString()), e.getMessage());
    assertTrue(e.getMessage().contains(MAX_PHYSICAL + " ms"), e.getMessage());
    IllegalArgumentException huge =
        assertThrows(
            IllegalArgumentException.class, () -> b.maxOffset(Duration.ofSeconds(Long.MAX_VALUE)));
    assertTrue(
        huge.getMessage().contains(Duration.ofSeconds(Long.MAX_VALUE).toString()),
        huge.getMessage());
  }

  @Test
  void builder_rejectedMaxOffset_keepsPreviousValue() {
    HybridLogicalClock.Builder b = HybridLogicalClock.builder().maxOffset(Duration.ofMillis(42));
    assertThrows(IllegalArgumentException.class, () -> b.maxOffset(Duration.ZERO));
    assertEquals(Duration.ofMillis(42), b.build().maxOffset());
  }

  @Test
  void builder_nullArguments_throwNullPointerNamingParameter() {
    HybridLogicalClock.Builder b = HybridLogicalClock.builder();
    assertEquals(
        "physicalClock",
        assertThrows(NullPointerException.class, () -> b.physicalClock(null)).getMessage());
    assertEquals(
        "maxOffset",
        assertThrows(NullPointerException.class, () -> b.maxOffset(null)).getMessage());
    assertEquals(
        "lowerBound",
        assertThrows(NullPointerException.class, () -> b.startAfter(null)).getMessage());
  }

  @Test
  void builder_returnsSameBuilderForChaining() {
    HybridLogicalClock.Builder b = HybridLogicalClock.builder();
    assertSame(b, b.physicalClock(wall::get));
    assertSame(b, b.maxOffset(Duration.ofMillis(10)));
    assertSame(b, b.startAfter(HlcTimestamp.ZERO));
  }

  @Test
  void system_usesSystemClockAndDefaultMaxOffset() {
    HybridLogicalClock c = HybridLogicalClock.system();
    assertEquals(HybridLogicalClock.DEFAULT_MAX_OFFSET, c.maxOffset());
    long before = System.currentTimeMillis();
    HlcTimestamp t = c.now();
    long after = System.currentTimeMillis();
    assertTrue(
        t.physical() >= before && t.physical() <= after, t + " not in " + before + ".." + after);
    assertEquals(0, t.logical());
  }

  @Test
  void physicalClockSystem_closeToSystemCurrentTimeMillis() {
    PhysicalClock system = PhysicalClock.system();
    assertSame(system, PhysicalClock.system());
    long before = System.currentTimeMillis();
    long read = system.currentTimeMillis();
    long after = System.currentTimeMillis();
    assertTrue(before <= read && read <= after, read + " not in " + before + ".." + after);
  }

  @Test
  void toString_showsCurrentAndMaxOffset() {
    HybridLogicalClock c = clock();
    c.now();
    assertEquals(
        "HybridLogicalClock{current=2026-11-23T09:00:00Z#0, maxOffset=PT0.5S}", c.toString());
  }

  // ---- now ------------------------------------------------------------------------------------

  @Test
  void now_physicalAdvances_returnsPhysicalWithLogicalZero() {
    HybridLogicalClock c = clock();
    assertEquals(ts(T0, 0), c.now());
    wall.set(T0 + 1);
    assertEquals(ts(T0 + 1, 0), c.now());
    wall.set(T0 + 1000);
    assertEquals(ts(T0 + 1000, 0), c.now());
  }

  @Test
  void now_physicalStandsStill_incrementsLogical() {
    HybridLogicalClock c = clock();
    assertEquals(ts(T0, 0), c.now());
    assertEquals(ts(T0, 1), c.now());
    assertEquals(ts(T0, 2), c.now());
    wall.set(T0 + 1);
    assertEquals(ts(T0 + 1, 0), c.now());
    assertEquals(ts(T0 + 1, 1), c.now());
  }

  @Test
  void now_physicalJumpsBackwards_keepsPhysicalPartAndStaysStrictlyIncreasing() {
    HybridLogicalClock c = clock();
    wall.set(T0 + 5000);
    HlcTimestamp high = c.now();
    assertEquals(ts(T0 + 5000, 0), high);
    wall.set(T0);
    HlcTimestamp a = c.now();
    HlcTimestamp b = c.now();
    assertEquals(ts(T0 + 5000, 1), a);
    assertEquals(ts(T0 + 5000, 2), b);
    assertTrue(a.isAfter(high));
    assertTrue(b.isAfter(a));
    wall.set(T0 + 5000);
    assertEquals(ts(T0 + 5000, 3), c.now());
    wall.set(T0 + 5001);
    assertEquals(ts(T0 + 5001, 0), c.now());
  }

  @Test
  void now_randomWallClock_strictlyIncreasingAndNeverBehindWall() {
    HybridLogicalClock c = clock();
    Random random = new Random(42);
    HlcTimestamp prev = c.current();
    for (int i = 0; i < 10_000; i++) {
      wall.set(T0 + random.nextInt(200) - 100);
      HlcTimestamp t =
          random.nextInt(4) == 0
              ? c.update(ts(T0 + random.nextInt(150), random.nextInt(5)))
              : c.now();
      assertTrue(t.isAfter(prev), t + " not after " + prev);
      assertTrue(t.physical() >= wall.get());
      assertEquals(t, c.current());
      prev = t;
    }
  }

  @Test
  void now_physicalClockNegative_throwsIllegalStateWithValue() {
    HybridLogicalClock c = clock();
    HlcTimestamp before = c.now();
    wall.set(-1);
    IllegalStateException e = assertThrows(IllegalStateException.class, c::now);
    assertTrue(e.getMessage().endsWith(": -1"), e.getMessage());
    assertEquals(before, c.current());
  }

  @Test
  void now_physicalClockBeyondMax_throwsIllegalStateWithValue() {
    HybridLogicalClock c = clock();
    wall.set(MAX_PHYSICAL + 1);
    IllegalStateException e = assertThrows(IllegalStateException.class, c::now);
    assertTrue(e.getMessage().endsWith(": " + (MAX_PHYSICAL + 1)), e.getMessage());
    assertTrue(e.getMessage().contains("[0, " + MAX_PHYSICAL + "]"), e.getMessage());
    assertEquals(HlcTimestamp.ZERO, c.current());
  }

  @Test
  void now_physicalAtMax_accepted() {
    HybridLogicalClock c = clock();
    wall.set(MAX_PHYSICAL);
    assertEquals(ts(MAX_PHYSICAL, 0), c.now());
    assertEquals(ts(MAX_PHYSICAL, 1), c.now());
  }

  @Test
  void current_doesNotAdvance() {
    HybridLogicalClock c = clock();
    assertEquals(HlcTimestamp.ZERO, c.current());
    HlcTimestamp t = c.now();
    assertEquals(t, c.current());
    assertEquals(t, c.current());
    // current() made no event, so the next event is only one logical tick later
    assertEquals(ts(T0, 1), c.now());
    wall.set(T0 + 10);
    assertEquals(ts(T0, 1), c.current());
    assertEquals(0, c.logicalOverflows());
  }

  // ---- startAfter -----------------------------------------------------------------------------

  @Test
  void startAfter_wallClockBehindBound_firstNowAfterBound() {
    HlcTimestamp bound = ts(T0 + 60_000, 5);
    HybridLogicalClock c = clockStartingAfter(bound);
    assertEquals(bound, c.current());
    HlcTimestamp first = c.now();
    assertTrue(first.isAfter(bound));
    assertEquals(ts(T0 + 60_000, 6), first);
  }

  @Test
  void startAfter_wallClockAheadOfBound_firstNowIsWall() {
    HybridLogicalClock c = clockStartingAfter(ts(T0 - 10, 9));
    assertEquals(ts(T0, 0), c.now());
  }

  @Test
  void startAfter_wallClockEqualToBoundPhysical_firstNowIncrementsLogical() {
    HybridLogicalClock c = clockStartingAfter(ts(T0, 9));
    assertEquals(ts(T0, 10), c.now());
  }

  @Test
  void startAfter_boundAtMaxLogical_firstNowCarries() {
    HybridLogicalClock c = clockStartingAfter(ts(T0, MAX_LOGICAL));
    assertEquals(ts(T0 + 1, 0), c.now());
    assertEquals(1, c.logicalOverflows());
  }

  @Test
  void startAfter_boundMakesUpdateOfOlderRemoteStayAfterBound() {
    HybridLogicalClock c = clockStartingAfter(ts(T0 + 100, 3));
    assertEquals(ts(T0 + 100, 4), c.update(ts(T0 - 50, 99)));
  }

  // ---- logical overflow -----------------------------------------------------------------------

  @Test
  void now_logicalOverflowWithStuckPhysical_carriesIntoPhysical() {
    HybridLogicalClock c = clock();
    long prev = -1;
    HlcTimestamp t = null;
    for (int i = 0; i <= MAX_LOGICAL; i++) {
      t = c.now();
      assertTrue(t.packed() > prev);
      prev = t.packed();
    }
    assertEquals(ts(T0, MAX_LOGICAL), t);
    assertEquals(0, c.logicalOverflows());

    HlcTimestamp carried = c.now();
    assertEquals(ts(T0 + 1, 0), carried);
    assertTrue(carried.isAfter(t));
    assertEquals(1, c.logicalOverflows());

    for (int i = 1; i <= 1000; i++) {
      HlcTimestamp next = c.now();
      assertEquals(ts(T0 + 1, i), next);
      prev = next.packed();
    }
    assertEquals(1, c.logicalOverflows());

    // The clock leads the wall clock by the carried millisecond until the wall catches up.
    wall.set(T0 + 1);
    assertEquals(ts(T0 + 1, 1001), c.now());
    wall.set(T0 + 2);
    assertEquals(ts(T0 + 2, 0), c.now());
    assertEquals(1, c.logicalOverflows());
  }

  @Test
  void now_manyCarries_countsEachOnceAndStaysIncreasing() {
    HybridLogicalClock c = clock();
    int calls = 3 * (MAX_LOGICAL + 1) + 10;
    long prev = -1;
    for (int i = 0; i < calls; i++) {
      long p = c.now().packed();
      assertTrue(p > prev);
      prev = p;
    }
    assertEquals(3, c.logicalOverflows());
    assertEquals(ts(T0 + 3, 9), c.current());
  }

  @Test
  void update_remoteLogicalAtMax_carries() {
    HybridLogicalClock c = clock();
    c.now();
    HlcTimestamp t = c.update(ts(T0 + 100, MAX_LOGICAL));
    assertEquals(ts(T0 + 101, 0), t);
    assertEquals(1, c.logicalOverflows());
    assertEquals(ts(T0 + 101, 1), c.now());
  }

  @Test
  void update_equalPhysicalWithMaxLogical_carries() {
    HybridLogicalClock c = clockStartingAfter(ts(T0 + 100, 3));
    assertEquals(ts(T0 + 101, 0), c.update(ts(T0 + 100, MAX_LOGICAL)));
    assertEquals(1, c.logicalOverflows());
  }

  @Test
  void logicalOverflows_casLostAfterCarry_countsCarryOnce() {
    AtomicBoolean interfere = new AtomicBoolean(false);
    HybridLogicalClock[] self = new HybridLogicalClock[1];
    // The physical clock is read between last.get() and compareAndSet: making another event on
    // the same clock there deterministically reproduces a lost CAS race.
    PhysicalClock racing =
        () -> {
          if (interfere.compareAndSet(true, false)) {
            self[0].now();
          }
          return T0;
        };
    self[0] =
        HybridLogicalClock.builder().physicalClock(racing).startAfter(ts(T0, MAX_LOGICAL)).build();
    interfere.set(true);
    HlcTimestamp t = self[0].now();
    assertEquals(ts(T0 + 1, 1), t);
    // Exactly one carry happened: (T0, MAX_LOGICAL) -> (T0 + 1, 0).
    assertEquals(1, self[0].logicalOverflows());
  }

  // ---- exhaustion ----------------------------------------------------------------------------

  @Test
  void now_exhaustedAtMaxPhysicalAndMaxLogical_throwsArithmetic() {
    wall.set(MAX_PHYSICAL);
    HlcTimestamp last = ts(MAX_PHYSICAL, MAX_LOGICAL);
    HybridLogicalClock c = clockStartingAfter(ts(MAX_PHYSICAL, MAX_LOGICAL - 1));
    assertEquals(last, c.now());
    ArithmeticException e = assertThrows(ArithmeticException.class, c::now);
    assertTrue(e.getMessage().contains(last.toString()), e.getMessage());
    assertEquals(last, c.current());
    assertEquals(0, c.logicalOverflows());
  }

  @Test
  void now_exhaustedWithWallBehind_throwsArithmetic() {
    HybridLogicalClock c = clockStartingAfter(ts(MAX_PHYSICAL, MAX_LOGICAL));
    assertThrows(ArithmeticException.class, c::now);
    assertEquals(ts(MAX_PHYSICAL, MAX_LOGICAL), c.current());
  }

  @Test
  void update_remoteAtMaxPhysicalAndMaxLogical_throwsArithmetic() {
    wall.set(MAX_PHYSICAL - 10);
    HybridLogicalClock c = clock();
    HlcTimestamp remote = ts(MAX_PHYSICAL, MAX_LOGICAL);
    ArithmeticException e = assertThrows(ArithmeticException.class, () -> c.update(remote));
    assertTrue(e.getMessage().contains(remote.toString()), e.getMessage());
    assertEquals(HlcTimestamp.ZERO, c.current());
  }

  // ---- update: the receive rule -----------------------------------------------------------

  @Test
  void update_remoteAheadWithinMaxOffset_takesRemotePhysicalAndLogicalPlusOne() {
    HybridLogicalClock c = clock();
    c.now();
    c.now();
    assertEquals(ts(T0, 1), c.current());
    assertEquals(ts(T0 + 100, 8), c.update(ts(T0 + 100, 7)));
    assertEquals(ts(T0 + 100, 9), c.now());
  }

  @Test
  void update_localAhead_keepsLocalPhysicalAndLogicalPlusOne() {
    HybridLogicalClock c = clockStartingAfter(ts(T0 + 50, 4));
    assertEquals(ts(T0 + 50, 5), c.update(ts(T0 + 10, 9)));
  }

  @Test
  void update_equalPhysical_takesMaxLogicalPlusOne() {
    HybridLogicalClock c = clockStartingAfter(ts(T0 + 50, 4));
    assertEquals(ts(T0 + 50, 10), c.update(ts(T0 + 50, 9)));
    assertEquals(ts(T0 + 50, 11), c.update(ts(T0 + 50, 2)));
    assertEquals(ts(T0 + 50, 12), c.update(ts(T0 + 50, 12 - 1)));
  }

  @Test
  void update_physicalAheadOfBoth_takesPhysicalWithLogicalZero() {
    HybridLogicalClock c = clockStartingAfter(ts(T0, 3));
    wall.set(T0 + 1000);
    assertEquals(ts(T0 + 1000, 0), c.update(ts(T0 + 500, 9)));
  }

  @Test
  void update_physicalEqualToLocalAndRemoteOlder_incrementsLocalLogical() {
    HybridLogicalClock c = clock();
    c.now();
    c.now();
    assertEquals(ts(T0, 2), c.update(ts(T0 - 10, 99)));
  }

  @Test
  void update_physicalEqualToRemoteAheadOfLocal_takesRemoteLogicalPlusOne() {
    HybridLogicalClock c = clockStartingAfter(ts(T0 - 5, 40));
    assertEquals(ts(T0, 8), c.update(ts(T0, 7)));
  }

  @Test
  void update_identicalToCurrent_returnsSuccessor() {
    HybridLogicalClock c = clockStartingAfter(ts(T0 + 20, 6));
    assertEquals(ts(T0 + 20, 7), c.update(ts(T0 + 20, 6)));
  }

  @Test
  void update_remoteExactlyAtMaxOffset_accepted() {
    HybridLogicalClock c = clock();
    assertEquals(ts(T0 + 500, 1), c.update(ts(T0 + 500, 0)));
  }

  @Test
  void update_remoteBeyondMaxOffset_throwsClockOffsetExceptionAndLeavesClockUnchanged() {
    HybridLogicalClock c = clock();
    HlcTimestamp before = c.now();
    wall.set(T0 + 2);
    HlcTimestamp remote = ts(T0 + 503, 4);

    ClockOffsetException e = assertThrows(ClockOffsetException.class, () -> c.update(remote));

    assertEquals(remote, e.remote());
    assertEquals(T0 + 2, e.localPhysical());
    assertEquals(Duration.ofMillis(501), e.offset());
    assertEquals(Duration.ofMillis(500), e.maxOffset());
    assertTrue(e.getMessage().contains(remote.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("501 ms ahead"), e.getMessage());
    assertTrue(e.getMessage().contains(Instant.ofEpochMilli(T0 + 2).toString()), e.getMessage());
    assertTrue(e.getMessage().contains("maximum offset of 500 ms"), e.getMessage());
    assertEquals(before, c.current());
    assertEquals(0, c.logicalOverflows());
    assertEquals(ts(T0 + 2, 0), c.now());
  }

  @Test
  void update_customMaxOffset_enforced() {
    HybridLogicalClock c =
        HybridLogicalClock.builder()
            .physicalClock(wall::get)
            .maxOffset(Duration.ofMillis(1))
            .build();
    assertEquals(ts(T0 + 1, 1), c.update(ts(T0 + 1, 0)));
    ClockOffsetException e =
        assertThrows(ClockOffsetException.class, () -> c.update(ts(T0 + 2, 0)));
    assertEquals(Duration.ofMillis(2), e.offset());
    assertEquals(Duration.ofMillis(1), e.maxOffset());
    assertEquals(T0, e.localPhysical());
    assertEquals(ts(T0 + 1, 1), c.current());
  }

  @Test
  void update_null_throwsNullPointerNamingParameter() {
    HybridLogicalClock c = clock();
    NullPointerException e = assertThrows(NullPointerException.class, () -> c.update(null));
    assertEquals("remote", e.getMessage());
  }

  @Test
  void update_physicalClockOutOfRange_throwsIllegalStateWithValue() {
    HybridLogicalClock c = clock();
    wall.set(-7);
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> c.update(ts(T0, 0)));
    assertTrue(e.getMessage().endsWith(": -7"), e.getMessage());
    assertEquals(HlcTimestamp.ZERO, c.current());
  }

  // ---- concurrency ---------------------------------------------------------------------------

  private static final int THREADS = 4;
  private static final int PER_THREAD = 200_000;

  private static long[][] runConcurrently(HybridLogicalClock c) throws Exception {
    CyclicBarrier start = new CyclicBarrier(THREADS);
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try {
      List<Future<long[]>> futures = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        futures.add(
            pool.submit(
                () -> {
                  long[] out = new long[PER_THREAD];
                  start.await();
                  for (int i = 0; i < PER_THREAD; i++) {
                    out[i] = c.now().packed();
                  }
                  return out;
                }));
      }
      long[][] results = new long[THREADS][];
      for (int t = 0; t < THREADS; t++) {
        results[t] = futures.get(t).get(2, TimeUnit.MINUTES);
      }
      return results;
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * Checks each thread's values strictly increase and all values are unique; returns them sorted.
   */
  private static long[] assertIncreasingAndUnique(long[][] perThread) {
    long[] all = new long[THREADS * PER_THREAD];
    for (int t = 0; t < THREADS; t++) {
      long[] values = perThread[t];
      assertNotNull(values);
      assertEquals(PER_THREAD, values.length);
      for (int i = 1; i < values.length; i++) {
        if (values[i] <= values[i - 1]) {
          throw new AssertionError(
              "thread "
                  + t
                  + " not strictly increasing at "
                  + i
                  + ": "
                  + HlcTimestamp.fromPacked(values[i - 1])
                  + " then "
                  + HlcTimestamp.fromPacked(values[i]));
        }
      }
      System.arraycopy(values, 0, all, t * PER_THREAD, PER_THREAD);
    }
    Arrays.sort(all);
    for (int i = 1; i < all.length; i++) {
      if (all[i] == all[i - 1]) {
        throw new AssertionError("duplicate timestamp " + HlcTimestamp.fromPacked(all[i]));
      }
    }
    return all;
  }

  @Test
  void now_concurrentWithStuckPhysicalClock_uniqueAndIncreasingWithCarries() throws Exception {
    HybridLogicalClock c = clock();

    long[] all = assertIncreasingAndUnique(runConcurrently(c));

    // With the wall clock stuck, every event is the successor of the one before: the values are
    // exactly the contiguous packed range starting at (T0, 0), carries included.
    long first = ts(T0, 0).packed();
    for (int i = 0; i < all.length; i++) {
      if (all[i] != first + i) {
        throw new AssertionError(
            "gap at "
                + i
                + ": expected "
                + HlcTimestamp.fromPacked(first + i)
                + " got "
                + HlcTimestamp.fromPacked(all[i]));
      }
    }
    int total = THREADS * PER_THREAD;
    int carries = (total - 1) / (MAX_LOGICAL + 1);
    HlcTimestamp last = HlcTimestamp.fromPacked(all[all.length - 1]);
    assertEquals(ts(T0 + carries, (total - 1) % (MAX_LOGICAL + 1)), last);
    assertEquals(last, c.current());
    // Exactly one count per carry, even when compare-and-sets lose races.
    assertEquals(carries, c.logicalOverflows());
  }

  @Test
  void now_concurrentWithSystemClock_uniqueAndIncreasing() throws Exception {
    HybridLogicalClock c = HybridLogicalClock.system();
    long before = System.currentTimeMillis();

    long[] all = assertIncreasingAndUnique(runConcurrently(c));

    long after = System.currentTimeMillis();
    HlcTimestamp first = HlcTimestamp.fromPacked(all[0]);
    HlcTimestamp last = HlcTimestamp.fromPacked(all[all.length - 1]);
    assertTrue(first.physical() >= before, first + " before " + before);
    assertTrue(
        last.physical() <= after + c.logicalOverflows(),
        last + " ahead of wall " + after + " by more than the carries");
    assertEquals(last, c.current());
  }
}
