package io.converge.crdt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.clocks.Dot;
import io.converge.clocks.HlcTimestamp;
import io.converge.clocks.ReplicaId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

final class ConflictResolverTest {

  private final ReplicaId r1 = ReplicaId.of("r1");
  private final ReplicaId r2 = ReplicaId.of("r2");
  private final ReplicaId r3 = ReplicaId.of("r3");

  private static HlcTimestamp ts(long ms) {
    return HlcTimestamp.of(1_700_000_000_000L + ms, 0);
  }

  private static <T> Versioned<T> v(T value, long ms, ReplicaId replica, long counter) {
    return new Versioned<>(value, ts(ms), Dot.of(replica, counter));
  }

  /** Four versions with a timestamp tie between r1 and r2, in an order that is not sorted. */
  private List<Versioned<String>> strings() {
    return List.of(
        v("pear", 5, r2, 1), v("fig", 9, r3, 4), v("apple", 5, r1, 7), v("kiwi", 1, r3, 2));
  }

  private List<Versioned<Set<String>>> sets() {
    return List.of(
        v(Set.of("a", "b"), 5, r2, 1),
        v(Set.of("c"), 9, r3, 4),
        v(Set.of("b", "d"), 5, r1, 7),
        v(Set.of(), 1, r3, 2));
  }

  private static <T> List<Versioned<T>> sorted(List<Versioned<T>> versions) {
    List<Versioned<T>> out = new ArrayList<>(versions);
    out.sort(Versioned.ORDER);
    return out;
  }

  private static <T> List<List<T>> permutations(List<T> items) {
    if (items.isEmpty()) {
      return List.of(List.of());
    }
    List<List<T>> out = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      List<T> rest = new ArrayList<>(items);
      T head = rest.remove(i);
      for (List<T> tail : permutations(rest)) {
        List<T> p = new ArrayList<>();
        p.add(head);
        p.addAll(tail);
        out.add(p);
      }
    }
    return out;
  }

  /** Checks that the resolver gives {@code expected} for every permutation and random shuffles. */
  private static <T> void assertDeterministic(
      ConflictResolver<T> resolver, List<Versioned<T>> versions, T expected) {
    assertEquals(expected, resolver.resolve(sorted(versions)));
    for (List<Versioned<T>> p : permutations(versions)) {
      assertEquals(expected, resolver.resolveUnordered(p), () -> "permutation " + p);
    }
    Random random = new Random(42);
    for (int i = 0; i < 50; i++) {
      List<Versioned<T>> shuffled = new ArrayList<>(versions);
      Collections.shuffle(shuffled, random);
      assertEquals(expected, resolver.resolveUnordered(shuffled), () -> "shuffle " + shuffled);
    }
  }

  @Test
  void lastWriterWins_distinctTimestamps_picksLatest() {
    assertEquals("fig", ConflictResolver.<String>lastWriterWins().resolve(sorted(strings())));
  }

  @Test
  void lastWriterWins_timestampTie_greaterReplicaWins() {
    List<Versioned<String>> tie = List.of(v("one", 5, r1, 3), v("two", 5, r2, 1));
    assertEquals("two", ConflictResolver.<String>lastWriterWins().resolveUnordered(tie));
    assertEquals("one", ConflictResolver.<String>firstWriterWins().resolveUnordered(tie));
  }

  @Test
  void firstWriterWins_distinctTimestamps_picksEarliest() {
    assertEquals("kiwi", ConflictResolver.<String>firstWriterWins().resolve(sorted(strings())));
  }

  @Test
  void max_naturalOrder_picksGreatestValue() {
    assertEquals(
        "pear", ConflictResolver.<String>max(Comparator.naturalOrder()).resolve(sorted(strings())));
  }

  @Test
  void max_tieUnderComparator_brokenByVersionOrder() {
    ConflictResolver<String> fourLetters =
        ConflictResolver.max(Comparator.comparing((String s) -> s.length() == 4));
    // "pear" and "kiwi" both have four letters; pear (ts 5) is later than kiwi (ts 1).
    assertEquals("pear", fourLetters.resolve(sorted(strings())));
    ConflictResolver<String> byLength = ConflictResolver.max(Comparator.comparing(String::length));
    // Same timestamp: the dot of r2 sorts after the dot of r1, whatever the counters.
    List<Versioned<String>> tie = List.of(v("ab", 5, r2, 1), v("cd", 5, r1, 9));
    assertEquals("ab", byLength.resolveUnordered(tie));
  }

  @Test
  void max_nullComparator_throws() {
    assertThrows(NullPointerException.class, () -> ConflictResolver.max(null));
  }

  @Test
  void union_sets_keepsEveryElement() {
    Set<String> union = ConflictResolver.<String>union().resolve(sorted(sets()));
    assertEquals(Set.of("a", "b", "c", "d"), union);
  }

  @Test
  void union_result_isUnmodifiable() {
    Set<String> union = ConflictResolver.<String>union().resolve(sorted(sets()));
    assertThrows(UnsupportedOperationException.class, () -> union.add("z"));
  }

  @Test
  void union_singleVersion_returnsUnmodifiableCopy() {
    Set<String> mutable = new java.util.HashSet<>(Set.of("a"));
    Set<String> union = ConflictResolver.<String>union().resolve(List.of(v(mutable, 1, r1, 1)));
    assertEquals(Set.of("a"), union);
    assertThrows(UnsupportedOperationException.class, () -> union.add("z"));
  }

  @Test
  void of_nonCommutativeFunction_foldsInVersionOrder() {
    ConflictResolver<String> concat = ConflictResolver.of((a, b) -> a + "+" + b);
    assertEquals("kiwi+apple+pear+fig", concat.resolveUnordered(strings()));
  }

  @Test
  void of_unsortedListPassedToResolve_foldsSortedCopy() {
    ConflictResolver<String> concat = ConflictResolver.of((a, b) -> a + "+" + b);
    List<Versioned<String>> unsorted = strings();
    assertEquals("kiwi+apple+pear+fig", concat.resolve(unsorted));
    assertEquals(strings(), unsorted);
  }

  @Test
  void of_singleVersion_returnsItsValue() {
    ConflictResolver<String> concat = ConflictResolver.of((a, b) -> a + "+" + b);
    assertEquals("only", concat.resolve(List.of(v("only", 1, r1, 1))));
  }

  @Test
  void of_mergeReturnsNull_throwsNamingValues() {
    ConflictResolver<String> broken = ConflictResolver.of((a, b) -> null);
    NullPointerException e =
        assertThrows(NullPointerException.class, () -> broken.resolveUnordered(strings()));
    assertTrue(e.getMessage().contains("kiwi"), e.getMessage());
    assertTrue(e.getMessage().contains("apple"), e.getMessage());
  }

  @Test
  void of_nullFunction_throws() {
    assertThrows(NullPointerException.class, () -> ConflictResolver.of(null));
  }

  @Test
  void builtIns_allPermutations_sameResult() {
    assertDeterministic(ConflictResolver.lastWriterWins(), strings(), "fig");
    assertDeterministic(ConflictResolver.firstWriterWins(), strings(), "kiwi");
    assertDeterministic(ConflictResolver.max(Comparator.naturalOrder()), strings(), "pear");
    assertDeterministic(
        ConflictResolver.max(Comparator.comparing(String::length)), strings(), "apple");
    assertDeterministic(
        ConflictResolver.max(Comparator.comparing((String s) -> s.length() == 4)),
        strings(),
        "pear");
    assertDeterministic(ConflictResolver.union(), sets(), Set.of("a", "b", "c", "d"));
    assertDeterministic(
        ConflictResolver.of((a, b) -> a + "+" + b), strings(), "kiwi+apple+pear+fig");
    assertDeterministic(ConflictResolver.<Integer>of(Integer::sum), intVersions(), 10);
  }

  private List<Versioned<Integer>> intVersions() {
    return List.of(v(1, 3, r1, 1), v(2, 3, r2, 1), v(3, 1, r3, 1), v(4, 2, r1, 2));
  }

  @Test
  void union_iterationOrder_followsVersionOrderWhateverTheArrivalOrder() {
    List<String> expected =
        new ArrayList<>(ConflictResolver.<String>union().resolveUnordered(sets()));
    for (List<Versioned<Set<String>>> p : permutations(sets())) {
      assertEquals(expected, new ArrayList<>(ConflictResolver.<String>union().resolveUnordered(p)));
    }
  }

  @Test
  void resolveUnordered_orderDependentCustomResolver_isDeterministic() {
    ConflictResolver<String> firstInList = versions -> versions.get(0).value();
    assertDeterministic(firstInList, strings(), "kiwi");
  }

  @Test
  void resolveUnordered_input_isNotModified() {
    List<Versioned<String>> input = new ArrayList<>(strings());
    ConflictResolver.<String>lastWriterWins().resolveUnordered(input);
    assertEquals(strings(), input);
  }

  @Test
  void resolveUnordered_empty_throwsNoVersions() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ConflictResolver.<String>lastWriterWins().resolveUnordered(List.of()));
    assertEquals("no versions to resolve", e.getMessage());
  }

  @Test
  void resolveUnordered_nullElement_throwsNamingIndex() {
    List<Versioned<String>> withNull = new ArrayList<>(strings());
    withNull.add(1, null);
    NullPointerException e =
        assertThrows(
            NullPointerException.class,
            () -> ConflictResolver.<String>lastWriterWins().resolveUnordered(withNull));
    assertTrue(e.getMessage().contains("versions[1]"), e.getMessage());
    assertEquals(5, withNull.size());
  }

  @Test
  void resolveUnordered_nullCollection_throws() {
    assertThrows(
        NullPointerException.class,
        () -> ConflictResolver.<String>lastWriterWins().resolveUnordered(null));
  }

  @Test
  void builtIns_emptyList_throwNoVersions() {
    List<ConflictResolver<String>> resolvers =
        List.of(
            ConflictResolver.lastWriterWins(),
            ConflictResolver.firstWriterWins(),
            ConflictResolver.max(Comparator.naturalOrder()),
            ConflictResolver.of((a, b) -> a));
    for (ConflictResolver<String> resolver : resolvers) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> resolver.resolve(List.of()));
      assertEquals("no versions to resolve", e.getMessage());
    }
    assertThrows(
        IllegalArgumentException.class, () -> ConflictResolver.<String>union().resolve(List.of()));
  }

  @Test
  void builtIns_nullElement_throw() {
    List<Versioned<String>> withNull = Arrays.asList(v("a", 1, r1, 1), null);
    assertThrows(
        NullPointerException.class,
        () -> ConflictResolver.<String>lastWriterWins().resolve(withNull));
    assertThrows(
        NullPointerException.class,
        () -> ConflictResolver.<String>firstWriterWins().resolve(withNull));
    assertThrows(
        NullPointerException.class,
        () -> ConflictResolver.<String>max(Comparator.naturalOrder()).resolve(withNull));
    assertThrows(
        NullPointerException.class,
        () -> ConflictResolver.<String>of((a, b) -> a).resolve(withNull));
  }

  @Test
  void mvRegisterSiblings_resolvedAlike_onBothReplicas() {
    MVRegister<Map<String, Integer>> x =
        MVRegister.<Map<String, Integer>>empty().write(r1, Map.of("apple", 1), ts(2));
    MVRegister<Map<String, Integer>> y =
        MVRegister.<Map<String, Integer>>empty().write(r2, Map.of("pear", 2), ts(2));
    ConflictResolver<Map<String, Integer>> lww = ConflictResolver.lastWriterWins();
    assertEquals(x.merge(y).resolve(lww), y.merge(x).resolve(lww));
    assertEquals(Map.of("pear", 2), x.merge(y).resolve(lww).orElseThrow());
  }
}
