package io.converge.crdt.testkit;

import io.converge.clocks.Dot;
import io.converge.clocks.ReplicaId;
import io.converge.crdt.DeltaCrdt;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.quicktheories.core.Gen;

/**
 * A set of strings written for the testkit's own tests. Every add tags the element with a fresh
 * dot; a remove of the correct, add-wins flavour removes the tags it has seen, so an add it has not
 * seen survives (an observed-remove set with a grow-only set of removed tags). The {@link
 * Flavour#REMOVE_WINS} flavour instead records the element in a tombstone set, so its remove also
 * wins against adds it never saw: a valid lattice that converges, but to the wrong value. The
 * {@link Flavour#ADD_WINS_COMPACT} flavour's add also retires the tags it has seen of the element.
 */
final class TestSet implements DeltaCrdt<TestSet> {

  enum Flavour {
    /** A correct add-wins observed-remove set. */
    ADD_WINS,
    /**
     * A correct add-wins set whose add also retires the element's tags it has seen, as optimized
     * OR-Sets do: a later add's delta subsumes earlier adds of the same element.
     */
    ADD_WINS_COMPACT,
    /** Remove records a tombstone for the element, which hides every add, seen or not. */
    REMOVE_WINS
  }

  private final Flavour flavour;
  private final Map<String, SortedSet<Dot>> adds;
  private final SortedSet<Dot> removedTags;
  private final SortedSet<String> tombstones;
  private final TestSet delta;

  private TestSet(
      Flavour flavour,
      Map<String, SortedSet<Dot>> adds,
      SortedSet<Dot> removedTags,
      SortedSet<String> tombstones,
      TestSet delta) {
    this.flavour = flavour;
    this.adds = adds;
    this.removedTags = removedTags;
    this.tombstones = tombstones;
    this.delta = delta;
  }

  static TestSet empty(Flavour flavour) {
    return new TestSet(flavour, new TreeMap<>(), new TreeSet<>(), new TreeSet<>(), null);
  }

  /** Adds and removes of the elements "a" to "e". */
  static Gen<Operation<TestSet>> operations() {
    return Generators.oneOf(
        Generators.calls("add", Generators.smallStrings(), e -> (r, s) -> s.add(r, e)),
        Generators.calls("remove", Generators.smallStrings(), e -> (r, s) -> s.remove(e)));
  }

  /**
   * The add-wins model, on the causal history: an element is present iff some add of it was seen by
   * no remove of it.
   */
  static Specification<TestSet, Set<String>> addWins() {
    return Specification.of(
        history -> {
          Set<String> present = new TreeSet<>();
          for (Event<TestSet> add : history) {
            Operation.Call a = (Operation.Call) add.payload();
            if (a.is("add")
                && history.stream()
                    .noneMatch(
                        remove -> {
                          Operation.Call r = (Operation.Call) remove.payload();
                          return r.is("remove")
                              && r.argument().equals(a.argument())
                              && remove.hasSeen(add);
                        })) {
              present.add((String) a.argument());
            }
          }
          return present;
        },
        TestSet::elements);
  }

  TestSet add(ReplicaId replica, String element) {
    long counter = 0;
    for (SortedSet<Dot> tags : adds.values()) {
      for (Dot tag : tags) {
        if (tag.replica().equals(replica)) {
          counter = Math.max(counter, tag.counter());
        }
      }
    }
    Dot tag = Dot.of(replica, counter + 1);
    SortedSet<Dot> tags = new TreeSet<>(List.of(tag));
    SortedSet<Dot> retired = new TreeSet<>();
    if (flavour == Flavour.ADD_WINS_COMPACT) {
      retired.addAll(adds.getOrDefault(element, new TreeSet<>()));
      retired.removeAll(removedTags);
      tags.addAll(retired);
    }
    TestSet change =
        new TestSet(flavour, new TreeMap<>(Map.of(element, tags)), retired, new TreeSet<>(), null);
    return join(change, accumulate(change));
  }

  TestSet remove(String element) {
    TestSet change;
    if (flavour == Flavour.REMOVE_WINS) {
      if (tombstones.contains(element)) {
        return this;
      }
      change =
          new TestSet(
              flavour, new TreeMap<>(), new TreeSet<>(), new TreeSet<>(List.of(element)), null);
    } else {
      SortedSet<Dot> observed = new TreeSet<>(adds.getOrDefault(element, new TreeSet<>()));
      observed.removeAll(removedTags);
      if (observed.isEmpty()) {
        return this;
      }
      change = new TestSet(flavour, new TreeMap<>(), observed, new TreeSet<>(), null);
    }
    return join(change, accumulate(change));
  }

  private TestSet accumulate(TestSet change) {
    return delta == null ? change : delta.merge(change);
  }

  Set<String> elements() {
    Set<String> elements = new TreeSet<>();
    for (Map.Entry<String, SortedSet<Dot>> entry : adds.entrySet()) {
      SortedSet<Dot> live = new TreeSet<>(entry.getValue());
      if (flavour == Flavour.REMOVE_WINS) {
        if (tombstones.contains(entry.getKey())) {
          live.clear();
        }
      } else {
        live.removeAll(removedTags);
      }
      if (!live.isEmpty()) {
        elements.add(entry.getKey());
      }
    }
    return elements;
  }

  @Override
  public TestSet merge(TestSet other) {
    return join(other, delta);
  }

  private TestSet join(TestSet other, TestSet keptDelta) {
    Map<String, SortedSet<Dot>> mergedAdds = new TreeMap<>();
    adds.forEach((e, tags) -> mergedAdds.put(e, new TreeSet<>(tags)));
    other.adds.forEach(
        (e, tags) -> mergedAdds.computeIfAbsent(e, k -> new TreeSet<>()).addAll(tags));
    SortedSet<Dot> mergedRemoved = new TreeSet<>(removedTags);
    mergedRemoved.addAll(other.removedTags);
    SortedSet<String> mergedTombstones = new TreeSet<>(tombstones);
    mergedTombstones.addAll(other.tombstones);
    return new TestSet(flavour, mergedAdds, mergedRemoved, mergedTombstones, keptDelta);
  }

  @Override
  public Optional<TestSet> delta() {
    return Optional.ofNullable(delta);
  }

  @Override
  public TestSet resetDelta() {
    return delta == null ? this : new TestSet(flavour, adds, removedTags, tombstones, null);
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof TestSet)) {
      return false;
    }
    TestSet that = (TestSet) o;
    return flavour == that.flavour
        && adds.equals(that.adds)
        && removedTags.equals(that.removedTags)
        && tombstones.equals(that.tombstones);
  }

  @Override
  public int hashCode() {
    return Objects.hash(flavour, adds, removedTags, tombstones);
  }

  @Override
  public String toString() {
    return elements()
        + " adds="
        + adds
        + " removed="
        + removedTags
        + (tombstones.isEmpty() ? "" : " tombstones=" + Collections.unmodifiableSet(tombstones));
  }
}
