package io.converge.crdt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

final class GSetTest {

  private static GSet<String> of(String... elements) {
    GSet<String> s = GSet.empty();
    for (String e : elements) {
      s = s.add(e);
    }
    return s.resetDelta();
  }

  private static GSet<Integer> range(int from, int to) {
    GSet<Integer> s = GSet.empty();
    for (int i = from; i < to; i++) {
      s = s.add(i);
    }
    return s.resetDelta();
  }

  @Test
  void empty_always_isSharedEmptyWithoutDelta() {
    assertSame(GSet.empty(), GSet.empty());
    GSet<String> s = GSet.empty();
    assertTrue(s.isEmpty());
    assertEquals(0, s.size());
    assertTrue(s.elements().isEmpty());
    assertEquals(Optional.empty(), s.delta());
    assertEquals("GSet[]", s.toString());
  }

  @Test
  void add_newElement_isContained() {
    GSet<String> s = GSet.<String>empty().add("a").add("b");
    assertTrue(s.contains("a"));
    assertTrue(s.contains("b"));
    assertFalse(s.contains("c"));
    assertFalse(s.contains(null));
    assertEquals(2, s.size());
    assertFalse(s.isEmpty());
    assertEquals(Set.of("a", "b"), s.elements());
  }

  @Test
  void add_presentElement_returnsThis() {
    GSet<String> s = GSet.<String>empty().add("a");
    assertSame(s, s.add("a"));
    GSet<String> reset = s.resetDelta();
    assertSame(reset, reset.add(new String("a".toCharArray())));
  }

  @Test
  void add_keepsOldVersionUnchanged() {
    GSet<String> s = of("a");
    GSet<String> t = s.add("b");
    assertEquals(Set.of("a"), s.elements());
    assertEquals(Set.of("a", "b"), t.elements());
  }

  @Test
  void add_nullElement_throwsNamingElementAndStateUnchanged() {
    GSet<String> s = of("a").add("b");
    NullPointerException e = assertThrows(NullPointerException.class, () -> s.add(null));
    assertEquals("element", e.getMessage());
    assertEquals(Set.of("a", "b"), s.elements());
    assertEquals(of("b"), s.delta().orElseThrow());
  }

  @Test
  void elements_view_isUnmodifiable() {
    Set<String> elements = of("a").elements();
    assertThrows(UnsupportedOperationException.class, () -> elements.add("b"));
    assertThrows(UnsupportedOperationException.class, () -> elements.remove("a"));
    assertEquals(Set.of("a"), elements);
  }

  @Test
  void merge_disjointSets_isUnion() {
    assertEquals(of("a", "b", "c", "d"), of("a", "b").merge(of("c", "d")));
    assertEquals(range(0, 2000), range(0, 1200).merge(range(800, 2000)));
    assertEquals(range(0, 2000), range(800, 2000).merge(range(0, 1200)));
  }

  @Test
  void merge_examples_isCommutative() {
    GSet<Integer> a = range(0, 10);
    GSet<Integer> b = range(5, 300);
    GSet<Integer> c = range(250, 260).add(-1);
    assertEquals(a.merge(b), b.merge(a));
    assertEquals(a.merge(c), c.merge(a));
    assertEquals(a.merge(b).merge(c), a.merge(b.merge(c)));
    assertEquals(a.merge(b).hashCode(), b.merge(a).hashCode());
  }

  @Test
  void merge_sameOrIncluded_returnsThisOrOtherWithoutAllocating() {
    GSet<Integer> big = range(0, 100);
    GSet<Integer> small = range(10, 20);
    assertSame(big, big.merge(big));
    assertSame(big, big.merge(GSet.empty()));
    assertSame(big, big.merge(small));
    assertSame(big, big.merge(range(0, 100)));
    assertSame(big, small.merge(big));
    assertSame(big, GSet.<Integer>empty().merge(big));
  }

  @Test
  void merge_isIdempotent() {
    GSet<Integer> a = range(0, 50);
    assertEquals(a, a.merge(a));
    assertEquals(a, a.merge(range(0, 50)));
    assertEquals(a.merge(range(40, 60)), a.merge(range(40, 60)).merge(range(40, 60)));
  }

  @Test
  void merge_null_throws() {
    assertThrows(NullPointerException.class, () -> of("a").merge(null));
  }

  @Test
  void delta_ofAdd_isSingletonAndMergesIntoOldState() {
    GSet<Integer> before = range(0, 1000);
    GSet<Integer> after = before.add(5000);
    GSet<Integer> delta = after.delta().orElseThrow();
    assertEquals(Set.of(5000), delta.elements());
    assertEquals(Optional.empty(), delta.delta());
    assertEquals(after, before.merge(delta));
    assertEquals(after, delta.merge(before));
  }

  @Test
  void delta_ofSeveralAdds_accumulatesUntilReset() {
    GSet<String> s = of("x").add("a").add("b").add("a");
    assertEquals(of("a", "b"), s.delta().orElseThrow());
    assertEquals(of("x", "a", "b"), of("x").merge(s.delta().orElseThrow()));
    GSet<String> reset = s.resetDelta();
    assertEquals(Optional.empty(), reset.delta());
    assertEquals(s, reset);
    assertSame(reset, reset.resetDelta());
    assertEquals(of("c"), reset.add("c").delta().orElseThrow());
  }

  @Test
  void delta_ofPresentElementAdd_isNotAdded() {
    GSet<String> s = of("a");
    assertEquals(Optional.empty(), s.add("a").delta());
  }

  @Test
  void merge_keepsThisDelta() {
    GSet<String> local = of("a").add("b");
    GSet<String> remote = of("c").add("d");
    GSet<String> merged = local.merge(remote);
    assertEquals(of("a", "b", "c", "d"), merged);
    assertEquals(of("b"), merged.delta().orElseThrow());
    assertEquals(Optional.empty(), of("a").merge(remote).delta());
    // Other includes this: the result has other's elements but this set's (empty) delta.
    GSet<String> bigger = of("a", "b", "c").add("z");
    GSet<String> included = of("a").merge(bigger);
    assertEquals(bigger, included);
    assertEquals(Optional.empty(), included.delta());
  }

  @Test
  void equals_ignoresDelta() {
    GSet<String> withDelta = of("a").add("b");
    GSet<String> without = of("a", "b");
    assertEquals(withDelta, without);
    assertEquals(without, withDelta);
    assertEquals(withDelta.hashCode(), without.hashCode());
    assertNotEquals(of("a"), without);
    assertNotEquals(without, null);
    assertNotEquals(without, Set.of("a", "b"));
  }

  @Test
  void toString_listsElements() {
    assertEquals("GSet[a]", of("a").toString());
  }
}
