package io.converge.crdt.testkit;

import io.converge.clocks.ReplicaId;
import io.converge.crdt.DeltaCrdt;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import org.quicktheories.core.Gen;

/**
 * A grow-only counter written for the testkit's own tests: one count per replica, merge takes the
 * entry-wise maximum, and an increment's delta is the replica's new count. The flavours other than
 * {@link Flavour#CORRECT} break it on purpose, to show the checks fail them.
 */
final class TestCounter implements DeltaCrdt<TestCounter> {

  enum Flavour {
    /** A correct delta G-Counter. */
    CORRECT,
    /** Merge adds counts: not idempotent, so duplicates and re-sent states count twice. */
    SUMMING_MERGE,
    /** The delta holds the increment's amount instead of the replica's new count. */
    AMOUNT_DELTA,
    /** Increments yield no delta: only full states carry them. */
    NO_DELTA
  }

  private final Flavour flavour;
  private final Map<ReplicaId, Long> counts;
  private final TestCounter delta;

  private TestCounter(Flavour flavour, Map<ReplicaId, Long> counts, TestCounter delta) {
    this.flavour = flavour;
    this.counts = Collections.unmodifiableMap(new TreeMap<>(counts));
    this.delta = delta;
  }

  static TestCounter empty(Flavour flavour) {
    return new TestCounter(flavour, Map.of(), null);
  }

  /** Increments by 1 to 5 on the replica the testkit chooses. */
  static Gen<Operation<TestCounter>> increments() {
    return Generators.calls(
        "increment", Generators.smallPositiveIntegers(), n -> (r, c) -> c.increment(r, n));
  }

  /** The counter's value is the sum of the increments: their amounts, in any order. */
  static Specification<TestCounter, Long> sumOfIncrements() {
    return Specification.sequential(
        0L,
        (sum, event) -> sum + (Integer) ((Operation.Call) event.payload()).argument(),
        TestCounter::value);
  }

  TestCounter increment(ReplicaId replica, int amount) {
    long total = counts.getOrDefault(replica, 0L) + amount;
    Map<ReplicaId, Long> next = new TreeMap<>(counts);
    next.put(replica, total);
    if (flavour == Flavour.NO_DELTA) {
      return new TestCounter(flavour, next, delta);
    }
    long shipped = flavour == Flavour.AMOUNT_DELTA ? amount : total;
    TestCounter change = new TestCounter(flavour, Map.of(replica, shipped), null);
    return new TestCounter(flavour, next, delta == null ? change : delta.merge(change));
  }

  long value() {
    return counts.values().stream().mapToLong(Long::longValue).sum();
  }

  @Override
  public TestCounter merge(TestCounter other) {
    Map<ReplicaId, Long> merged = new TreeMap<>(counts);
    for (Map.Entry<ReplicaId, Long> entry : other.counts.entrySet()) {
      merged.merge(
          entry.getKey(),
          entry.getValue(),
          flavour == Flavour.SUMMING_MERGE ? Long::sum : Math::max);
    }
    return new TestCounter(flavour, merged, delta);
  }

  @Override
  public Optional<TestCounter> delta() {
    return Optional.ofNullable(delta);
  }

  @Override
  public TestCounter resetDelta() {
    return delta == null ? this : new TestCounter(flavour, counts, null);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TestCounter
        && flavour == ((TestCounter) o).flavour
        && counts.equals(((TestCounter) o).counts);
  }

  @Override
  public int hashCode() {
    return Objects.hash(flavour, counts);
  }

  @Override
  public String toString() {
    return counts.toString();
  }
}
