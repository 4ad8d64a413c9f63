package io.converge.crdt.testkit;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.testkit.TestCounter.Flavour;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.quicktheories.generators.Generate;

/**
 * The convergence runner passes correct types, fails broken ones, and validates its own
 * specifications by failing a correct type against a wrong one.
 */
final class ConvergenceRunnerTest {

  private static final TestCounter COUNTER = TestCounter.empty(Flavour.CORRECT);
  private static final TestSet ADD_WINS = TestSet.empty(TestSet.Flavour.ADD_WINS);
  private static final TestSet REMOVE_WINS = TestSet.empty(TestSet.Flavour.REMOVE_WINS);

  @Test
  void check_correctCounterAgainstSum_passes() {
    ConvergenceRunner.builder(COUNTER, TestCounter.increments())
        .specification(TestCounter.sumOfIncrements())
        .build()
        .check();
  }

  @Test
  void check_correctCounterFiveReplicasLossyNetwork_passes() {
    ConvergenceRunner.builder(COUNTER, TestCounter.increments())
        .replicas(5)
        .steps(80)
        .loss(0.5)
        .duplication(0.3)
        .specification(TestCounter.sumOfIncrements())
        .build()
        .check();
  }

  @Test
  void check_correctCounterNonCausalDelivery_passes() {
    ConvergenceRunner.builder(COUNTER, TestCounter.increments())
        .causalDelivery(false)
        .specification(TestCounter.sumOfIncrements())
        .build()
        .check();
  }

  @Test
  void check_addWinsSetsNonCausalDelivery_converge() {
    ConvergenceRunner.builder(ADD_WINS, TestSet.operations()).causalDelivery(false).build().check();
    ConvergenceRunner.builder(TestSet.empty(TestSet.Flavour.ADD_WINS_COMPACT), TestSet.operations())
        .causalDelivery(false)
        .build()
        .check();
  }

  @Test
  void check_causalDelivery_historiesAreCausallyClosed() {
    ConvergenceRunner.builder(ADD_WINS, TestSet.operations())
        .specification(Specification.of(ConvergenceRunnerTest::isCausallyClosed, s -> true))
        .build()
        .check();
  }

  @Test
  void check_nonCausalDelivery_historiesNeedNotBeCausallyClosed() {
    assertThrows(
        AssertionError.class,
        () ->
            ConvergenceRunner.builder(ADD_WINS, TestSet.operations())
                .causalDelivery(false)
                .specification(Specification.of(ConvergenceRunnerTest::isCausallyClosed, s -> true))
                .build()
                .check());
  }

  @Test
  void check_amountDeltaCounterNonCausalDelivery_fails() {
    assertThrows(
        AssertionError.class,
        () ->
            ConvergenceRunner.builder(
                    TestCounter.empty(Flavour.AMOUNT_DELTA), TestCounter.increments())
                .causalDelivery(false)
                .build()
                .check());
  }

  @Test
  void check_correctCounterWithoutSpecification_passes() {
    ConvergenceRunner.builder(COUNTER, TestCounter.increments()).build().check();
  }

  @Test
  void check_addWinsSetAgainstAddWins_passes() {
    ConvergenceRunner.builder(ADD_WINS, TestSet.operations())
        .specification(TestSet.addWins())
        .build()
        .check();
  }

  @Test
  void check_compactAddWinsSetAgainstAddWins_passes() {
    // A replica that received only the delta of a second add("a") has seen the first one too,
    // since that delta retires the first add's tag; Event.seen must say so, or the specification
    // would expect a removed "a" to survive.
    ConvergenceRunner.builder(TestSet.empty(TestSet.Flavour.ADD_WINS_COMPACT), TestSet.operations())
        .specification(TestSet.addWins())
        .build()
        .check();
  }

  @Test
  void check_removeWinsSetAgainstAddWins_fails() {
    AssertionError error =
        assertThrows(
            AssertionError.class,
            () ->
                ConvergenceRunner.builder(REMOVE_WINS, TestSet.operations())
                    .specification(TestSet.addWins())
                    .build()
                    .check());
    assertContains(error, "does not match the specification");
  }

  @Test
  void check_removeWinsSetWithoutSpecification_passes() {
    // It converges, to the wrong value: convergence alone is not correctness.
    ConvergenceRunner.builder(REMOVE_WINS, TestSet.operations()).build().check();
  }

  @Test
  void check_summingMergeCounter_fails() {
    assertThrows(
        AssertionError.class,
        () ->
            ConvergenceRunner.builder(
                    TestCounter.empty(Flavour.SUMMING_MERGE), TestCounter.increments())
                .specification(TestCounter.sumOfIncrements())
                .build()
                .check());
  }

  @Test
  void check_summingMergeCounterWithoutSpecification_fails() {
    assertThrows(
        AssertionError.class,
        () ->
            ConvergenceRunner.builder(
                    TestCounter.empty(Flavour.SUMMING_MERGE), TestCounter.increments())
                .build()
                .check());
  }

  @Test
  void check_amountDeltaCounter_failsSameEventsDifferentStates() {
    // Anti-entropy ships full states and would repair the wrong deltas; the per-step check that
    // replicas which merged the same events are equal catches them first.
    AssertionError error =
        assertThrows(
            AssertionError.class,
            () ->
                ConvergenceRunner.builder(
                        TestCounter.empty(Flavour.AMOUNT_DELTA), TestCounter.increments())
                    .build()
                    .check());
    assertContains(error, "have merged the same events");
  }

  @Test
  void check_lastMergedWinsRegister_fails() {
    assertThrows(
        AssertionError.class,
        () ->
            ConvergenceRunner.builder(
                    LastMergedWinsRegister.empty(), LastMergedWinsRegister.writes())
                .build()
                .check());
  }

  @Test
  void check_correctCounterAgainstWrongSpecification_fails() {
    Specification<TestCounter, Long> countsEvents =
        Specification.sequential(0L, (n, event) -> n + 1, TestCounter::value);
    assertThrows(
        AssertionError.class,
        () ->
            ConvergenceRunner.builder(COUNTER, TestCounter.increments())
                .specification(countsEvents)
                .build()
                .check());
  }

  @Test
  void check_correctSetAgainstRemoveWinsSpecification_fails() {
    Specification<TestSet, Set<String>> sequentialReplay =
        Specification.sequential(
            Set.of(),
            (set, event) -> {
              Operation.Call call = (Operation.Call) event.payload();
              Set<String> next = new TreeSet<>(set);
              if (call.is("add")) {
                next.add((String) call.argument());
              } else {
                next.remove(call.argument());
              }
              return Set.copyOf(next);
            },
            TestSet::elements);
    assertThrows(
        AssertionError.class,
        () ->
            ConvergenceRunner.builder(ADD_WINS, TestSet.operations())
                .specification(sequentialReplay)
                .build()
                .check());
  }

  @Test
  void check_failure_showsScheduleHistoryStatesAndSeed() {
    AssertionError error =
        assertThrows(
            AssertionError.class,
            () ->
                ConvergenceRunner.builder(REMOVE_WINS, TestSet.operations())
                    .specification(TestSet.addWins())
                    .build()
                    .check());
    assertContains(error, "Smallest found falsifying value");
    assertContains(error, "Seed was");
    assertContains(error, "add(\"");
    assertContains(error, "remove(\"");
    assertContains(error, "schedule:");
    assertContains(error, "history");
    assertContains(error, "expected");
    assertContains(error, "anti-entropy");
  }

  @Test
  void check_throwingOperation_failsNamingTheStep() {
    Operation<TestCounter> broken =
        Operation.of(
            "explode()",
            (r, c) -> {
              throw new IllegalStateException("boom");
            });
    AssertionError error =
        assertThrows(
            AssertionError.class,
            () ->
                ConvergenceRunner.builder(COUNTER, Generators.oneOf(Generate.constant(broken)))
                    .build()
                    .check());
    assertContains(error, "explode()@r");
    assertContains(error, "boom");
  }

  @Test
  void replicas_outOfRange_throws() {
    ConvergenceRunner.Builder<TestCounter> builder =
        ConvergenceRunner.builder(COUNTER, TestCounter.increments());
    assertThrows(IllegalArgumentException.class, () -> builder.replicas(1));
    assertThrows(IllegalArgumentException.class, () -> builder.replicas(9));
  }

  @Test
  void steps_outOfRange_throws() {
    ConvergenceRunner.Builder<TestCounter> builder =
        ConvergenceRunner.builder(COUNTER, TestCounter.increments());
    assertThrows(IllegalArgumentException.class, () -> builder.steps(0));
    assertThrows(IllegalArgumentException.class, () -> builder.steps(1001));
  }

  @Test
  void loss_notAProbability_throws() {
    ConvergenceRunner.Builder<TestCounter> builder =
        ConvergenceRunner.builder(COUNTER, TestCounter.increments());
    assertThrows(IllegalArgumentException.class, () -> builder.loss(-0.1));
    assertThrows(IllegalArgumentException.class, () -> builder.duplication(1.5));
    assertThrows(IllegalArgumentException.class, () -> builder.loss(Double.NaN));
  }

  @Test
  void build_lossPlusDuplicationAboveOne_throws() {
    ConvergenceRunner.Builder<TestCounter> builder =
        ConvergenceRunner.builder(COUNTER, TestCounter.increments()).loss(0.7).duplication(0.4);
    assertThrows(IllegalArgumentException.class, builder::build);
  }

  @Test
  void builder_nullArguments_throw() {
    assertThrows(
        NullPointerException.class,
        () -> ConvergenceRunner.builder(null, TestCounter.increments()));
    assertThrows(NullPointerException.class, () -> ConvergenceRunner.builder(COUNTER, null));
  }

  /** Whether every event saw everything the events it saw had seen. */
  private static boolean isCausallyClosed(List<Event<TestSet>> history) {
    for (Event<TestSet> event : history) {
      for (int id : event.seen()) {
        if (!event.seen().containsAll(history.get(id - 1).seen())) {
          return false;
        }
      }
    }
    return true;
  }

  private static void assertContains(AssertionError error, String expected) {
    assertTrue(
        error.getMessage().contains(expected),
        () -> "expected the message to contain " + expected + ":\n" + error.getMessage());
  }
}
