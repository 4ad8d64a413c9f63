package io.converge.crdt.example;

import io.converge.crdt.testkit.ConvergenceRunner;
import io.converge.crdt.testkit.CrdtLaws;
import io.converge.crdt.testkit.Generators;
import io.converge.crdt.testkit.Operation;
import io.converge.crdt.testkit.Specification;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/** The README's "test your own type" example, verbatim: if this breaks, fix the README too. */
final class MaxRegisterProperties {

  private final Gen<Operation<MaxRegister>> operations =
      Generators.calls("offer", Generators.smallPositiveIntegers(), n -> (r, m) -> m.offer(n));

  @Test
  void merge_obeysLatticeAndDeltaLaws() {
    CrdtLaws.checkAll(MaxRegister.empty(), operations);
  }

  @Test
  void replicas_convergeToTheLargestOffer() {
    Specification<MaxRegister, Long> max =
        Specification.sequential(
            Long.MIN_VALUE,
            (m, e) -> Math.max(m, (Integer) ((Operation.Call) e.payload()).argument()),
            MaxRegister::value);
    ConvergenceRunner.builder(MaxRegister.empty(), operations)
        .loss(0.2)
        .duplication(0.2)
        .specification(max)
        .build()
        .check();
  }
}
