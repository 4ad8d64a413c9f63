package io.converge.replication.antientropy;

import static io.converge.replication.antientropy.TreeFixtures.hash;
import static io.converge.replication.antientropy.TreeFixtures.range;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.converge.replication.wire.v1.KeyDigest;
import io.converge.replication.wire.v1.KeyRange;
import io.converge.replication.wire.v1.RangeDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NavigableMap;
import org.junit.jupiter.api.Test;

final class KeyDigestTreeTest {

  // U+E000 (a private-use BMP character) sorts before U+1F600 (a surrogate pair in UTF-16) in
  // UTF-8, but after it in String.compareTo's UTF-16 order.
  private static final String PRIVATE_USE = "\uE000";
  private static final String EMOJI = "\uD83D\uDE00";

  @Test
  void put_absentKey_addsItAndReturnsTrue() {
    KeyDigestTree tree = new KeyDigestTree();

    assertTrue(tree.put("a", "GCounter", hash(1)));

    assertEquals(1, tree.size());
    KeyDigest a = tree.get("a");
    assertEquals("GCounter", a.getType());
    assertEquals(ByteString.copyFrom(hash(1)), a.getHash());
  }

  @Test
  void put_sameTypeAndHash_returnsFalseAndKeepsRootHash() {
    KeyDigestTree tree = new KeyDigestTree();
    tree.put("a", "GCounter", hash(1));
    byte[] before = tree.rootHash();

    assertFalse(tree.put("a", "GCounter", hash(1)));

    assertArrayEquals(before, tree.rootHash());
    assertEquals(1, tree.size());
  }

  @Test
  void put_changedHash_changesRootHashAndKeepsSize() {
    KeyDigestTree tree = new KeyDigestTree();
    tree.put("a", "GCounter", hash(1));
    tree.put("b", "GCounter", hash(2));
    byte[] before = tree.rootHash();

    assertTrue(tree.put("a", "GCounter", hash(3)));

    assertFalse(Arrays.equals(before, tree.rootHash()));
    assertEquals(2, tree.size());
  }

  @Test
  void put_changedTypeOnly_changesRootHash() {
    KeyDigestTree tree = new KeyDigestTree();
    tree.put("a", "GCounter", hash(1));
    byte[] before = tree.rootHash();

    assertTrue(tree.put("a", "PNCounter", hash(1)));

    assertFalse(Arrays.equals(before, tree.rootHash()));
  }

  @Test
  void put_hashArrayChangedAfterwards_treeKeepsItsCopy() {
    KeyDigestTree tree = new KeyDigestTree();
    byte[] h = hash(1);
    tree.put("a", "GCounter", h);
    byte[] before = tree.rootHash();

    h[0]++;

    assertArrayEquals(before, tree.rootHash());
    assertEquals(ByteString.copyFrom(hash(1)), tree.get("a").getHash());
  }

  @Test
  void put_invalidArguments_throwNamingTheValue() {
    KeyDigestTree tree = new KeyDigestTree();

    assertThrows(NullPointerException.class, () -> tree.put(null, "GCounter", hash(1)));
    assertThrows(NullPointerException.class, () -> tree.put("a", null, hash(1)));
    assertThrows(NullPointerException.class, () -> tree.put("a", "GCounter", null));
    IllegalArgumentException shortHash =
        assertThrows(IllegalArgumentException.class, () -> tree.put("a", "GCounter", new byte[31]));
    assertTrue(shortHash.getMessage().contains("length=31"), shortHash.getMessage());
    assertThrows(IllegalArgumentException.class, () -> tree.put("a", "", hash(1)));
    assertThrows(IllegalArgumentException.class, () -> tree.put("a\uD800", "GCounter", hash(1)));
    assertThrows(IllegalArgumentException.class, () -> tree.put("\uDC00a", "GCounter", hash(1)));
    assertEquals(0, tree.size());
  }

  @Test
  void remove_absentKey_returnsFalse() {
    KeyDigestTree tree = new KeyDigestTree();
    tree.put("a", "GCounter", hash(1));

    assertFalse(tree.remove("b"));

    assertEquals(1, tree.size());
  }

  @Test
  void remove_presentKey_restoresTheRootHashOfTheTreeWithoutIt() {
    KeyDigestTree tree = new KeyDigestTree();
    tree.put("a", "GCounter", hash(1));
    tree.put("c", "GCounter", hash(3));
    byte[] without = tree.rootHash();
    tree.put("b", "ORSet", hash(2));

    assertTrue(tree.remove("b"));

    assertArrayEquals(without, tree.rootHash());
    assertNull(tree.get("b"));
    assertEquals(2, tree.size());
  }

  @Test
  void remove_lastKey_leavesAnEmptyTree() {
    KeyDigestTree tree = new KeyDigestTree();
    tree.put("a", "GCounter", hash(1));

    tree.remove("a");

    assertEquals(0, tree.size());
    assertArrayEquals(new byte[0], tree.rootHash());
  }

  @Test
  void rootHash_emptyTree_isEmpty() {
    assertArrayEquals(new byte[0], new KeyDigestTree().rootHash());
  }

  @Test
  void rootHash_matchesTheDocumentedConstruction() {
    NavigableMap<String, TreeFixtures.Entry> model = TreeFixtures.model();
    model.put("cart:1", new TreeFixtures.Entry("ORMap", hash(1)));
    model.put("visits", new TreeFixtures.Entry("PNCounter", hash(2)));
    model.put(EMOJI, new TreeFixtures.Entry("GSet", hash(3)));

    byte[] root = TreeFixtures.treeOf(model).rootHash();

    assertArrayEquals(TreeFixtures.expectedHash(model, KeyDigestTree.fullRange()), root);
    assertEquals(KeyDigestTree.HASH_BYTES, root.length);
  }

  @Test
  void rootHash_sameContentInAnotherOrder_isEqual() {
    KeyDigestTree forward = new KeyDigestTree();
    KeyDigestTree backward = new KeyDigestTree();
    for (int i = 0; i < 1000; i++) {
      forward.put("k" + i, "GCounter", hash(i));
      backward.put("k" + (999 - i), "GCounter", hash(999 - i));
    }

    assertArrayEquals(forward.rootHash(), backward.rootHash());
  }

  @Test
  void digest_halfOpenRange_holdsStartAndNotEnd() {
    KeyDigestTree tree = new KeyDigestTree();
    for (String k : List.of("a", "b", "c", "d")) {
      tree.put(k, "GCounter", hash(k.charAt(0)));
    }

    RangeDigest bc = tree.digest(range("b", "d"));

    assertEquals(2, bc.getKeyCount());
    assertEquals(range("b", "d"), bc.getRange());
    KeyDigestTree only = new KeyDigestTree();
    only.put("b", "GCounter", hash('b'));
    only.put("c", "GCounter", hash('c'));
    assertEquals(ByteString.copyFrom(only.rootHash()), bc.getHash());
  }

  @Test
  void digest_emptyStartAndEnd_isTheWholeKeySpace() {
    KeyDigestTree tree = new KeyDigestTree();
    tree.put("", "GCounter", hash(0));
    tree.put("z", "GCounter", hash(1));

    RangeDigest all = tree.digest(KeyDigestTree.fullRange());

    assertEquals(2, all.getKeyCount());
    assertEquals(ByteString.copyFrom(tree.rootHash()), all.getHash());
    assertEquals(1, tree.count(range("", "z")));
    assertEquals(1, tree.count(range("a", "")));
  }

  @Test
  void digest_rangeWithoutKeys_hasCountZeroAndEmptyHash() {
    KeyDigestTree tree = new KeyDigestTree();
    tree.put("a", "GCounter", hash(1));

    RangeDigest none = tree.digest(range("b", "c"));

    assertEquals(0, none.getKeyCount());
    assertTrue(none.getHash().isEmpty());
  }

  @Test
  void digest_emptyOrInvertedRange_throws() {
    KeyDigestTree tree = new KeyDigestTree();

    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> tree.digest(range("b", "a")));
    assertTrue(e.getMessage().contains("[\"b\", \"a\")"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> tree.digest(range("b", "b")));
    assertThrows(IllegalArgumentException.class, () -> tree.count(range("b", "b")));
    assertThrows(IllegalArgumentException.class, () -> tree.keyDigests(range("b", "b")));
  }

  @Test
  void keyDigests_keysOutsideTheBasicPlane_sortByUtf8BytesNotUtf16() {
    KeyDigestTree tree = new KeyDigestTree();
    tree.put(EMOJI, "GCounter", hash(1));
    tree.put(PRIVATE_USE, "GCounter", hash(2));
    tree.put("z", "GCounter", hash(3));

    List<String> keys = new ArrayList<>();
    tree.keyDigests(KeyDigestTree.fullRange()).forEach(d -> keys.add(d.getKey()));

    assertEquals(List.of("z", PRIVATE_USE, EMOJI), keys);
    assertTrue(PRIVATE_USE.compareTo(EMOJI) > 0, "String order is UTF-16 order");
    assertEquals(1, tree.count(range(PRIVATE_USE, EMOJI)));
    assertEquals(1, tree.count(range(EMOJI, "")));
  }

  @Test
  void keyDigests_range_returnsItsKeysSortedWithTypesAndHashes() {
    KeyDigestTree tree = new KeyDigestTree();
    for (int i = 9; i >= 0; i--) {
      tree.put("k" + i, i % 2 == 0 ? "GCounter" : "ORSet", hash(i));
    }

    List<KeyDigest> digests = tree.keyDigests(range("k3", "k6"));

    assertEquals(3, digests.size());
    for (int i = 0; i < 3; i++) {
      KeyDigest d = digests.get(i);
      assertEquals("k" + (i + 3), d.getKey());
      assertEquals((i + 3) % 2 == 0 ? "GCounter" : "ORSet", d.getType());
      assertEquals(ByteString.copyFrom(hash(i + 3)), d.getHash());
    }
  }

  @Test
  void split_range_partsAreContiguousNonEmptyAndBalanced() {
    KeyDigestTree tree = new KeyDigestTree();
    for (int i = 0; i < 1000; i++) {
      tree.put(String.format("k%04d", i), "GCounter", hash(i));
    }
    KeyRange range = range("k0100", "k0900");

    List<KeyRange> parts = tree.split(range, 16);

    assertEquals(16, parts.size());
    assertEquals("k0100", parts.get(0).getStart());
    assertEquals("k0900", parts.get(15).getEnd());
    int total = 0;
    for (int i = 0; i < parts.size(); i++) {
      if (i > 0) {
        assertEquals(parts.get(i - 1).getEnd(), parts.get(i).getStart());
      }
      int count = tree.count(parts.get(i));
      assertEquals(50, count, "part " + i);
      total += count;
    }
    assertEquals(800, total);
  }

  @Test
  void split_fewerKeysThanParts_makesOnePartPerKey() {
    KeyDigestTree tree = new KeyDigestTree();
    tree.put("a", "GCounter", hash(1));
    tree.put("b", "GCounter", hash(2));
    tree.put("c", "GCounter", hash(3));

    List<KeyRange> parts = tree.split(KeyDigestTree.fullRange(), 16);

    assertEquals(List.of(range("", "b"), range("b", "c"), range("c", "")), parts);
  }

  @Test
  void split_rangeWithOneKey_returnsTheRange() {
    KeyDigestTree tree = new KeyDigestTree();
    tree.put("a", "GCounter", hash(1));

    assertEquals(List.of(range("", "")), tree.split(KeyDigestTree.fullRange(), 4));
  }

  @Test
  void split_lessThanTwoParts_throws() {
    KeyDigestTree tree = new KeyDigestTree();

    assertThrows(IllegalArgumentException.class, () -> tree.split(KeyDigestTree.fullRange(), 1));
  }

  @Test
  void get_absentKey_returnsNull() {
    assertNull(new KeyDigestTree().get("a"));
  }
}
