package io.converge.crdt.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;

import io.converge.clocks.HlcTimestamp;
import io.converge.clocks.ReplicaId;
import io.converge.clocks.VersionVector;
import io.converge.crdt.CausalCounter;
import io.converge.crdt.DWFlag;
import io.converge.crdt.DeltaCrdt;
import io.converge.crdt.EWFlag;
import io.converge.crdt.GCounter;
import io.converge.crdt.GSet;
import io.converge.crdt.LWWMap;
import io.converge.crdt.LWWRegister;
import io.converge.crdt.MVRegister;
import io.converge.crdt.ORMap;
import io.converge.crdt.ORSet;
import io.converge.crdt.PNCounter;
import io.converge.crdt.Versioned;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * Every generator of {@link BuiltInGenerators} draws operations that read like calls, carry the
 * payloads its javadoc promises, and apply without error to states the type can reach.
 */
final class BuiltInGeneratorsTest {

  private static final String ELEMENT = "\"[a-e]\"";
  private static final String AMOUNT = "[0-5]";
  private static final String STAMP = "ts>=[0-3]#[0-2]";

  /**
   * Applies drawn operations on drawn replicas to reachable states: each must return a state, and
   * its description must match one of {@code kinds} (name to regular expression). Every kind must
   * be drawn.
   */
  private static <T extends DeltaCrdt<T>> void checkDrawsAndApplies(
      T initial, Gen<Operation<T>> operations, Map<String, String> kinds) {
    Map<String, Pattern> patterns = new TreeMap<>();
    kinds.forEach((name, regex) -> patterns.put(name, Pattern.compile(regex)));
    Set<String> drawn = new TreeSet<>();
    qt().forAll(CrdtLaws.states(initial, operations), operations, Generators.replicas(3))
        .checkAssert(
            (state, op, replica) -> {
              String description = op.toString();
              String kind =
                  patterns.entrySet().stream()
                      .filter(p -> p.getValue().matcher(description).matches())
                      .map(Map.Entry::getKey)
                      .findFirst()
                      .orElseThrow(() -> new AssertionError("unexpected operation " + description));
              drawn.add(kind);
              Object payload = op.payload();
              if (payload instanceof Operation.Call) {
                assertEquals(kind, ((Operation.Call) payload).name(), description);
                assertEquals(description, payload.toString());
              } else {
                assertEquals(description, payload, "an operation without arguments");
              }
              assertNotNull(op.apply(replica, state), description);
              assertNotNull(op.apply(replica, initial), description);
            });
    assertEquals(kinds.keySet(), drawn);
  }

  @Test
  void gCounter_reachableStates_drawsIncrementsThatApply() {
    checkDrawsAndApplies(
        GCounter.empty(),
        BuiltInGenerators.gCounter(),
        Map.of("increment", "increment\\(" + AMOUNT + "\\)"));
  }

  @Test
  void pnCounter_reachableStates_drawsIncrementsAndDecrementsThatApply() {
    checkDrawsAndApplies(
        PNCounter.empty(),
        BuiltInGenerators.pnCounter(),
        Map.of(
            "increment", "increment\\(" + AMOUNT + "\\)",
            "decrement", "decrement\\(" + AMOUNT + "\\)"));
  }

  @Test
  void gSet_reachableStates_drawsAddsThatApply() {
    checkDrawsAndApplies(
        GSet.<String>empty(), BuiltInGenerators.gSet(), Map.of("add", "add\\(" + ELEMENT + "\\)"));
  }

  @Test
  void orSet_reachableStates_drawsAddsRemovesAndClearsThatApply() {
    checkDrawsAndApplies(
        ORSet.<String>empty(),
        BuiltInGenerators.orSet(),
        Map.of(
            "add",
            "add\\(" + ELEMENT + "\\)",
            "remove",
            "remove\\(" + ELEMENT + "\\)",
            BuiltInGenerators.CLEAR,
            "clear\\(\\)"));
  }

  @Test
  void lwwRegister_reachableStates_drawsSetsThatApply() {
    checkDrawsAndApplies(
        LWWRegister.<String>empty(),
        BuiltInGenerators.lwwRegister(),
        Map.of("set", "set\\(" + ELEMENT + ", " + STAMP + "\\)"));
  }

  @Test
  void mvRegister_reachableStates_drawsWritesAndClearsThatApply() {
    checkDrawsAndApplies(
        MVRegister.<String>empty(),
        BuiltInGenerators.mvRegister(),
        Map.of(
            "write",
            "write\\(" + ELEMENT + ", " + STAMP + "\\)",
            BuiltInGenerators.CLEAR,
            "clear\\(\\)"));
  }

  @Test
  void ewFlag_reachableStates_drawsEnablesAndDisablesThatApply() {
    checkDrawsAndApplies(
        EWFlag.disabled(),
        BuiltInGenerators.ewFlag(),
        Map.of(
            BuiltInGenerators.ENABLE, "enable\\(\\)", BuiltInGenerators.DISABLE, "disable\\(\\)"));
  }

  @Test
  void dwFlag_reachableStates_drawsEnablesAndDisablesThatApply() {
    checkDrawsAndApplies(
        DWFlag.disabled(),
        BuiltInGenerators.dwFlag(),
        Map.of(
            BuiltInGenerators.ENABLE, "enable\\(\\)", BuiltInGenerators.DISABLE, "disable\\(\\)"));
  }

  @Test
  void causalCounter_reachableStates_drawsIncrementsDecrementsAndResetsThatApply() {
    checkDrawsAndApplies(
        CausalCounter.zero(),
        BuiltInGenerators.causalCounter(),
        Map.of(
            "increment",
            "increment\\(" + AMOUNT + "\\)",
            "decrement",
            "decrement\\(" + AMOUNT + "\\)",
            BuiltInGenerators.RESET,
            "reset\\(\\)"));
  }

  @Test
  void orMapOfCounters_reachableStates_drawsUpdatesRemovesAndClearsThatApply() {
    checkDrawsAndApplies(
        ORMap.<String, CausalCounter>empty(CausalCounter.zero()),
        BuiltInGenerators.orMapOfCounters(),
        Map.of(
            "update",
            "update\\(" + ELEMENT + ", increment\\([1-5]\\)\\)",
            "remove",
            "remove\\(" + ELEMENT + "\\)",
            BuiltInGenerators.CLEAR,
            "clear\\(\\)"));
  }

  @Test
  void orMapOfSets_reachableStates_drawsUpdatesRemovesAndClearsThatApply() {
    checkDrawsAndApplies(
        ORMap.<String, ORSet<String>>empty(ORSet.empty()),
        BuiltInGenerators.orMapOfSets(),
        Map.of(
            "update",
            "update\\(" + ELEMENT + ", (add|remove)\\(" + ELEMENT + "\\)\\)",
            "remove",
            "remove\\(" + ELEMENT + "\\)",
            BuiltInGenerators.CLEAR,
            "clear\\(\\)"));
  }

  @Test
  void orMapOfSets_updates_drawBothAddsAndRemovesOfElements() {
    Set<String> changes = new TreeSet<>();
    qt().forAll(BuiltInGenerators.orMapOfSets())
        .checkAssert(
            op -> {
              if (op.payload() instanceof Operation.Call
                  && ((Operation.Call) op.payload()).argument()
                      instanceof BuiltInGenerators.Update) {
                BuiltInGenerators.Update u =
                    (BuiltInGenerators.Update) ((Operation.Call) op.payload()).argument();
                changes.add(u.change().name());
              }
            });
    assertEquals(Set.of("add", "remove"), changes);
  }

  @Test
  void lwwMap_reachableStates_drawsPutsAndRemovesThatApply() {
    checkDrawsAndApplies(
        LWWMap.<String, String>empty(),
        BuiltInGenerators.lwwMap(),
        Map.of(
            "put", "put\\(" + ELEMENT + ", " + ELEMENT + ", " + STAMP + "\\)",
            "remove", "remove\\(" + ELEMENT + "\\)"));
  }

  @Test
  void lwwRegister_set_takesEffectAfterTheCurrentTimestamp() {
    Gen<Operation<LWWRegister<String>>> ops = BuiltInGenerators.lwwRegister();
    qt().forAll(CrdtLaws.states(LWWRegister.<String>empty(), ops), ops, Generators.replicas(3))
        .checkAssert(
            (state, op, replica) -> {
              BuiltInGenerators.Stamped w =
                  (BuiltInGenerators.Stamped) ((Operation.Call) op.payload()).argument();
              LWWRegister<String> after = op.apply(replica, state);
              assertEquals(w.value(), after.value().orElseThrow());
              assertEquals(replica, after.writer().orElseThrow());
              HlcTimestamp t = after.timestamp().orElseThrow();
              assertTrue(!t.isBefore(w.generated()), "at or after the generated timestamp");
              state.timestamp().ifPresent(old -> assertTrue(t.isAfter(old), "after " + old));
              assertTrue(after.delta().isPresent(), "every write takes effect");
            });
  }

  @Test
  void mvRegister_write_replacesEverySiblingWithALaterOne() {
    Gen<Operation<MVRegister<String>>> ops = BuiltInGenerators.mvRegister();
    qt().forAll(CrdtLaws.states(MVRegister.<String>empty(), ops), ops, Generators.replicas(3))
        .checkAssert(
            (state, op, replica) -> {
              if (!(op.payload() instanceof Operation.Call)) {
                return;
              }
              BuiltInGenerators.Stamped w =
                  (BuiltInGenerators.Stamped) ((Operation.Call) op.payload()).argument();
              List<Versioned<String>> siblings = op.apply(replica, state).siblings();
              assertEquals(1, siblings.size());
              Versioned<String> written = siblings.get(0);
              assertEquals(w.value(), written.value());
              assertEquals(replica, written.replica());
              assertTrue(!written.timestamp().isBefore(w.generated()));
              for (Versioned<String> old : state.siblings()) {
                assertTrue(written.timestamp().isAfter(old.timestamp()), "after " + old);
              }
            });
  }

  @Test
  void lwwMap_put_replacesTheKeysVersionsWithALaterOne() {
    Gen<Operation<LWWMap<String, String>>> ops = BuiltInGenerators.lwwMap();
    qt().forAll(CrdtLaws.states(LWWMap.<String, String>empty(), ops), ops, Generators.replicas(3))
        .checkAssert(
            (state, op, replica) -> {
              Object argument = ((Operation.Call) op.payload()).argument();
              if (!(argument instanceof BuiltInGenerators.Put)) {
                return;
              }
              BuiltInGenerators.Put p = (BuiltInGenerators.Put) argument;
              LWWMap<String, String> after = op.apply(replica, state);
              assertEquals(p.value(), after.get(p.key()).orElseThrow());
              List<Versioned<String>> versions = after.versions(p.key());
              assertEquals(1, versions.size());
              for (Versioned<String> old : state.versions(p.key())) {
                assertTrue(versions.get(0).timestamp().isAfter(old.timestamp()), "after " + old);
              }
            });
  }

  @Test
  void writeTimestamp_nothingHeld_isTheGeneratedOne() {
    HlcTimestamp t = HlcTimestamp.of(2, 1);
    assertEquals(t, BuiltInGenerators.writeTimestamp(t, List.of()));
  }

  @Test
  void writeTimestamp_heldEarlier_isTheGeneratedOne() {
    HlcTimestamp t = HlcTimestamp.of(2, 1);
    List<HlcTimestamp> held = List.of(HlcTimestamp.of(2, 0), HlcTimestamp.of(1, 5));
    assertEquals(t, BuiltInGenerators.writeTimestamp(t, held));
  }

  @Test
  void writeTimestamp_heldAtOrAfter_isJustAfterTheLatestHeld() {
    HlcTimestamp t = HlcTimestamp.of(2, 1);
    assertEquals(
        HlcTimestamp.of(2, 2), BuiltInGenerators.writeTimestamp(t, List.of(HlcTimestamp.of(2, 1))));
    assertEquals(
        HlcTimestamp.of(3, 1),
        BuiltInGenerators.writeTimestamp(t, List.of(HlcTimestamp.of(3, 0), HlcTimestamp.of(1, 0))));
  }

  @Test
  void writeTimestamp_heldAtMaxLogical_isTheNextMillisecond() {
    HlcTimestamp full = HlcTimestamp.of(3, HlcTimestamp.MAX_LOGICAL);
    assertEquals(
        HlcTimestamp.of(4, 0), BuiltInGenerators.writeTimestamp(HlcTimestamp.ZERO, List.of(full)));
  }

  @Test
  void writeTimestamp_nulls_throw() {
    assertThrows(
        NullPointerException.class, () -> BuiltInGenerators.writeTimestamp(null, List.of()));
    assertThrows(
        NullPointerException.class,
        () -> BuiltInGenerators.writeTimestamp(HlcTimestamp.ZERO, null));
  }

  @Test
  void smallTimestamps_drawsOnlyAndEveryTimestampUpTo3ms2() {
    Set<HlcTimestamp> drawn = new TreeSet<>();
    qt().forAll(BuiltInGenerators.smallTimestamps()).checkAssert(drawn::add);
    assertEquals(12, drawn.size());
    assertEquals(HlcTimestamp.ZERO, ((TreeSet<HlcTimestamp>) drawn).first());
    assertEquals(HlcTimestamp.of(3, 2), ((TreeSet<HlcTimestamp>) drawn).last());
  }

  @Test
  void arguments_readAsInTheCall() {
    HlcTimestamp t = HlcTimestamp.of(2, 1);
    assertEquals(
        "set(\"b\", ts>=2#1)",
        new Operation.Call("set", new BuiltInGenerators.Stamped("b", t)).toString());
    assertEquals(
        "update(\"a\", increment(2))",
        new Operation.Call(
                "update", new BuiltInGenerators.Update("a", new Operation.Call("increment", 2)))
            .toString());
    assertEquals(
        "put(\"a\", \"b\", ts>=2#1)",
        new Operation.Call("put", new BuiltInGenerators.Put("a", "b", t)).toString());
  }

  @Test
  void arguments_nulls_throw() {
    assertThrows(
        NullPointerException.class, () -> new BuiltInGenerators.Stamped(null, HlcTimestamp.ZERO));
    assertThrows(NullPointerException.class, () -> new BuiltInGenerators.Update("a", null));
    assertThrows(
        NullPointerException.class, () -> new BuiltInGenerators.Put("a", null, HlcTimestamp.ZERO));
  }

  @Test
  void operations_runOnTheReplicaTheyAreGiven() {
    ReplicaId r2 = ReplicaId.of("r2");
    qt().forAll(BuiltInGenerators.orSet())
        .checkAssert(
            op -> {
              ORSet<String> after = op.apply(r2, ORSet.<String>empty().add(r2, "a"));
              VersionVector seen = after.context().versionVector();
              for (int i = 0; i < seen.size(); i++) {
                assertEquals(r2, seen.replica(i), "every event is r2's");
              }
            });
  }
}
