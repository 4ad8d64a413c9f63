package io.converge.clocks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * Compaction and merge of {@link CausalContext} against a plain set-of-dots model: membership is
 * all that matters, and the representation is canonical.
 */
final class CausalContextProperties {

  private static final List<ReplicaId> POOL =
      List.of(ReplicaId.of("r1"), ReplicaId.of("r2"), ReplicaId.of("r3"));

  /** The largest counter generated; membership is checked up to a little beyond it. */
  private static final int MAX = 12;

  /** A set of dots: each generated int picks a replica and a counter. */
  static Gen<Set<Dot>> dotSets() {
    return lists()
        .of(integers().between(0, POOL.size() * MAX - 1))
        .ofSizeBetween(0, 30)
        .map(
            codes -> {
              Set<Dot> dots = new HashSet<>();
              for (int code : codes) {
                dots.add(Dot.of(POOL.get(code % POOL.size()), 1 + code / POOL.size()));
              }
              return dots;
            });
  }

  /** The model's version vector part: a prefix 1..n per replica, taken from a bitmask. */
  static Gen<VersionVector> prefixes() {
    return lists()
        .of(integers().between(0, 5))
        .ofSize(POOL.size())
        .map(
            ns -> {
              VersionVector v = VersionVector.empty();
              for (int i = 0; i < POOL.size(); i++) {
                v = v.with(POOL.get(i), ns.get(i));
              }
              return v;
            });
  }

  private static Set<Dot> members(VersionVector v, Set<Dot> dots) {
    Set<Dot> all = new HashSet<>(dots);
    for (ReplicaId r : POOL) {
      for (long c = 1; c <= v.get(r); c++) {
        all.add(Dot.of(r, c));
      }
    }
    return all;
  }

  private static void assertMembership(Set<Dot> expected, CausalContext context) {
    for (ReplicaId r : POOL) {
      for (long c = 1; c <= MAX + 3; c++) {
        Dot d = Dot.of(r, c);
        assertEquals(expected.contains(d), context.contains(d), () -> d + " in " + context);
      }
    }
  }

  private static void assertCanonical(CausalContext context) {
    VersionVector v = context.versionVector();
    for (Dot d : context.cloud()) {
      assertTrue(d.counter() > v.get(d.replica()) + 1, () -> d + " should be compacted");
    }
  }

  @Test
  void compaction_neverChangesMembership() {
    qt().forAll(prefixes(), dotSets())
        .checkAssert(
            (v, dots) -> {
              CausalContext context = CausalContext.of(v, dots);
              assertMembership(members(v, dots), context);
              assertCanonical(context);
            });
  }

  @Test
  void add_oneDotAtATime_equalsBulkCompaction() {
    qt().forAll(dotSets())
        .checkAssert(
            dots -> {
              CausalContext stepwise = CausalContext.empty();
              for (Dot d : dots) {
                stepwise = stepwise.add(d);
                assertTrue(stepwise.contains(d));
              }
              assertEquals(CausalContext.of(VersionVector.empty(), dots), stepwise);
              assertCanonical(stepwise);
            });
  }

  @Test
  void merge_isUnionOfMembership() {
    qt().forAll(prefixes(), dotSets(), prefixes(), dotSets())
        .checkAssert(
            (v1, d1, v2, d2) -> {
              CausalContext a = CausalContext.of(v1, d1);
              CausalContext b = CausalContext.of(v2, d2);
              Set<Dot> union = members(v1, d1);
              union.addAll(members(v2, d2));
              CausalContext m = a.merge(b);
              assertMembership(union, m);
              assertCanonical(m);
              assertEquals(m, b.merge(a));
              assertEquals(m, m.merge(a));
              assertTrue(m.containsAll(a) && m.containsAll(b));
            });
  }

  @Test
  void merge_isAssociative() {
    qt().forAll(dotSets(), dotSets(), dotSets())
        .checkAssert(
            (d1, d2, d3) -> {
              CausalContext a = CausalContext.of(VersionVector.empty(), d1);
              CausalContext b = CausalContext.of(VersionVector.empty(), d2);
              CausalContext c = CausalContext.of(VersionVector.empty(), d3);
              assertEquals(a.merge(b).merge(c), a.merge(b.merge(c)));
            });
  }

  @Test
  void nextDot_isNeverContained() {
    qt().forAll(prefixes(), dotSets())
        .checkAssert(
            (v, dots) -> {
              CausalContext context = CausalContext.of(v, dots);
              for (ReplicaId r : POOL) {
                Dot next = context.nextDot(r);
                assertFalse(context.contains(next));
                Set<Dot> members = members(v, dots);
                for (Dot d : members) {
                  if (d.replica().equals(r)) {
                    assertTrue(d.counter() < next.counter());
                  }
                }
              }
            });
  }
}
