package io.converge.replication.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;

import io.converge.clocks.ReplicaId;
import io.converge.crdt.CausalCounter;
import io.converge.crdt.CausalCrdt;
import io.converge.crdt.DWFlag;
import io.converge.crdt.EWFlag;
import io.converge.crdt.MVRegister;
import io.converge.crdt.ORMap;
import io.converge.crdt.ORSet;
import io.converge.crdt.WireParts;
import io.converge.crdt.testkit.BuiltInGenerators;
import io.converge.crdt.testkit.CrdtLaws;
import io.converge.crdt.testkit.Generators;
import io.converge.crdt.testkit.Operation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/**
 * Every {@link CausalCodec}, on full states and deltas of every causal type, maps nested in maps
 * included:
 *
 * <ul>
 *   <li>{@code decode(encode(x))} equals {@code x}, has no pending delta, and re-encodes to the
 *       same bytes (which include the delta part and the closed flag, so those survive too);
 *   <li>the decoded value merges exactly like the original, on either side of {@code merge};
 *   <li>equal values reached in different orders ({@code a.merge(b)} and {@code b.merge(a)} of
 *       states and deltas of one system) encode to byte-identical arrays;
 *   <li>every value nested in a map round-trips as a bare store.
 * </ul>
 *
 * <p>Values come from the testkit ({@link CrdtLaws#states}, the {@link BuiltInGenerators}
 * operations) and from runs of three replicas that apply operations, merge full states and deliver
 * deltas out of causal order (which leaves states not closed).
 */
final class CausalCodecProperties {

  private static final ElementCodec<String> STRINGS = ElementCodec.strings();

  private static final CausalCodec<ORSet<String>> OR_SET = CrdtCodec.orSet(STRINGS);
  private static final CausalCodec<MVRegister<String>> MV_REGISTER = CrdtCodec.mvRegister(STRINGS);
  private static final CausalCodec<EWFlag> EW_FLAG = CrdtCodec.ewFlag();
  private static final CausalCodec<DWFlag> DW_FLAG = CrdtCodec.dwFlag();
  private static final CausalCodec<CausalCounter> CAUSAL_COUNTER = CrdtCodec.causalCounter();
  private static final CausalCodec<ORMap<String, CausalCounter>> MAP_OF_COUNTERS =
      CrdtCodec.orMap(STRINGS, CAUSAL_COUNTER);
  private static final CausalCodec<ORMap<String, ORSet<String>>> MAP_OF_SETS =
      CrdtCodec.orMap(STRINGS, OR_SET);
  private static final CausalCodec<ORMap<String, ORMap<String, CausalCounter>>> MAP_OF_MAPS =
      CrdtCodec.orMap(STRINGS, MAP_OF_COUNTERS);

  private static final List<ReplicaId> REPLICAS = Generators.replicaIds(3);

  // --- generators --------------------------------------------------------------------------------

  /**
   * Reachable states of independent histories ({@link CrdtLaws#states}), and as often deltas of one
   * more operation on them.
   */
  private static <T extends CausalCrdt<T>> Gen<T> statesAndDeltas(
      T initial, Gen<Operation<T>> operations) {
    Gen<T> states = CrdtLaws.states(initial, operations);
    return states.zip(
        operations,
        Generators.replicas(3),
        Generate.booleans(),
        (state, op, replica, delta) ->
            delta ? op.apply(replica, state.resetDelta()).delta().orElse(state) : state);
  }

  /**
   * One step of a run: replica {@code i} applies {@code op} (kind 0); replica {@code i} merges the
   * full state of {@code j} (kind 1); replica {@code j} applies {@code op} and only its delta is
   * delivered to {@code i}, possibly out of causal order (kind 2).
   */
  private record Step<T>(int kind, int i, int j, Operation<T> op) {
    @Override
    public String toString() {
      return switch (kind) {
        case 0 -> op + "@" + REPLICAS.get(i);
        case 1 -> REPLICAS.get(i) + " <- " + REPLICAS.get(j);
        default -> REPLICAS.get(i) + " <- delta of " + op + "@" + REPLICAS.get(j);
      };
    }
  }

  /** The replicas' states at the end of a run and the deltas the run made, of one system. */
  private record Run<T>(List<T> replicas, List<T> deltas) {
    List<T> all() {
      List<T> out = new ArrayList<>(replicas);
      out.addAll(deltas);
      return out;
    }
  }

  private static <T> Gen<List<Step<T>>> steps(Gen<Operation<T>> operations) {
    Gen<Integer> replica = Generate.range(0, 2);
    Gen<Step<T>> step =
        Generate.range(0, 2)
            .zip(replica, replica, operations, (kind, i, j, op) -> new Step<>(kind, i, j, op));
    return WireGenerators.listsOf(step, 25);
  }

  private static <T extends CausalCrdt<T>> Run<T> replay(T initial, List<Step<T>> steps) {
    List<T> states = new ArrayList<>(List.of(initial, initial, initial));
    List<T> deltas = new ArrayList<>();
    for (Step<T> s : steps) {
      int actor = s.kind() == 2 ? s.j() : s.i();
      if (s.kind() == 1) {
        states.set(s.i(), states.get(s.i()).merge(states.get(s.j())));
        continue;
      }
      T next = s.op().apply(REPLICAS.get(actor), states.get(actor).resetDelta());
      states.set(actor, next.resetDelta());
      if (next.delta().isPresent()) {
        T delta = next.delta().get();
        deltas.add(delta);
        if (s.kind() == 2) {
          states.set(s.i(), states.get(s.i()).merge(delta));
        }
      }
    }
    // The last few deltas are enough to pair with every state.
    return new Run<>(states, deltas.subList(Math.max(0, deltas.size() - 4), deltas.size()));
  }

  private static <T extends CausalCrdt<T>> Gen<Run<T>> runs(
      T initial, Gen<Operation<T>> operations) {
    return steps(operations).map(s -> replay(initial, s));
  }

  /** Updates of a map of maps of counters: a key, and an operation of the nested map. */
  private static Gen<Operation<ORMap<String, ORMap<String, CausalCounter>>>> orMapOfMaps() {
    Gen<Operation<ORMap<String, ORMap<String, CausalCounter>>>> updates =
        Generators.smallStrings()
            .zip(
                BuiltInGenerators.orMapOfCounters(),
                (key, inner) ->
                    Operation.of(
                        "update(" + key + ", " + inner + ")",
                        (r, m) -> m.update(r, key, nested -> inner.apply(r, nested))));
    return Generators.oneOf(
        updates,
        updates,
        Generators.calls("remove", Generators.smallStrings(), k -> (r, m) -> m.remove(r, k)),
        Generate.constant(Operation.of("clear()", (r, m) -> m.clear(r))));
  }

  // --- checks ------------------------------------------------------------------------------------

  /** The round trip, the absence of a pending delta, and byte-identical re-encoding. */
  private static <T extends CausalCrdt<T>> T assertRoundTrip(CausalCodec<T> codec, T value) {
    byte[] bytes = codec.encode(value);
    T back = codec.decode(bytes);
    assertEquals(value, back);
    assertTrue(back.delta().isEmpty(), () -> "pending delta in " + back);
    assertArrayEquals(bytes, codec.encode(back), () -> "re-encoding " + back);
    return back;
  }

  /**
   * {@code x} round-trips, merges like the original on both sides of {@code merge}, and, when
   * {@code x} is a map, each of its values round-trips as a bare store scoped by its context.
   */
  private static <T extends CausalCrdt<T>> void assertFaithful(CausalCodec<T> codec, T x, T y) {
    T copy = assertRoundTrip(codec, x);
    assertEquals(x.merge(y), copy.merge(y), () -> "x.merge(y) with x=" + x + ", y=" + y);
    assertEquals(y.merge(x), y.merge(copy), () -> "y.merge(x) with x=" + x + ", y=" + y);
  }

  /** Each value of the map round-trips as a bare store, scoped by the map's context. */
  private static <K, V extends CausalCrdt<V>> void assertStoresRoundTrip(
      CausalCodec<V> values, ORMap<K, V> map) {
    for (Map.Entry<K, V> e : WireParts.of(map).values().entrySet()) {
      byte[] bytes = values.encodeStore(e.getValue());
      V back = values.decodeStore(bytes, map.context());
      assertEquals(e.getValue(), back, () -> "value of key " + e.getKey());
      assertArrayEquals(bytes, values.encodeStore(back), () -> "re-encoding key " + e.getKey());
    }
  }

  /** Merges in either order are equal and encode alike, for every pair of a run's values. */
  private static <T extends CausalCrdt<T>> void assertEitherOrderEncodesAlike(
      CausalCodec<T> codec, Run<T> run) {
    List<T> all = run.all();
    for (int i = 0; i < all.size(); i++) {
      for (int j = i; j < all.size(); j++) {
        T a = all.get(i);
        T b = all.get(j);
        T ab = a.merge(b);
        T ba = b.merge(a);
        assertEquals(ab, ba);
        assertArrayEquals(
            codec.encode(ab), codec.encode(ba), () -> "a=" + a + ", b=" + b + ", merged=" + ab);
        assertRoundTrip(codec, ab);
      }
    }
  }

  private static <T extends CausalCrdt<T>> void checkFaithful(
      CausalCodec<T> codec, Gen<Operation<T>> operations) {
    Gen<T> values = statesAndDeltas(codec.zero(), operations);
    qt().forAll(values, values).checkAssert((x, y) -> assertFaithful(codec, x, y));
  }

  private static <T extends CausalCrdt<T>> void checkEitherOrder(
      CausalCodec<T> codec, Gen<Operation<T>> operations) {
    qt().forAll(runs(codec.zero(), operations))
        .checkAssert(run -> assertEitherOrderEncodesAlike(codec, run));
  }

  // --- ORSet -------------------------------------------------------------------------------------

  @Test
  void orSet_roundTrip_isFaithful() {
    checkFaithful(OR_SET, BuiltInGenerators.orSet());
  }

  @Test
  void orSet_mergedInEitherOrder_encodesToSameBytes() {
    checkEitherOrder(OR_SET, BuiltInGenerators.orSet());
  }

  @Test
  void orSet_encodedWithLongs_roundTrips() {
    CausalCodec<ORSet<Long>> longs = CrdtCodec.orSet(ElementCodec.longs());
    Gen<Operation<ORSet<Long>>> operations =
        Generators.oneOf(
            Generators.calls("add", WireGenerators.longs(), e -> (r, s) -> s.add(r, e)),
            Generators.calls("remove", WireGenerators.longs(), e -> (r, s) -> s.remove(r, e)));
    Gen<ORSet<Long>> values = statesAndDeltas(ORSet.<Long>empty(), operations);
    qt().forAll(values, values).checkAssert((x, y) -> assertFaithful(longs, x, y));
  }

  // --- MVRegister --------------------------------------------------------------------------------

  @Test
  void mvRegister_roundTrip_isFaithful() {
    checkFaithful(MV_REGISTER, BuiltInGenerators.mvRegister());
  }

  @Test
  void mvRegister_mergedInEitherOrder_encodesToSameBytes() {
    checkEitherOrder(MV_REGISTER, BuiltInGenerators.mvRegister());
  }

  // --- flags -------------------------------------------------------------------------------------

  @Test
  void ewFlag_roundTrip_isFaithful() {
    checkFaithful(EW_FLAG, BuiltInGenerators.ewFlag());
  }

  @Test
  void ewFlag_mergedInEitherOrder_encodesToSameBytes() {
    checkEitherOrder(EW_FLAG, BuiltInGenerators.ewFlag());
  }

  @Test
  void dwFlag_roundTrip_isFaithful() {
    checkFaithful(DW_FLAG, BuiltInGenerators.dwFlag());
  }

  @Test
  void dwFlag_mergedInEitherOrder_encodesToSameBytes() {
    checkEitherOrder(DW_FLAG, BuiltInGenerators.dwFlag());
  }

  // --- CausalCounter -----------------------------------------------------------------------------

  @Test
  void causalCounter_roundTrip_isFaithful() {
    checkFaithful(CAUSAL_COUNTER, BuiltInGenerators.causalCounter());
  }

  @Test
  void causalCounter_mergedInEitherOrder_encodesToSameBytes() {
    checkEitherOrder(CAUSAL_COUNTER, BuiltInGenerators.causalCounter());
  }

  // --- ORMap -------------------------------------------------------------------------------------

  @Test
  void orMapOfCounters_roundTrip_isFaithful() {
    checkFaithful(MAP_OF_COUNTERS, BuiltInGenerators.orMapOfCounters());
  }

  @Test
  void orMapOfCounters_mergedInEitherOrder_encodesToSameBytes() {
    checkEitherOrder(MAP_OF_COUNTERS, BuiltInGenerators.orMapOfCounters());
  }

  @Test
  void orMapOfSets_roundTrip_isFaithful() {
    checkFaithful(MAP_OF_SETS, BuiltInGenerators.orMapOfSets());
  }

  @Test
  void orMapOfSets_mergedInEitherOrder_encodesToSameBytes() {
    checkEitherOrder(MAP_OF_SETS, BuiltInGenerators.orMapOfSets());
  }

  @Test
  void orMapOfMaps_roundTrip_isFaithful() {
    checkFaithful(MAP_OF_MAPS, orMapOfMaps());
  }

  @Test
  void orMapOfMaps_mergedInEitherOrder_encodesToSameBytes() {
    checkEitherOrder(MAP_OF_MAPS, orMapOfMaps());
  }

  @Test
  void orMap_values_roundTripAsBareStores() {
    qt().forAll(statesAndDeltas(MAP_OF_SETS.zero(), BuiltInGenerators.orMapOfSets()))
        .checkAssert(m -> assertStoresRoundTrip(OR_SET, m));
    qt().forAll(statesAndDeltas(MAP_OF_COUNTERS.zero(), BuiltInGenerators.orMapOfCounters()))
        .checkAssert(m -> assertStoresRoundTrip(CAUSAL_COUNTER, m));
    qt().forAll(statesAndDeltas(MAP_OF_MAPS.zero(), orMapOfMaps()))
        .checkAssert(m -> assertStoresRoundTrip(MAP_OF_COUNTERS, m));
  }
}
