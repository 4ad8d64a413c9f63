package io.converge.crdt;

import io.converge.crdt.testkit.BuiltInGenerators;
import io.converge.crdt.testkit.CrdtLaws;
import io.converge.crdt.testkit.Event;
import io.converge.crdt.testkit.Operation;
import io.converge.crdt.testkit.Specification;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/** {@link PNCounter}: a join with faithful deltas, converging to increments minus decrements. */
final class PNCounterProperties {

  private final Gen<Operation<PNCounter>> operations = BuiltInGenerators.pnCounter();

  /** Increments and decrements commute, so replaying them in any order gives the value. */
  private final Specification<PNCounter, Long> incrementsMinusDecrements =
      Specification.sequential(0L, (n, e) -> n + signed(e), PNCounter::value);

  private static long signed(Event<PNCounter> e) {
    return Histories.isCall(e, "increment") ? Histories.amount(e) : -Histories.amount(e);
  }

  @Test
  void merge_randomHistories_obeysLatticeAndDeltaLaws() {
    CrdtLaws.checkAll(PNCounter.empty(), operations);
  }

  @Test
  void replicas_causalDelivery_convergeToIncrementsMinusDecrements() {
    Histories.causalRuns(PNCounter.empty(), operations)
        .specification(incrementsMinusDecrements)
        .build()
        .check();
  }

  @Test
  void replicas_anyDeliveryOrder_convergeToIncrementsMinusDecrements() {
    Histories.anyOrderRuns(PNCounter.empty(), operations)
        .specification(incrementsMinusDecrements)
        .build()
        .check();
  }
}
