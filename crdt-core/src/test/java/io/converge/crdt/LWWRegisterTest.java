package io.converge.crdt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.clocks.HlcTimestamp;
import io.converge.clocks.HybridLogicalClock;
import io.converge.clocks.ReplicaId;
import java.util.Optional;
import org.junit.jupiter.api.Test;

final class LWWRegisterTest {

  private final ReplicaId r1 = ReplicaId.of("r1");
  private final ReplicaId r2 = ReplicaId.of("r2");
  private final ReplicaId r3 = ReplicaId.of("r3");

  private static HlcTimestamp ts(long ms) {
    return HlcTimestamp.of(1_700_000_000_000L + ms, 0);
  }

  private static LWWRegister<String> reg(String value, long ms, ReplicaId writer) {
    return LWWRegister.of(value, ts(ms), writer);
  }

  @Test
  void empty_hasNoValue() {
    LWWRegister<String> r = LWWRegister.empty();
    assertEquals(Optional.empty(), r.value());
    assertEquals(Optional.empty(), r.timestamp());
    assertEquals(Optional.empty(), r.writer());
    assertEquals(Optional.empty(), r.delta());
  }

  @Test
  void of_valueStampAndWriter_holdsThemWithoutDelta() {
    LWWRegister<String> r = reg("a", 1, r1);
    assertEquals(Optional.of("a"), r.value());
    assertEquals(Optional.of(ts(1)), r.timestamp());
    assertEquals(Optional.of(r1), r.writer());
    assertEquals(Optional.empty(), r.delta());
  }

  @Test
  void of_nullArgument_throwsNamingIt() {
    assertEquals(
        "value",
        assertThrows(NullPointerException.class, () -> LWWRegister.of(null, ts(1), r1))
            .getMessage());
    assertEquals(
        "timestamp",
        assertThrows(NullPointerException.class, () -> LWWRegister.of("a", null, r1)).getMessage());
    assertEquals(
        "writer",
        assertThrows(NullPointerException.class, () -> LWWRegister.of("a", ts(1), null))
            .getMessage());
  }

  @Test
  void set_onEmpty_takesEffect() {
    LWWRegister<String> r = LWWRegister.<String>empty().set("a", ts(1), r1);
    assertEquals(reg("a", 1, r1), r);
  }

  @Test
  void set_newerTimestamp_wins() {
    LWWRegister<String> r = reg("a", 5, r2).set("b", ts(6), r1);
    assertEquals(reg("b", 6, r1), r);
  }

  @Test
  void set_olderTimestamp_olderWriteLoses() {
    LWWRegister<String> r = reg("a", 5, r1);
    LWWRegister<String> after = r.set("b", ts(4), r3);
    assertSame(r, after);
    assertEquals(Optional.of("a"), after.value());
    assertEquals(Optional.empty(), after.delta());
  }

  @Test
  void set_sameTimestampGreaterWriter_wins() {
    LWWRegister<String> r = reg("a", 5, r1).set("b", ts(5), r2);
    assertEquals(reg("b", 5, r2), r);
  }

  @Test
  void set_sameTimestampSmallerWriter_loses() {
    LWWRegister<String> r = reg("b", 5, r2);
    assertSame(r, r.set("a", ts(5), r1));
  }

  @Test
  void set_sameStampSameValue_returnsSameInstance() {
    LWWRegister<String> r = reg("a", 5, r1);
    assertSame(r, r.set("a", ts(5), r1));
  }

  @Test
  void set_sameStampDifferentValue_throwsNamingBothAndStamp() {
    LWWRegister<String> r = reg("apple", 5, r1);
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> r.set("pear", ts(5), r1));
    assertTrue(e.getMessage().contains("apple"), e.getMessage());
    assertTrue(e.getMessage().contains("pear"), e.getMessage());
    assertTrue(e.getMessage().contains(ts(5).toString()), e.getMessage());
    assertTrue(e.getMessage().contains("writer=r1"), e.getMessage());
    assertEquals(reg("apple", 5, r1), r);
  }

  @Test
  void set_nullValue_throwsNamingValue() {
    LWWRegister<String> r = reg("a", 5, r1);
    NullPointerException e = assertThrows(NullPointerException.class, () -> r.set(null, ts(9), r1));
    assertEquals("value", e.getMessage());
    assertEquals(reg("a", 5, r1), r);
  }

  @Test
  void set_nullValueThatWouldLose_stillThrows() {
    LWWRegister<String> r = reg("a", 5, r1);
    assertThrows(NullPointerException.class, () -> r.set(null, ts(1), r1));
  }

  @Test
  void set_nullTimestampOrWriter_throws() {
    LWWRegister<String> r = reg("a", 5, r1);
    assertEquals(
        "timestamp",
        assertThrows(NullPointerException.class, () -> r.set("b", (HlcTimestamp) null, r1))
            .getMessage());
    assertEquals(
        "writer",
        assertThrows(NullPointerException.class, () -> r.set("b", ts(9), null)).getMessage());
  }

  @Test
  void set_withClock_usesClockNow() {
    HybridLogicalClock clock = HybridLogicalClock.builder().physicalClock(() -> 42_000L).build();
    LWWRegister<String> r = LWWRegister.<String>empty().set("a", clock, r1);
    assertEquals(Optional.of(HlcTimestamp.of(42_000L, 0)), r.timestamp());
    LWWRegister<String> r2nd = r.set("b", clock, r1);
    assertEquals(Optional.of("b"), r2nd.value());
    assertEquals(Optional.of(HlcTimestamp.of(42_000L, 1)), r2nd.timestamp());
  }

  @Test
  void set_withClockNullValue_throwsWithoutTickingClock() {
    HybridLogicalClock clock = HybridLogicalClock.builder().physicalClock(() -> 42_000L).build();
    HlcTimestamp before = clock.current();
    LWWRegister<String> r = LWWRegister.empty();
    assertEquals(
        "value",
        assertThrows(NullPointerException.class, () -> r.set(null, clock, r1)).getMessage());
    assertEquals(
        "clock",
        assertThrows(NullPointerException.class, () -> r.set("a", (HybridLogicalClock) null, r1))
            .getMessage());
    assertEquals(before, clock.current());
  }

  @Test
  void merge_sameTimestamp_greaterReplicaWinsWhateverTheOrder() {
    LWWRegister<String> fromR1 = reg("one", 5, r1);
    LWWRegister<String> fromR2 = reg("two", 5, r2);
    assertEquals(Optional.of("two"), fromR1.merge(fromR2).value());
    assertEquals(Optional.of("two"), fromR2.merge(fromR1).value());
    assertEquals(fromR1.merge(fromR2), fromR2.merge(fromR1));
  }

  @Test
  void merge_sameTimestampOnTwoReplicas_converge() {
    // Both replicas write at the same HLC timestamp, then exchange deltas.
    LWWRegister<String> base = reg("start", 1, r3);
    LWWRegister<String> replica1 = base.set("one", ts(5), r1);
    LWWRegister<String> replica2 = base.set("two", ts(5), r2);
    LWWRegister<String> at1 = replica1.merge(replica2.delta().orElseThrow());
    LWWRegister<String> at2 = replica2.merge(replica1.delta().orElseThrow());
    assertEquals(at1, at2);
    assertEquals(reg("two", 5, r2), at1);
  }

  @Test
  void merge_olderWriteArrivingLater_loses() {
    LWWRegister<String> newer = reg("new", 9, r1);
    LWWRegister<String> older = reg("old", 3, r3);
    assertSame(newer, newer.merge(older));
    assertSame(newer, older.merge(newer));
  }

  @Test
  void merge_isCommutative() {
    LWWRegister<String> a = reg("a", 5, r1);
    LWWRegister<String> b = reg("b", 7, r1);
    assertEquals(a.merge(b), b.merge(a));
    assertEquals(reg("b", 7, r1), a.merge(b));
  }

  @Test
  void merge_isAssociative() {
    LWWRegister<String> a = reg("a", 5, r1);
    LWWRegister<String> b = reg("b", 7, r1);
    LWWRegister<String> c = reg("c", 7, r2);
    assertEquals(a.merge(b).merge(c), a.merge(b.merge(c)));
    assertEquals(reg("c", 7, r2), a.merge(b).merge(c));
  }

  @Test
  void merge_isIdempotent() {
    LWWRegister<String> a = reg("a", 5, r1);
    assertSame(a, a.merge(a));
    assertSame(a, a.merge(reg("a", 5, r1)));
  }

  @Test
  void merge_withEmpty_returnsNonEmptySide() {
    LWWRegister<String> a = reg("a", 5, r1);
    LWWRegister<String> empty = LWWRegister.empty();
    assertSame(a, a.merge(empty));
    assertSame(a, empty.merge(a));
    assertSame(empty, empty.merge(LWWRegister.empty()));
  }

  @Test
  void merge_sameStampDifferentValues_throwsNamingBothAndStamp() {
    LWWRegister<String> a = reg("apple", 5, r1);
    LWWRegister<String> b = reg("pear", 5, r1);
    for (IllegalStateException e :
        new IllegalStateException[] {
          assertThrows(IllegalStateException.class, () -> a.merge(b)),
          assertThrows(IllegalStateException.class, () -> b.merge(a))
        }) {
      assertTrue(e.getMessage().contains("apple"), e.getMessage());
      assertTrue(e.getMessage().contains("pear"), e.getMessage());
      assertTrue(e.getMessage().contains("timestamp=" + ts(5)), e.getMessage());
      assertTrue(e.getMessage().contains("writer=r1"), e.getMessage());
    }
    assertEquals(Optional.of("apple"), a.value());
    assertEquals(Optional.of("pear"), b.value());
  }

  @Test
  void merge_null_throws() {
    assertThrows(NullPointerException.class, () -> reg("a", 5, r1).merge(null));
  }

  @Test
  void delta_ofSet_isNewRegister() {
    LWWRegister<String> before = reg("a", 5, r1);
    LWWRegister<String> after = before.set("b", ts(6), r2);
    LWWRegister<String> delta = after.delta().orElseThrow();
    assertEquals(reg("b", 6, r2), delta);
    assertEquals(Optional.empty(), delta.delta());
    assertEquals(after, before.merge(delta));
  }

  @Test
  void delta_successiveSets_accumulateToLatest() {
    LWWRegister<String> before = reg("a", 5, r1);
    LWWRegister<String> after = before.set("b", ts(6), r1).set("c", ts(7), r1).set("x", ts(2), r2);
    assertEquals(Optional.of(reg("c", 7, r1)), after.delta());
    assertEquals(after, before.merge(after.delta().orElseThrow()));
  }

  @Test
  void delta_losingSet_addsNothing() {
    LWWRegister<String> before = reg("a", 5, r1).set("b", ts(6), r1);
    LWWRegister<String> after = before.set("old", ts(1), r1);
    assertEquals(before.delta(), after.delta());
  }

  @Test
  void resetDelta_withDelta_clearsIt() {
    LWWRegister<String> r = LWWRegister.<String>empty().set("a", ts(1), r1);
    LWWRegister<String> reset = r.resetDelta();
    assertEquals(Optional.empty(), reset.delta());
    assertEquals(r, reset);
    assertSame(reset, reset.resetDelta());
  }

  @Test
  void merge_remoteWinner_keepsThisDelta() {
    LWWRegister<String> local = reg("a", 1, r1).set("b", ts(2), r1);
    LWWRegister<String> remote = reg("z", 9, r2);
    LWWRegister<String> merged = local.merge(remote);
    assertEquals(remote, merged);
    assertEquals(Optional.of(reg("b", 2, r1)), merged.delta());
  }

  @Test
  void equals_differentDeltas_ignoresDelta() {
    LWWRegister<String> withDelta = LWWRegister.<String>empty().set("a", ts(1), r1);
    LWWRegister<String> without = reg("a", 1, r1);
    assertEquals(without, withDelta);
    assertEquals(without.hashCode(), withDelta.hashCode());
    assertNotEquals(without, reg("a", 1, r2));
    assertNotEquals(without, reg("a", 2, r1));
    assertNotEquals(without, reg("b", 1, r1));
  }

  @Test
  void toString_showsValueAndStamp() {
    assertEquals("LWWRegister[empty]", LWWRegister.empty().toString());
    assertEquals("LWWRegister[a @ " + ts(1) + " by r1]", reg("a", 1, r1).toString());
  }
}
