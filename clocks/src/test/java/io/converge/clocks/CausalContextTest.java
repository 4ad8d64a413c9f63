package io.converge.clocks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class CausalContextTest {

  private final ReplicaId r1 = ReplicaId.of("a");
  private final ReplicaId r2 = ReplicaId.of("b");
  private final ReplicaId r3 = ReplicaId.of("c");

  private Dot dot(ReplicaId replica, long counter) {
    return Dot.of(replica, counter);
  }

  private CausalContext ctx(VersionVector vector, Dot... dots) {
    return CausalContext.of(vector, List.of(dots));
  }

  // ---- construction -------------------------------------------------------------------------

  @Test
  void empty_hasSeenNothing() {
    CausalContext e = CausalContext.empty();
    assertTrue(e.versionVector().isEmpty());
    assertTrue(e.isCompact());
    assertEquals(List.of(), e.cloud());
    assertFalse(e.contains(dot(r1, 1)));
    assertEquals(0, e.max(r1));
    assertEquals("{}", e.toString());
    assertSame(e, CausalContext.empty());
  }

  @Test
  void ofVector_emptyVector_returnsEmpty() {
    assertSame(CausalContext.empty(), CausalContext.of(VersionVector.empty()));
    assertSame(CausalContext.empty(), CausalContext.of(VersionVector.empty(), List.of()));
  }

  @Test
  void ofVector_keepsVectorAndIsCompact() {
    VersionVector v = VersionVector.of(Map.of(r1, 2L, r2, 1L));
    CausalContext c = CausalContext.of(v);
    assertSame(v, c.versionVector());
    assertTrue(c.isCompact());
    assertTrue(c.contains(dot(r1, 1)));
    assertTrue(c.contains(dot(r1, 2)));
    assertTrue(c.contains(dot(r2, 1)));
    assertFalse(c.contains(dot(r1, 3)));
    assertFalse(c.contains(dot(r3, 1)));
  }

  @Test
  void ofVector_null_throwsNullPointer() {
    NullPointerException e = assertThrows(NullPointerException.class, () -> CausalContext.of(null));
    assertEquals("versionVector", e.getMessage());
  }

  @Test
  void ofVectorAndDots_nullVector_throwsNullPointer() {
    NullPointerException e =
        assertThrows(NullPointerException.class, () -> CausalContext.of(null, List.of()));
    assertEquals("versionVector", e.getMessage());
  }

  @Test
  void ofVectorAndDots_nullCollection_throwsNullPointer() {
    assertThrows(NullPointerException.class, () -> CausalContext.of(VersionVector.empty(), null));
  }

  @Test
  void ofVectorAndDots_nullDot_throwsNullPointerNamingDot() {
    List<Dot> dots = Arrays.asList(dot(r1, 1), null);
    NullPointerException e =
        assertThrows(
            NullPointerException.class, () -> CausalContext.of(VersionVector.empty(), dots));
    assertEquals("dot", e.getMessage());
  }

  @Test
  void ofVectorAndDots_duplicatesAndCoveredDots_normalised() {
    CausalContext c =
        CausalContext.of(
            VersionVector.of(r1, 2),
            List.of(
                dot(r2, 2),
                dot(r1, 5),
                dot(r1, 1),
                dot(r1, 2),
                dot(r1, 5),
                dot(r1, 3),
                dot(r2, 2),
                dot(r3, 1),
                dot(r3, 1)));
    assertEquals(VersionVector.of(Map.of(r1, 3L, r3, 1L)), c.versionVector());
    assertEquals(List.of(dot(r1, 5), dot(r2, 2)), c.cloud());
    assertFalse(c.isCompact());
  }

  @Test
  void ofVectorAndDots_contiguousDots_foldedIntoVector() {
    CausalContext c =
        CausalContext.of(
            VersionVector.empty(), List.of(dot(r1, 3), dot(r1, 1), dot(r1, 2), dot(r2, 1)));
    assertTrue(c.isCompact());
    assertEquals(VersionVector.of(Map.of(r1, 3L, r2, 1L)), c.versionVector());
  }

  @Test
  void ofVectorAndDots_onlyCoveredDots_equalsPlainVector() {
    VersionVector v = VersionVector.of(r1, 4);
    CausalContext c = CausalContext.of(v, List.of(dot(r1, 1), dot(r1, 4)));
    assertTrue(c.isCompact());
    assertEquals(CausalContext.of(v), c);
  }

  @Test
  void ofVectorAndDots_doesNotAliasInput() {
    List<Dot> dots = new java.util.ArrayList<>(List.of(dot(r1, 3)));
    CausalContext c = CausalContext.of(VersionVector.empty(), dots);
    dots.add(dot(r1, 1));
    assertEquals(List.of(dot(r1, 3)), c.cloud());
  }

  // ---- contains -------------------------------------------------------------------------------

  @Test
  void contains_viaVector_true() {
    CausalContext c = ctx(VersionVector.of(r1, 2), dot(r1, 5));
    assertTrue(c.contains(dot(r1, 1)));
    assertTrue(c.contains(dot(r1, 2)));
  }

  @Test
  void contains_viaCloud_true() {
    CausalContext c = ctx(VersionVector.of(r1, 2), dot(r1, 5), dot(r2, 3));
    assertTrue(c.contains(dot(r1, 5)));
    assertTrue(c.contains(dot(r2, 3)));
  }

  @Test
  void contains_inGapOrBeyond_false() {
    CausalContext c = ctx(VersionVector.of(r1, 2), dot(r1, 5), dot(r2, 3));
    assertFalse(c.contains(dot(r1, 3)));
    assertFalse(c.contains(dot(r1, 4)));
    assertFalse(c.contains(dot(r1, 6)));
    assertFalse(c.contains(dot(r2, 1)));
    assertFalse(c.contains(dot(r2, 2)));
    assertFalse(c.contains(dot(r3, 3)));
  }

  @Test
  void contains_null_throwsNullPointer() {
    assertThrows(NullPointerException.class, () -> CausalContext.empty().contains(null));
    CausalContext c = ctx(VersionVector.empty(), dot(r1, 5));
    assertThrows(NullPointerException.class, () -> c.contains(null));
  }

  // ---- add ------------------------------------------------------------------------------------

  @Test
  void add_contiguousDot_growsVector() {
    CausalContext c = CausalContext.empty().add(dot(r1, 1)).add(dot(r1, 2)).add(dot(r2, 1));
    assertTrue(c.isCompact());
    assertEquals(VersionVector.of(Map.of(r1, 2L, r2, 1L)), c.versionVector());
  }

  @Test
  void add_outOfOrderDot_goesToCloud() {
    CausalContext c = CausalContext.empty().add(dot(r1, 1)).add(dot(r1, 3));
    assertFalse(c.isCompact());
    assertEquals(VersionVector.of(r1, 1), c.versionVector());
    assertEquals(List.of(dot(r1, 3)), c.cloud());
    assertTrue(c.contains(dot(r1, 3)));
    assertFalse(c.contains(dot(r1, 2)));
  }

  @Test
  void add_fillingTheGap_compacts() {
    CausalContext gappy = CausalContext.empty().add(dot(r1, 4)).add(dot(r1, 2)).add(dot(r1, 3));
    assertEquals(List.of(dot(r1, 2), dot(r1, 3), dot(r1, 4)), gappy.cloud());
    assertTrue(gappy.versionVector().isEmpty());
    CausalContext filled = gappy.add(dot(r1, 1));
    assertTrue(filled.isCompact());
    assertEquals(List.of(), filled.cloud());
    assertEquals(VersionVector.of(r1, 4), filled.versionVector());
    assertEquals(CausalContext.of(VersionVector.of(r1, 4)), filled);
  }

  @Test
  void add_fillingPartOfGap_keepsRestInCloud() {
    CausalContext c = ctx(VersionVector.of(r1, 1), dot(r1, 3), dot(r1, 5)).add(dot(r1, 2));
    assertEquals(VersionVector.of(r1, 3), c.versionVector());
    assertEquals(List.of(dot(r1, 5)), c.cloud());
  }

  @Test
  void add_contiguousDotWhileCloudHoldsOtherReplica_growsVectorKeepsCloud() {
    CausalContext c = ctx(VersionVector.of(r1, 1), dot(r1, 3)).add(dot(r2, 1));
    assertEquals(VersionVector.of(Map.of(r1, 1L, r2, 1L)), c.versionVector());
    assertEquals(List.of(dot(r1, 3)), c.cloud());
  }

  @Test
  void add_alreadyContained_returnsThis() {
    CausalContext c = ctx(VersionVector.of(r1, 2), dot(r1, 5));
    assertSame(c, c.add(dot(r1, 1)));
    assertSame(c, c.add(dot(r1, 5)));
  }

  @Test
  void add_leavesOriginalUnchanged() {
    CausalContext c = ctx(VersionVector.of(r1, 1), dot(r1, 3));
    c.add(dot(r1, 2));
    c.add(dot(r2, 7));
    assertEquals(VersionVector.of(r1, 1), c.versionVector());
    assertEquals(List.of(dot(r1, 3)), c.cloud());
  }

  @Test
  void add_null_throwsNullPointer() {
    assertThrows(NullPointerException.class, () -> CausalContext.empty().add(null));
  }

  // ---- equals / hashCode ----------------------------------------------------------------------

  @Test
  void equals_sameMembership_equalWithSameHashCode() {
    CausalContext byAdds = CausalContext.empty().add(dot(r1, 3)).add(dot(r1, 1)).add(dot(r2, 1));
    CausalContext byOf = ctx(VersionVector.of(Map.of(r1, 1L, r2, 1L)), dot(r1, 3));
    CausalContext byDots =
        CausalContext.of(VersionVector.empty(), List.of(dot(r2, 1), dot(r1, 3), dot(r1, 1)));
    assertEquals(byAdds, byOf);
    assertEquals(byOf, byDots);
    assertEquals(byAdds.hashCode(), byOf.hashCode());
    assertEquals(byOf.hashCode(), byDots.hashCode());
  }

  @Test
  void equals_sameMembershipAfterCompaction_equal() {
    CausalContext a = CausalContext.empty().add(dot(r1, 2)).add(dot(r1, 1));
    CausalContext b = CausalContext.of(VersionVector.of(r1, 2));
    assertEquals(a, b);
    assertEquals(a.hashCode(), b.hashCode());
  }

  @Test
  void equals_differentMembership_notEqual() {
    CausalContext a = ctx(VersionVector.of(r1, 1), dot(r1, 3));
    assertNotEquals(a, ctx(VersionVector.of(r1, 1), dot(r1, 4)));
    assertNotEquals(a, ctx(VersionVector.of(r1, 1)));
    assertNotEquals(a, ctx(VersionVector.of(r1, 2), dot(r1, 4)));
    assertNotEquals(a, "{a=1} + [a:3]");
    assertFalse(a.equals(null));
    assertEquals(a, a);
  }

  // ---- max / nextDot --------------------------------------------------------------------------

  @Test
  void max_absentReplica_returnsZero() {
    CausalContext c = ctx(VersionVector.of(r1, 2), dot(r1, 5), dot(r3, 9));
    assertEquals(0, c.max(r2));
    assertEquals(0, c.max(ReplicaId.of("0")));
    assertEquals(0, c.max(ReplicaId.of("z")));
  }

  @Test
  void max_vectorOnly_returnsVectorCounter() {
    assertEquals(4, CausalContext.of(VersionVector.of(r1, 4)).max(r1));
  }

  @Test
  void max_cloudBeyondVector_returnsLargestCloudCounter() {
    CausalContext c =
        ctx(VersionVector.of(Map.of(r1, 2L, r2, 7L)), dot(r1, 5), dot(r1, 9), dot(r3, 4));
    assertEquals(9, c.max(r1));
    assertEquals(7, c.max(r2));
    assertEquals(4, c.max(r3));
  }

  @Test
  void max_null_throwsNullPointer() {
    assertThrows(NullPointerException.class, () -> CausalContext.empty().max(null));
  }

  @Test
  void nextDot_empty_returnsOne() {
    assertEquals(dot(r1, 1), CausalContext.empty().nextDot(r1));
  }

  @Test
  void nextDot_vectorOnly_returnsCounterPlusOne() {
    CausalContext c = CausalContext.of(VersionVector.of(Map.of(r1, 3L, r2, 8L)));
    assertEquals(dot(r1, 4), c.nextDot(r1));
    assertEquals(dot(r2, 9), c.nextDot(r2));
    assertEquals(dot(r3, 1), c.nextDot(r3));
  }

  @Test
  void nextDot_cloudDots_returnsMaxPlusOne() {
    CausalContext c = ctx(VersionVector.of(r1, 1), dot(r1, 3), dot(r1, 7), dot(r2, 2), dot(r3, 5));
    assertEquals(dot(r1, 8), c.nextDot(r1));
    assertEquals(dot(r2, 3), c.nextDot(r2));
    assertEquals(dot(r3, 6), c.nextDot(r3));
    assertFalse(c.contains(c.nextDot(r1)));
  }

  @Test
  void nextDot_doesNotAdd() {
    CausalContext c = CausalContext.empty();
    c.nextDot(r1);
    assertFalse(c.contains(dot(r1, 1)));
    assertEquals(dot(r1, 2), c.add(c.nextDot(r1)).nextDot(r1));
  }

  @Test
  void nextDot_vectorAtMaxValue_throwsArithmeticNamingReplicaAndCounter() {
    CausalContext c = CausalContext.of(VersionVector.of(r1, Long.MAX_VALUE));
    ArithmeticException e = assertThrows(ArithmeticException.class, () -> c.nextDot(r1));
    assertTrue(e.getMessage().contains("replica=a"), e.getMessage());
    assertTrue(e.getMessage().contains("counter=" + Long.MAX_VALUE), e.getMessage());
  }

  @Test
  void max_cloudHoldsMaxValueCounter_returnsMaxValue() {
    CausalContext c = ctx(VersionVector.of(r1, 1), dot(r1, 5), dot(r1, Long.MAX_VALUE));
    assertEquals(Long.MAX_VALUE, c.max(r1));
    CausalContext only = ctx(VersionVector.empty(), dot(r1, Long.MAX_VALUE));
    assertEquals(Long.MAX_VALUE, only.max(r1));
    CausalContext afterOther = ctx(VersionVector.empty(), dot(r1, 3), dot(r2, Long.MAX_VALUE));
    assertEquals(Long.MAX_VALUE, afterOther.max(r2));
    assertEquals(3, afterOther.max(r1));
  }

  @Test
  void nextDot_cloudAtMaxValue_throwsArithmetic() {
    CausalContext c = ctx(VersionVector.of(r1, 1), dot(r1, 5), dot(r1, Long.MAX_VALUE));
    ArithmeticException e = assertThrows(ArithmeticException.class, () -> c.nextDot(r1));
    assertTrue(e.getMessage().contains("counter=" + Long.MAX_VALUE), e.getMessage());
  }

  @Test
  void nextDot_null_throwsNullPointer() {
    assertThrows(NullPointerException.class, () -> CausalContext.empty().nextDot(null));
  }

  // ---- containsAll ----------------------------------------------------------------------------

  @Test
  void containsAll_self_true() {
    CausalContext c = ctx(VersionVector.of(r1, 1), dot(r1, 3));
    assertTrue(c.containsAll(c));
    assertTrue(c.containsAll(CausalContext.empty()));
    assertTrue(CausalContext.empty().containsAll(CausalContext.empty()));
  }

  @Test
  void containsAll_subset_true() {
    CausalContext big = ctx(VersionVector.of(Map.of(r1, 5L, r2, 1L)), dot(r2, 4));
    assertTrue(big.containsAll(ctx(VersionVector.of(r1, 3), dot(r1, 5), dot(r2, 4))));
    assertTrue(big.containsAll(ctx(VersionVector.of(r2, 1))));
  }

  @Test
  void containsAll_otherVectorAhead_false() {
    CausalContext small = ctx(VersionVector.of(r1, 2), dot(r1, 4));
    assertFalse(small.containsAll(CausalContext.of(VersionVector.of(r1, 3))));
    assertFalse(small.containsAll(CausalContext.of(VersionVector.of(r2, 1))));
    assertFalse(CausalContext.empty().containsAll(small));
  }

  @Test
  void containsAll_otherCloudDotMissing_false() {
    CausalContext c = ctx(VersionVector.of(r1, 2), dot(r1, 4));
    assertFalse(c.containsAll(ctx(VersionVector.of(r1, 1), dot(r1, 5))));
    assertFalse(c.containsAll(ctx(VersionVector.empty(), dot(r2, 4))));
    assertTrue(c.containsAll(ctx(VersionVector.empty(), dot(r1, 4))));
  }

  @Test
  void containsAll_null_throwsNullPointer() {
    assertThrows(NullPointerException.class, () -> CausalContext.empty().containsAll(null));
  }

  // ---- merge ----------------------------------------------------------------------------------

  @Test
  void merge_alreadyIncludesOther_returnsThis() {
    CausalContext big = ctx(VersionVector.of(r1, 5), dot(r2, 2));
    CausalContext small = ctx(VersionVector.of(r1, 2), dot(r1, 4));
    assertSame(big, big.merge(small));
    assertSame(big, big.merge(CausalContext.empty()));
    assertSame(big, big.merge(big));
  }

  @Test
  void merge_equalContexts_returnsThis() {
    CausalContext a = ctx(VersionVector.of(r1, 1), dot(r1, 3));
    CausalContext b = ctx(VersionVector.of(r1, 1), dot(r1, 3));
    assertSame(a, a.merge(b));
    assertSame(b, b.merge(a));
  }

  @Test
  void merge_otherIncludesThis_returnsOther() {
    CausalContext big = ctx(VersionVector.of(r1, 5), dot(r2, 2));
    CausalContext small = ctx(VersionVector.of(r1, 2), dot(r1, 4));
    assertSame(big, small.merge(big));
    assertSame(big, CausalContext.empty().merge(big));
  }

  @Test
  void merge_concurrentCompact_unionOfVectors() {
    CausalContext a = CausalContext.of(VersionVector.of(Map.of(r1, 3L, r2, 1L)));
    CausalContext b = CausalContext.of(VersionVector.of(Map.of(r1, 1L, r2, 4L, r3, 2L)));
    CausalContext m = a.merge(b);
    assertTrue(m.isCompact());
    assertEquals(VersionVector.of(Map.of(r1, 3L, r2, 4L, r3, 2L)), m.versionVector());
    assertEquals(m, b.merge(a));
  }

  @Test
  void merge_cloudsFillEachOthersGaps_compacts() {
    CausalContext a = ctx(VersionVector.of(r1, 1), dot(r1, 3));
    CausalContext b = ctx(VersionVector.of(r1, 2), dot(r1, 4), dot(r2, 2));
    CausalContext m = a.merge(b);
    assertEquals(VersionVector.of(r1, 4), m.versionVector());
    assertEquals(List.of(dot(r2, 2)), m.cloud());
    assertEquals(m, b.merge(a));
    assertTrue(m.containsAll(a));
    assertTrue(m.containsAll(b));
  }

  @Test
  void merge_union_containsExactlyBothSidesDots() {
    CausalContext a = ctx(VersionVector.of(r1, 1), dot(r1, 5), dot(r3, 2));
    CausalContext b = ctx(VersionVector.of(r2, 2), dot(r1, 7), dot(r3, 2));
    CausalContext m = a.merge(b);
    assertEquals(VersionVector.of(Map.of(r1, 1L, r2, 2L)), m.versionVector());
    assertEquals(List.of(dot(r1, 5), dot(r1, 7), dot(r3, 2)), m.cloud());
    for (long n = 1; n <= 8; n++) {
      for (ReplicaId r : List.of(r1, r2, r3)) {
        Dot d = dot(r, n);
        assertEquals(a.contains(d) || b.contains(d), m.contains(d), d.toString());
      }
    }
  }

  @Test
  void merge_isAssociativeAndIdempotent() {
    CausalContext a = ctx(VersionVector.of(r1, 1), dot(r1, 3));
    CausalContext b = ctx(VersionVector.of(r2, 1), dot(r1, 2));
    CausalContext c = ctx(VersionVector.empty(), dot(r2, 3), dot(r1, 5));
    assertEquals(a.merge(b).merge(c), a.merge(b.merge(c)));
    CausalContext m = a.merge(b);
    assertEquals(m, m.merge(m));
    assertEquals(VersionVector.of(Map.of(r1, 3L, r2, 1L)), m.versionVector());
  }

  @Test
  void merge_null_throwsNullPointer() {
    CausalContext c = ctx(VersionVector.of(r1, 1));
    assertThrows(NullPointerException.class, () -> c.merge(null));
  }

  // ---- accessors / toString -----------------------------------------------------------------

  @Test
  void cloud_sortedByReplicaThenCounter() {
    CausalContext c =
        CausalContext.empty().add(dot(r3, 2)).add(dot(r1, 9)).add(dot(r2, 5)).add(dot(r1, 3));
    assertEquals(List.of(dot(r1, 3), dot(r1, 9), dot(r2, 5), dot(r3, 2)), c.cloud());
  }

  @Test
  void cloud_unmodifiable() {
    CausalContext c = ctx(VersionVector.empty(), dot(r1, 3));
    List<Dot> cloud = c.cloud();
    assertThrows(UnsupportedOperationException.class, () -> cloud.add(dot(r1, 5)));
    assertThrows(UnsupportedOperationException.class, () -> cloud.remove(0));
    assertThrows(UnsupportedOperationException.class, () -> cloud.set(0, dot(r1, 9)));
    assertThrows(UnsupportedOperationException.class, () -> CausalContext.empty().cloud().clear());
    assertEquals(List.of(dot(r1, 3)), c.cloud());
  }

  @Test
  void toString_compact_showsVector() {
    assertEquals("{a=2}", CausalContext.of(VersionVector.of(r1, 2)).toString());
  }

  @Test
  void toString_withCloud_showsVectorPlusCloud() {
    CausalContext c =
        ctx(VersionVector.of(ReplicaId.of("us-east"), 3), Dot.of(ReplicaId.of("eu-west"), 5));
    assertEquals("{us-east=3} + [eu-west:5]", c.toString());
    CausalContext two = ctx(VersionVector.empty(), dot(r1, 2), dot(r2, 3));
    assertEquals("{} + [a:2, b:3]", two.toString());
  }
}
