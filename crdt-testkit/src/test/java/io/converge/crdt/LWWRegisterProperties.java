package io.converge.crdt;

import io.converge.crdt.Histories.Write;
import io.converge.crdt.testkit.BuiltInGenerators;
import io.converge.crdt.testkit.CrdtLaws;
import io.converge.crdt.testkit.Operation;
import io.converge.crdt.testkit.Specification;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * {@link LWWRegister}: a join with faithful deltas that converges, whatever the delivery order, to
 * the write with the greatest (timestamp, writer).
 */
final class LWWRegisterProperties {

  private static final LWWRegister<String> EMPTY = LWWRegister.empty();

  private final Gen<Operation<LWWRegister<String>>> operations = BuiltInGenerators.lwwRegister();

  /**
   * The write with the greatest (timestamp, writer) wins. A write's timestamp depends on the state
   * of its replica (it is after the replica's current one), which the model recovers from the
   * events the replica had seen: a register holds the greatest of the writes it has merged. That
   * holds for any delivery order, so this specification needs no causal delivery.
   */
  static Specification<LWWRegister<String>, Optional<Write>> lastWriterWins() {
    return Specification.of(
        history -> {
          Map<Integer, Write> writes =
              Histories.writes(
                  history,
                  e -> Histories.stamped(e).generated(),
                  e -> Histories.stamped(e).value(),
                  (e, w) -> true,
                  (x, w) -> false);
          return writes.values().stream().max(Write.ORDER);
        },
        r ->
            r.value()
                .map(v -> new Write(v, r.timestamp().orElseThrow(), r.writer().orElseThrow())));
  }

  @Test
  void merge_randomHistories_obeysLatticeAndDeltaLaws() {
    CrdtLaws.checkAll(EMPTY, operations);
  }

  @Test
  void replicas_causalDelivery_convergeToTheLastWrite() {
    Histories.causalRuns(EMPTY, operations).specification(lastWriterWins()).build().check();
  }

  @Test
  void replicas_anyDeliveryOrder_convergeToTheLastWrite() {
    Histories.anyOrderRuns(EMPTY, operations).specification(lastWriterWins()).build().check();
  }
}
