package io.converge.crdt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

final class HashTrieMapTest {

  /** A key whose hash code is chosen by the test, so that tries get deep or collide. */
  record Key(int id, int hash) {
    /** A key whose spread hash (the one the trie uses) is {@code spreadHash}. */
    static Key withSpreadHash(int id, int spreadHash) {
      return new Key(id, HashTrieMap.spread(spreadHash));
    }

    @Override
    public int hashCode() {
      return hash;
    }

    @Override
    public String toString() {
      return "k" + id;
    }
  }

  @SuppressWarnings("unchecked")
  private static <K, V> HashTrieMap<K, V> of(Object... kvs) {
    HashTrieMap<Object, Object> m = HashTrieMap.empty();
    for (int i = 0; i < kvs.length; i += 2) {
      m = m.put(kvs[i], kvs[i + 1]);
    }
    return (HashTrieMap<K, V>) (HashTrieMap<?, ?>) m;
  }

  @SuppressWarnings("unchecked")
  private static HashTrieMap<Object, Object> widen(HashTrieMap<?, ?> m) {
    return (HashTrieMap<Object, Object>) m;
  }

  private static HashTrieMap<Integer, Integer> range(int n) {
    HashTrieMap<Integer, Integer> m = HashTrieMap.empty();
    for (int i = 0; i < n; i++) {
      m = m.put(i, i);
    }
    return m;
  }

  private static Map<Object, Object> toHashMap(HashTrieMap<?, ?> m) {
    Map<Object, Object> out = new HashMap<>();
    for (Map.Entry<?, ?> e : m) {
      assertNull(out.put(e.getKey(), e.getValue()), "duplicate key " + e.getKey());
    }
    return out;
  }

  /** The nodes reachable from a map's root, by identity. */
  private static Set<Object> nodes(HashTrieMap<?, ?> m) {
    Set<Object> out = Collections.newSetFromMap(new IdentityHashMap<>());
    collect(rootOf(m), out);
    return out;
  }

  private static HashTrieMap.Node rootOf(HashTrieMap<?, ?> m) {
    try {
      java.lang.reflect.Field f = HashTrieMap.class.getDeclaredField("root");
      f.setAccessible(true);
      return (HashTrieMap.Node) f.get(m);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }

  private static void collect(HashTrieMap.Node n, Set<Object> out) {
    out.add(n);
    if (n instanceof HashTrieMap.BitmapNode) {
      HashTrieMap.BitmapNode b = (HashTrieMap.BitmapNode) n;
      for (int j = 0; j < b.nodeArity(); j++) {
        collect(b.nodeAtIndex(j), out);
      }
    }
  }

  // --- empty ---------------------------------------------------------------------------------

  @Test
  void empty_always_isSharedAndEmpty() {
    assertSame(HashTrieMap.empty(), HashTrieMap.empty());
    HashTrieMap<String, String> m = HashTrieMap.empty();
    assertEquals(0, m.size());
    assertTrue(m.isEmpty());
    assertNull(m.get("a"));
    assertFalse(m.containsKey("a"));
    assertFalse(m.iterator().hasNext());
    assertEquals("{}", m.toString());
    assertEquals(0, m.hashCode());
  }

  // --- put / get -----------------------------------------------------------------------------

  @Test
  void put_newKey_addsEntryAndKeepsOldVersion() {
    HashTrieMap<String, Integer> a = HashTrieMap.<String, Integer>empty().put("a", 1);
    HashTrieMap<String, Integer> b = a.put("b", 2);
    assertEquals(1, a.size());
    assertEquals(2, b.size());
    assertEquals(1, b.get("a"));
    assertEquals(2, b.get("b"));
    assertNull(a.get("b"));
    assertTrue(b.containsKey("b"));
    assertFalse(a.containsKey("b"));
    assertFalse(b.isEmpty());
  }

  @Test
  void put_existingKeyNewValue_replacesValueKeepsSize() {
    HashTrieMap<String, String> a = HashTrieMap.<String, String>empty().put("k", "v1");
    HashTrieMap<String, String> b = a.put("k", "v2");
    assertEquals("v1", a.get("k"));
    assertEquals("v2", b.get("k"));
    assertEquals(1, b.size());
  }

  @Test
  void put_identicalValue_returnsThis() {
    HashTrieMap<Integer, Integer> m = range(1000);
    for (int i = 0; i < 1000; i += 37) {
      assertSame(m, m.put(i, m.get(i)));
    }
  }

  @Test
  void put_equalButNotIdenticalValue_returnsNewEqualMap() {
    String v = "value";
    String copy = new String(v.toCharArray());
    HashTrieMap<String, String> m = HashTrieMap.<String, String>empty().put("k", v);
    HashTrieMap<String, String> n = m.put("k", copy);
    assertNotSame(m, n);
    assertEquals(m, n);
    assertSame(copy, n.get("k"));
  }

  @Test
  void put_nullKey_throwsNamingKey() {
    NullPointerException e =
        assertThrows(NullPointerException.class, () -> HashTrieMap.empty().put(null, 1));
    assertEquals("key", e.getMessage());
  }

  @Test
  void put_nullValue_throwsNamingValue() {
    NullPointerException e =
        assertThrows(NullPointerException.class, () -> HashTrieMap.empty().put("k", null));
    assertEquals("value", e.getMessage());
  }

  @Test
  void get_nullKey_throwsNamingKey() {
    HashTrieMap<String, String> m = HashTrieMap.empty();
    assertEquals("key", assertThrows(NullPointerException.class, () -> m.get(null)).getMessage());
    assertEquals(
        "key", assertThrows(NullPointerException.class, () -> m.containsKey(null)).getMessage());
  }

  @Test
  void get_manyKeys_findsEveryOne() {
    HashTrieMap<Integer, Integer> m = range(100_000);
    assertEquals(100_000, m.size());
    for (int i = 0; i < 100_000; i++) {
      assertEquals(i, m.get(i));
    }
    assertNull(m.get(100_000));
    assertNull(m.get(-1));
    assertFalse(m.containsKey("0"));
  }

  @Test
  void put_largeMap_copiesOnlyThePath() {
    HashTrieMap<Integer, Integer> m = range(100_000);
    Set<Object> before = nodes(m);
    HashTrieMap<Integer, Integer> updated = m.put(123_456, 1);
    HashTrieMap<Integer, Integer> replaced = m.put(500, -1);
    HashTrieMap<Integer, Integer> removed = m.remove(777);
    for (HashTrieMap<Integer, Integer> next : List.of(updated, replaced, removed)) {
      Set<Object> fresh = nodes(next);
      fresh.removeAll(before);
      // One new node per level on the path: at most the 7 bitmap levels (4 for 100 000 keys).
      assertTrue(fresh.size() <= 5, "new nodes: " + fresh.size());
    }
    assertEquals(100_001, updated.size());
    assertEquals(100_000, replaced.size());
    assertEquals(99_999, removed.size());
  }

  // --- remove --------------------------------------------------------------------------------

  @Test
  void remove_absentKey_returnsThis() {
    HashTrieMap<Integer, Integer> m = range(100);
    assertSame(m, m.remove(1000));
    assertSame(m, m.remove("not an integer"));
    HashTrieMap<Integer, Integer> e = HashTrieMap.empty();
    assertSame(e, e.remove(1));
  }

  @Test
  void remove_presentKey_removesAndKeepsOldVersion() {
    HashTrieMap<Integer, Integer> m = range(100);
    HashTrieMap<Integer, Integer> n = m.remove(42);
    assertEquals(99, n.size());
    assertFalse(n.containsKey(42));
    assertTrue(m.containsKey(42));
    assertEquals(100, m.size());
  }

  @Test
  void remove_nullKey_throwsNamingKey() {
    HashTrieMap<String, String> m = HashTrieMap.empty();
    assertEquals(
        "key", assertThrows(NullPointerException.class, () -> m.remove(null)).getMessage());
  }

  @Test
  void remove_everyKey_reachesTheEmptySingleton() {
    HashTrieMap<Integer, Integer> m = range(5000);
    List<Integer> keys = new ArrayList<>();
    for (int i = 0; i < 5000; i++) {
      keys.add(i);
    }
    Collections.shuffle(keys, new Random(7));
    int size = 5000;
    for (Integer k : keys) {
      m = m.remove(k);
      size--;
      assertEquals(size, m.size());
      assertFalse(m.containsKey(k));
    }
    assertSame(HashTrieMap.empty(), m);
  }

  @Test
  void remove_thenEqualContent_equalsFreshMapWithSameShape() {
    // Canonical form: the trie shape depends only on the keys, so the maps compare equal.
    HashTrieMap<Integer, Integer> big = range(3000);
    HashTrieMap<Integer, Integer> shrunk = big;
    for (int i = 100; i < 3000; i++) {
      shrunk = shrunk.remove(i);
    }
    assertEquals(range(100), shrunk);
    assertEquals(nodes(range(100)).size(), nodes(shrunk).size());
  }

  // --- collisions ----------------------------------------------------------------------------

  @Test
  void put_collidingHashes_keepsAllKeys() {
    HashTrieMap<Object, Object> m = HashTrieMap.empty();
    for (int i = 0; i < 20; i++) {
      m = m.put(new Key(i, 42), i);
    }
    assertEquals(20, m.size());
    for (int i = 0; i < 20; i++) {
      assertEquals(i, m.get(new Key(i, 42)));
    }
    assertNull(m.get(new Key(20, 42)));
    assertNull(m.get(new Key(0, 43)));
    assertEquals(20, toHashMap(m).size());
  }

  @Test
  void put_collidingKeyIdenticalValue_returnsThis() {
    Integer v = 1000;
    HashTrieMap<Object, Object> m = of(new Key(1, 5), v, new Key(2, 5), v, new Key(3, 5), v);
    assertSame(m, m.put(new Key(2, 5), v));
    HashTrieMap<Object, Object> n = m.put(new Key(2, 5), "other");
    assertEquals("other", n.get(new Key(2, 5)));
    assertEquals(v, m.get(new Key(2, 5)));
    assertEquals(3, n.size());
  }

  @Test
  void remove_collidingKeys_downToEmpty() {
    HashTrieMap<Object, Object> m = HashTrieMap.empty();
    for (int i = 0; i < 6; i++) {
      m = m.put(new Key(i, 0xCAFE), i);
    }
    m = m.put("other", 1);
    assertSame(m, m.remove(new Key(99, 0xCAFE)));
    for (int i = 0; i < 6; i++) {
      m = m.remove(new Key(i, 0xCAFE));
      assertEquals(6 - i, m.size());
      for (int j = i + 1; j < 6; j++) {
        assertEquals(j, m.get(new Key(j, 0xCAFE)));
      }
    }
    assertEquals(of("other", 1), m);
    assertSame(HashTrieMap.empty(), m.remove("other"));
  }

  @Test
  void remove_lastButOneCollidingKey_collapsesToCanonicalShape() {
    HashTrieMap<Object, Object> two = of(new Key(1, 9), "a", new Key(2, 9), "b", "x", "y");
    HashTrieMap<Object, Object> one = two.remove(new Key(1, 9));
    HashTrieMap<Object, Object> fresh = of("x", "y", new Key(2, 9), "b");
    assertEquals(fresh, one);
    assertEquals(nodes(fresh).size(), nodes(one).size());
  }

  @Test
  void put_hashesDifferingInTopBitsOnly_buildsDeepTrie() {
    HashTrieMap<Object, Object> m = HashTrieMap.empty();
    for (int i = 0; i < 4; i++) {
      m = m.put(Key.withSpreadHash(i, i << 30), i);
    }
    assertEquals(4, m.size());
    for (int i = 0; i < 4; i++) {
      assertEquals(i, m.get(Key.withSpreadHash(i, i << 30)));
    }
    // Seven levels: six single-child nodes, then one node with the four entries.
    assertEquals(7, nodes(m).size());
    for (int i = 0; i < 3; i++) {
      m = m.remove(Key.withSpreadHash(i, i << 30));
    }
    assertEquals(1, nodes(m).size());
    assertEquals(of(Key.withSpreadHash(3, 3 << 30), 3), m);
  }

  @Test
  void equals_collisionNodesInDifferentOrder_areEqual() {
    HashTrieMap<Object, Object> a = of(new Key(1, 3), 1, new Key(2, 3), 2, new Key(3, 3), 3);
    HashTrieMap<Object, Object> b = of(new Key(3, 3), 3, new Key(1, 3), 1, new Key(2, 3), 2);
    assertEquals(a, b);
    assertEquals(a.hashCode(), b.hashCode());
    assertNotEquals(a, b.put(new Key(2, 3), 20));
    assertNotEquals(a, b.remove(new Key(2, 3)).put(new Key(4, 3), 2));
  }

  // --- traversal -----------------------------------------------------------------------------

  @Test
  void forEach_everyEntry_visitedOnce() {
    HashTrieMap<Integer, Integer> m = range(2000);
    Map<Integer, Integer> seen = new HashMap<>();
    m.forEach((k, v) -> assertNull(seen.put(k, v)));
    assertEquals(m.asMap(), seen);
  }

  @Test
  void forEach_nullAction_throws() {
    assertThrows(
        NullPointerException.class,
        () -> range(3).forEach((java.util.function.BiConsumer<Integer, Integer>) null));
  }

  @Test
  void iterator_everyEntry_visitedOnceThenThrows() {
    HashTrieMap<Object, Object> m = widen(range(2000)).put(new Key(1, 7), "c1");
    m = m.put(new Key(2, 7), "c2");
    Map<Object, Object> seen = toHashMap(m);
    assertEquals(2002, seen.size());
    assertEquals("c2", seen.get(new Key(2, 7)));
    Iterator<Map.Entry<Object, Object>> it = m.iterator();
    while (it.hasNext()) {
      it.next();
    }
    assertThrows(NoSuchElementException.class, it::next);
  }

  @Test
  void iterator_entries_areImmutableAndRemoveUnsupported() {
    Iterator<Map.Entry<Integer, Integer>> it = range(3).iterator();
    Map.Entry<Integer, Integer> e = it.next();
    assertThrows(UnsupportedOperationException.class, () -> e.setValue(9));
    assertThrows(UnsupportedOperationException.class, it::remove);
  }

  @Test
  void keys_view_matchesKeys() {
    HashTrieMap<Integer, Integer> m = range(300);
    Set<Integer> keys = m.keys();
    assertEquals(300, keys.size());
    assertTrue(keys.contains(299));
    assertFalse(keys.contains(300));
    assertFalse(keys.contains(null));
    Set<Integer> copy = new java.util.HashSet<>();
    for (Integer k : keys) {
      assertTrue(copy.add(k));
    }
    assertEquals(copy, keys);
    assertThrows(UnsupportedOperationException.class, () -> keys.add(1000));
    assertThrows(UnsupportedOperationException.class, () -> keys.remove(1));
  }

  // --- asMap ---------------------------------------------------------------------------------

  @Test
  void asMap_lookups_delegateToTrie() {
    HashTrieMap<String, Integer> m = of("a", 1, "b", 2);
    Map<String, Integer> view = m.asMap();
    assertEquals(2, view.size());
    assertFalse(view.isEmpty());
    assertEquals(1, view.get("a"));
    assertNull(view.get("z"));
    assertNull(view.get(null));
    assertTrue(view.containsKey("b"));
    assertFalse(view.containsKey(null));
    assertEquals(7, view.getOrDefault("z", 7));
    assertTrue(view.containsValue(2));
    assertTrue(view.entrySet().contains(Map.entry("a", 1)));
    assertFalse(view.entrySet().contains(Map.entry("a", 2)));
    assertFalse(view.entrySet().contains("a"));
    assertEquals(2, view.values().size());
    assertTrue(view.values().contains(2));
    assertSame(view, m.asMap());
    assertTrue(HashTrieMap.empty().asMap().isEmpty());
  }

  @Test
  void asMap_equalsAndHashCode_followMapContract() {
    HashTrieMap<String, Integer> m = of("a", 1, "b", 2);
    Map<String, Integer> expected = Map.of("a", 1, "b", 2);
    assertEquals(expected, m.asMap());
    assertEquals(m.asMap(), expected);
    assertEquals(expected.hashCode(), m.asMap().hashCode());
    assertEquals(expected.hashCode(), m.hashCode());
    assertEquals(of("b", 2, "a", 1).asMap(), m.asMap());
    assertNotEquals(of("a", 1).asMap(), m.asMap());
    assertEquals(expected.toString().length(), m.asMap().toString().length());
  }

  @Test
  void asMap_mutators_throwUnsupported() {
    Map<String, Integer> view = HashTrieMapTest.<String, Integer>of("a", 1).asMap();
    assertThrows(UnsupportedOperationException.class, () -> view.put("b", 2));
    assertThrows(UnsupportedOperationException.class, () -> view.remove("a"));
    assertThrows(UnsupportedOperationException.class, () -> view.remove("zz"));
    assertThrows(UnsupportedOperationException.class, () -> view.putAll(Map.of("c", 3)));
    assertThrows(UnsupportedOperationException.class, view::clear);
    assertThrows(
        UnsupportedOperationException.class, () -> view.entrySet().iterator().next().setValue(5));
  }

  // --- equals / hashCode / toString ----------------------------------------------------------

  @Test
  void equals_sameEntriesDifferentHistory_areEqual() {
    HashTrieMap<Integer, Integer> up = range(1000);
    HashTrieMap<Integer, Integer> down = HashTrieMap.empty();
    for (int i = 1999; i >= 0; i--) {
      down = down.put(i, i);
    }
    for (int i = 1000; i < 2000; i++) {
      down = down.remove(i);
    }
    assertEquals(up, down);
    assertEquals(down, up);
    assertEquals(up.hashCode(), down.hashCode());
    assertEquals(new HashMap<>(up.asMap()).hashCode(), up.hashCode());
  }

  @Test
  void equals_differences_areUnequal() {
    HashTrieMap<Integer, Integer> m = range(100);
    assertEquals(m, m);
    assertNotEquals(m, m.put(5, -5));
    assertNotEquals(m, m.remove(5));
    assertNotEquals(m, m.remove(5).put(500, 5));
    assertNotEquals(m, m.asMap());
    assertNotEquals(m, null);
    assertNotEquals(HashTrieMap.empty(), m);
  }

  @Test
  void equals_cachedHashesDiffer_areUnequal() {
    HashTrieMap<Integer, Integer> a = range(10);
    HashTrieMap<Integer, Integer> b = a.put(3, 33);
    assertNotEquals(a.hashCode(), b.hashCode());
    assertNotEquals(a, b);
  }

  @Test
  void toString_entries_formattedLikeAbstractMap() {
    assertEquals("{a=1}", of("a", 1).toString());
    String two = of("a", 1, "b", 2).toString();
    assertTrue(two.equals("{a=1, b=2}") || two.equals("{b=2, a=1}"), two);
  }

  // --- builder -------------------------------------------------------------------------------

  @Test
  void builder_empty_buildsTheEmptySingleton() {
    HashTrieMap.Builder<String, String> b = HashTrieMap.builder();
    assertTrue(b.isEmpty());
    assertEquals(0, b.size());
    assertSame(HashTrieMap.empty(), b.build());
  }

  @Test
  void builder_putGetRemove_trackEntries() {
    HashTrieMap.Builder<Object, Object> b = HashTrieMap.builder();
    for (int i = 0; i < 1000; i++) {
      b.put(i, i);
    }
    b.put(new Key(1, 1), "c1").put(new Key(2, 1), "c2");
    assertEquals(1002, b.size());
    assertEquals(5, b.get(5));
    assertTrue(b.containsKey(new Key(2, 1)));
    b.remove(5).remove(new Key(1, 1)).remove("absent");
    assertEquals(1000, b.size());
    assertNull(b.get(5));
    assertFalse(b.containsKey(new Key(1, 1)));
    HashTrieMap<Object, Object> built = b.build();
    HashTrieMap<Object, Object> expected = widen(range(1000)).remove(5);
    assertEquals(expected.put(new Key(2, 1), "c2"), built);
    assertEquals(1000, built.size());
  }

  @Test
  void builder_nullArguments_throwNamingThem() {
    HashTrieMap.Builder<String, String> b = HashTrieMap.builder();
    assertEquals(
        "key", assertThrows(NullPointerException.class, () -> b.put(null, "v")).getMessage());
    assertEquals(
        "value", assertThrows(NullPointerException.class, () -> b.put("k", null)).getMessage());
    assertEquals(
        "key", assertThrows(NullPointerException.class, () -> b.remove(null)).getMessage());
    assertEquals("key", assertThrows(NullPointerException.class, () -> b.get(null)).getMessage());
    assertTrue(b.isEmpty());
  }

  @Test
  void builder_changesAfterBuild_leaveBuiltMapUnchanged() {
    HashTrieMap.Builder<Integer, Integer> b = HashTrieMap.builder();
    for (int i = 0; i < 2000; i++) {
      b.put(i, i);
    }
    HashTrieMap<Integer, Integer> first = b.build();
    Map<Integer, Integer> firstCopy = new HashMap<>(first.asMap());
    for (int i = 0; i < 2000; i += 2) {
      b.put(i, -i);
      b.remove(i + 1);
    }
    b.put(5000, 5000);
    HashTrieMap<Integer, Integer> second = b.build();
    assertEquals(firstCopy, first.asMap());
    assertEquals(2000, first.size());
    assertEquals(1001, second.size());
    assertEquals(-2, second.get(2));
    assertEquals(2, first.get(2));
  }

  @Test
  void toBuilder_changes_leaveSourceUnchanged() {
    HashTrieMap<Integer, Integer> source = range(3000);
    HashTrieMap.Builder<Integer, Integer> b = source.toBuilder();
    for (int i = 0; i < 3000; i += 3) {
      b.remove(i);
      b.put(i + 1, 0);
    }
    HashTrieMap<Integer, Integer> built = b.build();
    assertEquals(range(3000), source);
    assertEquals(2000, built.size());
    assertEquals(0, built.get(1));
    assertEquals(1, source.get(1));
  }

  @Test
  void build_noChange_returnsSameMap() {
    HashTrieMap<Integer, Integer> source = range(100);
    HashTrieMap.Builder<Integer, Integer> b = source.toBuilder();
    assertSame(source, b.build());
    b.put(3, source.get(3)).remove(1000);
    assertSame(source, b.build());
    b.put(1000, 1);
    HashTrieMap<Integer, Integer> next = b.build();
    assertNotSame(source, next);
    assertSame(next, b.build());
    b.put(1000, next.get(1000));
    assertSame(next, b.build());
  }

  @Test
  void builder_removeEverything_buildsEmptySingleton() {
    HashTrieMap.Builder<Integer, Integer> b = range(500).toBuilder();
    for (int i = 0; i < 500; i++) {
      b.remove(i);
    }
    assertEquals(0, b.size());
    assertSame(HashTrieMap.empty(), b.build());
    b.put(1, 1);
    assertEquals(range(2).remove(0), b.build());
  }

  @Test
  void builder_result_equalsPersistentResultWithSameShape() {
    HashTrieMap.Builder<Integer, Integer> b = HashTrieMap.builder();
    for (int i = 0; i < 5000; i++) {
      b.put(i, i);
    }
    for (int i = 0; i < 5000; i += 2) {
      b.remove(i);
    }
    HashTrieMap<Integer, Integer> persistent = HashTrieMap.empty();
    for (int i = 1; i < 5000; i += 2) {
      persistent = persistent.put(i, i);
    }
    HashTrieMap<Integer, Integer> built = b.build();
    assertEquals(persistent, built);
    assertEquals(nodes(persistent).size(), nodes(built).size());
  }
}
