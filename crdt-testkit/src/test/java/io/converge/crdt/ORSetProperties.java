package io.converge.crdt;

import io.converge.crdt.testkit.BuiltInGenerators;
import io.converge.crdt.testkit.CrdtLaws;
import io.converge.crdt.testkit.Event;
import io.converge.crdt.testkit.Operation;
import io.converge.crdt.testkit.Specification;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * {@link ORSet}: a join with faithful deltas that converges, whatever the delivery order, and with
 * causal delivery to the add-wins set of its causal history.
 */
final class ORSetProperties {

  private static final ORSet<String> EMPTY = ORSet.empty();

  private final Gen<Operation<ORSet<String>>> operations = BuiltInGenerators.orSet();

  /**
   * Add wins: {@code e} is present iff some {@code add(e)} was seen by no {@code remove(e)} and no
   * {@code clear()}. (A later {@code add(e)} that saw it replaces it, but is then present itself.)
   */
  static Specification<ORSet<String>, Set<String>> addWins() {
    return Specification.of(
        history -> {
          Set<String> present = new TreeSet<>();
          for (Event<ORSet<String>> add : history) {
            if (Histories.isCall(add, "add") && !removed(history, add)) {
              present.add(Histories.string(add));
            }
          }
          return present;
        },
        s -> new TreeSet<>(s.elements()));
  }

  private static boolean removed(List<Event<ORSet<String>>> history, Event<ORSet<String>> add) {
    String element = Histories.string(add);
    return Histories.seenByAny(
        history,
        add,
        x ->
            Histories.is(x, BuiltInGenerators.CLEAR)
                || (Histories.isCall(x, "remove") && Histories.string(x).equals(element)));
  }

  @Test
  void merge_randomHistories_obeysLatticeAndDeltaLaws() {
    CrdtLaws.checkAll(EMPTY, operations);
  }

  @Test
  void replicas_causalDelivery_convergeToTheAddWinsSet() {
    Histories.causalRuns(EMPTY, operations).specification(addWins()).build().check();
  }

  @Test
  void replicas_anyDeliveryOrder_converge() {
    Histories.anyOrderRuns(EMPTY, operations).build().check();
  }
}
