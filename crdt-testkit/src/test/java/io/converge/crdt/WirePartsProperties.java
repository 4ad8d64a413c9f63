package io.converge.crdt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.QuickTheory.qt;

import io.converge.clocks.ReplicaId;
import io.converge.crdt.testkit.BuiltInGenerators;
import io.converge.crdt.testkit.CrdtLaws;
import io.converge.crdt.testkit.Generators;
import io.converge.crdt.testkit.Operation;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * {@link WireParts}: taking a causal value apart and rebuilding it gives an equal value that merges
 * exactly like the original, for full states and for deltas (whose parts say which keys they
 * concern), nested map values included.
 */
final class WirePartsProperties {

  /** Reachable states, and deltas of one more operation on them. */
  private static <T extends DeltaCrdt<T>> Gen<T> statesAndDeltas(
      T initial, Gen<Operation<T>> operations) {
    Gen<T> states = CrdtLaws.states(initial, operations);
    return states.zip(
        operations,
        Generators.replicas(3),
        (state, op, replica) -> {
          T next = op.apply(replica, state.resetDelta());
          return next.delta().orElse(state);
        });
  }

  private static <T extends DeltaCrdt<T>> void checkRoundTrip(
      T initial, Gen<Operation<T>> operations, UnaryOperator<T> rebuild) {
    Gen<T> values = statesAndDeltas(initial, operations);
    qt().forAll(values, values)
        .checkAssert(
            (x, y) -> {
              T copy = rebuild.apply(x);
              assertEquals(x, copy);
              assertEquals(x.merge(y), copy.merge(y));
              assertEquals(y.merge(x), y.merge(copy));
            });
  }

  @Test
  void orSet_rebuiltFromParts_mergesLikeTheOriginal() {
    checkRoundTrip(
        ORSet.<String>empty(),
        BuiltInGenerators.orSet(),
        s -> WireParts.toORSet(WireParts.of(s), s.context()));
  }

  @Test
  void mvRegister_rebuiltFromParts_mergesLikeTheOriginal() {
    checkRoundTrip(
        MVRegister.<String>empty(),
        BuiltInGenerators.mvRegister(),
        r -> WireParts.toMVRegister(WireParts.of(r), r.context()));
  }

  @Test
  void flags_rebuiltFromParts_mergeLikeTheOriginal() {
    checkRoundTrip(
        EWFlag.disabled(),
        BuiltInGenerators.ewFlag(),
        f -> WireParts.toEWFlag(WireParts.of(f), f.context()));
    checkRoundTrip(
        DWFlag.disabled(),
        BuiltInGenerators.dwFlag(),
        f -> WireParts.toDWFlag(WireParts.of(f), f.context()));
  }

  @Test
  void causalCounter_rebuiltFromParts_mergesLikeTheOriginal() {
    checkRoundTrip(
        CausalCounter.zero(),
        BuiltInGenerators.causalCounter(),
        c -> WireParts.toCausalCounter(WireParts.of(c), c.context()));
  }

  @Test
  void orMapOfCounters_rebuiltFromParts_mergesLikeTheOriginal() {
    checkRoundTrip(
        ORMap.<String, CausalCounter>empty(CausalCounter.zero()),
        BuiltInGenerators.orMapOfCounters(),
        m -> {
          WireParts.ORMapParts<String, CausalCounter> parts = WireParts.of(m);
          Map<String, CausalCounter> values = new LinkedHashMap<>();
          parts
              .values()
              .forEach(
                  (k, v) -> values.put(k, WireParts.toCausalCounter(WireParts.of(v), m.context())));
          return WireParts.toORMap(
              new WireParts.ORMapParts<>(values, parts.context(), parts.delta(), parts.closed()),
              CausalCounter.zero(),
              m.context());
        });
  }

  @Test
  void orMapOfSets_rebuiltFromParts_mergesLikeTheOriginal() {
    checkRoundTrip(
        ORMap.<String, ORSet<String>>empty(ORSet.empty()),
        BuiltInGenerators.orMapOfSets(),
        m -> {
          WireParts.ORMapParts<String, ORSet<String>> parts = WireParts.of(m);
          Map<String, ORSet<String>> values = new LinkedHashMap<>();
          parts
              .values()
              .forEach(
                  (k, v) -> {
                    WireParts.ORSetParts<String> nested = WireParts.of(v);
                    // Nested stores have an empty context; their dots are scoped by the map's.
                    values.put(k, WireParts.toORSet(nested, m.context()));
                  });
          return WireParts.toORMap(
              new WireParts.ORMapParts<>(values, parts.context(), parts.delta(), parts.closed()),
              ORSet.empty(),
              m.context());
        });
  }

  @Test
  void replicaIdsAreOrdinary() {
    // Guard: the generators above act on r1..r3, which must be valid ids.
    assertEquals("r1", ReplicaId.of("r1").name());
  }
}
