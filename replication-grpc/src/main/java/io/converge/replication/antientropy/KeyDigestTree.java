package io.converge.replication.antientropy;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.converge.replication.wire.v1.KeyDigest;
import io.converge.replication.wire.v1.KeyRange;
import io.converge.replication.wire.v1.RangeDigest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * The anti-entropy summary of one replica's key space: for every key, its CRDT type and the hash of
 * its encoded state, indexed so that the digest of any {@linkplain KeyRange key range} costs O(log
 * n) and a {@link #put put} or {@link #remove remove} costs O(log n), with no rehashing of anything
 * but the changed key. {@link Reconciler} compares two replicas' trees range by range so that only
 * divergent keys travel.
 *
 * <p><b>Internal.</b> This class is public only for Converge's replication engine, which lives in
 * another package; applications do not use it, and it may change in any release.
 *
 * <p><b>Digests.</b> Keys sort by their UTF-8 bytes, as everywhere on the wire. Each key
 * contributes an <em>entry fingerprint</em>, and a range's digest is a hash of how many keys it
 * holds and of the sum of their fingerprints modulo 2^256 (see the {@linkplain
 * io.converge.replication.antientropy package documentation} for the exact bytes). Because a sum
 * does not depend on the order of its terms, the digest of a range is a function of the range's
 * (key, type, state hash) content alone: two replicas that hold the same content have the same
 * digests whatever order their writes arrived in and however their trees happen to be shaped.
 *
 * <p><b>Design.</b> A treap (a binary search tree kept balanced, in expectation, by random
 * priorities) ordered by key, in which every node also holds the size and fingerprint sum of its
 * subtree. An update changes the O(log n) nodes on one path, each recomputed from its two children
 * with two 256-bit additions; one SHA-256, of the changed key's entry, is the only hashing. The
 * digest of a range {@code [start, end)} is the aggregate of the keys below {@code end} minus that
 * of the keys below {@code start}, each found on one root-to-leaf walk, then one SHA-256. The
 * priorities are random per tree, not derived from keys, so that no choice of keys can unbalance a
 * tree; they shape the tree but never its digests. Memory is one node, about 150 bytes, per key,
 * plus the key and type strings (which are shared with the caller, not copied).
 *
 * <p><b>Thread safety.</b> Not thread-safe, not even for concurrent reads (which share a digest
 * instance and scratch space): the engine confines a tree to one thread or guards it with a lock.
 */
public final class KeyDigestTree {

  /** The length of a state hash and of every non-empty digest: 32 bytes (SHA-256). */
  public static final int HASH_BYTES = 32;

  /** The first byte of the input to an entry fingerprint. */
  static final byte ENTRY_TAG = 1;

  /** The first byte of the input to a range digest. */
  static final byte RANGE_TAG = 2;

  /** The first byte of the input to a key's hash on the wire. */
  static final byte KEY_TAG = 3;

  /** The length of a salt and of every hash in the anti-entropy messages: 8 bytes. */
  static final int WIRE_HASH_BYTES = 8;

  private static final byte[] NO_HASH = new byte[0];

  /**
   * One key. As a {@link Sum256} it is the fingerprint sum of its subtree; {@code e0..e3} is the
   * fingerprint of its own entry and {@code h0..h3} the caller's state hash.
   */
  static final class Node extends Sum256 {
    final String key;
    final long priority;
    String type;
    long h0;
    long h1;
    long h2;
    long h3;
    long e0;
    long e1;
    long e2;
    long e3;
    Node left;
    Node right;
    int size;

    Node(String key, long priority) {
      this.key = key;
      this.priority = priority;
    }

    void pull() {
      set(e0, e1, e2, e3);
      int n = 1;
      if (left != null) {
        add(left);
        n += left.size;
      }
      if (right != null) {
        add(right);
        n += right.size;
      }
      size = n;
    }

    byte[] stateHash() {
      byte[] hash = new byte[HASH_BYTES];
      Sum256.writeLong(hash, 0, h0);
      Sum256.writeLong(hash, 8, h1);
      Sum256.writeLong(hash, 16, h2);
      Sum256.writeLong(hash, 24, h3);
      return hash;
    }

    KeyDigest toKeyDigest() {
      return KeyDigest.newBuilder()
          .setKey(key)
          .setType(type)
          .setHash(UnsafeByteOperations.unsafeWrap(stateHash()))
          .build();
    }
  }

  private final SplittableRandom priorities = new SplittableRandom();
  private final MessageDigest sha256 = newSha256();
  private final Sum256 below = new Sum256();
  private Node root;
  // Set by insert and delete: whether the call changed the content.
  private boolean changed;

  /** Makes an empty tree. */
  public KeyDigestTree() {}

  static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform must support SHA-256", e);
    }
  }

  /**
   * Returns the range that holds every key: empty start, empty end.
   *
   * @return the whole key space
   */
  public static KeyRange fullRange() {
    return KeyRange.getDefaultInstance();
  }

  /**
   * Sets the type and state hash of a key, adding the key if it is absent. Costs O(log n) and one
   * SHA-256.
   *
   * @param key the key: any string without unpaired surrogates (so that it has a UTF-8 form)
   * @param type the CRDT type name, as in {@code KeyDigest.type}; not empty
   * @param stateHash the {@value #HASH_BYTES}-byte hash of the key's encoded state; copied
   * @return true if the key was absent or had another type or state hash; false if nothing changed
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the key has an unpaired surrogate, the type is empty or not
   *     well-formed, or the hash is not {@value #HASH_BYTES} bytes long
   */
  public boolean put(String key, String type, byte[] stateHash) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(stateHash, "stateHash");
    if (!Utf8Order.isWellFormed(key)) {
      throw new IllegalArgumentException("key must not have an unpaired surrogate: key=" + key);
    }
    if (type.isEmpty() || !Utf8Order.isWellFormed(type)) {
      throw new IllegalArgumentException(
          "type must be non-empty without unpaired surrogates: type=\"" + type + "\"");
    }
    if (stateHash.length != HASH_BYTES) {
      throw new IllegalArgumentException(
          "stateHash must be " + HASH_BYTES + " bytes: length=" + stateHash.length);
    }
    changed = false;
    root = insert(root, key, type, stateHash);
    return changed;
  }

  private Node insert(Node node, String key, String type, byte[] stateHash) {
    if (node == null) {
      Node created = new Node(key, priorities.nextLong());
      assign(created, type, stateHash);
      created.pull();
      changed = true;
      return created;
    }
    int c = Utf8Order.compare(key, node.key);
    if (c == 0) {
      if (!sameEntry(node, type, stateHash)) {
        assign(node, type, stateHash);
        node.pull();
        changed = true;
      }
      return node;
    }
    if (c < 0) {
      node.left = insert(node.left, key, type, stateHash);
      if (node.left.priority > node.priority) {
        return rotateRight(node);
      }
    } else {
      node.right = insert(node.right, key, type, stateHash);
      if (node.right.priority > node.priority) {
        return rotateLeft(node);
      }
    }
    if (changed) {
      node.pull();
    }
    return node;
  }

  private static boolean sameEntry(Node node, String type, byte[] stateHash) {
    return node.type.equals(type)
        && node.h0 == Sum256.readLong(stateHash, 0)
        && node.h1 == Sum256.readLong(stateHash, 8)
        && node.h2 == Sum256.readLong(stateHash, 16)
        && node.h3 == Sum256.readLong(stateHash, 24);
  }

  private void assign(Node node, String type, byte[] stateHash) {
    node.type = type;
    node.h0 = Sum256.readLong(stateHash, 0);
    node.h1 = Sum256.readLong(stateHash, 8);
    node.h2 = Sum256.readLong(stateHash, 16);
    node.h3 = Sum256.readLong(stateHash, 24);
    byte[] fingerprint = entryFingerprint(sha256, node.key, type, stateHash);
    node.e0 = Sum256.readLong(fingerprint, 0);
    node.e1 = Sum256.readLong(fingerprint, 8);
    node.e2 = Sum256.readLong(fingerprint, 16);
    node.e3 = Sum256.readLong(fingerprint, 24);
  }

  /**
   * The entry fingerprint: SHA-256 of {@code ENTRY_TAG}, the key's UTF-8 length (4 bytes,
   * big-endian) and bytes, the type's likewise, and the 32-byte state hash.
   */
  static byte[] entryFingerprint(MessageDigest sha256, String key, String type, byte[] stateHash) {
    byte[] k = key.getBytes(StandardCharsets.UTF_8);
    byte[] t = type.getBytes(StandardCharsets.UTF_8);
    byte[] input = new byte[1 + 4 + k.length + 4 + t.length + HASH_BYTES];
    int at = 0;
    input[at++] = ENTRY_TAG;
    at = writeInt(input, at, k.length);
    System.arraycopy(k, 0, input, at, k.length);
    at += k.length;
    at = writeInt(input, at, t.length);
    System.arraycopy(t, 0, input, at, t.length);
    at += t.length;
    System.arraycopy(stateHash, 0, input, at, HASH_BYTES);
    return sha256.digest(input);
  }

  private static int writeInt(byte[] buffer, int at, int value) {
    buffer[at] = (byte) (value >>> 24);
    buffer[at + 1] = (byte) (value >>> 16);
    buffer[at + 2] = (byte) (value >>> 8);
    buffer[at + 3] = (byte) value;
    return at + 4;
  }

  private static Node rotateRight(Node node) {
    Node up = node.left;
    node.left = up.right;
    up.right = node;
    node.pull();
    up.pull();
    return up;
  }

  private static Node rotateLeft(Node node) {
    Node up = node.right;
    node.right = up.left;
    up.left = node;
    node.pull();
    up.pull();
    return up;
  }

  /**
   * Removes a key. Costs O(log n) and no hashing.
   *
   * @param key the key
   * @return true if the key was present
   * @throws NullPointerException if {@code key} is null
   */
  public boolean remove(String key) {
    Objects.requireNonNull(key, "key");
    changed = false;
    root = delete(root, key);
    return changed;
  }

  private Node delete(Node node, String key) {
    if (node == null) {
      return null;
    }
    int c = Utf8Order.compare(key, node.key);
    if (c == 0) {
      changed = true;
      return join(node.left, node.right);
    }
    if (c < 0) {
      node.left = delete(node.left, key);
    } else {
      node.right = delete(node.right, key);
    }
    if (changed) {
      node.pull();
    }
    return node;
  }

  // Joins two treaps whose keys are all in a before all in b.
  private static Node join(Node a, Node b) {
    if (a == null) {
      return b;
    }
    if (b == null) {
      return a;
    }
    if (a.priority > b.priority) {
      a.right = join(a.right, b);
      a.pull();
      return a;
    }
    b.left = join(a, b.left);
    b.pull();
    return b;
  }

  /**
   * Returns how many keys the tree holds.
   *
   * @return the number of keys
   */
  public int size() {
    return root == null ? 0 : root.size;
  }

  /**
   * Returns the digest of a key, if the tree holds it.
   *
   * @param key the key
   * @return the key's type and state hash, or null if the tree does not hold the key
   * @throws NullPointerException if {@code key} is null
   */
  public KeyDigest get(String key) {
    Objects.requireNonNull(key, "key");
    Node node = root;
    while (node != null) {
      int c = Utf8Order.compare(key, node.key);
      if (c == 0) {
        return node.toKeyDigest();
      }
      node = c < 0 ? node.left : node.right;
    }
    return null;
  }

  /**
   * Returns the hash of the whole key space: {@code digest(fullRange()).getHash()}. Equal on two
   * replicas exactly when they hold the same (key, type, state hash) content, barring a SHA-256
   * collision.
   *
   * @return a new array of {@value #HASH_BYTES} bytes, or an empty array if the tree is empty
   */
  public byte[] rootHash() {
    return root == null ? NO_HASH.clone() : rangeHash(sha256, root.size, root);
  }

  /**
   * Returns the digest of a range: its key count and hash. Costs O(log n) and one SHA-256.
   *
   * @param range the range
   * @return the digest; its hash is empty when the range holds no key
   * @throws NullPointerException if {@code range} is null
   * @throws IllegalArgumentException if the range's end is not empty and does not sort after its
   *     start
   */
  public RangeDigest digest(KeyRange range) {
    Sum256 sum = new Sum256();
    int count = summarize(checkRange(range), sum);
    return RangeDigest.newBuilder()
        .setRange(range)
        .setHash(UnsafeByteOperations.unsafeWrap(rangeHash(sha256, count, sum)))
        .setKeyCount(count)
        .build();
  }

  /**
   * Returns how many keys a range holds. Costs O(log n).
   *
   * @param range the range
   * @return the number of keys in the range
   * @throws NullPointerException if {@code range} is null
   * @throws IllegalArgumentException if the range's end is not empty and does not sort after its
   *     start
   */
  public int count(KeyRange range) {
    checkRange(range);
    return countBeforeEnd(range.getEnd()) - countBefore(range.getStart());
  }

  /**
   * Returns the digest of every key in a range, sorted by key. Costs O(log n + k) for k keys.
   *
   * @param range the range
   * @return a new list of the range's keys with their types and state hashes
   * @throws NullPointerException if {@code range} is null
   * @throws IllegalArgumentException if the range's end is not empty and does not sort after its
   *     start
   */
  public List<KeyDigest> keyDigests(KeyRange range) {
    checkRange(range);
    List<Node> nodes = new ArrayList<>();
    nodes(range, nodes);
    List<KeyDigest> out = new ArrayList<>(nodes.size());
    for (Node node : nodes) {
      out.add(node.toKeyDigest());
    }
    return out;
  }

  /** Adds the nodes of a valid range's keys to {@code out}, sorted by key. */
  void nodes(KeyRange range, List<Node> out) {
    collectNodes(root, range.getStart(), range.getEnd(), out);
  }

  private static void collectNodes(Node node, String start, String end, List<Node> out) {
    if (node == null) {
      return;
    }
    boolean atOrAfterStart = Utf8Order.compare(node.key, start) >= 0;
    boolean beforeEnd = Utf8Order.before(node.key, end);
    if (atOrAfterStart) {
      collectNodes(node.left, start, end, out);
    }
    if (atOrAfterStart && beforeEnd) {
      out.add(node);
    }
    if (beforeEnd) {
      collectNodes(node.right, start, end, out);
    }
  }

  /**
   * Splits a range into contiguous parts that hold as equal numbers of this tree's keys as
   * possible: the first part starts where the range starts, each next part where the previous one
   * ends, and the last one ends where the range ends. Every part holds at least one key. Costs O(p
   * log n) for p parts.
   *
   * @param range the range
   * @param parts how many parts to make, at least 2; fewer are made when the range holds fewer keys
   * @return {@code min(parts, count(range))} ranges, or the range alone if it holds fewer than two
   *     keys
   * @throws NullPointerException if {@code range} is null
   * @throws IllegalArgumentException if {@code parts} is less than 2, or the range's end is not
   *     empty and does not sort after its start
   */
  public List<KeyRange> split(KeyRange range, int parts) {
    if (parts < 2) {
      throw new IllegalArgumentException("parts must be >= 2: parts=" + parts);
    }
    checkRange(range);
    int first = countBefore(range.getStart());
    int count = countBeforeEnd(range.getEnd()) - first;
    if (count < 2) {
      return List.of(range);
    }
    int p = Math.min(parts, count);
    List<KeyRange> out = new ArrayList<>(p);
    String start = range.getStart();
    for (int i = 1; i < p; i++) {
      String boundary = keyAt(first + (int) ((long) count * i / p));
      out.add(KeyRange.newBuilder().setStart(start).setEnd(boundary).build());
      start = boundary;
    }
    out.add(KeyRange.newBuilder().setStart(start).setEnd(range.getEnd()).build());
    return out;
  }

  private String keyAt(int rank) {
    Node node = root;
    int r = rank;
    while (true) {
      int leftSize = node.left == null ? 0 : node.left.size;
      if (r < leftSize) {
        node = node.left;
      } else if (r == leftSize) {
        return node.key;
      } else {
        r -= leftSize + 1;
        node = node.right;
      }
    }
  }

  /** Sums the fingerprints of a valid range's keys into {@code into} and returns their count. */
  int summarize(KeyRange range, Sum256 into) {
    int count;
    if (range.getEnd().isEmpty()) {
      count = size();
      into.set(0, 0, 0, 0);
      if (root != null) {
        into.set(root);
      }
    } else {
      count = sumBefore(range.getEnd(), into);
    }
    count -= sumBefore(range.getStart(), below);
    into.subtract(below);
    return count;
  }

  // Count and fingerprint sum of the keys that sort before `bound`; none sort before "".
  private int sumBefore(String bound, Sum256 into) {
    into.set(0, 0, 0, 0);
    int count = 0;
    Node node = root;
    while (node != null) {
      if (Utf8Order.compare(node.key, bound) < 0) {
        if (node.left != null) {
          into.add(node.left);
          count += node.left.size;
        }
        into.add(node.e0, node.e1, node.e2, node.e3);
        count++;
        node = node.right;
      } else {
        node = node.left;
      }
    }
    return count;
  }

  // How many keys sort before `bound`; none sort before "".
  private int countBefore(String bound) {
    int count = 0;
    Node node = root;
    while (node != null) {
      if (Utf8Order.compare(node.key, bound) < 0) {
        count += (node.left == null ? 0 : node.left.size) + 1;
        node = node.right;
      } else {
        node = node.left;
      }
    }
    return count;
  }

  // How many keys sort before the end of a range, where an empty end is the end of the key space.
  private int countBeforeEnd(String end) {
    return end.isEmpty() ? size() : countBefore(end);
  }

  /**
   * The digest hash of a range: SHA-256 of {@code RANGE_TAG}, the key count (8 bytes, big-endian)
   * and the fingerprint sum (32 bytes, big-endian); empty for no key.
   */
  static byte[] rangeHash(MessageDigest sha256, long count, Sum256 sum) {
    if (count == 0) {
      return NO_HASH.clone();
    }
    byte[] input = new byte[1 + 8 + HASH_BYTES];
    input[0] = RANGE_TAG;
    Sum256.writeLong(input, 1, count);
    sum.writeTo(input, 9);
    return sha256.digest(input);
  }

  byte[] rangeHash(long count, Sum256 sum) {
    return rangeHash(sha256, count, sum);
  }

  /**
   * A range's hash on the wire: the first 8 bytes, big-endian, of SHA-256 of {@code RANGE_TAG}, the
   * 8-byte salt, the key count (8 bytes, big-endian) and the fingerprint sum (32 bytes,
   * big-endian), whatever the count, 0 included.
   */
  long wireRangeHash(byte[] salt, long count, Sum256 sum) {
    byte[] input = new byte[1 + WIRE_HASH_BYTES + 8 + HASH_BYTES];
    input[0] = RANGE_TAG;
    System.arraycopy(salt, 0, input, 1, WIRE_HASH_BYTES);
    Sum256.writeLong(input, 1 + WIRE_HASH_BYTES, count);
    sum.writeTo(input, 1 + WIRE_HASH_BYTES + 8);
    return Sum256.readLong(sha256.digest(input), 0);
  }

  /**
   * A key's hash on the wire: the first 8 bytes, big-endian, of SHA-256 of {@code KEY_TAG}, the
   * 8-byte salt and the key's 32-byte entry fingerprint (which covers key, type and state hash).
   */
  long wireKeyHash(byte[] salt, Node node) {
    byte[] input = new byte[1 + WIRE_HASH_BYTES + HASH_BYTES];
    input[0] = KEY_TAG;
    System.arraycopy(salt, 0, input, 1, WIRE_HASH_BYTES);
    Sum256.writeLong(input, 1 + WIRE_HASH_BYTES, node.e0);
    Sum256.writeLong(input, 9 + WIRE_HASH_BYTES, node.e1);
    Sum256.writeLong(input, 17 + WIRE_HASH_BYTES, node.e2);
    Sum256.writeLong(input, 25 + WIRE_HASH_BYTES, node.e3);
    return Sum256.readLong(sha256.digest(input), 0);
  }

  static KeyRange checkRange(KeyRange range) {
    Objects.requireNonNull(range, "range");
    if (!Utf8Order.isValid(range)) {
      throw new IllegalArgumentException(
          "range end must be empty or sort after its start: range=" + Utf8Order.describe(range));
    }
    return range;
  }

  static ByteString wrap(byte[] hash) {
    return UnsafeByteOperations.unsafeWrap(hash);
  }
}
