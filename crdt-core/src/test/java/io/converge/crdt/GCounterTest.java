package io.converge.crdt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.clocks.ReplicaId;
import io.converge.clocks.VersionVector;
import java.math.BigInteger;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

final class GCounterTest {

  private final ReplicaId r1 = ReplicaId.of("r1");
  private final ReplicaId r2 = ReplicaId.of("r2");
  private final ReplicaId r3 = ReplicaId.of("r3");

  private GCounter counter(long c1, long c2, long c3) {
    return GCounter.empty().increment(r1, c1).increment(r2, c2).increment(r3, c3).resetDelta();
  }

  @Test
  void empty_value_isZero() {
    GCounter c = GCounter.empty();
    assertEquals(0, c.value());
    assertEquals(BigInteger.ZERO, c.bigValue());
    assertEquals(0, c.get(r1));
    assertEquals(VersionVector.empty(), c.counts());
    assertEquals(Optional.empty(), c.delta());
  }

  @Test
  void increment_positive_addsToReplicaCount() {
    GCounter c = GCounter.empty().increment(r1, 3).increment(r2, 2).increment(r1, 4);
    assertEquals(7, c.get(r1));
    assertEquals(2, c.get(r2));
    assertEquals(0, c.get(r3));
    assertEquals(9, c.value());
    assertEquals(BigInteger.valueOf(9), c.bigValue());
    assertEquals(VersionVector.of(Map.of(r1, 7L, r2, 2L)), c.counts());
  }

  @Test
  void increment_zero_returnsSameInstance() {
    GCounter c = counter(1, 2, 3);
    assertSame(c, c.increment(r1, 0));
    assertEquals(Optional.empty(), c.increment(r1, 0).delta());
  }

  @Test
  void increment_negative_throwsNamingAmount() {
    GCounter c = counter(1, 2, 3);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> c.increment(r1, -3));
    assertTrue(e.getMessage().contains("must be >= 0: amount=-3"), e.getMessage());
    assertEquals(counter(1, 2, 3), c);
    assertEquals(6, c.value());
  }

  @Test
  void increment_nullReplica_throws() {
    GCounter c = counter(1, 2, 3);
    NullPointerException e = assertThrows(NullPointerException.class, () -> c.increment(null, 1));
    assertEquals("replica", e.getMessage());
    assertEquals(6, c.value());
  }

  @Test
  void increment_toExactlyMaxValue_succeeds() {
    GCounter c = GCounter.empty().increment(r1, Long.MAX_VALUE - 1).increment(r1, 1);
    assertEquals(Long.MAX_VALUE, c.get(r1));
    assertEquals(Long.MAX_VALUE, c.value());
  }

  @Test
  void increment_overflow_throwsNamingReplicaAndValues() {
    GCounter c = GCounter.empty().increment(r1, Long.MAX_VALUE - 1).resetDelta();
    ArithmeticException e = assertThrows(ArithmeticException.class, () -> c.increment(r1, 5));
    assertTrue(e.getMessage().contains("r1"), e.getMessage());
    assertTrue(e.getMessage().contains("count=" + (Long.MAX_VALUE - 1)), e.getMessage());
    assertTrue(e.getMessage().contains("amount=5"), e.getMessage());
    assertEquals(Long.MAX_VALUE - 1, c.get(r1));
    assertEquals(Optional.empty(), c.delta());
  }

  @Test
  void increment_overflowOfOneReplica_otherReplicasStillCount() {
    GCounter c = GCounter.empty().increment(r1, Long.MAX_VALUE);
    assertThrows(ArithmeticException.class, () -> c.increment(r1, 1));
    assertEquals(1, c.increment(r2, 1).get(r2));
  }

  @Test
  void value_sumOverflowsLong_throwsNamingSum() {
    GCounter c = GCounter.empty().increment(r1, Long.MAX_VALUE).increment(r2, 2);
    ArithmeticException e = assertThrows(ArithmeticException.class, c::value);
    BigInteger exact = BigInteger.valueOf(Long.MAX_VALUE).add(BigInteger.TWO);
    assertTrue(e.getMessage().contains("sum=" + exact), e.getMessage());
    assertEquals(exact, c.bigValue());
    assertEquals(Long.MAX_VALUE, c.get(r1));
  }

  @Test
  void merge_concurrent_takesMaxPerReplica() {
    GCounter a = counter(5, 1, 0);
    GCounter b = counter(2, 7, 3);
    GCounter merged = a.merge(b);
    assertEquals(counter(5, 7, 3), merged);
    assertEquals(15, merged.value());
  }

  @Test
  void merge_isCommutative() {
    GCounter a = counter(5, 1, 0);
    GCounter b = counter(2, 7, 3);
    assertEquals(a.merge(b), b.merge(a));
  }

  @Test
  void merge_isAssociative() {
    GCounter a = counter(5, 1, 0);
    GCounter b = counter(2, 7, 0);
    GCounter c = counter(0, 3, 9);
    assertEquals(a.merge(b).merge(c), a.merge(b.merge(c)));
    assertEquals(counter(5, 7, 9), a.merge(b).merge(c));
  }

  @Test
  void merge_isIdempotent() {
    GCounter a = counter(5, 1, 2);
    assertEquals(a, a.merge(a));
    assertSame(a, a.merge(a));
    assertEquals(a, a.merge(counter(5, 1, 2)));
  }

  @Test
  void merge_dominatedState_returnsThis() {
    GCounter big = counter(5, 7, 3);
    GCounter small = counter(5, 2, 0);
    assertSame(big, big.merge(small));
  }

  @Test
  void merge_dominatingState_returnsOther() {
    GCounter big = counter(5, 7, 3);
    GCounter small = counter(5, 2, 0);
    assertSame(big, small.merge(big));
  }

  @Test
  void merge_dominatingStateButThisHasDelta_keepsThisDelta() {
    GCounter small = GCounter.empty().increment(r1, 1);
    GCounter big = counter(5, 7, 3);
    GCounter merged = small.merge(big);
    assertNotSame(big, merged);
    assertEquals(big, merged);
    assertEquals(small.delta(), merged.delta());
  }

  @Test
  void merge_null_throws() {
    assertThrows(NullPointerException.class, () -> GCounter.empty().merge(null));
  }

  @Test
  void delta_ofIncrement_holdsOnlyThatReplicasNewCount() {
    GCounter before = counter(5, 7, 0);
    GCounter after = before.increment(r2, 3);
    GCounter delta = after.delta().orElseThrow();
    assertEquals(VersionVector.of(r2, 10), delta.counts());
    assertEquals(Optional.empty(), delta.delta());
  }

  @Test
  void delta_mergedIntoBefore_equalsAfter() {
    GCounter before = counter(5, 7, 0);
    GCounter after = before.increment(r2, 3);
    assertEquals(after, before.merge(after.delta().orElseThrow()));
  }

  @Test
  void delta_successiveIncrements_accumulate() {
    GCounter before = counter(5, 7, 0);
    GCounter after = before.increment(r1, 1).increment(r3, 2).increment(r1, 4);
    GCounter delta = after.delta().orElseThrow();
    assertEquals(VersionVector.of(Map.of(r1, 10L, r3, 2L)), delta.counts());
    assertEquals(after, before.merge(delta));
  }

  @Test
  void resetDelta_withDelta_clearsIt() {
    GCounter c = GCounter.empty().increment(r1, 2);
    GCounter reset = c.resetDelta();
    assertEquals(Optional.empty(), reset.delta());
    assertEquals(c, reset);
    assertEquals(2, reset.value());
  }

  @Test
  void resetDelta_noDelta_returnsSameInstance() {
    GCounter c = counter(1, 2, 3);
    assertSame(c, c.resetDelta());
  }

  @Test
  void merge_remoteState_keepsThisDelta() {
    GCounter local = counter(1, 0, 0).increment(r1, 1);
    GCounter remote = counter(0, 4, 0).increment(r2, 1);
    GCounter merged = local.merge(remote);
    assertEquals(counter(2, 5, 0), merged);
    assertEquals(local.delta(), merged.delta());
    assertEquals(VersionVector.of(r1, 2), merged.delta().orElseThrow().counts());
  }

  @Test
  void equals_differentDeltas_ignoresDelta() {
    GCounter withDelta = GCounter.empty().increment(r1, 2);
    GCounter viaSteps = GCounter.empty().increment(r1, 1).resetDelta().increment(r1, 1);
    GCounter without = withDelta.resetDelta();
    assertEquals(without, withDelta);
    assertEquals(withDelta, viaSteps);
    assertEquals(without.hashCode(), withDelta.hashCode());
    assertEquals(withDelta.hashCode(), viaSteps.hashCode());
  }

  @Test
  void toString_showsValueAndCounts() {
    assertEquals("GCounter[5 {r1=3, r2=2}]", counter(3, 2, 0).toString());
  }
}
