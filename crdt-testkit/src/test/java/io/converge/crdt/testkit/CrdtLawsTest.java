package io.converge.crdt.testkit;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;

import io.converge.crdt.testkit.TestCounter.Flavour;
import org.junit.jupiter.api.Test;

/**
 * The law checks pass correct types and fail broken ones: a checker that cannot fail proves
 * nothing.
 */
final class CrdtLawsTest {

  private static final TestCounter COUNTER = TestCounter.empty(Flavour.CORRECT);

  @Test
  void checkLattice_correctCounterHistories_passes() {
    CrdtLaws.checkLattice(COUNTER, TestCounter.increments());
  }

  @Test
  void checkLattice_correctCounterStates_passes() {
    CrdtLaws.checkLattice(CrdtLaws.states(COUNTER, TestCounter.increments()));
  }

  @Test
  void checkDeltas_correctCounter_passes() {
    CrdtLaws.checkDeltas(COUNTER, TestCounter.increments());
  }

  @Test
  void checkAll_addWinsSet_passes() {
    CrdtLaws.checkAll(TestSet.empty(TestSet.Flavour.ADD_WINS), TestSet.operations());
  }

  @Test
  void checkAll_compactAddWinsSet_passes() {
    CrdtLaws.checkAll(TestSet.empty(TestSet.Flavour.ADD_WINS_COMPACT), TestSet.operations());
  }

  @Test
  void checkAll_removeWinsSet_passes() {
    // A valid lattice with faithful deltas: only a specification of what it should converge to
    // catches it (see ConvergenceRunnerTest).
    CrdtLaws.checkAll(TestSet.empty(TestSet.Flavour.REMOVE_WINS), TestSet.operations());
  }

  @Test
  void checkLattice_summingMerge_failsNotIdempotent() {
    AssertionError error =
        assertThrows(
            AssertionError.class,
            () ->
                CrdtLaws.checkLattice(
                    TestCounter.empty(Flavour.SUMMING_MERGE), TestCounter.increments()));
    assertContains(error, "merge is not idempotent");
  }

  @Test
  void checkLattice_summingMergeStates_fails() {
    assertThrows(
        AssertionError.class,
        () ->
            CrdtLaws.checkLattice(
                CrdtLaws.states(
                    TestCounter.empty(Flavour.SUMMING_MERGE), TestCounter.increments())));
  }

  @Test
  void checkLattice_lastMergedWinsRegister_failsNotCommutative() {
    AssertionError error =
        assertThrows(
            AssertionError.class,
            () ->
                CrdtLaws.checkLattice(
                    LastMergedWinsRegister.empty(), LastMergedWinsRegister.writes()));
    assertContains(error, "merge is not commutative");
  }

  @Test
  void checkDeltas_amountDelta_failsDeltaDoesNotReproduceOperation() {
    AssertionError error =
        assertThrows(
            AssertionError.class,
            () ->
                CrdtLaws.checkDeltas(
                    TestCounter.empty(Flavour.AMOUNT_DELTA), TestCounter.increments()));
    assertContains(error, "before.merge(delta) != after");
  }

  @Test
  void checkDeltas_noDelta_failsChangedWithoutDelta() {
    AssertionError error =
        assertThrows(
            AssertionError.class,
            () ->
                CrdtLaws.checkDeltas(
                    TestCounter.empty(Flavour.NO_DELTA), TestCounter.increments()));
    assertContains(error, "changed the state but yielded no delta");
  }

  @Test
  void checkDeltas_summingMerge_fails() {
    assertThrows(
        AssertionError.class,
        () ->
            CrdtLaws.checkDeltas(
                TestCounter.empty(Flavour.SUMMING_MERGE), TestCounter.increments()));
  }

  @Test
  void checkLattice_failure_showsHistoryStatesAndSeed() {
    AssertionError error =
        assertThrows(
            AssertionError.class,
            () ->
                CrdtLaws.checkLattice(
                    LastMergedWinsRegister.empty(), LastMergedWinsRegister.writes()));
    assertContains(error, "Seed was");
    assertContains(error, "a.merge(b)");
    assertContains(error, "write(\"");
    assertContains(error, "@r");
  }

  @Test
  void states_correctCounter_yieldsReachableStatesWithoutPendingDelta() {
    qt().forAll(CrdtLaws.states(COUNTER, TestCounter.increments()))
        .check(c -> c.value() >= 0 && c.delta().isEmpty());
  }

  @Test
  void checkLattice_nullGenerator_throws() {
    assertThrows(NullPointerException.class, () -> CrdtLaws.checkLattice(null));
  }

  private static void assertContains(AssertionError error, String expected) {
    assertTrue(
        error.getMessage().contains(expected),
        () -> "expected the message to contain " + expected + ":\n" + error.getMessage());
  }
}
