package io.converge.crdt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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

final class PNCounterTest {

  private final ReplicaId r1 = ReplicaId.of("r1");
  private final ReplicaId r2 = ReplicaId.of("r2");
  private final ReplicaId r3 = ReplicaId.of("r3");

  private static final BigInteger MAX = BigInteger.valueOf(Long.MAX_VALUE);

  /** A counter with no pending delta: increments by r1..r3, then decrements by r1..r3. */
  private PNCounter counter(long p1, long p2, long p3, long n1, long n2, long n3) {
    return PNCounter.empty()
        .increment(r1, p1)
        .increment(r2, p2)
        .increment(r3, p3)
        .decrement(r1, n1)
        .decrement(r2, n2)
        .decrement(r3, n3)
        .resetDelta();
  }

  @Test
  void empty_value_isZero() {
    PNCounter c = PNCounter.empty();
    assertEquals(0, c.value());
    assertEquals(BigInteger.ZERO, c.bigValue());
    assertEquals(GCounter.empty(), c.increments());
    assertEquals(GCounter.empty(), c.decrements());
    assertEquals(Optional.empty(), c.delta());
  }

  @Test
  void incrementAndDecrement_mixed_valueIsDifference() {
    PNCounter c = PNCounter.empty().increment(r1, 10).decrement(r2, 3).decrement(r1, 12);
    assertEquals(-5, c.value());
    assertEquals(BigInteger.valueOf(-5), c.bigValue());
    assertEquals(10, c.increments().get(r1));
    assertEquals(12, c.decrements().get(r1));
    assertEquals(3, c.decrements().get(r2));
  }

  @Test
  void increment_zero_returnsSameInstance() {
    PNCounter c = counter(1, 0, 0, 1, 0, 0);
    assertSame(c, c.increment(r1, 0));
    assertSame(c, c.decrement(r1, 0));
    assertSame(c, c.add(r1, 0));
  }

  @Test
  void increment_negative_throwsNamingAmount() {
    PNCounter c = counter(1, 2, 3, 0, 0, 0);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> c.increment(r1, -3));
    assertTrue(e.getMessage().contains("must be >= 0: amount=-3"), e.getMessage());
    assertEquals(6, c.value());
  }

  @Test
  void decrement_negative_throwsNamingAmount() {
    PNCounter c = counter(1, 2, 3, 0, 0, 0);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> c.decrement(r2, -7));
    assertTrue(e.getMessage().contains("must be >= 0: amount=-7"), e.getMessage());
    assertEquals(6, c.value());
  }

  @Test
  void operations_nullReplica_throw() {
    PNCounter c = PNCounter.empty();
    assertThrows(NullPointerException.class, () -> c.increment(null, 1));
    assertThrows(NullPointerException.class, () -> c.decrement(null, 1));
    assertThrows(NullPointerException.class, () -> c.add(null, -1));
    assertThrows(NullPointerException.class, () -> c.add(null, Long.MIN_VALUE));
  }

  @Test
  void increment_overflow_throwsNamingReplicaAndValues() {
    PNCounter c = PNCounter.empty().increment(r2, Long.MAX_VALUE).resetDelta();
    ArithmeticException e = assertThrows(ArithmeticException.class, () -> c.increment(r2, 1));
    assertTrue(e.getMessage().contains("r2"), e.getMessage());
    assertTrue(e.getMessage().contains("count=" + Long.MAX_VALUE), e.getMessage());
    assertTrue(e.getMessage().contains("amount=1"), e.getMessage());
    assertEquals(Long.MAX_VALUE, c.value());
    assertEquals(Optional.empty(), c.delta());
  }

  @Test
  void decrement_overflow_throwsNamingReplicaAndValues() {
    PNCounter c = PNCounter.empty().decrement(r3, Long.MAX_VALUE - 2).resetDelta();
    ArithmeticException e = assertThrows(ArithmeticException.class, () -> c.decrement(r3, 3));
    assertTrue(e.getMessage().contains("r3"), e.getMessage());
    assertTrue(e.getMessage().contains("count=" + (Long.MAX_VALUE - 2)), e.getMessage());
    assertTrue(e.getMessage().contains("amount=3"), e.getMessage());
    assertEquals(-(Long.MAX_VALUE - 2), c.value());
  }

  @Test
  void add_positive_routesToIncrements() {
    PNCounter c = PNCounter.empty().add(r1, 4);
    assertEquals(4, c.increments().get(r1));
    assertEquals(GCounter.empty(), c.decrements());
    assertEquals(PNCounter.empty().increment(r1, 4), c);
  }

  @Test
  void add_negative_routesToDecrements() {
    PNCounter c = PNCounter.empty().add(r1, -4);
    assertEquals(GCounter.empty(), c.increments());
    assertEquals(4, c.decrements().get(r1));
    assertEquals(-4, c.value());
  }

  @Test
  void add_minValuePlusOne_decrementsByMaxValue() {
    PNCounter c = PNCounter.empty().add(r1, Long.MIN_VALUE + 1);
    assertEquals(Long.MAX_VALUE, c.decrements().get(r1));
    assertEquals(Long.MIN_VALUE + 1, c.value());
  }

  @Test
  void add_minValue_throwsNamingAmount() {
    PNCounter c = counter(1, 0, 0, 0, 0, 0);
    ArithmeticException e =
        assertThrows(ArithmeticException.class, () -> c.add(r1, Long.MIN_VALUE));
    assertTrue(e.getMessage().contains("amount=9223372036854775808"), e.getMessage());
    assertTrue(e.getMessage().contains("signedAmount=" + Long.MIN_VALUE), e.getMessage());
    assertTrue(e.getMessage().contains("r1"), e.getMessage());
    assertEquals(counter(1, 0, 0, 0, 0, 0), c);
    assertEquals(1, c.value());
  }

  @Test
  void value_incrementsOverflowButDifferenceFits_isExact() {
    PNCounter c = counter(Long.MAX_VALUE, 10, 0, Long.MAX_VALUE, 0, 0);
    assertEquals(10, c.value());
    assertEquals(BigInteger.TEN, c.bigValue());
  }

  @Test
  void value_exactlyMinValue_fits() {
    PNCounter c = counter(0, 0, 0, Long.MAX_VALUE, 1, 0);
    assertEquals(Long.MIN_VALUE, c.value());
  }

  @Test
  void value_aboveMaxValue_throwsNamingValue() {
    PNCounter c = counter(Long.MAX_VALUE, 1, 0, 0, 0, 0);
    ArithmeticException e = assertThrows(ArithmeticException.class, c::value);
    BigInteger exact = MAX.add(BigInteger.ONE);
    assertTrue(e.getMessage().contains("value=" + exact), e.getMessage());
    assertEquals(exact, c.bigValue());
  }

  @Test
  void value_belowMinValue_throwsNamingValue() {
    PNCounter c = counter(0, 0, 0, Long.MAX_VALUE, Long.MAX_VALUE, 0);
    ArithmeticException e = assertThrows(ArithmeticException.class, c::value);
    BigInteger exact = MAX.multiply(BigInteger.TWO).negate();
    assertTrue(e.getMessage().contains("value=" + exact), e.getMessage());
    assertEquals(exact, c.bigValue());
  }

  @Test
  void merge_concurrent_mergesIncrementsAndDecrementsSeparately() {
    PNCounter a = counter(5, 1, 0, 2, 0, 0);
    PNCounter b = counter(3, 4, 0, 0, 6, 0);
    assertEquals(counter(5, 4, 0, 2, 6, 0), a.merge(b));
    assertEquals(1, a.merge(b).value());
  }

  @Test
  void merge_isCommutative() {
    PNCounter a = counter(5, 1, 0, 2, 0, 0);
    PNCounter b = counter(3, 4, 0, 0, 6, 0);
    assertEquals(a.merge(b), b.merge(a));
  }

  @Test
  void merge_isAssociative() {
    PNCounter a = counter(5, 1, 0, 2, 0, 0);
    PNCounter b = counter(3, 4, 0, 0, 6, 0);
    PNCounter c = counter(0, 0, 8, 1, 1, 1);
    assertEquals(a.merge(b).merge(c), a.merge(b.merge(c)));
    assertEquals(counter(5, 4, 8, 2, 6, 1), a.merge(b).merge(c));
  }

  @Test
  void merge_isIdempotent() {
    PNCounter a = counter(5, 1, 0, 2, 0, 0);
    assertSame(a, a.merge(a));
    assertEquals(a, a.merge(counter(5, 1, 0, 2, 0, 0)));
  }

  @Test
  void merge_dominatedState_returnsThis() {
    PNCounter big = counter(5, 4, 0, 2, 6, 0);
    PNCounter small = counter(5, 1, 0, 2, 0, 0);
    assertSame(big, big.merge(small));
  }

  @Test
  void merge_dominatingState_returnsOther() {
    PNCounter big = counter(5, 4, 0, 2, 6, 0);
    PNCounter small = counter(5, 1, 0, 2, 0, 0);
    assertSame(big, small.merge(big));
  }

  @Test
  void merge_dominatingStateButThisHasDelta_keepsThisDelta() {
    PNCounter small = PNCounter.empty().decrement(r1, 1);
    PNCounter big = counter(5, 4, 0, 2, 6, 0);
    PNCounter merged = small.merge(big);
    assertNotSame(big, merged);
    assertEquals(big, merged);
    assertEquals(small.delta(), merged.delta());
  }

  @Test
  void merge_null_throws() {
    assertThrows(NullPointerException.class, () -> PNCounter.empty().merge(null));
  }

  @Test
  void delta_ofDecrement_holdsOnlyThatReplicasNewDecrements() {
    PNCounter before = counter(5, 0, 0, 2, 0, 0);
    PNCounter after = before.decrement(r1, 3);
    PNCounter delta = after.delta().orElseThrow();
    assertEquals(GCounter.empty(), delta.increments());
    assertEquals(VersionVector.of(r1, 5), delta.decrements().counts());
    assertEquals(after, before.merge(delta));
  }

  @Test
  void delta_ofIncrement_holdsOnlyThatReplicasNewIncrements() {
    PNCounter before = counter(5, 0, 0, 2, 0, 0);
    PNCounter after = before.add(r2, 3);
    PNCounter delta = after.delta().orElseThrow();
    assertEquals(VersionVector.of(r2, 3), delta.increments().counts());
    assertEquals(GCounter.empty(), delta.decrements());
    assertEquals(after, before.merge(delta));
  }

  @Test
  void delta_successiveOperations_accumulate() {
    PNCounter before = counter(5, 0, 0, 2, 0, 0);
    PNCounter after = before.increment(r1, 1).decrement(r2, 2).add(r1, -3).add(r3, 4);
    PNCounter delta = after.delta().orElseThrow();
    assertEquals(VersionVector.of(Map.of(r1, 6L, r3, 4L)), delta.increments().counts());
    assertEquals(VersionVector.of(Map.of(r1, 5L, r2, 2L)), delta.decrements().counts());
    assertEquals(after, before.merge(delta));
    assertEquals(Optional.empty(), delta.delta());
  }

  @Test
  void resetDelta_withDelta_clearsIt() {
    PNCounter c = PNCounter.empty().decrement(r1, 2);
    PNCounter reset = c.resetDelta();
    assertEquals(Optional.empty(), reset.delta());
    assertEquals(c, reset);
    assertSame(reset, reset.resetDelta());
  }

  @Test
  void merge_remoteState_keepsThisDelta() {
    PNCounter local = counter(1, 0, 0, 0, 0, 0).decrement(r1, 1);
    PNCounter remote = counter(0, 4, 0, 0, 0, 0).increment(r2, 1);
    PNCounter merged = local.merge(remote);
    assertEquals(counter(1, 5, 0, 1, 0, 0), merged);
    assertEquals(local.delta(), merged.delta());
  }

  @Test
  void equals_differentDeltas_ignoresDelta() {
    PNCounter withDelta = PNCounter.empty().increment(r1, 2).decrement(r2, 1);
    PNCounter without = withDelta.resetDelta();
    assertEquals(without, withDelta);
    assertEquals(without.hashCode(), withDelta.hashCode());
  }

  @Test
  void equals_sameValueDifferentHistory_notEqual() {
    assertNotEquals(PNCounter.empty(), counter(1, 0, 0, 1, 0, 0));
    assertEquals(0, counter(1, 0, 0, 1, 0, 0).value());
  }

  @Test
  void toString_showsValueIncrementsAndDecrements() {
    assertEquals("PNCounter[3 P{r1=5} N{r2=2}]", counter(5, 0, 0, 0, 2, 0).toString());
  }
}
