package io.converge.crdt;

import io.converge.crdt.testkit.BuiltInGenerators;
import io.converge.crdt.testkit.CrdtLaws;
import io.converge.crdt.testkit.Event;
import io.converge.crdt.testkit.Operation;
import io.converge.crdt.testkit.Specification;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * {@link CausalCounter}: a join with faithful deltas that converges, whatever the delivery order,
 * and with causal delivery to the sum of the changes no reset has seen.
 */
final class CausalCounterProperties {

  private final Gen<Operation<CausalCounter>> operations = BuiltInGenerators.causalCounter();

  /** The sum of the increments and decrements that no reset has seen. */
  static Specification<CausalCounter, Long> sumOfUnresetChanges() {
    return Specification.of(
        history -> {
          long sum = 0;
          for (Event<CausalCounter> e : history) {
            boolean change = Histories.isCall(e, "increment") || Histories.isCall(e, "decrement");
            if (change
                && !Histories.seenByAny(
                    history, e, x -> Histories.is(x, BuiltInGenerators.RESET))) {
              sum += Histories.isCall(e, "increment") ? Histories.amount(e) : -Histories.amount(e);
            }
          }
          return sum;
        },
        CausalCounter::value);
  }

  @Test
  void merge_randomHistories_obeysLatticeAndDeltaLaws() {
    CrdtLaws.checkAll(CausalCounter.zero(), operations);
  }

  @Test
  void replicas_causalDelivery_convergeToTheSumOfUnresetChanges() {
    Histories.causalRuns(CausalCounter.zero(), operations)
        .specification(sumOfUnresetChanges())
        .build()
        .check();
  }

  @Test
  void replicas_anyDeliveryOrder_converge() {
    Histories.anyOrderRuns(CausalCounter.zero(), operations).build().check();
  }
}
