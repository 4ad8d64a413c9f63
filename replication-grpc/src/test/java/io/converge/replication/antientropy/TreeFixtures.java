package io.converge.replication.antientropy;

import io.converge.replication.wire.v1.KeyRange;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * Shared fixtures: state hashes, ranges, and a plain model of a tree (a sorted map) whose digests
 * are computed straight from the package documentation, with {@link BigInteger} arithmetic, so that
 * the tree is checked against the documented construction rather than against itself.
 */
final class TreeFixtures {

  /** One key's type and state hash, as the model holds it. */
  record Entry(String type, byte[] stateHash) {}

  private TreeFixtures() {}

  /** A 32-byte state hash derived from {@code seed}: SHA-256 of its 4 bytes. */
  static byte[] hash(int seed) {
    return KeyDigestTree.newSha256().digest(ByteBuffer.allocate(4).putInt(seed).array());
  }

  static KeyRange range(String start, String end) {
    return KeyRange.newBuilder().setStart(start).setEnd(end).build();
  }

  static NavigableMap<String, Entry> model() {
    return new TreeMap<>(Utf8Order.COMPARATOR);
  }

  static KeyDigestTree treeOf(Map<String, Entry> content) {
    KeyDigestTree tree = new KeyDigestTree();
    content.forEach((k, e) -> tree.put(k, e.type(), e.stateHash()));
    return tree;
  }

  /** The documented range hash of the model's keys in {@code range}: empty for no key. */
  static byte[] expectedHash(NavigableMap<String, Entry> model, KeyRange range) {
    MessageDigest sha = KeyDigestTree.newSha256();
    BigInteger sum = BigInteger.ZERO;
    long count = 0;
    for (Map.Entry<String, Entry> e : model.entrySet()) {
      if (Utf8Order.contains(range, e.getKey())) {
        sum = sum.add(new BigInteger(1, fingerprint(e.getKey(), e.getValue())));
        count++;
      }
    }
    if (count == 0) {
      return new byte[0];
    }
    byte[] sumBytes = sum.mod(BigInteger.ONE.shiftLeft(256)).toByteArray();
    byte[] fixed = new byte[32];
    int n = Math.min(32, sumBytes.length);
    System.arraycopy(sumBytes, sumBytes.length - n, fixed, 32 - n, n);
    sha.update((byte) 0x02);
    sha.update(ByteBuffer.allocate(8).putLong(count).array());
    sha.update(fixed);
    return sha.digest();
  }

  /** The documented entry fingerprint, built with plain streams. */
  static byte[] fingerprint(String key, Entry entry) {
    MessageDigest sha = KeyDigestTree.newSha256();
    byte[] k = key.getBytes(StandardCharsets.UTF_8);
    byte[] t = entry.type().getBytes(StandardCharsets.UTF_8);
    sha.update((byte) 0x01);
    sha.update(ByteBuffer.allocate(4).putInt(k.length).array());
    sha.update(k);
    sha.update(ByteBuffer.allocate(4).putInt(t.length).array());
    sha.update(t);
    sha.update(entry.stateHash());
    return sha.digest();
  }

  static int expectedCount(NavigableMap<String, Entry> model, KeyRange range) {
    int count = 0;
    for (String key : model.keySet()) {
      if (Utf8Order.contains(range, key)) {
        count++;
      }
    }
    return count;
  }
}
