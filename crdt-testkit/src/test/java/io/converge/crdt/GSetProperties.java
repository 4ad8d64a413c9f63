package io.converge.crdt;

import io.converge.crdt.testkit.BuiltInGenerators;
import io.converge.crdt.testkit.CrdtLaws;
import io.converge.crdt.testkit.Operation;
import io.converge.crdt.testkit.Specification;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/** {@link GSet}: a join with faithful deltas, converging to the union of the added elements. */
final class GSetProperties {

  private final Gen<Operation<GSet<String>>> operations = BuiltInGenerators.gSet();

  private final Specification<GSet<String>, Set<String>> unionOfAdds =
      Specification.sequential(
          Set.of(),
          (set, e) -> {
            Set<String> next = new TreeSet<>(set);
            next.add(Histories.string(e));
            return next;
          },
          s -> new TreeSet<>(s.elements()));

  @Test
  void merge_randomHistories_obeysLatticeAndDeltaLaws() {
    CrdtLaws.checkAll(GSet.<String>empty(), operations);
  }

  @Test
  void replicas_causalDelivery_convergeToTheUnionOfAdds() {
    Histories.causalRuns(GSet.<String>empty(), operations)
        .specification(unionOfAdds)
        .build()
        .check();
  }

  @Test
  void replicas_anyDeliveryOrder_convergeToTheUnionOfAdds() {
    Histories.anyOrderRuns(GSet.<String>empty(), operations)
        .specification(unionOfAdds)
        .build()
        .check();
  }
}
