package io.converge.crdt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.clocks.ReplicaId;
import java.util.Set;
import org.junit.jupiter.api.Test;

final class ORSetTest {

  private final ReplicaId r1 = ReplicaId.of("r1");
  private final ReplicaId r2 = ReplicaId.of("r2");
  private final ReplicaId r3 = ReplicaId.of("r3");

  @Test
  void add_thenContains_true() {
    ORSet<String> s = ORSet.<String>empty().add(r1, "a");
    assertTrue(s.contains("a"));
    assertEquals(1, s.size());
    assertEquals(Set.of("a"), s.elements());
  }

  @Test
  void remove_afterAdd_removes() {
    ORSet<String> s = ORSet.<String>empty().add(r1, "a").remove(r1, "a");
    assertFalse(s.contains("a"));
    assertTrue(s.isEmpty());
  }

  @Test
  void remove_absent_returnsSameInstance() {
    ORSet<String> s = ORSet.<String>empty().add(r1, "a").resetDelta();
    assertSame(s, s.remove(r1, "b"));
  }

  @Test
  void concurrentAddAndRemove_addWins() {
    ORSet<String> base = ORSet.<String>empty().add(r1, "x").resetDelta();
    ORSet<String> removed = base.remove(r1, "x");
    ORSet<String> readded = base.add(r2, "x");
    assertTrue(removed.merge(readded).contains("x"));
    assertTrue(readded.merge(removed).contains("x"));
    assertEquals(removed.merge(readded), readded.merge(removed));
  }

  @Test
  void removeOfUnseenAdd_doesNotRemoveIt() {
    ORSet<String> a = ORSet.<String>empty().add(r1, "x");
    ORSet<String> b = ORSet.<String>empty().add(r2, "x");
    // r1 removes x having seen only its own add; r2's add is unseen and survives.
    ORSet<String> aRemoved = a.remove(r1, "x");
    ORSet<String> merged = aRemoved.merge(b);
    assertTrue(merged.contains("x"));
    // Once r1 has seen r2's add, a remove removes both.
    assertFalse(merged.remove(r1, "x").merge(b).contains("x"));
  }

  @Test
  void removeThenMergeOldState_staysRemoved() {
    ORSet<String> added = ORSet.<String>empty().add(r1, "x").resetDelta();
    ORSet<String> removed = added.remove(r2, "x");
    assertFalse(removed.merge(added).contains("x"));
    assertFalse(added.merge(removed).contains("x"));
  }

  @Test
  void delta_mergedIntoOldState_equalsNewState() {
    ORSet<String> before = ORSet.<String>empty().add(r1, "a").add(r2, "b").resetDelta();
    ORSet<String> after = before.add(r3, "c").remove(r1, "a");
    ORSet<String> delta = after.delta().orElseThrow();
    assertEquals(after, before.merge(delta));
    assertFalse(delta.contains("a"));
    assertTrue(delta.contains("c"));
  }

  @Test
  void delta_appliedToConcurrentReplica_carriesOnlyItsEffect() {
    ORSet<String> base = ORSet.<String>empty().add(r1, "a").resetDelta();
    ORSet<String> other = base.add(r2, "b").resetDelta();
    ORSet<String> mine = base.remove(r1, "a");
    ORSet<String> applied = other.merge(mine.delta().orElseThrow());
    assertEquals(Set.of("b"), applied.elements());
    assertEquals(other.merge(mine), applied);
  }

  @Test
  void merge_includedContext_returnsSameInstance() {
    ORSet<String> older = ORSet.<String>empty().add(r1, "a").resetDelta();
    ORSet<String> newer = older.add(r1, "b").resetDelta();
    assertSame(newer, newer.merge(older));
    assertSame(newer, newer.merge(newer.delta().orElse(older)));
  }

  @Test
  void merge_equalButSeparatelyBuilt_returnsThis() {
    ORSet<String> a = ORSet.<String>empty().add(r1, "a").add(r1, "b").resetDelta();
    ORSet<String> b = ORSet.<String>empty().add(r1, "a").add(r1, "b").resetDelta();
    assertEquals(a, b);
    assertSame(a, a.merge(b));
  }

  @Test
  void clear_removesObservedOnly() {
    ORSet<String> base = ORSet.<String>empty().add(r1, "a").add(r1, "b").resetDelta();
    ORSet<String> cleared = base.clear(r1);
    ORSet<String> concurrent = base.add(r2, "c");
    assertEquals(Set.of("c"), cleared.merge(concurrent).elements());
  }

  @Test
  void add_nullElement_rejectedAndStateUnchanged() {
    ORSet<String> s = ORSet.<String>empty().add(r1, "a");
    NullPointerException e = assertThrows(NullPointerException.class, () -> s.add(r1, null));
    assertTrue(e.getMessage().contains("element"));
    assertEquals(Set.of("a"), s.elements());
    assertThrows(NullPointerException.class, () -> s.add(null, "b"));
    assertThrows(NullPointerException.class, () -> s.remove(r1, null));
  }

  @Test
  void equals_ignoresPendingDelta() {
    ORSet<String> s = ORSet.<String>empty().add(r1, "a");
    assertEquals(s, s.resetDelta());
    assertEquals(s.hashCode(), s.resetDelta().hashCode());
    assertTrue(s.resetDelta().delta().isEmpty());
  }

  @Test
  void deltas_accumulateUntilReset() {
    ORSet<String> start = ORSet.<String>empty();
    ORSet<String> end = start.add(r1, "a").add(r1, "b").remove(r1, "a");
    assertEquals(end, start.merge(end.delta().orElseThrow()));
    assertEquals(Set.of("b"), end.delta().orElseThrow().elements());
  }

  @Test
  void context_holdsEveryWriteIncludingRemoves() {
    ORSet<String> s = ORSet.<String>empty().add(r1, "a").remove(r1, "a");
    assertEquals(2, s.context().versionVector().get(r1));
  }
}
