package io.converge.crdt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.clocks.ReplicaId;
import java.util.Set;
import org.junit.jupiter.api.Test;

final class ORMapTest {

  private final ReplicaId r1 = ReplicaId.of("r1");
  private final ReplicaId r2 = ReplicaId.of("r2");

  private static ORMap<String, CausalCounter> cart() {
    return ORMap.empty(CausalCounter.zero());
  }

  @Test
  void update_absentKey_startsFromZero() {
    ORMap<String, CausalCounter> m = cart().update(r1, "apple", q -> q.increment(r1, 2));
    assertEquals(2, m.get("apple").orElseThrow().value());
    assertTrue(m.containsKey("apple"));
    assertEquals(Set.of("apple"), m.keys());
  }

  @Test
  void concurrentRemoveAndNestedUpdate_updateSurvivesAlone() {
    ORMap<String, CausalCounter> base =
        cart().update(r1, "apple", q -> q.increment(r1, 3)).resetDelta();
    ORMap<String, CausalCounter> removed = base.remove(r1, "apple");
    ORMap<String, CausalCounter> added = base.update(r2, "apple", q -> q.increment(r2, 1));
    ORMap<String, CausalCounter> merged = removed.merge(added);
    assertEquals(1, merged.get("apple").orElseThrow().value());
    assertEquals(merged, added.merge(removed));
  }

  @Test
  void concurrentRemoveAndNestedSetAdd_keepsOnlyConcurrentElements() {
    ORMap<String, ORSet<String>> base =
        ORMap.<String, ORSet<String>>empty(ORSet.empty())
            .update(r1, "tags", s -> s.add(r1, "old"))
            .resetDelta();
    ORMap<String, ORSet<String>> removed = base.remove(r1, "tags");
    ORMap<String, ORSet<String>> added = base.update(r2, "tags", s -> s.add(r2, "new"));
    assertEquals(Set.of("new"), removed.merge(added).get("tags").orElseThrow().elements());
  }

  @Test
  void remove_seenUpdate_removesKey() {
    ORMap<String, CausalCounter> m =
        cart().update(r1, "apple", q -> q.increment(r1, 3)).remove(r2, "apple");
    assertFalse(m.containsKey("apple"));
    assertTrue(m.isEmpty());
  }

  @Test
  void remove_absent_returnsSameInstance() {
    ORMap<String, CausalCounter> m = cart();
    assertSame(m, m.remove(r1, "nothing"));
  }

  @Test
  void clear_keepsConcurrentlyAddedKey() {
    ORMap<String, CausalCounter> base =
        cart()
            .update(r1, "apple", q -> q.increment(r1, 1))
            .update(r1, "pear", q -> q.increment(r1, 1))
            .resetDelta();
    ORMap<String, CausalCounter> cleared = base.clear(r1);
    ORMap<String, CausalCounter> added = base.update(r2, "plum", q -> q.increment(r2, 4));
    ORMap<String, CausalCounter> merged = cleared.merge(added);
    assertEquals(Set.of("plum"), merged.keys());
    assertEquals(4, merged.get("plum").orElseThrow().value());
  }

  @Test
  void update_functionIgnoringGivenValue_rejected() {
    ORMap<String, CausalCounter> m = cart().update(r1, "apple", q -> q.increment(r1, 1));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> m.update(r1, "apple", q -> CausalCounter.zero().increment(r1, 5)));
    assertTrue(e.getMessage().contains("apple"));
    assertEquals(1, m.get("apple").orElseThrow().value());
  }

  @Test
  void update_noChange_returnsSameInstance() {
    ORMap<String, CausalCounter> m = cart();
    assertSame(m, m.update(r1, "apple", q -> q));
  }

  @Test
  void zero_notEmpty_rejected() {
    assertThrows(
        IllegalArgumentException.class, () -> ORMap.empty(CausalCounter.zero().increment(r1, 1)));
  }

  @Test
  void delta_mergedIntoOldState_equalsNewState() {
    ORMap<String, CausalCounter> before =
        cart().update(r1, "apple", q -> q.increment(r1, 1)).resetDelta();
    ORMap<String, CausalCounter> after =
        before.update(r2, "pear", q -> q.increment(r2, 2)).remove(r2, "apple");
    assertEquals(after, before.merge(after.delta().orElseThrow()));
  }

  @Test
  void nestedMaps_mergeRecursively() {
    ORMap<String, ORMap<String, EWFlag>> m =
        ORMap.<String, ORMap<String, EWFlag>>empty(ORMap.empty(EWFlag.disabled()));
    ORMap<String, ORMap<String, EWFlag>> a =
        m.update(r1, "user", u -> u.update(r1, "x", f -> f.enable(r1)));
    ORMap<String, ORMap<String, EWFlag>> b =
        m.update(r2, "user", u -> u.update(r2, "y", f -> f.enable(r2)));
    ORMap<String, ORMap<String, EWFlag>> merged = a.merge(b);
    assertEquals(Set.of("x", "y"), merged.get("user").orElseThrow().keys());
  }
}
