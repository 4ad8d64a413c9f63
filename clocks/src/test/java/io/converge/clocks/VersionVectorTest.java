package io.converge.clocks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class VersionVectorTest {

  private final ReplicaId r1 = ReplicaId.of("a");
  private final ReplicaId r2 = ReplicaId.of("b");
  private final ReplicaId r3 = ReplicaId.of("c");

  private VersionVector vv(Object... replicaCounterPairs) {
    Map<ReplicaId, Long> map = new HashMap<>();
    for (int i = 0; i < replicaCounterPairs.length; i += 2) {
      map.put(
          (ReplicaId) replicaCounterPairs[i], ((Number) replicaCounterPairs[i + 1]).longValue());
    }
    return VersionVector.of(map);
  }

  // ---- construction -------------------------------------------------------------------------

  @Test
  void empty_hasNoEntries() {
    VersionVector e = VersionVector.empty();
    assertTrue(e.isEmpty());
    assertEquals(0, e.size());
    assertEquals(0, e.get(r1));
    assertEquals(Map.of(), e.toMap());
    assertSame(e, VersionVector.empty());
  }

  @Test
  void ofReplica_positiveCounter_oneEntry() {
    VersionVector v = VersionVector.of(r1, 3);
    assertEquals(1, v.size());
    assertFalse(v.isEmpty());
    assertEquals(3, v.get(r1));
    assertEquals(0, v.get(r2));
  }

  @Test
  void ofReplica_zeroCounter_returnsEmpty() {
    assertSame(VersionVector.empty(), VersionVector.of(r1, 0));
  }

  @Test
  void ofReplica_negativeCounter_rejectedWithCounterAndReplica() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> VersionVector.of(r1, -1));
    assertTrue(e.getMessage().contains("counter=-1"), e.getMessage());
    assertTrue(e.getMessage().contains("replica=a"), e.getMessage());
  }

  @Test
  void ofReplica_nullReplica_throwsNullPointer() {
    NullPointerException e =
        assertThrows(NullPointerException.class, () -> VersionVector.of(null, 1));
    assertEquals("replica", e.getMessage());
  }

  @Test
  void ofMap_entries_sortedAndZerosDropped() {
    Map<ReplicaId, Long> map = new LinkedHashMap<>();
    map.put(r3, 3L);
    map.put(r2, 0L);
    map.put(r1, 1L);
    VersionVector v = VersionVector.of(map);
    assertEquals(2, v.size());
    assertEquals(r1, v.replica(0));
    assertEquals(1, v.counter(0));
    assertEquals(r3, v.replica(1));
    assertEquals(3, v.counter(1));
    assertEquals(0, v.get(r2));
  }

  @Test
  void ofMap_allZeros_returnsEmpty() {
    assertSame(VersionVector.empty(), VersionVector.of(Map.of(r1, 0L, r2, 0L)));
    assertSame(VersionVector.empty(), VersionVector.of(Map.of()));
  }

  @Test
  void ofMap_doesNotAliasInput() {
    Map<ReplicaId, Long> map = new HashMap<>();
    map.put(r1, 1L);
    VersionVector v = VersionVector.of(map);
    map.put(r1, 5L);
    map.put(r2, 5L);
    assertEquals(1, v.get(r1));
    assertEquals(1, v.size());
  }

  @Test
  void ofMap_negativeCounter_rejectedWithCounterAndReplica() {
    Map<ReplicaId, Long> map = new LinkedHashMap<>();
    map.put(r1, 1L);
    map.put(r2, -7L);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> VersionVector.of(map));
    assertTrue(e.getMessage().contains("counter=-7"), e.getMessage());
    assertTrue(e.getMessage().contains("replica=b"), e.getMessage());
  }

  @Test
  void ofMap_nullMap_throwsNullPointer() {
    NullPointerException e =
        assertThrows(
            NullPointerException.class, () -> VersionVector.of((Map<ReplicaId, Long>) null));
    assertEquals("entries", e.getMessage());
  }

  @Test
  void ofMap_nullKey_throwsNullPointer() {
    Map<ReplicaId, Long> map = new HashMap<>();
    map.put(null, 1L);
    NullPointerException e = assertThrows(NullPointerException.class, () -> VersionVector.of(map));
    assertEquals("replica", e.getMessage());
  }

  @Test
  void ofMap_nullValue_throwsNullPointer() {
    Map<ReplicaId, Long> map = new HashMap<>();
    map.put(r1, null);
    NullPointerException e = assertThrows(NullPointerException.class, () -> VersionVector.of(map));
    assertEquals("counter", e.getMessage());
  }

  // ---- get / contains -------------------------------------------------------------------------

  @Test
  void get_absentReplica_returnsZero() {
    VersionVector v = vv(r1, 2, r3, 4);
    assertEquals(0, v.get(r2));
    assertEquals(0, v.get(ReplicaId.of("0")));
    assertEquals(0, v.get(ReplicaId.of("z")));
    assertEquals(2, v.get(r1));
    assertEquals(4, v.get(r3));
  }

  @Test
  void get_null_throwsNullPointer() {
    NullPointerException e =
        assertThrows(NullPointerException.class, () -> VersionVector.of(r1, 1).get(null));
    assertEquals("replica", e.getMessage());
  }

  @Test
  void contains_dotAtOrBelowCounter_true() {
    VersionVector v = vv(r1, 3);
    assertTrue(v.contains(Dot.of(r1, 1)));
    assertTrue(v.contains(Dot.of(r1, 3)));
    assertFalse(v.contains(Dot.of(r1, 4)));
    assertFalse(v.contains(Dot.of(r2, 1)));
    assertFalse(VersionVector.empty().contains(Dot.of(r1, 1)));
  }

  @Test
  void contains_null_throwsNullPointer() {
    assertThrows(NullPointerException.class, () -> VersionVector.of(r1, 1).contains(null));
  }

  // ---- replica(int) / counter(int) --------------------------------------------------------

  @Test
  void replicaAndCounter_walkEntriesInReplicaOrder() {
    VersionVector v = vv(r3, 30, r1, 10, r2, 20);
    List<String> seen = new ArrayList<>();
    for (int i = 0; i < v.size(); i++) {
      seen.add(v.replica(i) + "=" + v.counter(i));
    }
    assertEquals(List.of("a=10", "b=20", "c=30"), seen);
  }

  @Test
  void replica_indexOutOfRange_throwsIndexOutOfBoundsNamingIndex() {
    VersionVector v = vv(r1, 1, r2, 2);
    IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> v.replica(2));
    assertTrue(e.getMessage().contains("Index 2 out of bounds"), e.getMessage());
    IndexOutOfBoundsException neg =
        assertThrows(IndexOutOfBoundsException.class, () -> v.replica(-1));
    assertTrue(neg.getMessage().contains("Index -1 out of bounds"), neg.getMessage());
    assertThrows(IndexOutOfBoundsException.class, () -> VersionVector.empty().replica(0));
  }

  @Test
  void counter_indexOutOfRange_throwsIndexOutOfBoundsNamingIndex() {
    VersionVector v = vv(r1, 1);
    IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> v.counter(1));
    assertTrue(e.getMessage().contains("Index 1 out of bounds"), e.getMessage());
    IndexOutOfBoundsException neg =
        assertThrows(IndexOutOfBoundsException.class, () -> v.counter(-5));
    assertTrue(neg.getMessage().contains("Index -5 out of bounds"), neg.getMessage());
    assertThrows(IndexOutOfBoundsException.class, () -> VersionVector.empty().counter(0));
  }

  // ---- toMap ------------------------------------------------------------------------------------

  @Test
  void toMap_sortedByReplica() {
    VersionVector v = vv(r3, 3, r1, 1, r2, 2);
    Map<ReplicaId, Long> map = v.toMap();
    assertEquals(List.of(r1, r2, r3), new ArrayList<>(map.keySet()));
    assertEquals(List.of(1L, 2L, 3L), new ArrayList<>(map.values()));
  }

  @Test
  void toMap_unmodifiable() {
    Map<ReplicaId, Long> map = vv(r1, 1).toMap();
    assertThrows(UnsupportedOperationException.class, () -> map.put(r2, 2L));
    assertThrows(UnsupportedOperationException.class, () -> map.remove(r1));
    assertThrows(UnsupportedOperationException.class, map::clear);
    assertThrows(
        UnsupportedOperationException.class, () -> map.entrySet().iterator().next().setValue(9L));
  }

  @Test
  void toMap_roundTripsThroughOf() {
    VersionVector v = vv(r1, 5, r2, 6, r3, 7);
    assertEquals(v, VersionVector.of(v.toMap()));
  }

  // ---- increment -------------------------------------------------------------------------------

  @Test
  void increment_absentReplica_insertsOneInOrder() {
    VersionVector v = vv(r1, 2, r3, 4).increment(r2);
    assertEquals(1, v.get(r2));
    assertEquals("{a=2, b=1, c=4}", v.toString());
    assertEquals("{a=1}", VersionVector.empty().increment(r1).toString());
  }

  @Test
  void increment_presentReplica_addsOneAndLeavesOriginal() {
    VersionVector original = vv(r1, 2, r2, 5);
    VersionVector next = original.increment(r2);
    assertEquals(6, next.get(r2));
    assertEquals(2, next.get(r1));
    assertEquals(5, original.get(r2));
    assertEquals(CausalOrder.AFTER, next.compare(original));
  }

  @Test
  void increment_repeated_counts() {
    VersionVector v = VersionVector.empty();
    for (int i = 0; i < 10; i++) {
      v = v.increment(r1);
    }
    assertEquals(10, v.get(r1));
  }

  @Test
  void increment_atMaxValue_throwsArithmeticNamingReplicaAndCounter() {
    VersionVector v = VersionVector.of(r1, Long.MAX_VALUE);
    ArithmeticException e = assertThrows(ArithmeticException.class, () -> v.increment(r1));
    assertTrue(e.getMessage().contains("replica=a"), e.getMessage());
    assertTrue(e.getMessage().contains("counter=" + Long.MAX_VALUE), e.getMessage());
    assertEquals(Long.MAX_VALUE, v.get(r1));
  }

  @Test
  void increment_null_throwsNullPointer() {
    NullPointerException e =
        assertThrows(NullPointerException.class, () -> VersionVector.empty().increment(null));
    assertEquals("replica", e.getMessage());
  }

  // ---- with ----------------------------------------------------------------------------------

  @Test
  void with_newReplica_inserts() {
    VersionVector v = vv(r2, 2).with(r1, 1).with(r3, 3);
    assertEquals("{a=1, b=2, c=3}", v.toString());
  }

  @Test
  void with_lowerCounter_setsIt() {
    VersionVector v = vv(r1, 9, r2, 2).with(r1, 4);
    assertEquals(4, v.get(r1));
    assertEquals(2, v.get(r2));
  }

  @Test
  void with_sameCounter_returnsThis() {
    VersionVector v = vv(r1, 9);
    assertSame(v, v.with(r1, 9));
  }

  @Test
  void with_zeroForAbsent_returnsThis() {
    VersionVector v = vv(r1, 9);
    assertSame(v, v.with(r2, 0));
  }

  @Test
  void with_zero_removesEntry() {
    VersionVector v = vv(r1, 1, r2, 2, r3, 3);
    VersionVector first = v.with(r1, 0);
    VersionVector middle = v.with(r2, 0);
    VersionVector last = v.with(r3, 0);
    assertEquals("{b=2, c=3}", first.toString());
    assertEquals("{a=1, c=3}", middle.toString());
    assertEquals("{a=1, b=2}", last.toString());
    assertEquals(2, middle.size());
    assertEquals(0, middle.get(r2));
    assertEquals(vv(r1, 1, r3, 3), middle);
  }

  @Test
  void with_zeroOnLastEntry_returnsEmpty() {
    VersionVector v = VersionVector.of(r1, 3).with(r1, 0);
    assertTrue(v.isEmpty());
    assertSame(VersionVector.empty(), v);
  }

  @Test
  void with_negative_rejectedWithCounterAndReplica() {
    VersionVector v = vv(r1, 1);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> v.with(r2, -3));
    assertTrue(e.getMessage().contains("counter=-3"), e.getMessage());
    assertTrue(e.getMessage().contains("replica=b"), e.getMessage());
    IllegalArgumentException e2 =
        assertThrows(IllegalArgumentException.class, () -> v.with(r1, Long.MIN_VALUE));
    assertTrue(e2.getMessage().contains("counter=" + Long.MIN_VALUE), e2.getMessage());
  }

  @Test
  void with_nullReplica_throwsNullPointer() {
    NullPointerException e =
        assertThrows(NullPointerException.class, () -> VersionVector.empty().with(null, 1));
    assertEquals("replica", e.getMessage());
  }

  // ---- merge ---------------------------------------------------------------------------------

  @Test
  void merge_dominating_returnsThis() {
    VersionVector big = vv(r1, 5, r2, 5);
    VersionVector small = vv(r1, 3);
    assertSame(big, big.merge(small));
    assertSame(big, big.merge(VersionVector.empty()));
  }

  @Test
  void merge_dominated_returnsOther() {
    VersionVector big = vv(r1, 5, r2, 5);
    VersionVector small = vv(r1, 3, r2, 5);
    assertSame(big, small.merge(big));
    assertSame(big, VersionVector.empty().merge(big));
  }

  @Test
  void merge_equal_returnsThis() {
    VersionVector a = vv(r1, 2, r2, 3);
    VersionVector b = vv(r1, 2, r2, 3);
    assertSame(a, a.merge(b));
    assertSame(b, b.merge(a));
    assertSame(a, a.merge(a));
  }

  @Test
  void merge_concurrent_takesEntryWiseMax() {
    VersionVector a = vv(r1, 5, r2, 1);
    VersionVector b = vv(r1, 2, r2, 7, r3, 4);
    VersionVector m = a.merge(b);
    assertEquals(vv(r1, 5, r2, 7, r3, 4), m);
    assertEquals(m, b.merge(a));
    assertTrue(m.dominates(a));
    assertTrue(m.dominates(b));
  }

  @Test
  void merge_disjointReplicas_unionOfEntries() {
    VersionVector a = vv(r1, 1, r3, 3);
    VersionVector b = vv(r2, 2);
    assertEquals("{a=1, b=2, c=3}", a.merge(b).toString());
    assertEquals("{a=1, b=2, c=3}", b.merge(a).toString());
  }

  @Test
  void merge_concurrentInterleaved_sortedUnion() {
    VersionVector a = vv(r2, 1, ReplicaId.of("d"), 4);
    VersionVector b = vv(r1, 9, r3, 2, ReplicaId.of("e"), 1);
    VersionVector m = a.merge(b);
    assertEquals("{a=9, b=1, c=2, d=4, e=1}", m.toString());
    assertEquals(5, m.size());
  }

  @Test
  void merge_isAssociativeAndIdempotent() {
    VersionVector a = vv(r1, 3, r2, 1);
    VersionVector b = vv(r2, 4);
    VersionVector c = vv(r1, 1, r3, 2);
    assertEquals(a.merge(b).merge(c), a.merge(b.merge(c)));
    VersionVector m = a.merge(b);
    assertEquals(m, m.merge(m));
  }

  @Test
  void merge_null_throwsNullPointer() {
    assertThrows(NullPointerException.class, () -> vv(r1, 1).merge(null));
  }

  // ---- compare / dominates -------------------------------------------------------------------

  @Test
  void compare_same_returnsEqual() {
    VersionVector a = vv(r1, 1, r2, 2);
    assertEquals(CausalOrder.EQUAL, a.compare(a));
    assertEquals(CausalOrder.EQUAL, a.compare(vv(r1, 1, r2, 2)));
    assertEquals(CausalOrder.EQUAL, VersionVector.empty().compare(VersionVector.empty()));
    assertEquals(CausalOrder.EQUAL, VersionVector.empty().compare(VersionVector.of(r1, 0)));
  }

  @Test
  void compare_oneSideAhead_returnsAfter() {
    VersionVector a = vv(r1, 2, r2, 2);
    VersionVector b = vv(r1, 1, r2, 2);
    assertEquals(CausalOrder.AFTER, a.compare(b));
    assertEquals(CausalOrder.BEFORE, b.compare(a));
  }

  @Test
  void compare_extraReplica_returnsAfter() {
    VersionVector a = vv(r1, 1, r2, 1, r3, 1);
    VersionVector b = vv(r1, 1, r3, 1);
    assertEquals(CausalOrder.AFTER, a.compare(b));
    assertEquals(CausalOrder.BEFORE, b.compare(a));
  }

  @Test
  void compare_trailingExtraReplica_returnsAfter() {
    VersionVector a = vv(r1, 1, r3, 1);
    VersionVector b = vv(r1, 1);
    assertEquals(CausalOrder.AFTER, a.compare(b));
    assertEquals(CausalOrder.BEFORE, b.compare(a));
  }

  @Test
  void compare_withEmpty_emptyIsBefore() {
    VersionVector a = vv(r2, 1);
    assertEquals(CausalOrder.BEFORE, VersionVector.empty().compare(a));
    assertEquals(CausalOrder.AFTER, a.compare(VersionVector.empty()));
  }

  @Test
  void compare_oneEntryFastPath_allOrders() {
    VersionVector one = VersionVector.of(r1, 1);
    VersionVector two = VersionVector.of(r1, 2);
    assertEquals(CausalOrder.BEFORE, one.compare(two));
    assertEquals(CausalOrder.AFTER, two.compare(one));
    assertEquals(CausalOrder.EQUAL, one.compare(VersionVector.of(r1, 1)));
  }

  @Test
  void compare_oneEntryDifferentReplicas_returnsConcurrent() {
    VersionVector a = VersionVector.of(r1, 5);
    VersionVector b = VersionVector.of(r2, 1);
    assertEquals(CausalOrder.CONCURRENT, a.compare(b));
    assertEquals(CausalOrder.CONCURRENT, b.compare(a));
  }

  @Test
  void compare_disjointReplicas_returnsConcurrent() {
    VersionVector a = vv(r1, 1, r3, 1);
    VersionVector b = vv(r2, 1, ReplicaId.of("d"), 1);
    assertEquals(CausalOrder.CONCURRENT, a.compare(b));
    assertEquals(CausalOrder.CONCURRENT, b.compare(a));
  }

  @Test
  void compare_crossedCounters_returnsConcurrent() {
    VersionVector a = vv(r1, 2, r2, 1);
    VersionVector b = vv(r1, 1, r2, 2);
    assertEquals(CausalOrder.CONCURRENT, a.compare(b));
    assertEquals(CausalOrder.CONCURRENT, b.compare(a));
  }

  @Test
  void compare_aheadThenMissingTrailing_returnsConcurrent() {
    // this is ahead on a, other has c which this lacks (only found after the common walk ends)
    VersionVector a = vv(r1, 2);
    VersionVector b = vv(r1, 1, r3, 1);
    assertEquals(CausalOrder.CONCURRENT, a.compare(b));
    assertEquals(CausalOrder.CONCURRENT, b.compare(a));
  }

  @Test
  void compare_null_throwsNullPointer() {
    assertThrows(NullPointerException.class, () -> vv(r1, 1).compare(null));
  }

  @Test
  void dominates_afterOrEqual_true() {
    VersionVector a = vv(r1, 2, r2, 2);
    assertTrue(a.dominates(vv(r1, 1)));
    assertTrue(a.dominates(vv(r1, 2, r2, 2)));
    assertTrue(a.dominates(a));
    assertTrue(a.dominates(VersionVector.empty()));
  }

  @Test
  void dominates_beforeOrConcurrent_false() {
    VersionVector a = vv(r1, 2, r2, 2);
    assertFalse(a.dominates(vv(r1, 3, r2, 2)));
    assertFalse(a.dominates(vv(r3, 1)));
    assertFalse(VersionVector.empty().dominates(a));
  }

  // ---- equals / hashCode / toString ----------------------------------------------------------

  @Test
  void equals_sameEntries_equalWithSameHashCode() {
    VersionVector a = vv(r1, 1, r2, 2);
    VersionVector b = VersionVector.empty().increment(r2).increment(r2).increment(r1);
    assertEquals(a, b);
    assertEquals(b, a);
    assertEquals(a.hashCode(), b.hashCode());
    assertEquals(a.hashCode(), a.hashCode());
  }

  @Test
  void equals_differentEntries_notEqual() {
    VersionVector a = vv(r1, 1, r2, 2);
    assertNotEquals(a, vv(r1, 1, r2, 3));
    assertNotEquals(a, vv(r1, 1, r3, 2));
    assertNotEquals(a, vv(r1, 1));
    assertNotEquals(a, VersionVector.empty());
    assertNotEquals(a, "{a=1, b=2}");
    assertFalse(a.equals(null));
  }

  @Test
  void toString_entriesInReplicaOrder() {
    assertEquals("{a=1, b=2}", vv(r2, 2, r1, 1).toString());
    assertEquals("{}", VersionVector.empty().toString());
    assertEquals(
        "{eu-west=3, us-east=5}",
        vv(ReplicaId.of("us-east"), 5, ReplicaId.of("eu-west"), 3).toString());
  }

  // ---- many replicas -----------------------------------------------------------------------

  @Test
  void manyReplicas_300_allOperationsWork() {
    Map<ReplicaId, Long> evens = new HashMap<>();
    Map<ReplicaId, Long> all = new HashMap<>();
    VersionVector built = VersionVector.empty();
    for (int i = 0; i < 300; i++) {
      ReplicaId id = ReplicaId.of(String.format("replica-%03d", i));
      all.put(id, (long) i + 1);
      if (i % 2 == 0) {
        evens.put(id, (long) i + 1);
      }
      built = built.with(id, i + 1);
    }
    VersionVector v = VersionVector.of(all);
    assertEquals(300, v.size());
    assertEquals(v, built);
    assertEquals(v.hashCode(), built.hashCode());
    for (int i = 0; i < 300; i++) {
      assertEquals(String.format("replica-%03d", i), v.replica(i).name());
      assertEquals(i + 1, v.counter(i));
      assertEquals(i + 1, v.get(v.replica(i)));
    }
    VersionVector half = VersionVector.of(evens);
    assertEquals(150, half.size());
    assertEquals(CausalOrder.AFTER, v.compare(half));
    assertEquals(CausalOrder.BEFORE, half.compare(v));
    assertSame(v, v.merge(half));
    VersionVector bumped = half.increment(ReplicaId.of("replica-000"));
    assertEquals(CausalOrder.CONCURRENT, v.compare(bumped));
    VersionVector merged = v.merge(bumped);
    assertEquals(300, merged.size());
    assertEquals(2, merged.get(ReplicaId.of("replica-000")));
    assertEquals(300, merged.get(ReplicaId.of("replica-299")));
    assertEquals(300, v.toMap().size());
  }
}
