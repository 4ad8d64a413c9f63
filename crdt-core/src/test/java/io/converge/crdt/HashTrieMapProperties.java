package io.converge.crdt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * Random sequences of puts and removes on a {@link HashTrieMap} and on its {@link
 * HashTrieMap.Builder}, checked against {@link HashMap} as the model after every step: lookups,
 * size, iteration, equality with a map built by a different history (canonical form), {@code
 * hashCode}, and at the end that every older version is unchanged (persistence).
 *
 * <p>Keys come from a small pool so that operations hit the same keys often; the pool holds keys
 * with fully colliding hashes, hashes that differ only in their top bits (the deepest trie level)
 * and hashes with few distinct low bits.
 */
final class HashTrieMapProperties {

  /** A key with a chosen hash code. */
  record Key(int id, int hash) {
    @Override
    public int hashCode() {
      return hash;
    }

    @Override
    public String toString() {
      return "k" + id + "#" + Integer.toHexString(hash);
    }
  }

  private static final int POOL_SIZE = 48;

  private static final int VALUES = 5;

  private static final Key[] POOL = new Key[POOL_SIZE];

  static {
    for (int id = 0; id < POOL_SIZE; id++) {
      int spreadHash;
      if (id < 12) {
        spreadHash = 0xABCDE; // all collide
      } else if (id < 24) {
        spreadHash = ((id % 4) << 30) | 0x1F; // differ in the last level only, and collide
      } else if (id < 36) {
        spreadHash = id & 3; // share the first levels
      } else {
        spreadHash = id * 0x9E3779B9;
      }
      // spread is an involution: this key's spread hash is spreadHash.
      POOL[id] = new Key(id, HashTrieMap.spread(spreadHash));
    }
  }

  /** An operation code: bits 0-2 the kind, then the key, then the value. */
  private static Gen<List<Integer>> operations() {
    return lists().of(integers().between(0, (1 << 20) - 1)).ofSizeBetween(0, 100);
  }

  private static int kind(int op) {
    return op & 7;
  }

  private static Key key(int op) {
    return POOL[(op >>> 3) % POOL_SIZE];
  }

  private static Integer value(int op) {
    // Small Integers are cached: equal values are often the same instance.
    return Integer.valueOf((op >>> 9) % VALUES);
  }

  @Test
  void persistentOperations_matchHashMapModel_andKeepOldVersions() {
    qt().forAll(operations()).checkAssert(HashTrieMapProperties::runPersistent);
  }

  @Test
  void builderOperations_matchHashMapModel_andNeverChangeBuiltMaps() {
    qt().forAll(operations(), operations()).checkAssert(HashTrieMapProperties::runBuilder);
  }

  private static void runPersistent(List<Integer> ops) {
    HashTrieMap<Key, Integer> m = HashTrieMap.empty();
    Map<Key, Integer> model = new HashMap<>();
    List<HashTrieMap<Key, Integer>> versions = new ArrayList<>();
    List<Map<Key, Integer>> snapshots = new ArrayList<>();
    for (int op : ops) {
      HashTrieMap<Key, Integer> prev = m;
      Map<Key, Integer> prevModel = new HashMap<>(model);
      Key k = key(op);
      if (kind(op) < 4) {
        Integer v = value(op);
        boolean unchanged = model.get(k) == v;
        m = m.put(k, v);
        model.put(k, v);
        if (unchanged) {
          assertSame(prev, m, "put of an identical value must return this");
        }
      } else {
        boolean absent = !model.containsKey(k);
        m = m.remove(k);
        model.remove(k);
        if (absent) {
          assertSame(prev, m, "remove of an absent key must return this");
        }
      }
      check(m, model);
      assertEquals(model.equals(prevModel), m.equals(prev));
      versions.add(m);
      snapshots.add(new HashMap<>(model));
    }
    for (int i = 0; i < versions.size(); i++) {
      check(versions.get(i), snapshots.get(i));
    }
  }

  private static void runBuilder(List<Integer> baseOps, List<Integer> ops) {
    Map<Key, Integer> model = new HashMap<>();
    HashTrieMap<Key, Integer> base = HashTrieMap.empty();
    for (int op : baseOps) {
      if (kind(op) < 5) {
        base = base.put(key(op), value(op));
        model.put(key(op), value(op));
      } else {
        base = base.remove(key(op));
        model.remove(key(op));
      }
    }
    List<HashTrieMap<Key, Integer>> built = new ArrayList<>();
    List<Map<Key, Integer>> snapshots = new ArrayList<>();
    built.add(base);
    snapshots.add(new HashMap<>(model));
    HashTrieMap.Builder<Key, Integer> b = base.toBuilder();
    for (int op : ops) {
      Key k = key(op);
      if (kind(op) < 4) {
        b.put(k, value(op));
        model.put(k, value(op));
      } else if (kind(op) < 7) {
        b.remove(k);
        model.remove(k);
      } else {
        HashTrieMap<Key, Integer> m = b.build();
        assertSame(m, b.build(), "build without changes must return the same map");
        check(m, model);
        built.add(m);
        snapshots.add(new HashMap<>(model));
      }
      assertEquals(model.size(), b.size());
      assertEquals(model.isEmpty(), b.isEmpty());
      for (Key key : POOL) {
        assertEquals(model.get(key), b.get(key));
      }
    }
    HashTrieMap<Key, Integer> last = b.build();
    check(last, model);
    for (int i = 0; i < built.size(); i++) {
      check(built.get(i), snapshots.get(i));
    }
  }

  /** Checks every observable of {@code m} against the model. */
  private static void check(HashTrieMap<Key, Integer> m, Map<Key, Integer> model) {
    assertEquals(model.size(), m.size());
    assertEquals(model.isEmpty(), m.isEmpty());
    if (model.isEmpty()) {
      assertSame(HashTrieMap.empty(), m);
    }
    for (Key k : POOL) {
      assertEquals(model.get(k), m.get(k), () -> "get " + k);
      assertEquals(model.containsKey(k), m.containsKey(k));
    }
    Map<Key, Integer> iterated = new HashMap<>();
    for (Map.Entry<Key, Integer> e : m) {
      assertNull(iterated.put(e.getKey(), e.getValue()), "iterated twice: " + e.getKey());
    }
    assertEquals(model, iterated);
    Map<Key, Integer> visited = new HashMap<>();
    m.forEach((k, v) -> assertNull(visited.put(k, v)));
    assertEquals(model, visited);
    assertEquals(model.keySet(), m.keys());
    assertEquals(model, m.asMap());
    assertEquals(m.asMap(), model);
    assertEquals(model.hashCode(), m.hashCode());
    // A map with the same entries made by another history has the same (canonical) shape.
    HashTrieMap<Key, Integer> fresh = HashTrieMap.empty();
    for (Map.Entry<Key, Integer> e : model.entrySet()) {
      fresh = fresh.put(e.getKey(), e.getValue());
    }
    assertEquals(fresh, m);
    assertEquals(m, fresh);
  }
}
