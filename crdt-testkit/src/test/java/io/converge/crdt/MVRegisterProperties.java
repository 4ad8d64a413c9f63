package io.converge.crdt;

import io.converge.crdt.Histories.Write;
import io.converge.crdt.testkit.BuiltInGenerators;
import io.converge.crdt.testkit.CrdtLaws;
import io.converge.crdt.testkit.Event;
import io.converge.crdt.testkit.Operation;
import io.converge.crdt.testkit.Specification;
import java.util.List;
import java.util.Map;
import java.util.function.BiPredicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * {@link MVRegister}: a join with faithful deltas that converges, whatever the delivery order, and
 * with causal delivery to the writes that no later write or clear has seen, with their timestamps.
 */
final class MVRegisterProperties {

  private static final MVRegister<String> EMPTY = MVRegister.empty();

  private final Gen<Operation<MVRegister<String>>> operations = BuiltInGenerators.mvRegister();

  /** The siblings: the writes no write or clear has seen, in (timestamp, writer) order. */
  static Specification<MVRegister<String>, List<Write>> concurrentWrites() {
    return Specification.of(
        MVRegisterProperties::siblings,
        r -> r.siblings().stream().map(Write::of).collect(Collectors.toList()));
  }

  /**
   * The writes of {@code history} that no later write or clear has seen, with the timestamps they
   * used, in (timestamp, writer) order. A write's timestamp is after those of the siblings its
   * replica held.
   */
  static List<Write> siblings(List<Event<MVRegister<String>>> history) {
    BiPredicate<Event<MVRegister<String>>, Event<MVRegister<String>>> removes =
        (x, w) -> Histories.isCall(x, "write") || Histories.is(x, BuiltInGenerators.CLEAR);
    Map<Integer, Write> writes =
        Histories.writes(
            history,
            e -> Histories.isCall(e, "write") ? Histories.stamped(e).generated() : null,
            e -> Histories.stamped(e).value(),
            (e, w) -> true,
            removes);
    return history.stream()
        .filter(
            w ->
                writes.containsKey(w.id())
                    && !Histories.seenByAny(history, w, x -> removes.test(x, w)))
        .map(w -> writes.get(w.id()))
        .sorted(Write.ORDER)
        .collect(Collectors.toList());
  }

  @Test
  void merge_randomHistories_obeysLatticeAndDeltaLaws() {
    CrdtLaws.checkAll(EMPTY, operations);
  }

  @Test
  void replicas_causalDelivery_convergeToTheConcurrentWrites() {
    Histories.causalRuns(EMPTY, operations).specification(concurrentWrites()).build().check();
  }

  @Test
  void replicas_anyDeliveryOrder_converge() {
    Histories.anyOrderRuns(EMPTY, operations).build().check();
  }
}
