package io.converge.clocks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

final class DotTest {

  private final ReplicaId r1 = ReplicaId.of("a");
  private final ReplicaId r2 = ReplicaId.of("b");

  @Test
  void of_validArguments_keepsParts() {
    Dot d = Dot.of(r1, 7);
    assertSame(r1, d.replica());
    assertEquals(7, d.counter());
  }

  @Test
  void constructor_validArguments_equalsFactory() {
    assertEquals(new Dot(r1, 3), Dot.of(r1, 3));
  }

  @Test
  void of_counterOne_accepted() {
    assertEquals(1, Dot.of(r1, 1).counter());
  }

  @Test
  void of_counterMaxValue_accepted() {
    assertEquals(Long.MAX_VALUE, Dot.of(r1, Long.MAX_VALUE).counter());
  }

  @Test
  void of_counterZero_rejectedWithCounterAndReplica() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Dot.of(r1, 0));
    assertTrue(e.getMessage().contains("counter=0"), e.getMessage());
    assertTrue(e.getMessage().contains("replica=a"), e.getMessage());
  }

  @Test
  void of_counterNegative_rejectedWithCounterAndReplica() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Dot.of(r2, -1));
    assertTrue(e.getMessage().contains("counter=-1"), e.getMessage());
    assertTrue(e.getMessage().contains("replica=b"), e.getMessage());
  }

  @Test
  void of_counterMinValue_rejectedWithCounter() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new Dot(r1, Long.MIN_VALUE));
    assertTrue(e.getMessage().contains("counter=" + Long.MIN_VALUE), e.getMessage());
  }

  @Test
  void of_nullReplica_throwsNullPointerNamingParameter() {
    NullPointerException e = assertThrows(NullPointerException.class, () -> Dot.of(null, 1));
    assertEquals("replica", e.getMessage());
  }

  @Test
  void compareTo_differentReplica_ordersByReplicaFirst() {
    assertTrue(Dot.of(r1, 100).compareTo(Dot.of(r2, 1)) < 0);
    assertTrue(Dot.of(r2, 1).compareTo(Dot.of(r1, 100)) > 0);
  }

  @Test
  void compareTo_sameReplica_ordersByCounter() {
    assertTrue(Dot.of(r1, 1).compareTo(Dot.of(r1, 2)) < 0);
    assertTrue(Dot.of(r1, Long.MAX_VALUE).compareTo(Dot.of(r1, 1)) > 0);
    assertEquals(0, Dot.of(r1, 5).compareTo(Dot.of(r1, 5)));
  }

  @Test
  void compareTo_sort_replicaThenCounter() {
    List<Dot> dots =
        new ArrayList<>(List.of(Dot.of(r2, 2), Dot.of(r1, 9), Dot.of(r2, 1), Dot.of(r1, 1)));
    Collections.sort(dots);
    assertEquals(List.of(Dot.of(r1, 1), Dot.of(r1, 9), Dot.of(r2, 1), Dot.of(r2, 2)), dots);
  }

  @Test
  void equals_sameParts_equalWithSameHashCode() {
    Dot a = Dot.of(ReplicaId.of("a"), 4);
    Dot b = Dot.of(r1, 4);
    assertEquals(a, b);
    assertEquals(a.hashCode(), b.hashCode());
  }

  @Test
  void equals_differentParts_notEqual() {
    assertNotEquals(Dot.of(r1, 4), Dot.of(r1, 5));
    assertNotEquals(Dot.of(r1, 4), Dot.of(r2, 4));
    assertFalse(Dot.of(r1, 4).equals(null));
    assertNotEquals(Dot.of(r1, 4), "a:4");
  }

  @Test
  void toString_replicaColonCounter() {
    assertEquals("us-east:7", Dot.of(ReplicaId.of("us-east"), 7).toString());
  }
}
