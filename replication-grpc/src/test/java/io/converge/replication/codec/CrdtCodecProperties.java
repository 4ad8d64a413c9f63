package io.converge.replication.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;

import com.google.protobuf.ByteString;
import io.converge.clocks.HlcTimestamp;
import io.converge.clocks.ReplicaId;
import io.converge.clocks.VersionVector;
import io.converge.crdt.DeltaCrdt;
import io.converge.crdt.GCounter;
import io.converge.crdt.GSet;
import io.converge.crdt.LWWRegister;
import io.converge.crdt.PNCounter;
import io.converge.crdt.testkit.BuiltInGenerators;
import io.converge.crdt.testkit.Generators;
import io.converge.crdt.testkit.Operation;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/**
 * Every {@link CrdtCodec}: {@code decode(encode(x))} equals {@code x}, has no pending delta and
 * re-encodes to the same bytes; and equal states built in different orders (operations applied
 * forwards or backwards, states merged in either order) encode to byte-identical arrays. States
 * come from the testkit's operations on replicas r1..r3 and from wide generators (any replica id,
 * counts up to {@link Clocks#MAX_COUNTER}, any Unicode string).
 */
final class CrdtCodecProperties {

  private static final CrdtCodec<GCounter> G_COUNTER = CrdtCodec.gCounter();
  private static final CrdtCodec<PNCounter> PN_COUNTER = CrdtCodec.pnCounter();
  private static final CrdtCodec<GSet<String>> STRING_SET = CrdtCodec.gSet(ElementCodec.strings());
  private static final CrdtCodec<GSet<Long>> LONG_SET = CrdtCodec.gSet(ElementCodec.longs());
  private static final CrdtCodec<GSet<ByteString>> BYTES_SET = CrdtCodec.gSet(ElementCodec.bytes());
  private static final CrdtCodec<LWWRegister<String>> STRING_REGISTER =
      CrdtCodec.lwwRegister(ElementCodec.strings());
  private static final CrdtCodec<LWWRegister<Long>> LONG_REGISTER =
      CrdtCodec.lwwRegister(ElementCodec.longs());

  /** Sequences of the testkit's operations, each on one of the replicas r1..r3. */
  private static <T> Gen<List<Map.Entry<ReplicaId, Operation<T>>>> histories(
      Gen<Operation<T>> operations) {
    return WireGenerators.listsOf(Generators.replicas(3).zip(operations, Map::entry), 20);
  }

  private static <T> T run(T initial, List<Map.Entry<ReplicaId, Operation<T>>> history) {
    T state = initial;
    for (Map.Entry<ReplicaId, Operation<T>> step : history) {
      state = step.getValue().apply(step.getKey(), state);
    }
    return state;
  }

  private static <T> List<T> reversed(List<T> list) {
    List<T> copy = new ArrayList<>(list);
    Collections.reverse(copy);
    return copy;
  }

  /** The round trip, the absence of a pending delta, and byte-identical re-encoding. */
  private static <T> void assertRoundTrip(CrdtCodec<T> codec, T state) {
    byte[] bytes = codec.encode(state);
    T back = codec.decode(bytes);
    assertEquals(state, back);
    assertArrayEquals(bytes, codec.encode(back), () -> "re-encoding " + back);
    if (back instanceof DeltaCrdt) {
      assertTrue(((DeltaCrdt<?>) back).delta().isEmpty(), () -> "pending delta in " + back);
    }
  }

  /** Both states are equal and encode to the same bytes. */
  private static <T> void assertSameEncoding(CrdtCodec<T> codec, T a, T b) {
    assertEquals(a, b);
    assertArrayEquals(codec.encode(a), codec.encode(b), () -> a + " and " + b);
  }

  /** Counters with any replica ids and counts up to {@link Clocks#MAX_COUNTER}. */
  private static Gen<GCounter> wideGCounters() {
    return WireGenerators.versionVectors().map(CounterCodecs::replay);
  }

  @Test
  void gCounter_roundTrip_isIdentity() {
    qt().forAll(histories(BuiltInGenerators.gCounter()))
        .checkAssert(h -> assertRoundTrip(G_COUNTER, run(GCounter.empty(), h)));
    qt().forAll(wideGCounters()).checkAssert(c -> assertRoundTrip(G_COUNTER, c));
  }

  @Test
  void gCounter_delta_roundTrips() {
    qt().forAll(histories(BuiltInGenerators.gCounter()))
        .checkAssert(
            h -> run(GCounter.empty(), h).delta().ifPresent(d -> assertRoundTrip(G_COUNTER, d)));
  }

  @Test
  void gCounter_operationsInEitherOrder_encodeToSameBytes() {
    qt().forAll(histories(BuiltInGenerators.gCounter()))
        .checkAssert(
            h ->
                assertSameEncoding(
                    G_COUNTER, run(GCounter.empty(), h), run(GCounter.empty(), reversed(h))));
  }

  @Test
  void gCounter_mergedInEitherOrder_encodesToSameBytes() {
    qt().forAll(wideGCounters(), wideGCounters())
        .checkAssert((a, b) -> assertSameEncoding(G_COUNTER, a.merge(b), b.merge(a)));
  }

  /** Counters with any replica ids and counts up to {@link Clocks#MAX_COUNTER} on both sides. */
  private static Gen<PNCounter> widePnCounters() {
    return WireGenerators.versionVectors()
        .zip(
            WireGenerators.versionVectors(),
            (p, n) -> {
              PNCounter c = PNCounter.empty();
              for (int i = 0; i < p.size(); i++) {
                c = c.increment(p.replica(i), p.counter(i));
              }
              for (int i = 0; i < n.size(); i++) {
                c = c.decrement(n.replica(i), n.counter(i));
              }
              return c.resetDelta();
            });
  }

  @Test
  void pnCounter_roundTrip_isIdentity() {
    qt().forAll(histories(BuiltInGenerators.pnCounter()))
        .checkAssert(h -> assertRoundTrip(PN_COUNTER, run(PNCounter.empty(), h)));
    qt().forAll(widePnCounters()).checkAssert(c -> assertRoundTrip(PN_COUNTER, c));
  }

  @Test
  void pnCounter_delta_roundTrips() {
    qt().forAll(histories(BuiltInGenerators.pnCounter()))
        .checkAssert(
            h -> run(PNCounter.empty(), h).delta().ifPresent(d -> assertRoundTrip(PN_COUNTER, d)));
  }

  @Test
  void pnCounter_operationsInEitherOrder_encodeToSameBytes() {
    qt().forAll(histories(BuiltInGenerators.pnCounter()))
        .checkAssert(
            h ->
                assertSameEncoding(
                    PN_COUNTER, run(PNCounter.empty(), h), run(PNCounter.empty(), reversed(h))));
  }

  @Test
  void pnCounter_mergedInEitherOrder_encodesToSameBytes() {
    qt().forAll(widePnCounters(), widePnCounters())
        .checkAssert((a, b) -> assertSameEncoding(PN_COUNTER, a.merge(b), b.merge(a)));
  }

  private static <E> GSet<E> addAll(List<E> elements) {
    GSet<E> set = GSet.empty();
    for (E e : elements) {
      set = set.add(e);
    }
    return set;
  }

  @Test
  void gSet_roundTrip_isIdentity() {
    qt().forAll(histories(BuiltInGenerators.gSet()))
        .checkAssert(h -> assertRoundTrip(STRING_SET, run(GSet.<String>empty(), h)));
    qt().forAll(WireGenerators.listsOf(WireGenerators.strings(), 30))
        .checkAssert(list -> assertRoundTrip(STRING_SET, addAll(list)));
    qt().forAll(WireGenerators.listsOf(WireGenerators.longs(), 30))
        .checkAssert(list -> assertRoundTrip(LONG_SET, addAll(list)));
    qt().forAll(WireGenerators.listsOf(WireGenerators.byteStrings(), 30))
        .checkAssert(list -> assertRoundTrip(BYTES_SET, addAll(list)));
  }

  @Test
  void gSet_delta_roundTrips() {
    qt().forAll(histories(BuiltInGenerators.gSet()))
        .checkAssert(
            h ->
                run(GSet.<String>empty(), h)
                    .delta()
                    .ifPresent(d -> assertRoundTrip(STRING_SET, d)));
  }

  @Test
  void gSet_addedInEitherOrder_encodesToSameBytes() {
    qt().forAll(WireGenerators.listsOf(WireGenerators.strings(), 40))
        .checkAssert(list -> assertSameEncoding(STRING_SET, addAll(list), addAll(reversed(list))));
    qt().forAll(WireGenerators.listsOf(WireGenerators.longs(), 40))
        .checkAssert(list -> assertSameEncoding(LONG_SET, addAll(list), addAll(reversed(list))));
    qt().forAll(WireGenerators.listsOf(WireGenerators.byteStrings(), 40))
        .checkAssert(list -> assertSameEncoding(BYTES_SET, addAll(list), addAll(reversed(list))));
  }

  @Test
  void gSet_mergedInEitherOrder_encodesToSameBytes() {
    Gen<GSet<String>> sets =
        WireGenerators.listsOf(WireGenerators.strings(), 20).map(CrdtCodecProperties::addAll);
    qt().forAll(sets, sets)
        .checkAssert((a, b) -> assertSameEncoding(STRING_SET, a.merge(b), b.merge(a)));
  }

  @Test
  void gSet_encoding_listsElementsSortedByUnsignedBytes() {
    qt().forAll(WireGenerators.listsOf(WireGenerators.longs(), 30))
        .checkAssert(
            list -> {
              GSet<Long> set = addAll(list);
              List<ByteString> written = gSetElements(LONG_SET.encode(set));
              List<ByteString> sorted = new ArrayList<>(written);
              sorted.sort(ByteString.unsignedLexicographicalComparator());
              assertEquals(sorted, written);
              assertEquals(set.size(), new HashSet<>(written).size());
            });
  }

  private static List<ByteString> gSetElements(byte[] bytes) {
    try {
      return io.converge.replication.wire.v1.GSetState.parseFrom(bytes).getElementsList();
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }

  /** A write to a register: value, timestamp, writer. */
  private record Write<V>(V value, HlcTimestamp timestamp, ReplicaId writer) {
    LWWRegister<V> register() {
      return LWWRegister.of(value, timestamp, writer);
    }
  }

  /** Writes with distinct stamps (a replica never reuses a timestamp), often tying on time. */
  private static <V> Gen<List<Write<V>>> writes(Gen<V> values) {
    Gen<HlcTimestamp> times =
        BuiltInGenerators.smallTimestamps().mix(WireGenerators.timestamps(), 30);
    Gen<ReplicaId> writers = Generators.replicas(3).mix(WireGenerators.replicaIds(), 20);
    return WireGenerators.listsOf(values.zip(times, writers, (v, t, w) -> new Write<>(v, t, w)), 10)
        .map(
            list -> {
              Set<Map.Entry<HlcTimestamp, ReplicaId>> stamps = new HashSet<>();
              List<Write<V>> distinct = new ArrayList<>();
              for (Write<V> w : list) {
                if (stamps.add(Map.entry(w.timestamp(), w.writer()))) {
                  distinct.add(w);
                }
              }
              return distinct;
            });
  }

  private static <V> LWWRegister<V> mergeAll(List<Write<V>> writes) {
    LWWRegister<V> register = LWWRegister.empty();
    for (Write<V> w : writes) {
      register = register.merge(w.register());
    }
    return register;
  }

  @Test
  void lwwRegister_roundTrip_isIdentity() {
    qt().forAll(histories(BuiltInGenerators.lwwRegister()))
        .checkAssert(h -> assertRoundTrip(STRING_REGISTER, run(LWWRegister.<String>empty(), h)));
    qt().forAll(writes(WireGenerators.strings()))
        .checkAssert(w -> assertRoundTrip(STRING_REGISTER, mergeAll(w)));
    qt().forAll(writes(WireGenerators.longs()))
        .checkAssert(w -> assertRoundTrip(LONG_REGISTER, mergeAll(w)));
  }

  @Test
  void lwwRegister_delta_roundTrips() {
    qt().forAll(histories(BuiltInGenerators.lwwRegister()))
        .checkAssert(
            h ->
                run(LWWRegister.<String>empty(), h)
                    .delta()
                    .ifPresent(d -> assertRoundTrip(STRING_REGISTER, d)));
  }

  @Test
  void lwwRegister_writesMergedInEitherOrder_encodeToSameBytes() {
    qt().forAll(writes(WireGenerators.strings()))
        .checkAssert(w -> assertSameEncoding(STRING_REGISTER, mergeAll(w), mergeAll(reversed(w))));
  }

  @Test
  void counters_withCountsAtMaxCounter_roundTrip() {
    qt().forAll(
            WireGenerators.replicaIds(),
            Generate.longRange(Clocks.MAX_COUNTER - 3, Clocks.MAX_COUNTER))
        .checkAssert(
            (r, n) -> {
              assertRoundTrip(G_COUNTER, GCounter.empty().increment(r, n).resetDelta());
              assertRoundTrip(
                  PN_COUNTER, PNCounter.empty().increment(r, n).decrement(r, n).resetDelta());
            });
    assertEquals(VersionVector.empty(), G_COUNTER.decode(new byte[0]).counts());
  }
}
