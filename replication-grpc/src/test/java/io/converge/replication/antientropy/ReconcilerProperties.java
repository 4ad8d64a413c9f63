package io.converge.replication.antientropy;

import static io.converge.replication.antientropy.AntiEntropyGenerators.opLists;
import static io.converge.replication.antientropy.AntiEntropyGenerators.reconcilers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import java.util.Arrays;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Reconciliations of random replicas: a shared history, then separate writes and removes on each
 * side, under random settings down to the smallest message bound.
 */
final class ReconcilerProperties {

  /** The two sides: a shared history followed by each side's own operations. */
  record Sides(
      NavigableMap<String, TreeFixtures.Entry> local,
      NavigableMap<String, TreeFixtures.Entry> remote) {

    static Sides of(
        List<AntiEntropyGenerators.Op> shared,
        List<AntiEntropyGenerators.Op> localOnly,
        List<AntiEntropyGenerators.Op> remoteOnly) {
      NavigableMap<String, TreeFixtures.Entry> local =
          AntiEntropyGenerators.apply(shared, TreeFixtures.model());
      NavigableMap<String, TreeFixtures.Entry> remote =
          AntiEntropyGenerators.apply(shared, TreeFixtures.model());
      return new Sides(
          AntiEntropyGenerators.apply(localOnly, local),
          AntiEntropyGenerators.apply(remoteOnly, remote));
    }

    ReconciliationSession reconcile(Reconciler reconciler) {
      return ReconcilerTest.drive(
          reconciler, TreeFixtures.treeOf(local), reconciler, TreeFixtures.treeOf(remote));
    }

    Divergence expected() {
      TreeSet<String> onlyLocal = new TreeSet<>(Utf8Order.COMPARATOR);
      TreeSet<String> onlyRemote = new TreeSet<>(Utf8Order.COMPARATOR);
      TreeSet<String> differing = new TreeSet<>(Utf8Order.COMPARATOR);
      local.forEach(
          (k, e) -> {
            TreeFixtures.Entry r = remote.get(k);
            if (r == null) {
              onlyLocal.add(k);
            } else if (!r.type().equals(e.type()) || !Arrays.equals(r.stateHash(), e.stateHash())) {
              differing.add(k);
            }
          });
      remote.keySet().stream().filter(k -> !local.containsKey(k)).forEach(onlyRemote::add);
      return new Divergence(onlyLocal, onlyRemote, differing);
    }
  }

  @Test
  void reconcile_anyReplicasAndSettings_findsExactlyTheDivergentKeysWithinTheBound() {
    qt().forAll(opLists(4, 9, 200), opLists(4, 2, 20), opLists(4, 2, 20), reconcilers())
        .checkAssert(
            (shared, localOnly, remoteOnly, reconciler) -> {
              Sides sides = Sides.of(shared, localOnly, remoteOnly);

              ReconciliationSession session = sides.reconcile(reconciler);

              assertEquals(sides.expected(), session.divergence());
              assertTrue(
                  session.stats().largestMessage() <= reconciler.maxEntriesPerMessage(),
                  session.stats().toString());
            });
  }

  @Test
  void reconcile_responderWithOtherSettings_stillFindsExactlyTheDivergentKeys() {
    qt().forAll(opLists(4, 9, 200), opLists(4, 2, 20), reconcilers(), reconcilers())
        .checkAssert(
            (shared, localOnly, requester, responderSettings) -> {
              // The responder accepts the requester's requests and the requester its responses.
              int max =
                  Math.max(
                      Math.max(requester.rangesPerRequest(), Reconciler.MIN_ENTRIES_PER_MESSAGE),
                      Math.min(
                          responderSettings.maxEntriesPerMessage(),
                          requester.maxEntriesPerMessage()));
              Reconciler responder = responderSettings.withMaxEntriesPerMessage(max);
              Sides sides = Sides.of(shared, localOnly, List.of());

              ReconciliationSession session =
                  ReconcilerTest.drive(
                      requester,
                      TreeFixtures.treeOf(sides.local()),
                      responder,
                      TreeFixtures.treeOf(sides.remote()));

              assertEquals(sides.expected(), session.divergence());
            });
  }

  @Test
  void reconcile_swappedRoles_mirrorsTheDivergence() {
    qt().forAll(opLists(3, 9, 100), opLists(3, 2, 15), opLists(3, 2, 15), reconcilers())
        .checkAssert(
            (shared, localOnly, remoteOnly, reconciler) -> {
              Sides sides = Sides.of(shared, localOnly, remoteOnly);
              KeyDigestTree local = TreeFixtures.treeOf(sides.local());
              KeyDigestTree remote = TreeFixtures.treeOf(sides.remote());

              Divergence here = reconciler.reconcile(local, remote).divergence();
              Divergence there = reconciler.reconcile(remote, local).divergence();

              assertEquals(here.onlyLocal(), there.onlyRemote());
              assertEquals(here.onlyRemote(), there.onlyLocal());
              assertEquals(here.differing(), there.differing());
            });
  }

  @Test
  void reconcile_everyKeyDivergentOrOneSideEmpty_findsExactlyTheDivergentKeys() {
    qt().forAll(opLists(4, 9, 150), integers().between(0, 2), reconcilers())
        .checkAssert(
            (shared, kind, reconciler) -> {
              NavigableMap<String, TreeFixtures.Entry> local =
                  AntiEntropyGenerators.apply(shared, TreeFixtures.model());
              NavigableMap<String, TreeFixtures.Entry> remote = TreeFixtures.model();
              if (kind == 0) {
                // every key differs: another state hash on the remote
                local.forEach(
                    (k, e) ->
                        remote.put(
                            k,
                            new TreeFixtures.Entry(
                                e.type(), TreeFixtures.hash(Arrays.hashCode(e.stateHash()) + 1))));
              }
              Sides sides = kind == 2 ? new Sides(remote, local) : new Sides(local, remote);

              ReconciliationSession session = sides.reconcile(reconciler);

              assertEquals(sides.expected(), session.divergence());
            });
  }

  @Test
  void reconcile_equalReplicas_costsOneRangeDigestWhateverTheirSize() {
    qt().forAll(opLists(4, 9, 200))
        .checkAssert(
            shared -> {
              Sides sides = Sides.of(shared, List.of(), List.of());

              ReconciliationSession session =
                  Reconciler.defaults()
                      .reconcile(
                          TreeFixtures.treeOf(sides.local()), TreeFixtures.treeOf(sides.remote()));

              assertTrue(session.divergence().isEmpty());
              assertEquals(List.of(1L, 1L, 0L, 1L), ReconcilerTest.counts(session.stats()));
              // Round, salt, one range of two empty bounds, its count and 8-byte hash; an empty
              // response: 34 bytes at most for up to 16383 keys.
              assertTrue(session.stats().bytes() <= 34, session.stats().toString());
            });
  }
}
