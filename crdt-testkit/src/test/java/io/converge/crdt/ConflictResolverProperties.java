package io.converge.crdt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.lists;

import io.converge.clocks.Dot;
import io.converge.clocks.HlcTimestamp;
import io.converge.clocks.ReplicaId;
import io.converge.crdt.Histories.Write;
import io.converge.crdt.testkit.BuiltInGenerators;
import io.converge.crdt.testkit.Generators;
import io.converge.crdt.testkit.Specification;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/**
 * The built-in {@link ConflictResolver}s are deterministic: the same versions, in any order,
 * resolve to the same value, which is the one each resolver's rule picks; and the siblings of
 * converged {@link MVRegister} replicas resolve alike on every replica.
 */
final class ConflictResolverProperties {

  private static final List<ReplicaId> REPLICAS = Generators.replicaIds(3);

  /** Versions in the order every replica computes: timestamp, then writer, then dot counter. */
  private static final Comparator<Versioned<?>> MODEL_ORDER =
      Comparator.<Versioned<?>, HlcTimestamp>comparing(Versioned::timestamp)
          .thenComparing(Versioned::replica)
          .thenComparingLong(v -> v.dot().counter());

  /** One drawn version: a value, a second element for set values, a timestamp, a writer. */
  private record Draw(String value, String other, HlcTimestamp timestamp, int replica) {}

  /** The concurrent versions of one value, both as strings and as sets of strings. */
  private record Versions(List<Versioned<String>> strings, List<Versioned<Set<String>>> sets) {

    @Override
    public String toString() {
      return strings + " / " + sets;
    }
  }

  /**
   * One to five versions with random small timestamps (often equal) by the writers r1 to r3. Each
   * write has its own dot: a writer's versions get the counters 1, 2, and so on.
   */
  private static Gen<Versions> versions() {
    Gen<Draw> draws =
        Generators.smallStrings()
            .zip(
                Generators.smallStrings(),
                BuiltInGenerators.smallTimestamps(),
                Generate.range(0, REPLICAS.size() - 1, 0),
                Draw::new);
    return lists()
        .of(draws)
        .ofSizeBetween(1, 5)
        .map(
            list -> {
              Map<Integer, Integer> counters = new HashMap<>();
              List<Versioned<String>> strings = new ArrayList<>();
              List<Versioned<Set<String>>> sets = new ArrayList<>();
              for (Draw d : list) {
                int counter = counters.merge(d.replica(), 1, Integer::sum);
                Dot dot = Dot.of(REPLICAS.get(d.replica()), counter);
                strings.add(new Versioned<>(d.value(), d.timestamp(), dot));
                sets.add(
                    new Versioned<>(Set.copyOf(List.of(d.value(), d.other())), d.timestamp(), dot));
              }
              return new Versions(List.copyOf(strings), List.copyOf(sets));
            });
  }

  @Test
  void resolvers_everyPermutation_resolveToTheirRulesValue() {
    qt().forAll(versions())
        .checkAssert(
            v -> {
              List<Versioned<String>> sorted = new ArrayList<>(v.strings());
              sorted.sort(MODEL_ORDER);
              String last = sorted.get(sorted.size() - 1).value();
              String first = sorted.get(0).value();
              String greatest =
                  v.strings().stream()
                      .max(
                          Comparator.<Versioned<String>, String>comparing(Versioned::value)
                              .thenComparing(MODEL_ORDER))
                      .orElseThrow()
                      .value();
              String folded = sorted.stream().map(Versioned::value).collect(Collectors.joining());
              Set<String> union = new TreeSet<>();
              v.sets().forEach(s -> union.addAll(s.value()));
              for (List<Versioned<String>> p : permutations(v.strings())) {
                assertResolves(last, ConflictResolver.lastWriterWins(), p);
                assertResolves(first, ConflictResolver.firstWriterWins(), p);
                assertResolves(greatest, ConflictResolver.max(Comparator.naturalOrder()), p);
                assertResolves(folded, ConflictResolver.of(String::concat), p);
              }
              for (List<Versioned<Set<String>>> p : permutations(v.sets())) {
                assertResolves(union, ConflictResolver.union(), p);
              }
            });
  }

  /** Both {@code resolveUnordered} and {@code resolve} of a list in any order give {@code want}. */
  private static <T> void assertResolves(
      T want, ConflictResolver<T> resolver, List<Versioned<T>> versions) {
    assertEquals(want, resolver.resolveUnordered(versions), () -> "resolveUnordered " + versions);
    assertEquals(want, resolver.resolve(versions), () -> "resolve " + versions);
  }

  private static <T> List<List<T>> permutations(List<T> items) {
    if (items.size() <= 1) {
      return List.of(items);
    }
    List<List<T>> out = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      List<T> rest = new ArrayList<>(items);
      T head = rest.remove(i);
      for (List<T> tail : permutations(rest)) {
        List<T> p = new ArrayList<>(tail.size() + 1);
        p.add(head);
        p.addAll(tail);
        out.add(List.copyOf(p));
      }
    }
    return out;
  }

  @Test
  void mvRegister_convergedReplicas_resolveAlikeWithEveryResolver() {
    // The runner reads every replica's resolutions and compares each with the model's.
    Specification<MVRegister<String>, Map<String, Optional<?>>> resolutions =
        Specification.of(
            history -> modelResolutions(MVRegisterProperties.siblings(history)),
            ConflictResolverProperties::resolutions);
    Histories.causalRuns(MVRegister.<String>empty(), BuiltInGenerators.mvRegister())
        .specification(resolutions)
        .build()
        .check();
  }

  /** What each built-in resolver makes of a register's siblings. */
  private static Map<String, Optional<?>> resolutions(MVRegister<String> register) {
    Map<String, Optional<?>> out = new LinkedHashMap<>();
    out.put("lastWriterWins", register.resolve(ConflictResolver.lastWriterWins()));
    out.put("firstWriterWins", register.resolve(ConflictResolver.firstWriterWins()));
    out.put("max", register.resolve(ConflictResolver.max(Comparator.naturalOrder())));
    out.put("concat", register.resolve(ConflictResolver.of(String::concat)));
    List<Versioned<Set<String>>> sets =
        register.siblings().stream()
            .map(s -> new Versioned<>(Set.of(s.value()), s.timestamp(), s.dot()))
            .collect(Collectors.toList());
    out.put(
        "union",
        sets.isEmpty()
            ? Optional.empty()
            : Optional.of(ConflictResolver.<String>union().resolveUnordered(sets)));
    return out;
  }

  /** The same, computed from the model's siblings, in (timestamp, writer) order. */
  private static Map<String, Optional<?>> modelResolutions(List<Write> siblings) {
    Map<String, Optional<?>> out = new LinkedHashMap<>();
    Function<Optional<Write>, Optional<?>> value = w -> w.map(Write::value);
    out.put("lastWriterWins", value.apply(siblings.stream().max(Write.ORDER)));
    out.put("firstWriterWins", value.apply(siblings.stream().min(Write.ORDER)));
    out.put(
        "max",
        value.apply(
            siblings.stream().max(Comparator.comparing(Write::value).thenComparing(Write.ORDER))));
    out.put(
        "concat",
        siblings.isEmpty()
            ? Optional.empty()
            : Optional.of(siblings.stream().map(Write::value).collect(Collectors.joining())));
    out.put(
        "union",
        siblings.isEmpty()
            ? Optional.empty()
            : Optional.of(
                siblings.stream()
                    .map(Write::value)
                    .collect(Collectors.toCollection(TreeSet::new))));
    return out;
  }
}
