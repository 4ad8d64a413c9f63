package io.converge.crdt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.clocks.ReplicaId;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;

final class CausalCounterTest {

  private final ReplicaId r1 = ReplicaId.of("r1");
  private final ReplicaId r2 = ReplicaId.of("r2");

  @Test
  void increments_fromTwoReplicas_bothCount() {
    CausalCounter a = CausalCounter.zero().increment(r1, 2);
    CausalCounter b = CausalCounter.zero().increment(r2, 3);
    assertEquals(5, a.merge(b).value());
    assertEquals(a.merge(b), b.merge(a));
  }

  @Test
  void reset_concurrentIncrement_survivesWithOnlyItsAmount() {
    CausalCounter base = CausalCounter.zero().increment(r1, 3).resetDelta();
    CausalCounter reset = base.reset(r1);
    CausalCounter more = base.increment(r2, 1);
    assertEquals(1, reset.merge(more).value());
    assertEquals(1, more.merge(reset).value());
  }

  @Test
  void decrement_subtracts() {
    assertEquals(-2, CausalCounter.zero().increment(r1, 3).decrement(r1, 5).value());
  }

  @Test
  void increment_negative_rejectedNamingValue() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> CausalCounter.zero().increment(r1, -4));
    assertTrue(e.getMessage().contains("-4"));
    IllegalArgumentException d =
        assertThrows(IllegalArgumentException.class, () -> CausalCounter.zero().decrement(r1, -7));
    assertTrue(d.getMessage().contains("-7"));
  }

  @Test
  void add_zero_returnsSameInstance() {
    CausalCounter c = CausalCounter.zero();
    assertSame(c, c.add(r1, 0));
  }

  @Test
  void value_overflow_throwsButBigValueIsExact() {
    CausalCounter c = CausalCounter.zero().increment(r1, Long.MAX_VALUE).increment(r2, 1);
    ArithmeticException e = assertThrows(ArithmeticException.class, c::value);
    assertTrue(e.getMessage().contains("9223372036854775808"));
    assertEquals(BigInteger.valueOf(Long.MAX_VALUE).add(BigInteger.ONE), c.bigValue());
  }
}
