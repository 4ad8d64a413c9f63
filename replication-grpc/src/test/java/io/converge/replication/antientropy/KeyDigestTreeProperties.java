package io.converge.replication.antientropy;

import static io.converge.replication.antientropy.AntiEntropyGenerators.keys;
import static io.converge.replication.antientropy.AntiEntropyGenerators.opLists;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import com.google.protobuf.ByteString;
import io.converge.replication.wire.v1.KeyDigest;
import io.converge.replication.wire.v1.KeyRange;
import io.converge.replication.wire.v1.RangeDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The tree against a sorted map whose digests are computed from the package documentation: same
 * content, same digests, whatever the history.
 */
final class KeyDigestTreeProperties {

  @Test
  void rootHash_sameContentAnyHistory_isEqualAndDocumented() {
    qt().forAll(opLists(3, 3, 80), longs().all())
        .checkAssert(
            (ops, seed) -> {
              KeyDigestTree history = new KeyDigestTree();
              ops.forEach(op -> op.applyTo(history));
              NavigableMap<String, TreeFixtures.Entry> model =
                  AntiEntropyGenerators.apply(ops, TreeFixtures.model());

              List<Map.Entry<String, TreeFixtures.Entry>> shuffled =
                  new ArrayList<>(model.entrySet());
              Collections.shuffle(shuffled, new Random(seed));
              KeyDigestTree direct = new KeyDigestTree();
              shuffled.forEach(
                  e -> direct.put(e.getKey(), e.getValue().type(), e.getValue().stateHash()));

              byte[] expected = TreeFixtures.expectedHash(model, KeyDigestTree.fullRange());
              assertArrayEquals(expected, history.rootHash());
              assertArrayEquals(expected, direct.rootHash());
              assertEquals(model.size(), history.size());
            });
  }

  @Test
  void digest_anyRange_matchesTheDocumentedConstruction() {
    qt().forAll(opLists(3, 3, 60), keys(3), keys(3))
        .checkAssert(
            (ops, a, b) -> {
              KeyDigestTree tree = new KeyDigestTree();
              ops.forEach(op -> op.applyTo(tree));
              NavigableMap<String, TreeFixtures.Entry> model =
                  AntiEntropyGenerators.apply(ops, TreeFixtures.model());
              KeyRange range = rangeBetween(a, b);

              RangeDigest digest = tree.digest(range);

              assertEquals(TreeFixtures.expectedCount(model, range), digest.getKeyCount());
              assertEquals(tree.count(range), digest.getKeyCount());
              assertEquals(
                  ByteString.copyFrom(TreeFixtures.expectedHash(model, range)), digest.getHash());
              List<String> listed = new ArrayList<>();
              for (KeyDigest k : tree.keyDigests(range)) {
                listed.add(k.getKey());
                TreeFixtures.Entry e = model.get(k.getKey());
                assertEquals(e.type(), k.getType());
                assertEquals(ByteString.copyFrom(e.stateHash()), k.getHash());
              }
              List<String> expected = new ArrayList<>();
              model.keySet().stream()
                  .filter(k -> Utf8Order.contains(range, k))
                  .forEach(expected::add);
              assertEquals(expected, listed);
            });
  }

  @Test
  void split_anyRange_partsAreContiguousNonEmptyAndBalanced() {
    qt().forAll(opLists(3, 5, 80), keys(2), keys(2), integers().between(2, 20))
        .checkAssert(
            (ops, a, b, parts) -> {
              KeyDigestTree tree = new KeyDigestTree();
              ops.forEach(op -> op.applyTo(tree));
              KeyRange range = rangeBetween(a, b);
              int count = tree.count(range);

              List<KeyRange> split = tree.split(range, parts);

              if (count < 2) {
                assertEquals(List.of(range), split);
                return;
              }
              assertEquals(Math.min(parts, count), split.size());
              assertEquals(range.getStart(), split.get(0).getStart());
              assertEquals(range.getEnd(), split.get(split.size() - 1).getEnd());
              int total = 0;
              int least = Integer.MAX_VALUE;
              int most = 0;
              for (int i = 0; i < split.size(); i++) {
                if (i > 0) {
                  assertEquals(split.get(i - 1).getEnd(), split.get(i).getStart());
                }
                int c = tree.count(split.get(i));
                total += c;
                least = Math.min(least, c);
                most = Math.max(most, c);
              }
              assertEquals(count, total);
              assertTrue(least >= 1, "every part holds a key");
              assertTrue(
                  most - least <= 1, "parts differ by at most one key: " + least + ".." + most);
            });
  }

  @Test
  void putAndRemove_anySequence_agreeWithTheModelAfterEveryStep() {
    qt().forAll(opLists(2, 2, 100))
        .checkAssert(
            ops -> {
              KeyDigestTree tree = new KeyDigestTree();
              NavigableMap<String, TreeFixtures.Entry> model = TreeFixtures.model();
              for (AntiEntropyGenerators.Op op : ops) {
                TreeFixtures.Entry before = model.get(op.key());
                boolean changed;
                if (op.remove()) {
                  changed = tree.remove(op.key());
                  assertEquals(before != null, changed);
                } else {
                  changed =
                      tree.put(
                          op.key(),
                          AntiEntropyGenerators.TYPES.get(op.type()),
                          TreeFixtures.hash(op.seed()));
                  TreeFixtures.Entry after =
                      new TreeFixtures.Entry(
                          AntiEntropyGenerators.TYPES.get(op.type()), TreeFixtures.hash(op.seed()));
                  boolean same =
                      before != null
                          && before.type().equals(after.type())
                          && Arrays.equals(before.stateHash(), after.stateHash());
                  assertEquals(!same, changed);
                }
                op.applyTo(model);
                assertEquals(model.size(), tree.size());
                KeyDigest got = tree.get(op.key());
                assertEquals(model.containsKey(op.key()), got != null);
              }
              assertArrayEquals(
                  TreeFixtures.expectedHash(model, KeyDigestTree.fullRange()), tree.rootHash());
            });
  }

  /** The range from the smaller key to the larger, or from the key to the end if they are equal. */
  static KeyRange rangeBetween(String a, String b) {
    int c = Utf8Order.compare(a, b);
    if (c == 0) {
      return TreeFixtures.range(a, "");
    }
    return c < 0 ? TreeFixtures.range(a, b) : TreeFixtures.range(b, a);
  }
}
