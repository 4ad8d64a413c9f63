package io.converge.crdt;

import io.converge.crdt.testkit.BuiltInGenerators;
import io.converge.crdt.testkit.CrdtLaws;
import io.converge.crdt.testkit.Event;
import io.converge.crdt.testkit.Operation;
import io.converge.crdt.testkit.Specification;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * {@link ORMap}s of {@link CausalCounter}s and of {@link ORSet}s: joins with faithful deltas that
 * converge, whatever the delivery order, and with causal delivery to the observed-remove model: a
 * remove of a key, or a clear, removes exactly the writes under the key that its replica had seen.
 */
final class ORMapProperties {

  private static final ORMap<String, CausalCounter> COUNTERS = ORMap.empty(CausalCounter.zero());
  private static final ORMap<String, ORSet<String>> SETS = ORMap.empty(ORSet.empty());

  private final Gen<Operation<ORMap<String, CausalCounter>>> counterOperations =
      BuiltInGenerators.orMapOfCounters();
  private final Gen<Operation<ORMap<String, ORSet<String>>>> setOperations =
      BuiltInGenerators.orMapOfSets();

  /**
   * Each key maps to the sum of its increments that no remove of the key and no clear has seen; a
   * key is present iff it has such an increment.
   */
  static Specification<ORMap<String, CausalCounter>, Map<String, Long>> liveIncrements() {
    return Specification.of(
        history -> {
          Map<String, Long> expected = new TreeMap<>();
          for (Event<ORMap<String, CausalCounter>> e : history) {
            BuiltInGenerators.Update update = Histories.update(e);
            if (update != null && !keyRemoved(history, e, update.key())) {
              long amount = (Integer) update.change().argument();
              expected.merge(update.key(), amount, Long::sum);
            }
          }
          return expected;
        },
        m -> {
          Map<String, Long> observed = new TreeMap<>();
          m.toMap().forEach((k, c) -> observed.put(k, c.value()));
          return observed;
        });
  }

  /**
   * Each key maps to the elements with an add under it that no remove of the element under the key,
   * no remove of the key and no clear has seen; a key is present iff it has such an element.
   */
  static Specification<ORMap<String, ORSet<String>>, Map<String, Set<String>>> liveAdds() {
    return Specification.of(
        history -> {
          Map<String, Set<String>> expected = new TreeMap<>();
          for (Event<ORMap<String, ORSet<String>>> add : history) {
            BuiltInGenerators.Update update = Histories.update(add);
            if (update == null || !update.change().is("add")) {
              continue;
            }
            String key = update.key();
            Object element = update.change().argument();
            boolean removed =
                keyRemoved(history, add, key)
                    || Histories.seenByAny(
                        history,
                        add,
                        x -> {
                          BuiltInGenerators.Update u = Histories.update(x);
                          return u != null
                              && u.key().equals(key)
                              && u.change().is("remove")
                              && u.change().argument().equals(element);
                        });
            if (!removed) {
              expected.computeIfAbsent(key, k -> new TreeSet<>()).add((String) element);
            }
          }
          return expected;
        },
        m -> {
          Map<String, Set<String>> observed = new TreeMap<>();
          m.toMap().forEach((k, s) -> observed.put(k, new TreeSet<>(s.elements())));
          return observed;
        });
  }

  /** Whether a remove of {@code key} or a clear has seen {@code write}. */
  private static <T> boolean keyRemoved(List<Event<T>> history, Event<T> write, String key) {
    return Histories.seenByAny(
        history,
        write,
        x ->
            Histories.is(x, BuiltInGenerators.CLEAR)
                || (Histories.isCall(x, "remove") && Histories.string(x).equals(key)));
  }

  @Test
  void mapOfCounters_randomHistories_obeysLatticeAndDeltaLaws() {
    CrdtLaws.checkAll(COUNTERS, counterOperations);
  }

  @Test
  void mapOfCounters_causalDelivery_convergesToTheLiveIncrements() {
    Histories.causalRuns(COUNTERS, counterOperations)
        .specification(liveIncrements())
        .build()
        .check();
  }

  @Test
  void mapOfCounters_anyDeliveryOrder_converges() {
    Histories.anyOrderRuns(COUNTERS, counterOperations).build().check();
  }

  @Test
  void mapOfSets_randomHistories_obeysLatticeAndDeltaLaws() {
    CrdtLaws.checkAll(SETS, setOperations);
  }

  @Test
  void mapOfSets_causalDelivery_convergesToTheLiveAdds() {
    Histories.causalRuns(SETS, setOperations).specification(liveAdds()).build().check();
  }

  @Test
  void mapOfSets_anyDeliveryOrder_converges() {
    Histories.anyOrderRuns(SETS, setOperations).build().check();
  }
}
