package io.converge.crdt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import io.converge.clocks.CausalContext;
import io.converge.clocks.Dot;
import io.converge.clocks.ReplicaId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Random runs of three replicas of an {@link ORSet} and an {@link ORMap} of {@link CausalCounter}s
 * with lossy, duplicating, reordering delivery of deltas and full-state merges in either direction.
 * Checks that (1) every merge, shortcut or delta path, equals the plain full join of the stores,
 * (2) all replicas converge after anti-entropy, and (3) the converged value matches a model
 * computed from the history alone: an add survives iff no later operation on its element had seen
 * it.
 *
 * <p>Each example is one seed of a {@link Random}; a failure prints the seed.
 */
final class CausalMergeProperties {

  private static final ReplicaId[] REPLICAS = {
    ReplicaId.of("r1"), ReplicaId.of("r2"), ReplicaId.of("r3")
  };

  /** One operation as the model sees it: what it was and what its replica had seen. */
  private record Event(String kind, String element, Dot dot, CausalContext seen, long amount) {}

  /** Merges and asserts that the result equals the full join of the stores. */
  static <T extends Causal<T>> T merge(T a, T b) {
    T merged = a.merge(b);
    T reference = a.joinStores(b, a.context(), b.context(), a.context().merge(b.context()));
    assertEquals(reference, merged, () -> "merge differs from the full join: " + a + " + " + b);
    return merged;
  }

  @Test
  void randomRuns_mergeEqualsFullJoin_convergeAndMatchModel() {
    qt().forAll(longs().all()).checkAssert(CausalMergeProperties::run);
  }

  private static void run(long seed) {
    Random rnd = new Random(seed);
    List<ORSet<String>> sets = new ArrayList<>();
    List<ORMap<String, CausalCounter>> maps = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      sets.add(ORSet.empty());
      maps.add(ORMap.empty(CausalCounter.zero()));
    }
    List<Event> setEvents = new ArrayList<>();
    List<Event> mapEvents = new ArrayList<>();
    List<Object[]> inFlight = new ArrayList<>();
    for (int step = 0; step < 40; step++) {
      int i = rnd.nextInt(3);
      int choice = rnd.nextInt(10);
      String e = "e" + rnd.nextInt(4);
      if (choice < 5) {
        ReplicaId r = REPLICAS[i];
        ORSet<String> s = sets.get(i).resetDelta();
        ORMap<String, CausalCounter> m = maps.get(i).resetDelta();
        int op = rnd.nextInt(5);
        CausalContext sc = s.context();
        CausalContext mc = m.context();
        if (op <= 1) {
          long amount = 1 + rnd.nextInt(3);
          setEvents.add(new Event("add", e, sc.nextDot(r), sc, 0));
          mapEvents.add(new Event("add", e, mc.nextDot(r), mc, amount));
          s = s.add(r, e);
          m = m.update(r, e, q -> q.increment(r, amount));
        } else if (op <= 3) {
          setEvents.add(new Event("remove", e, null, sc, 0));
          mapEvents.add(new Event("remove", e, null, mc, 0));
          s = s.remove(r, e);
          m = m.remove(r, e);
        } else {
          setEvents.add(new Event("clear", null, null, sc, 0));
          mapEvents.add(new Event("clear", null, null, mc, 0));
          s = s.clear(r);
          m = m.clear(r);
        }
        sets.set(i, s);
        maps.set(i, m);
        for (int j = 0; j < 3; j++) {
          if (j != i && s.delta().isPresent() && rnd.nextInt(10) > 0) {
            inFlight.add(new Object[] {j, s.delta().get(), null});
          }
          if (j != i && m.delta().isPresent() && rnd.nextInt(10) > 0) {
            inFlight.add(new Object[] {j, null, m.delta().get()});
          }
        }
      } else if (choice < 8 && !inFlight.isEmpty()) {
        Object[] message = inFlight.remove(rnd.nextInt(inFlight.size()));
        if (rnd.nextInt(5) == 0) {
          inFlight.add(message); // duplicate
        }
        int j = (Integer) message[0];
        if (message[1] != null) {
          @SuppressWarnings("unchecked")
          ORSet<String> d = (ORSet<String>) message[1];
          sets.set(j, merge(sets.get(j), d));
        } else {
          @SuppressWarnings("unchecked")
          ORMap<String, CausalCounter> d = (ORMap<String, CausalCounter>) message[2];
          maps.set(j, merge(maps.get(j), d));
        }
      } else {
        int j = rnd.nextInt(3);
        boolean forward = rnd.nextBoolean();
        sets.set(j, forward ? merge(sets.get(j), sets.get(i)) : merge(sets.get(i), sets.get(j)));
        maps.set(j, forward ? merge(maps.get(j), maps.get(i)) : merge(maps.get(i), maps.get(j)));
      }
    }
    for (int round = 0; round < 2; round++) {
      for (int a = 0; a < 3; a++) {
        for (int b = 0; b < 3; b++) {
          sets.set(b, merge(sets.get(b), sets.get(a)));
          maps.set(b, merge(maps.get(b), maps.get(a)));
        }
      }
    }
    for (int i = 1; i < 3; i++) {
      assertEquals(sets.get(0), sets.get(i), "sets converge");
      assertEquals(maps.get(0), maps.get(i), "maps converge");
    }
    Set<String> expectedSet = new TreeSet<>();
    Map<String, Long> expectedMap = new TreeMap<>();
    for (Event add : setEvents) {
      if (add.kind.equals("add") && !overwritten(add, setEvents, true)) {
        expectedSet.add(add.element);
      }
    }
    for (Event add : mapEvents) {
      if (add.kind.equals("add") && !overwritten(add, mapEvents, false)) {
        expectedMap.merge(add.element, add.amount, Long::sum);
      }
    }
    assertEquals(expectedSet, new TreeSet<>(sets.get(0).elements()), "set matches the model");
    Map<String, Long> actualMap = new TreeMap<>();
    maps.get(0).toMap().forEach((k, v) -> actualMap.put(k, v.value()));
    assertEquals(expectedMap, actualMap, "map matches the model");
  }

  /**
   * Whether a later operation on the same element (any clear; for sets also a re-add, which
   * replaces earlier adds) had seen {@code add}.
   */
  private static boolean overwritten(Event add, List<Event> events, boolean readdOverwrites) {
    for (Event x : events) {
      boolean sameElement = x.kind.equals("clear") || add.element.equals(x.element);
      boolean overwrites = !x.kind.equals("add") || readdOverwrites;
      if (x != add && sameElement && overwrites && x.seen.contains(add.dot)) {
        return true;
      }
    }
    return false;
  }
}
