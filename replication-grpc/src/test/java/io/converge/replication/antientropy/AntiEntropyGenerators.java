package io.converge.replication.antientropy;

import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.util.List;
import java.util.NavigableMap;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/**
 * Generators for the anti-entropy properties: keys built from a few pieces (so that they collide,
 * share prefixes and include the empty key and characters whose UTF-8 and UTF-16 orders differ),
 * sequences of puts and removes, and reconciler settings down to the smallest.
 */
final class AntiEntropyGenerators {

  private static final List<String> PIECES =
      List.of("a", "b", "k", "\u00E9", "\uE000", "\uD83D\uDE00", "\u0000");

  static final List<String> TYPES = List.of("GCounter", "ORSet", "LWWRegister");

  /** One step: put (key, TYPES[type], hash(seed)), or remove key. */
  record Op(String key, int type, int seed, boolean remove) {
    void applyTo(KeyDigestTree tree) {
      if (remove) {
        tree.remove(key);
      } else {
        tree.put(key, TYPES.get(type), TreeFixtures.hash(seed));
      }
    }

    void applyTo(NavigableMap<String, TreeFixtures.Entry> model) {
      if (remove) {
        model.remove(key);
      } else {
        model.put(key, new TreeFixtures.Entry(TYPES.get(type), TreeFixtures.hash(seed)));
      }
    }
  }

  private AntiEntropyGenerators() {}

  /** Keys of 0 to {@code maxPieces} pieces. */
  static Gen<String> keys(int maxPieces) {
    return lists()
        .of(Generate.pick(PIECES))
        .ofSizeBetween(0, maxPieces)
        .map(pieces -> String.join("", pieces));
  }

  /** Puts, with a removal one time in {@code 1 + removeOdds}. */
  static Gen<Op> ops(int maxPieces, int removeOdds) {
    return keys(maxPieces)
        .zip(
            integers().between(0, TYPES.size() - 1),
            integers().between(0, 3),
            integers().between(0, removeOdds),
            (k, t, s, r) -> new Op(k, t, s, r == 0));
  }

  static Gen<List<Op>> opLists(int maxPieces, int removeOdds, int maxSize) {
    return lists().of(ops(maxPieces, removeOdds)).ofSizeBetween(0, maxSize);
  }

  /** Settings from the smallest allowed up to a few dozen entries per message. */
  static Gen<Reconciler> reconcilers() {
    return integers()
        .between(Reconciler.MIN_ENTRIES_PER_MESSAGE, 64)
        .zip(
            integers().between(2, 8),
            integers().between(1, 8),
            (max, fanout, leaf) ->
                Reconciler.defaults()
                    .withMaxEntriesPerMessage(max)
                    .withFanout(fanout)
                    .withLeafKeys(leaf));
  }

  static NavigableMap<String, TreeFixtures.Entry> apply(
      List<Op> ops, NavigableMap<String, TreeFixtures.Entry> model) {
    ops.forEach(op -> op.applyTo(model));
    return model;
  }
}
