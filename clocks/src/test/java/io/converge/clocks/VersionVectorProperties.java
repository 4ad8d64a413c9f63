package io.converge.clocks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/** The partial-order and least-upper-bound laws of {@link VersionVector}, against a map model. */
final class VersionVectorProperties {

  /** A small pool, so that generated vectors often share replicas and are often comparable. */
  private static final List<ReplicaId> POOL =
      List.of(
          ReplicaId.of("ap-south"),
          ReplicaId.of("eu-west"),
          ReplicaId.of("us-east"),
          ReplicaId.of("us-west"));

  /** Vectors over the pool with small counters (0 means absent). */
  static Gen<VersionVector> vectors() {
    return lists()
        .of(longs().between(0, 4))
        .ofSize(POOL.size())
        .map(
            counters -> {
              Map<ReplicaId, Long> entries = new HashMap<>();
              for (int i = 0; i < POOL.size(); i++) {
                entries.put(POOL.get(i), counters.get(i));
              }
              return VersionVector.of(entries);
            });
  }

  private static boolean leq(VersionVector a, VersionVector b) {
    for (ReplicaId r : POOL) {
      if (a.get(r) > b.get(r)) {
        return false;
      }
    }
    return true;
  }

  @Test
  void compare_agreesWithEntryWiseModel() {
    qt().forAll(vectors(), vectors())
        .checkAssert(
            (a, b) -> {
              boolean ab = leq(a, b);
              boolean ba = leq(b, a);
              CausalOrder expected =
                  ab && ba
                      ? CausalOrder.EQUAL
                      : ab ? CausalOrder.BEFORE : ba ? CausalOrder.AFTER : CausalOrder.CONCURRENT;
              assertEquals(expected, a.compare(b), () -> a + " vs " + b);
            });
  }

  @Test
  void compare_isReflexive() {
    qt().forAll(vectors()).check(a -> a.compare(a) == CausalOrder.EQUAL);
  }

  @Test
  void compare_isAntisymmetric() {
    qt().forAll(vectors(), vectors())
        .checkAssert(
            (a, b) -> {
              if (a.dominates(b) && b.dominates(a)) {
                assertEquals(a, b);
              }
              assertEquals(mirror(a.compare(b)), b.compare(a), () -> a + " vs " + b);
            });
  }

  private static CausalOrder mirror(CausalOrder order) {
    switch (order) {
      case BEFORE:
        return CausalOrder.AFTER;
      case AFTER:
        return CausalOrder.BEFORE;
      default:
        return order;
    }
  }

  @Test
  void compare_isTransitive() {
    // Random triples are rarely chained, so build chains a <= a+x <= a+x+y, plus random triples.
    qt().forAll(vectors(), vectors(), vectors())
        .checkAssert(
            (a, x, y) -> {
              VersionVector b = a.merge(x);
              VersionVector c = b.merge(y);
              assertTrue(b.dominates(a) && c.dominates(b));
              assertTrue(c.dominates(a), () -> a + " <= " + b + " <= " + c);
              if (x.dominates(a) && y.dominates(x)) {
                assertTrue(y.dominates(a));
              }
            });
  }

  @Test
  void merge_isCommutative() {
    qt().forAll(vectors(), vectors()).check((a, b) -> a.merge(b).equals(b.merge(a)));
  }

  @Test
  void merge_isAssociative() {
    qt().forAll(vectors(), vectors(), vectors())
        .check((a, b, c) -> a.merge(b).merge(c).equals(a.merge(b.merge(c))));
  }

  @Test
  void merge_isIdempotent() {
    qt().forAll(vectors(), vectors())
        .check((a, b) -> a.merge(a).equals(a) && a.merge(b).merge(b).equals(a.merge(b)));
  }

  @Test
  void merge_isLeastUpperBound() {
    qt().forAll(vectors(), vectors(), vectors())
        .checkAssert(
            (a, b, c) -> {
              VersionVector m = a.merge(b);
              assertTrue(m.dominates(a) && m.dominates(b), () -> m + " must dominate both");
              for (ReplicaId r : POOL) {
                assertEquals(Math.max(a.get(r), b.get(r)), m.get(r), () -> "entry " + r);
              }
              // Least: any upper bound of both is an upper bound of the merge.
              if (c.dominates(a) && c.dominates(b)) {
                assertTrue(c.dominates(m));
              }
            });
  }

  @Test
  void increment_movesStrictlyAfter() {
    qt().forAll(vectors(), longs().between(0, POOL.size() - 1))
        .checkAssert(
            (a, i) -> {
              ReplicaId r = POOL.get(i.intValue());
              VersionVector next = a.increment(r);
              assertEquals(CausalOrder.AFTER, next.compare(a));
              assertEquals(a.get(r) + 1, next.get(r));
            });
  }
}
