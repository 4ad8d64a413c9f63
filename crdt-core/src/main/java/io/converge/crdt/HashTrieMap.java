package io.converge.crdt;

import java.util.AbstractCollection;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Collection;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * An immutable persistent hash map with structural sharing: the backbone of the sets and maps of
 * this package.
 *
 * <h2>Design note</h2>
 *
 * <p>This is a CHAMP trie (Steindorfer, Vinju, "Optimizing Hash-Array Mapped Tries for Fast and
 * Lean Immutable JVM Collections", OOPSLA 2015), the layout of Scala 2.13's and Capsule's hash
 * maps. A node at depth d branches 32 ways on bits [5d, 5d + 5) of the (spread) hash. It holds two
 * 32-bit bitmaps: {@code dataMap} marks the branches that hold one entry inline, {@code nodeMap}
 * the branches that hold a sub-node. One array holds the inline keys and values first, in branch
 * order ({@code k0, v0, k1, v1, ...}), then the sub-nodes in reverse branch order at the end; the
 * slot of a branch is the number of lower bits set in its bitmap ({@code Integer.bitCount}). A
 * parallel {@code int[]} holds the hashes of the inline keys, so that lookups compare hashes before
 * calling {@code equals}, and pushing an entry one level down never calls {@code hashCode} again.
 * Keys whose 32-bit hashes are equal end in a collision node (a plain array of pairs) below the
 * seventh level.
 *
 * <p>Why this shape: an update copies only the nodes on the path from the root to the entry, at
 * most 7 small arrays for any size (O(log32 n)), and shares everything else with the previous
 * version, so CRDT values can keep every version cheaply and a delta of k entries costs O(k log32
 * n) to merge. Keeping entries inline instead of in leaf nodes saves an indirection and memory;
 * separating entries from sub-nodes makes iteration and equality simple loops.
 *
 * <p>The trie is kept in CHAMP's <em>canonical form</em>: a sub-node always holds at least two
 * entries (removal moves a lone remaining entry back up into its parent), so the shape depends only
 * on the set of keys, not on the history of operations. Therefore {@link #equals} compares two
 * tries node by node, skips shared (identical) sub-nodes in O(1) and costs O(difference) for two
 * versions of one map. Each node caches the number of entries below it, which gives an O(1) {@link
 * #size()}, and lets a parent tell whether an update below it added or removed an entry without
 * allocating any result object.
 *
 * <p>{@link Builder} is the transient form (Clojure's transients): a builder has an owner token,
 * nodes it creates carry that token and are mutated in place, and a node it does not own (shared
 * with a built map) is copied once, on the first change below it. {@link Builder#build()} gives the
 * builder a fresh token, so it never mutates a node that a built map can reach. Nodes of a
 * persistent map are never written after the map's construction; the map's final {@code root} field
 * publishes them safely.
 *
 * <p>This class is immutable and thread-safe if the keys and values are; a builder is not
 * thread-safe. Keys and values must not be null. Keys need consistent {@code equals} and {@code
 * hashCode}; values are compared with {@code ==} to detect no-op puts and with {@code equals} by
 * {@link #equals}.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
final class HashTrieMap<K, V> implements Iterable<Map.Entry<K, V>> {

  /** Hash bits consumed per level. */
  private static final int BITS = 5;

  private static final int MASK = (1 << BITS) - 1;

  /** Shifts at or beyond this have used every hash bit: equal hashes go to a collision node. */
  private static final int HASH_BITS = 32;

  /** Bitmap levels of the trie (shifts 0, 5, ..., 30). */
  private static final int MAX_BITMAP_DEPTH = 7;

  private static final Object[] NO_OBJECTS = {};

  private static final int[] NO_HASHES = {};

  /** The root of the empty map; declared here so that class initialization has a single order. */
  private static final BitmapNode EMPTY_NODE = new BitmapNode(null, 0, 0, NO_OBJECTS, NO_HASHES, 0);

  private static final HashTrieMap<?, ?> EMPTY = new HashTrieMap<>(EMPTY_NODE);

  private final Node root;

  /** {@link Map#hashCode()} of the entries, computed lazily (racy single-check, as in String). */
  private int hash;

  private boolean hashIsZero;

  /** Lazily made view; racy publication is safe because the view's fields are final. */
  private MapView<K, V> view;

  private HashTrieMap(Node root) {
    this.root = root;
  }

  /**
   * Returns the empty map, a shared singleton.
   *
   * @param <K> the key type
   * @param <V> the value type
   * @return the empty map
   */
  @SuppressWarnings("unchecked")
  static <K, V> HashTrieMap<K, V> empty() {
    return (HashTrieMap<K, V>) EMPTY;
  }

  /**
   * Returns an empty builder.
   *
   * @param <K> the key type
   * @param <V> the value type
   * @return a new builder
   */
  static <K, V> Builder<K, V> builder() {
    return new Builder<>(empty());
  }

  /**
   * Returns a builder that starts from this map; it shares this map's nodes until it changes them.
   *
   * @return a new builder
   */
  Builder<K, V> toBuilder() {
    return new Builder<>(this);
  }

  // --- hashing -----------------------------------------------------------------------------------

  /**
   * Mixes the high bits into the low ones, which pick the first branches. It is an involution:
   * {@code spread(spread(h)) == h}, so the original hash code of a key can be recovered.
   */
  static int spread(int h) {
    return h ^ (h >>> 16);
  }

  private static int bitpos(int hash, int shift) {
    return 1 << ((hash >>> shift) & MASK);
  }

  private static int index(int bitmap, int bit) {
    return Integer.bitCount(bitmap & (bit - 1));
  }

  private static int hashOf(Object key) {
    return spread(key.hashCode());
  }

  // --- queries -----------------------------------------------------------------------------------

  /**
   * Returns the value of {@code key}; O(log32 n).
   *
   * @param key the key
   * @return the value, or null if absent
   * @throws NullPointerException if {@code key} is null
   */
  @SuppressWarnings("unchecked")
  V get(Object key) {
    Objects.requireNonNull(key, "key");
    return (V) find(root, key, hashOf(key));
  }

  /**
   * Returns whether {@code key} has a value; O(log32 n).
   *
   * @param key the key
   * @return true if present
   * @throws NullPointerException if {@code key} is null
   */
  boolean containsKey(Object key) {
    Objects.requireNonNull(key, "key");
    return find(root, key, hashOf(key)) != null;
  }

  /** The lookup loop, shared by the map and its builder; values are never null. */
  static Object find(Node node, Object key, int hash) {
    int shift = 0;
    while (node instanceof BitmapNode) {
      BitmapNode n = (BitmapNode) node;
      int bit = bitpos(hash, shift);
      if ((n.dataMap & bit) != 0) {
        int i = index(n.dataMap, bit);
        if (n.hashes[i] == hash) {
          Object k = n.content[2 * i];
          if (k == key || key.equals(k)) {
            return n.content[2 * i + 1];
          }
        }
        return null;
      }
      if ((n.nodeMap & bit) == 0) {
        return null;
      }
      node = (Node) n.content[n.content.length - 1 - index(n.nodeMap, bit)];
      shift += BITS;
    }
    return ((CollisionNode) node).find(key, hash);
  }

  /**
   * Returns the number of entries; O(1).
   *
   * @return the size
   */
  int size() {
    return root.size;
  }

  /**
   * Returns whether the map has no entry.
   *
   * @return true if empty
   */
  boolean isEmpty() {
    return root.size == 0;
  }

  // --- updates -----------------------------------------------------------------------------------

  /**
   * Returns this map with {@code key} mapped to {@code value}; O(log32 n), copying only the path to
   * the entry.
   *
   * @param key the key
   * @param value the value
   * @return the new map, or {@code this} if {@code key} already maps to this very ({@code ==})
   *     value
   * @throws NullPointerException if {@code key} or {@code value} is null
   */
  HashTrieMap<K, V> put(K key, V value) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    Node r = root.put(null, key, value, hashOf(key), 0);
    return r == root ? this : new HashTrieMap<>(r);
  }

  /**
   * Returns this map without {@code key}; O(log32 n), copying only the path to the entry.
   *
   * @param key the key
   * @return the new map, or {@code this} if {@code key} is absent
   * @throws NullPointerException if {@code key} is null
   */
  HashTrieMap<K, V> remove(Object key) {
    Objects.requireNonNull(key, "key");
    Node r = root.remove(null, key, hashOf(key), 0);
    return r == root ? this : r.size == 0 ? empty() : new HashTrieMap<>(r);
  }

  // --- traversal ---------------------------------------------------------------------------------

  /**
   * Calls {@code action} for each entry, in the order of {@link #iterator()}.
   *
   * @param action what to call
   * @throws NullPointerException if {@code action} is null
   */
  void forEach(BiConsumer<? super K, ? super V> action) {
    Objects.requireNonNull(action, "action");
    root.<K, V>forEach(action);
  }

  /**
   * Returns an iterator over the entries, which are immutable. The order is unspecified but the
   * same for equal maps, except among keys with equal hash codes.
   *
   * @return an iterator that does not support {@code remove}
   */
  @Override
  public Iterator<Map.Entry<K, V>> iterator() {
    return new TrieIterator<>(root, TrieIterator.ENTRIES);
  }

  /**
   * Returns the keys as an unmodifiable set view with O(1) size and O(log32 n) {@code contains}.
   *
   * @return the keys
   */
  Set<K> keys() {
    return asMap().keySet();
  }

  /**
   * Returns this map as an unmodifiable {@link Map} with O(1) size and O(log32 n) lookups. Its
   * lookups return null or false for a null key rather than throwing.
   *
   * @return the view
   */
  Map<K, V> asMap() {
    MapView<K, V> v = view;
    if (v == null) {
      v = new MapView<>(this);
      view = v;
    }
    return v;
  }

  // --- Object ------------------------------------------------------------------------------------

  /**
   * Returns whether {@code o} is a {@code HashTrieMap} with the same entries (keys and values
   * compared with {@code equals}). Stops at once on identity or on a size or cached hash mismatch;
   * otherwise compares the tries node by node, skipping shared sub-nodes.
   *
   * @param o the object to compare with
   * @return true if equal
   */
  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof HashTrieMap)) {
      return false;
    }
    HashTrieMap<?, ?> that = (HashTrieMap<?, ?>) o;
    if (root.size != that.root.size) {
      return false;
    }
    int h1 = hash;
    int h2 = that.hash;
    if (h1 != 0 && h2 != 0 && h1 != h2) {
      return false;
    }
    return root.sameAs(that.root);
  }

  /**
   * Returns the {@link Map#hashCode()} of the entries: the sum of {@code key.hashCode() ^
   * value.hashCode()}. Computed once, in O(n).
   *
   * @return the hash code
   */
  @Override
  public int hashCode() {
    int h = hash;
    if (h == 0 && !hashIsZero) {
      h = root.mapHash();
      if (h == 0) {
        hashIsZero = true;
      } else {
        hash = h;
      }
    }
    return h;
  }

  /**
   * Returns the entries as {@code {k1=v1, k2=v2}}, in iteration order.
   *
   * @return the string form
   */
  @Override
  public String toString() {
    if (root.size == 0) {
      return "{}";
    }
    StringBuilder sb = new StringBuilder().append('{');
    Iterator<Map.Entry<K, V>> it = iterator();
    while (true) {
      Map.Entry<K, V> e = it.next();
      sb.append(e.getKey()).append('=').append(e.getValue());
      if (!it.hasNext()) {
        return sb.append('}').toString();
      }
      sb.append(", ");
    }
  }

  // --- nodes -------------------------------------------------------------------------------------

  /** Identifies the builder allowed to mutate a node in place. */
  static final class Owner {}

  /** A trie node. Keys and values are held as Object; the map's methods do the casts. */
  abstract static class Node {

    /** The builder that may mutate this node in place; null for nodes of persistent operations. */
    final Owner owner;

    /** Entries in this sub-trie. */
    int size;

    Node(Owner owner, int size) {
      this.owner = owner;
      this.size = size;
    }

    final boolean ownedBy(Owner o) {
      return o != null && owner == o;
    }

    /**
     * Returns this sub-trie with the entry put: {@code this} if unchanged or changed in place (only
     * when owned by {@code o}), else a new node.
     */
    abstract Node put(Owner o, Object key, Object value, int hash, int shift);

    /**
     * Returns this sub-trie without the key: {@code this} if absent or changed in place, else a new
     * node. A non-root result of size 1 is a fresh node whose bitmap is for shift 0, so that it can
     * become a root or be inlined by the parent.
     */
    abstract Node remove(Owner o, Object key, int hash, int shift);

    abstract <K, V> void forEach(BiConsumer<? super K, ? super V> action);

    /** Structural equality; valid because both tries are canonical. */
    abstract boolean sameAs(Node other);

    abstract int mapHash();
  }

  static BitmapNode singleton(Owner o, Object key, Object value, int hash) {
    return new BitmapNode(o, bitpos(hash, 0), 0, new Object[] {key, value}, new int[] {hash}, 1);
  }

  /** Returns a sub-trie at {@code shift} holding two entries with distinct keys. */
  static Node mergeTwo(
      Owner o, Object k0, Object v0, int h0, Object k1, Object v1, int h1, int shift) {
    if (shift >= HASH_BITS) {
      return new CollisionNode(o, h0, new Object[] {k0, v0, k1, v1});
    }
    int f0 = (h0 >>> shift) & MASK;
    int f1 = (h1 >>> shift) & MASK;
    if (f0 != f1) {
      int dataMap = (1 << f0) | (1 << f1);
      return f0 < f1
          ? new BitmapNode(o, dataMap, 0, new Object[] {k0, v0, k1, v1}, new int[] {h0, h1}, 2)
          : new BitmapNode(o, dataMap, 0, new Object[] {k1, v1, k0, v0}, new int[] {h1, h0}, 2);
    }
    Node sub = mergeTwo(o, k0, v0, h0, k1, v1, h1, shift + BITS);
    return new BitmapNode(o, 0, 1 << f0, new Object[] {sub}, NO_HASHES, 2);
  }

  /** A CHAMP node: inline entries and sub-nodes selected by two bitmaps. */
  static final class BitmapNode extends Node {

    int dataMap;
    int nodeMap;

    /** Inline keys and values, then sub-nodes in reverse order. */
    Object[] content;

    /** Spread hashes of the inline keys. */
    int[] hashes;

    BitmapNode(Owner o, int dataMap, int nodeMap, Object[] content, int[] hashes, int size) {
      super(o, size);
      this.dataMap = dataMap;
      this.nodeMap = nodeMap;
      this.content = content;
      this.hashes = hashes;
    }

    int nodeArity() {
      return Integer.bitCount(nodeMap);
    }

    Node nodeAtIndex(int j) {
      return (Node) content[content.length - 1 - j];
    }

    @Override
    Node put(Owner o, Object key, Object value, int hash, int shift) {
      int bit = bitpos(hash, shift);
      if ((dataMap & bit) != 0) {
        int i = index(dataMap, bit);
        Object k = content[2 * i];
        if (hashes[i] == hash && (k == key || key.equals(k))) {
          if (content[2 * i + 1] == value) {
            return this;
          }
          if (ownedBy(o)) {
            content[2 * i + 1] = value;
            return this;
          }
          Object[] c = content.clone();
          c[2 * i + 1] = value;
          return new BitmapNode(o, dataMap, nodeMap, c, hashes, size);
        }
        Node sub = mergeTwo(o, k, content[2 * i + 1], hashes[i], key, value, hash, shift + BITS);
        return migrateInlineToNode(o, bit, i, sub);
      }
      if ((nodeMap & bit) != 0) {
        int slot = content.length - 1 - index(nodeMap, bit);
        Node child = (Node) content[slot];
        int oldSize = child.size;
        Node newChild = child.put(o, key, value, hash, shift + BITS);
        return replaceChild(o, slot, child, newChild, newChild.size - oldSize);
      }
      int i = index(dataMap, bit);
      Object[] c = new Object[content.length + 2];
      System.arraycopy(content, 0, c, 0, 2 * i);
      c[2 * i] = key;
      c[2 * i + 1] = value;
      System.arraycopy(content, 2 * i, c, 2 * i + 2, content.length - 2 * i);
      int[] h = new int[hashes.length + 1];
      System.arraycopy(hashes, 0, h, 0, i);
      h[i] = hash;
      System.arraycopy(hashes, i, h, i + 1, hashes.length - i);
      if (ownedBy(o)) {
        content = c;
        hashes = h;
        dataMap |= bit;
        size++;
        return this;
      }
      return new BitmapNode(o, dataMap | bit, nodeMap, c, h, size + 1);
    }

    @Override
    Node remove(Owner o, Object key, int hash, int shift) {
      int bit = bitpos(hash, shift);
      if ((dataMap & bit) != 0) {
        int i = index(dataMap, bit);
        Object k = content[2 * i];
        if (hashes[i] != hash || !(k == key || key.equals(k))) {
          return this;
        }
        if (shift != 0 && hashes.length == 2 && nodeMap == 0) {
          int j = 1 - i;
          return singleton(o, content[2 * j], content[2 * j + 1], hashes[j]);
        }
        Object[] c = new Object[content.length - 2];
        System.arraycopy(content, 0, c, 0, 2 * i);
        System.arraycopy(content, 2 * i + 2, c, 2 * i, content.length - 2 * i - 2);
        int[] h = new int[hashes.length - 1];
        System.arraycopy(hashes, 0, h, 0, i);
        System.arraycopy(hashes, i + 1, h, i, hashes.length - i - 1);
        if (ownedBy(o)) {
          content = c;
          hashes = h;
          dataMap ^= bit;
          size--;
          return this;
        }
        return new BitmapNode(o, dataMap ^ bit, nodeMap, c, h, size - 1);
      }
      if ((nodeMap & bit) != 0) {
        int slot = content.length - 1 - index(nodeMap, bit);
        Node child = (Node) content[slot];
        int oldSize = child.size;
        Node newChild = child.remove(o, key, hash, shift + BITS);
        int delta = newChild.size - oldSize;
        if (delta == 0) {
          return this;
        }
        if (newChild.size == 1) {
          if (hashes.length == 0 && nodeMap == bit) {
            // This node would hold a lone entry: hand it up, to be inlined or become the root.
            return newChild;
          }
          return migrateNodeToInline(o, bit, slot, (BitmapNode) newChild);
        }
        return replaceChild(o, slot, child, newChild, delta);
      }
      return this;
    }

    private Node replaceChild(Owner o, int slot, Node child, Node newChild, int delta) {
      if (newChild == child) {
        // Unchanged, or changed in place: then the child is owned, and so is this node.
        if (delta != 0) {
          size += delta;
        }
        return this;
      }
      if (ownedBy(o)) {
        content[slot] = newChild;
        size += delta;
        return this;
      }
      Object[] c = content.clone();
      c[slot] = newChild;
      return new BitmapNode(o, dataMap, nodeMap, c, hashes, size + delta);
    }

    /** Replaces inline entry {@code i} (at {@code bit}) with {@code sub}, which holds it. */
    private Node migrateInlineToNode(Owner o, int bit, int i, Node sub) {
      int from = 2 * i;
      int nodeSlot = content.length - 2 - index(nodeMap, bit);
      Object[] c = new Object[content.length - 1];
      System.arraycopy(content, 0, c, 0, from);
      System.arraycopy(content, from + 2, c, from, nodeSlot - from);
      c[nodeSlot] = sub;
      System.arraycopy(content, nodeSlot + 2, c, nodeSlot + 1, content.length - nodeSlot - 2);
      int[] h = new int[hashes.length - 1];
      System.arraycopy(hashes, 0, h, 0, i);
      System.arraycopy(hashes, i + 1, h, i, hashes.length - i - 1);
      if (ownedBy(o)) {
        content = c;
        hashes = h;
        dataMap ^= bit;
        nodeMap |= bit;
        size++;
        return this;
      }
      return new BitmapNode(o, dataMap ^ bit, nodeMap | bit, c, h, size + 1);
    }

    /** Replaces the sub-node at {@code slot} (at {@code bit}) with its single entry, inline. */
    private Node migrateNodeToInline(Owner o, int bit, int slot, BitmapNode single) {
      int i = index(dataMap, bit);
      int to = 2 * i;
      Object[] c = new Object[content.length + 1];
      System.arraycopy(content, 0, c, 0, to);
      c[to] = single.content[0];
      c[to + 1] = single.content[1];
      System.arraycopy(content, to, c, to + 2, slot - to);
      System.arraycopy(content, slot + 1, c, slot + 2, content.length - slot - 1);
      int[] h = new int[hashes.length + 1];
      System.arraycopy(hashes, 0, h, 0, i);
      h[i] = single.hashes[0];
      System.arraycopy(hashes, i, h, i + 1, hashes.length - i);
      if (ownedBy(o)) {
        content = c;
        hashes = h;
        dataMap |= bit;
        nodeMap ^= bit;
        size--;
        return this;
      }
      return new BitmapNode(o, dataMap | bit, nodeMap ^ bit, c, h, size - 1);
    }

    @Override
    @SuppressWarnings("unchecked")
    <K, V> void forEach(BiConsumer<? super K, ? super V> action) {
      int payload = 2 * hashes.length;
      for (int i = 0; i < payload; i += 2) {
        action.accept((K) content[i], (V) content[i + 1]);
      }
      for (int s = content.length - 1; s >= payload; s--) {
        ((Node) content[s]).forEach(action);
      }
    }

    @Override
    boolean sameAs(Node other) {
      if (this == other) {
        return true;
      }
      if (!(other instanceof BitmapNode)) {
        return false;
      }
      BitmapNode that = (BitmapNode) other;
      if (size != that.size
          || dataMap != that.dataMap
          || nodeMap != that.nodeMap
          || !Arrays.equals(hashes, that.hashes)) {
        return false;
      }
      Object[] a = content;
      Object[] b = that.content;
      if (a == b) {
        return true;
      }
      int payload = 2 * hashes.length;
      for (int i = 0; i < payload; i++) {
        Object x = a[i];
        Object y = b[i];
        if (x != y && !x.equals(y)) {
          return false;
        }
      }
      for (int s = payload; s < a.length; s++) {
        if (!((Node) a[s]).sameAs((Node) b[s])) {
          return false;
        }
      }
      return true;
    }

    @Override
    int mapHash() {
      int h = 0;
      for (int i = 0; i < hashes.length; i++) {
        // spread is an involution: this is key.hashCode() without calling it.
        h += spread(hashes[i]) ^ content[2 * i + 1].hashCode();
      }
      for (int s = 2 * hashes.length; s < content.length; s++) {
        h += ((Node) content[s]).mapHash();
      }
      return h;
    }
  }

  /** Keys whose hashes are all equal, in insertion order; only below the last bitmap level. */
  static final class CollisionNode extends Node {

    final int hash;

    /** Keys and values: {@code k0, v0, k1, v1, ...}. */
    Object[] kvs;

    CollisionNode(Owner o, int hash, Object[] kvs) {
      super(o, kvs.length / 2);
      this.hash = hash;
      this.kvs = kvs;
    }

    private int indexOf(Object key) {
      for (int i = 0; i < kvs.length; i += 2) {
        Object k = kvs[i];
        if (k == key || key.equals(k)) {
          return i;
        }
      }
      return -1;
    }

    Object find(Object key, int h) {
      if (h != hash) {
        return null;
      }
      int i = indexOf(key);
      return i < 0 ? null : kvs[i + 1];
    }

    @Override
    Node put(Owner o, Object key, Object value, int h, int shift) {
      int i = indexOf(key);
      if (i >= 0) {
        if (kvs[i + 1] == value) {
          return this;
        }
        if (ownedBy(o)) {
          kvs[i + 1] = value;
          return this;
        }
        Object[] c = kvs.clone();
        c[i + 1] = value;
        return new CollisionNode(o, hash, c);
      }
      Object[] c = Arrays.copyOf(kvs, kvs.length + 2);
      c[kvs.length] = key;
      c[kvs.length + 1] = value;
      if (ownedBy(o)) {
        kvs = c;
        size++;
        return this;
      }
      return new CollisionNode(o, hash, c);
    }

    @Override
    Node remove(Owner o, Object key, int h, int shift) {
      int i = indexOf(key);
      if (i < 0) {
        return this;
      }
      if (kvs.length == 4) {
        int j = 2 - i;
        return singleton(o, kvs[j], kvs[j + 1], hash);
      }
      Object[] c = new Object[kvs.length - 2];
      System.arraycopy(kvs, 0, c, 0, i);
      System.arraycopy(kvs, i + 2, c, i, kvs.length - i - 2);
      if (ownedBy(o)) {
        kvs = c;
        size--;
        return this;
      }
      return new CollisionNode(o, hash, c);
    }

    @Override
    @SuppressWarnings("unchecked")
    <K, V> void forEach(BiConsumer<? super K, ? super V> action) {
      for (int i = 0; i < kvs.length; i += 2) {
        action.accept((K) kvs[i], (V) kvs[i + 1]);
      }
    }

    @Override
    boolean sameAs(Node other) {
      if (this == other) {
        return true;
      }
      if (!(other instanceof CollisionNode)) {
        return false;
      }
      CollisionNode that = (CollisionNode) other;
      if (hash != that.hash || size != that.size) {
        return false;
      }
      for (int i = 0; i < kvs.length; i += 2) {
        Object v = that.find(kvs[i], hash);
        if (v == null || !(v == kvs[i + 1] || v.equals(kvs[i + 1]))) {
          return false;
        }
      }
      return true;
    }

    @Override
    int mapHash() {
      int keyHash = spread(hash);
      int h = 0;
      for (int i = 0; i < kvs.length; i += 2) {
        h += keyHash ^ kvs[i + 1].hashCode();
      }
      return h;
    }
  }

  // --- iteration ---------------------------------------------------------------------------------

  /** Depth-first iterator: a stack of the bitmap nodes whose sub-nodes are not yet visited. */
  static final class TrieIterator<T> implements Iterator<T> {

    static final int KEYS = 0;
    static final int VALUES = 1;
    static final int ENTRIES = 2;

    private final int mode;
    private final BitmapNode[] stack = new BitmapNode[MAX_BITMAP_DEPTH];
    private final int[] nextChild = new int[MAX_BITMAP_DEPTH];
    private int depth = -1;
    private Object[] payload;
    private int cursor;
    private int end;

    TrieIterator(Node root, int mode) {
      this.mode = mode;
      enter(root);
    }

    private void enter(Node node) {
      if (node instanceof BitmapNode) {
        BitmapNode n = (BitmapNode) node;
        payload = n.content;
        end = 2 * n.hashes.length;
        if (n.nodeMap != 0) {
          stack[++depth] = n;
          nextChild[depth] = 0;
        }
      } else {
        payload = ((CollisionNode) node).kvs;
        end = payload.length;
      }
      cursor = 0;
    }

    @Override
    public boolean hasNext() {
      while (cursor >= end) {
        if (depth < 0) {
          return false;
        }
        BitmapNode top = stack[depth];
        int j = nextChild[depth]++;
        if (j + 1 >= top.nodeArity()) {
          stack[depth--] = null;
        }
        enter(top.nodeAtIndex(j));
      }
      return true;
    }

    @Override
    @SuppressWarnings("unchecked")
    public T next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      Object k = payload[cursor];
      Object v = payload[cursor + 1];
      cursor += 2;
      switch (mode) {
        case KEYS:
          return (T) k;
        case VALUES:
          return (T) v;
        default:
          return (T) new AbstractMap.SimpleImmutableEntry<>(k, v);
      }
    }
  }

  // --- java.util views ---------------------------------------------------------------------------

  /** The unmodifiable {@link Map} view: lookups and size delegate to the trie. */
  static final class MapView<K, V> extends AbstractMap<K, V> {

    final HashTrieMap<K, V> map;

    MapView(HashTrieMap<K, V> map) {
      this.map = map;
    }

    @Override
    public int size() {
      return map.size();
    }

    @Override
    public boolean isEmpty() {
      return map.isEmpty();
    }

    @Override
    @SuppressWarnings("unchecked")
    public V get(Object key) {
      return key == null ? null : (V) find(map.root, key, hashOf(key));
    }

    @Override
    public boolean containsKey(Object key) {
      return key != null && find(map.root, key, hashOf(key)) != null;
    }

    @Override
    public V getOrDefault(Object key, V defaultValue) {
      V v = get(key);
      return v == null ? defaultValue : v;
    }

    @Override
    public void forEach(BiConsumer<? super K, ? super V> action) {
      map.forEach(action);
    }

    @Override
    public Set<Map.Entry<K, V>> entrySet() {
      return new AbstractSet<Map.Entry<K, V>>() {
        @Override
        public Iterator<Map.Entry<K, V>> iterator() {
          return map.iterator();
        }

        @Override
        public int size() {
          return map.size();
        }

        @Override
        public boolean contains(Object o) {
          if (!(o instanceof Map.Entry)) {
            return false;
          }
          Map.Entry<?, ?> e = (Map.Entry<?, ?>) o;
          Object v = get(e.getKey());
          return v != null && v.equals(e.getValue());
        }
      };
    }

    @Override
    public Set<K> keySet() {
      return new AbstractSet<K>() {
        @Override
        public Iterator<K> iterator() {
          return new TrieIterator<>(map.root, TrieIterator.KEYS);
        }

        @Override
        public int size() {
          return map.size();
        }

        @Override
        public boolean contains(Object o) {
          return containsKey(o);
        }
      };
    }

    @Override
    public Collection<V> values() {
      return new AbstractCollection<V>() {
        @Override
        public Iterator<V> iterator() {
          return new TrieIterator<>(map.root, TrieIterator.VALUES);
        }

        @Override
        public int size() {
          return map.size();
        }
      };
    }

    @Override
    public V put(K key, V value) {
      throw new UnsupportedOperationException("unmodifiable");
    }

    @Override
    public V remove(Object key) {
      throw new UnsupportedOperationException("unmodifiable");
    }

    @Override
    public void putAll(Map<? extends K, ? extends V> m) {
      throw new UnsupportedOperationException("unmodifiable");
    }

    @Override
    public void clear() {
      throw new UnsupportedOperationException("unmodifiable");
    }

    @Override
    public boolean equals(Object o) {
      if (o instanceof MapView) {
        return map.equals(((MapView<?, ?>) o).map);
      }
      return super.equals(o);
    }

    @Override
    public int hashCode() {
      return map.hashCode();
    }
  }

  // --- builder -----------------------------------------------------------------------------------

  /**
   * A mutable builder of a {@link HashTrieMap}: it changes the nodes it created in place and copies
   * a node shared with a built map once, so bulk construction makes no per-operation garbage. Not
   * thread-safe. It stays usable after {@link #build()}: further changes copy the nodes the built
   * map shares, and never alter that map.
   *
   * @param <K> the key type
   * @param <V> the value type
   */
  static final class Builder<K, V> {

    private Owner owner = new Owner();

    private Node root;

    /** A map with exactly the current entries, or null after a change since the last build. */
    private HashTrieMap<K, V> built;

    Builder(HashTrieMap<K, V> from) {
      this.root = from.root;
      this.built = from;
    }

    /**
     * Maps {@code key} to {@code value}.
     *
     * @param key the key
     * @param value the value
     * @return this builder
     * @throws NullPointerException if {@code key} or {@code value} is null
     */
    Builder<K, V> put(K key, V value) {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(value, "value");
      // While built != null the root is not owned, so a change always yields a new root.
      Node r = root.put(owner, key, value, hashOf(key), 0);
      if (r != root) {
        root = r;
        built = null;
      }
      return this;
    }

    /**
     * Removes {@code key}, if present.
     *
     * @param key the key
     * @return this builder
     * @throws NullPointerException if {@code key} is null
     */
    Builder<K, V> remove(Object key) {
      Objects.requireNonNull(key, "key");
      Node r = root.remove(owner, key, hashOf(key), 0);
      if (r != root) {
        root = r;
        built = null;
      }
      return this;
    }

    /**
     * Returns the value of {@code key}.
     *
     * @param key the key
     * @return the value, or null if absent
     * @throws NullPointerException if {@code key} is null
     */
    @SuppressWarnings("unchecked")
    V get(Object key) {
      Objects.requireNonNull(key, "key");
      return (V) find(root, key, hashOf(key));
    }

    /**
     * Returns whether {@code key} has a value.
     *
     * @param key the key
     * @return true if present
     * @throws NullPointerException if {@code key} is null
     */
    boolean containsKey(Object key) {
      return get(key) != null;
    }

    /**
     * Returns the number of entries.
     *
     * @return the size
     */
    int size() {
      return root.size;
    }

    /**
     * Returns whether there is no entry.
     *
     * @return true if empty
     */
    boolean isEmpty() {
      return root.size == 0;
    }

    /**
     * Returns a map with the current entries; O(1). Returns the same map again (or the source map)
     * when nothing changed since.
     *
     * @return the map
     */
    HashTrieMap<K, V> build() {
      HashTrieMap<K, V> m = built;
      if (m == null) {
        m = root.size == 0 ? empty() : new HashTrieMap<>(root);
        built = m;
        // The map now shares every node: later changes must copy them.
        owner = new Owner();
      }
      return m;
    }
  }
}
