package io.converge.crdt;

import io.converge.crdt.testkit.BuiltInGenerators;
import io.converge.crdt.testkit.CrdtLaws;
import io.converge.crdt.testkit.Operation;
import io.converge.crdt.testkit.Specification;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/** {@link GCounter}: a join with faithful deltas, converging to the sum of all increments. */
final class GCounterProperties {

  private final Gen<Operation<GCounter>> operations = BuiltInGenerators.gCounter();

  /** Increments commute, so replaying them in any order gives the value. */
  private final Specification<GCounter, Long> sumOfIncrements =
      Specification.sequential(0L, (n, e) -> n + Histories.amount(e), GCounter::value);

  @Test
  void merge_randomHistories_obeysLatticeAndDeltaLaws() {
    CrdtLaws.checkAll(GCounter.empty(), operations);
  }

  @Test
  void replicas_causalDelivery_convergeToTheSumOfIncrements() {
    Histories.causalRuns(GCounter.empty(), operations)
        .specification(sumOfIncrements)
        .build()
        .check();
  }

  @Test
  void replicas_anyDeliveryOrder_convergeToTheSumOfIncrements() {
    // The sum needs no causal past, so it holds whatever order deltas arrive in.
    Histories.anyOrderRuns(GCounter.empty(), operations)
        .specification(sumOfIncrements)
        .build()
        .check();
  }
}
