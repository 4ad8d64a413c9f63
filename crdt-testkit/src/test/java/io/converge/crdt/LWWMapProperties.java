package io.converge.crdt;

import io.converge.crdt.Histories.Write;
import io.converge.crdt.testkit.BuiltInGenerators;
import io.converge.crdt.testkit.CrdtLaws;
import io.converge.crdt.testkit.Event;
import io.converge.crdt.testkit.Operation;
import io.converge.crdt.testkit.Specification;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiPredicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * {@link LWWMap}: a join with faithful deltas that converges, whatever the delivery order, and with
 * causal delivery to the observed-remove model: each key keeps the puts that no later put or remove
 * of the key has seen, and reads as the last writer's among them.
 */
final class LWWMapProperties {

  private static final LWWMap<String, String> EMPTY = LWWMap.empty();

  private final Gen<Operation<LWWMap<String, String>>> operations = BuiltInGenerators.lwwMap();

  /** What a map shows: every key's versions, and the value each key reads as. */
  record View(Map<String, List<Write>> versions, Map<String, String> values) {}

  /**
   * Each key's versions are its puts that no later put or remove of the key has seen, with the
   * timestamps they used (after those of the versions of the key their replica held), in
   * (timestamp, writer) order; the key reads as the last of them.
   */
  static Specification<LWWMap<String, String>, View> observedRemoveLastWriterWins() {
    BiPredicate<Event<LWWMap<String, String>>, Event<LWWMap<String, String>>> sameKey =
        (e, w) -> Histories.put(e).key().equals(Histories.put(w).key());
    BiPredicate<Event<LWWMap<String, String>>, Event<LWWMap<String, String>>> removes =
        (x, w) ->
            (Histories.isCall(x, "put") && sameKey.test(x, w))
                || (Histories.isCall(x, "remove")
                    && Histories.string(x).equals(Histories.put(w).key()));
    return Specification.of(
        history -> {
          Map<Integer, Write> writes =
              Histories.writes(
                  history,
                  e -> Histories.isCall(e, "put") ? Histories.put(e).generated() : null,
                  e -> Histories.put(e).value(),
                  sameKey,
                  removes);
          Map<String, List<Write>> versions = new TreeMap<>();
          for (Event<LWWMap<String, String>> put : history) {
            if (writes.containsKey(put.id())
                && !Histories.seenByAny(history, put, x -> removes.test(x, put))) {
              versions
                  .computeIfAbsent(Histories.put(put).key(), k -> new ArrayList<>())
                  .add(writes.get(put.id()));
            }
          }
          Map<String, String> values = new TreeMap<>();
          versions.forEach(
              (k, v) -> {
                v.sort(Write.ORDER);
                values.put(k, v.get(v.size() - 1).value());
              });
          return new View(versions, values);
        },
        m -> {
          Map<String, List<Write>> versions = new TreeMap<>();
          for (String k : m.keys()) {
            versions.put(k, m.versions(k).stream().map(Write::of).collect(Collectors.toList()));
          }
          return new View(versions, new TreeMap<>(m.toMap()));
        });
  }

  @Test
  void merge_randomHistories_obeysLatticeAndDeltaLaws() {
    CrdtLaws.checkAll(EMPTY, operations);
  }

  @Test
  void replicas_causalDelivery_convergeToTheLastObservedPuts() {
    Histories.causalRuns(EMPTY, operations)
        .specification(observedRemoveLastWriterWins())
        .build()
        .check();
  }

  @Test
  void replicas_anyDeliveryOrder_converge() {
    Histories.anyOrderRuns(EMPTY, operations).build().check();
  }
}
