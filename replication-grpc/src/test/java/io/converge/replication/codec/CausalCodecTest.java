package io.converge.replication.codec;

import static io.converge.replication.codec.WireAssertions.assertRefused;
import static io.converge.replication.codec.WireException.Reason.MALFORMED;
import static io.converge.replication.codec.WireException.Reason.OVERSIZED;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.MessageLite;
import io.converge.clocks.CausalContext;
import io.converge.clocks.Dot;
import io.converge.clocks.HlcTimestamp;
import io.converge.clocks.ReplicaId;
import io.converge.clocks.VersionVector;
import io.converge.crdt.CausalCounter;
import io.converge.crdt.CausalCrdt;
import io.converge.crdt.DWFlag;
import io.converge.crdt.EWFlag;
import io.converge.crdt.MVRegister;
import io.converge.crdt.ORMap;
import io.converge.crdt.ORSet;
import io.converge.crdt.WireParts;
import io.converge.replication.wire.v1.CausalCounterState;
import io.converge.replication.wire.v1.CounterChange;
import io.converge.replication.wire.v1.DeltaInfo;
import io.converge.replication.wire.v1.FlagState;
import io.converge.replication.wire.v1.MVRegisterState;
import io.converge.replication.wire.v1.ORMapEntry;
import io.converge.replication.wire.v1.ORMapState;
import io.converge.replication.wire.v1.ORSetEntry;
import io.converge.replication.wire.v1.ORSetState;
import io.converge.replication.wire.v1.Sibling;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

final class CausalCodecTest {

  private static final ReplicaId r1 = ReplicaId.of("r1");
  private static final ReplicaId r2 = ReplicaId.of("r2");
  private static final ReplicaId r3 = ReplicaId.of("r3");

  private static final HlcTimestamp T1 = HlcTimestamp.of(1_700_000_000_000L, 1);
  private static final HlcTimestamp T2 = HlcTimestamp.of(1_700_000_000_001L, 0);

  private static final ElementCodec<String> STRINGS = ElementCodec.strings();

  private static final CausalCodec<ORSet<String>> OR_SET = CrdtCodec.orSet(STRINGS);
  private static final CausalCodec<MVRegister<String>> MV_REGISTER = CrdtCodec.mvRegister(STRINGS);
  private static final CausalCodec<EWFlag> EW_FLAG = CrdtCodec.ewFlag();
  private static final CausalCodec<DWFlag> DW_FLAG = CrdtCodec.dwFlag();
  private static final CausalCodec<CausalCounter> COUNTER = CrdtCodec.causalCounter();
  private static final CausalCodec<ORMap<String, CausalCounter>> MAP_OF_COUNTERS =
      CrdtCodec.orMap(STRINGS, COUNTER);
  private static final CausalCodec<ORMap<String, ORSet<String>>> MAP_OF_SETS =
      CrdtCodec.orMap(STRINGS, OR_SET);
  private static final CausalCodec<ORMap<String, ORMap<String, CausalCounter>>> MAP_OF_MAPS =
      CrdtCodec.orMap(STRINGS, MAP_OF_COUNTERS);

  private static final List<CausalCodec<?>> ALL =
      List.of(
          OR_SET,
          MV_REGISTER,
          EW_FLAG,
          DW_FLAG,
          COUNTER,
          MAP_OF_COUNTERS,
          MAP_OF_SETS,
          MAP_OF_MAPS);

  // --- wire builders -----------------------------------------------------------------------------

  private static byte[] bytes(int... values) {
    byte[] out = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (byte) values[i];
    }
    return out;
  }

  private static io.converge.replication.wire.v1.Dot dot(String replica, long counter) {
    return io.converge.replication.wire.v1.Dot.newBuilder()
        .setReplica(replica)
        .setCounter(counter)
        .build();
  }

  /** The context of exactly the given dots, such as {@code "r1:1"}, compacted. */
  private static io.converge.replication.wire.v1.CausalContext context(String... dots) {
    List<Dot> list = new ArrayList<>();
    for (String d : dots) {
      String[] parts = d.split(":");
      list.add(Dot.of(ReplicaId.of(parts[0]), Long.parseLong(parts[1])));
    }
    return Clocks.toWire(CausalContext.of(VersionVector.empty(), list));
  }

  private static ORSetEntry entry(String element, io.converge.replication.wire.v1.Dot... dots) {
    return ORSetEntry.newBuilder()
        .setElement(ByteString.copyFromUtf8(element))
        .addAllDots(List.of(dots))
        .build();
  }

  private static ORSetState.Builder orSet(
      io.converge.replication.wire.v1.CausalContext context, ORSetEntry... entries) {
    return ORSetState.newBuilder().setContext(context).addAllEntries(List.of(entries));
  }

  private static DeltaInfo.Builder touched(String... keys) {
    DeltaInfo.Builder b = DeltaInfo.newBuilder();
    for (String k : keys) {
      b.addTouched(ByteString.copyFromUtf8(k));
    }
    return b;
  }

  private static ORMapEntry mapEntry(String key, MessageLite value) {
    return ORMapEntry.newBuilder()
        .setKey(ByteString.copyFromUtf8(key))
        .setValue(value.toByteString())
        .build();
  }

  private static ORMapState.Builder orMap(
      io.converge.replication.wire.v1.CausalContext context, ORMapEntry... entries) {
    return ORMapState.newBuilder().setContext(context).addAllEntries(List.of(entries));
  }

  private static CounterChange change(io.converge.replication.wire.v1.Dot dot, long amount) {
    return CounterChange.newBuilder().setDot(dot).setAmount(amount).build();
  }

  /** A bare counter store with the given changes. */
  private static CausalCounterState counterStore(CounterChange... changes) {
    return CausalCounterState.newBuilder().addAllChanges(List.of(changes)).build();
  }

  private static Sibling sibling(io.converge.replication.wire.v1.Dot dot, String value) {
    return Sibling.newBuilder()
        .setDot(dot)
        .setTimestamp(Clocks.toWire(T1))
        .setValue(ByteString.copyFromUtf8(value))
        .build();
  }

  // --- all codecs --------------------------------------------------------------------------------

  @Test
  void typeName_namesTheCrdtType() {
    assertEquals("ORSet", OR_SET.typeName());
    assertEquals("MVRegister", MV_REGISTER.typeName());
    assertEquals("EWFlag", EW_FLAG.typeName());
    assertEquals("DWFlag", DW_FLAG.typeName());
    assertEquals("CausalCounter", COUNTER.typeName());
    assertEquals("ORMap", MAP_OF_COUNTERS.typeName());
    assertEquals("ORMap", MAP_OF_MAPS.typeName());
  }

  @Test
  void decode_zeroBytes_isTheZeroValue() {
    for (CausalCodec<?> codec : ALL) {
      assertEquals(codec.zero(), codec.decode(new byte[0]), codec::toString);
    }
    assertTrue(MAP_OF_SETS.zero().getOrZero("absent").isEmpty());
  }

  @Test
  void encode_zeroValue_roundTrips() {
    assertRoundTrips(OR_SET, ORSet.empty());
    assertRoundTrips(MV_REGISTER, MVRegister.empty());
    assertRoundTrips(EW_FLAG, EWFlag.disabled());
    assertRoundTrips(DW_FLAG, DWFlag.disabled());
    assertRoundTrips(COUNTER, CausalCounter.zero());
    assertRoundTrips(MAP_OF_MAPS, MAP_OF_MAPS.zero());
    // Only the closed flag of the fresh set or map is written.
    assertTrue(OR_SET.encode(ORSet.empty()).length <= 2);
    assertEquals(0, COUNTER.encode(CausalCounter.zero()).length);
  }

  private static <T extends CausalCrdt<T>> void assertRoundTrips(CausalCodec<T> codec, T value) {
    byte[] bytes = codec.encode(value);
    T back = codec.decode(bytes);
    assertEquals(value, back);
    assertArrayEquals(bytes, codec.encode(back));
  }

  @Test
  void decode_garbageBytes_isMalformedNamingMessageAndBytes() {
    // 0xff 0xff 0xff: a tag varint that never ends.
    for (CausalCodec<?> codec : ALL) {
      assertRefused(
          MALFORMED, () -> codec.decode(bytes(0xff, 0xff, 0xff)), "does not parse", "[ff ff ff]");
      assertRefused(
          MALFORMED,
          () -> codec.decodeStore(bytes(0xff, 0xff, 0xff), CausalContext.empty()),
          "does not parse");
    }
    assertRefused(MALFORMED, () -> OR_SET.decode(bytes(0xff, 0xff, 0xff)), "ORSetState");
    assertRefused(MALFORMED, () -> MV_REGISTER.decode(bytes(0xff, 0xff)), "MVRegisterState");
    assertRefused(MALFORMED, () -> EW_FLAG.decode(bytes(0xff, 0xff)), "FlagState");
    assertRefused(MALFORMED, () -> COUNTER.decode(bytes(0xff, 0xff)), "CausalCounterState");
    assertRefused(MALFORMED, () -> MAP_OF_SETS.decode(bytes(0xff, 0xff)), "ORMapState");
  }

  @Test
  void decode_truncatedBytes_isMalformed() {
    ORSet<String> set = ORSet.<String>empty().add(r1, "apple").add(r2, "pear");
    ORMap<String, ORSet<String>> map =
        ORMap.<String, ORSet<String>>empty(ORSet.empty()).update(r1, "k", s -> s.add(r1, "x"));
    List<byte[]> encoded =
        List.of(
            OR_SET.encode(set),
            OR_SET.encode(set.remove(r3, "pear").delta().orElseThrow()),
            MAP_OF_SETS.encode(map),
            MAP_OF_SETS.encode(map.delta().orElseThrow()));
    for (byte[] whole : encoded) {
      assertRefused(
          MALFORMED,
          () ->
              (whole == encoded.get(0) || whole == encoded.get(1) ? OR_SET : MAP_OF_SETS)
                  .decode(Arrays.copyOf(whole, whole.length - 1)),
          "does not parse");
    }
    byte[] register =
        MV_REGISTER.encode(MVRegister.<String>empty().write(r1, "v", T1).write(r2, "w", T2));
    byte[] flag = DW_FLAG.encode(DWFlag.disabled().enable(r1).disable(r2).resetDelta());
    byte[] counter = COUNTER.encode(CausalCounter.zero().increment(r1, 5).resetDelta());
    for (int cut = 1; cut < 4; cut++) {
      int c = cut;
      assertRefused(
          MALFORMED, () -> MV_REGISTER.decode(Arrays.copyOf(register, register.length - c)));
      assertRefused(MALFORMED, () -> DW_FLAG.decode(Arrays.copyOf(flag, flag.length - c)));
      assertRefused(MALFORMED, () -> COUNTER.decode(Arrays.copyOf(counter, counter.length - c)));
    }
  }

  @Test
  void decode_moreBytesThanLimit_isOversizedBeforeParsing() {
    WireLimits limits = WireLimits.defaults().withMaxMessageBytes(16);
    byte[] tooLong = new byte[17];
    Arrays.fill(tooLong, (byte) 0xff); // would be MALFORMED if it were parsed
    List<CausalCodec<?>> limited =
        List.of(
            CrdtCodec.orSet(STRINGS, limits),
            CrdtCodec.mvRegister(STRINGS, limits),
            CrdtCodec.ewFlag(limits),
            CrdtCodec.dwFlag(limits),
            CrdtCodec.causalCounter(limits),
            CrdtCodec.orMap(STRINGS, COUNTER, limits));
    for (CausalCodec<?> codec : limited) {
      assertRefused(OVERSIZED, () -> codec.decode(tooLong), "is 17 bytes", "maxMessageBytes=16");
      assertRefused(OVERSIZED, () -> codec.decodeStore(tooLong, CausalContext.empty()), "17");
    }
  }

  @Test
  void encode_moreBytesThanLimit_isOversized() {
    CausalCodec<ORSet<String>> small =
        CrdtCodec.orSet(STRINGS, WireLimits.defaults().withMaxMessageBytes(16));
    ORSet<String> big = ORSet.<String>empty().add(r1, "a rather long element of this set");
    assertRefused(OVERSIZED, () -> small.encode(big), "ORSetState is", "maxMessageBytes=16");
  }

  @Test
  void decode_null_throwsNullPointerException() {
    for (CausalCodec<?> codec : ALL) {
      assertThrows(NullPointerException.class, () -> codec.decode(null));
      assertThrows(
          NullPointerException.class, () -> codec.decodeStore(null, CausalContext.empty()));
      assertThrows(NullPointerException.class, () -> codec.decodeStore(new byte[0], null));
    }
    assertThrows(NullPointerException.class, () -> OR_SET.encode(null));
    assertThrows(NullPointerException.class, () -> OR_SET.encodeStore(null));
  }

  @Test
  void factories_nullArguments_throwNullPointerException() {
    assertThrows(NullPointerException.class, () -> CrdtCodec.orSet(null));
    assertThrows(NullPointerException.class, () -> CrdtCodec.orSet(STRINGS, null));
    assertThrows(NullPointerException.class, () -> CrdtCodec.mvRegister(null));
    assertThrows(NullPointerException.class, () -> CrdtCodec.ewFlag(null));
    assertThrows(NullPointerException.class, () -> CrdtCodec.dwFlag(null));
    assertThrows(NullPointerException.class, () -> CrdtCodec.causalCounter(null));
    assertThrows(NullPointerException.class, () -> CrdtCodec.orMap(null, COUNTER));
    assertThrows(NullPointerException.class, () -> CrdtCodec.orMap(STRINGS, null));
    assertThrows(NullPointerException.class, () -> CrdtCodec.orMap(STRINGS, COUNTER, null));
  }

  @Test
  void toString_namesFactoryAndArguments() {
    assertTrue(OR_SET.toString().startsWith("CrdtCodec.orSet(ElementCodec.strings()"));
    assertTrue(
        MAP_OF_COUNTERS.toString().startsWith("CrdtCodec.orMap(ElementCodec.strings(), CrdtCodec"));
  }

  // --- ORSet -------------------------------------------------------------------------------------

  @Test
  void orSet_encode_sortsElementsByUnsignedBytesAndDotsByReplica() throws Exception {
    CausalCodec<ORSet<Long>> longs = CrdtCodec.orSet(ElementCodec.longs());
    ORSet<Long> set = ORSet.<Long>empty().add(r2, -1L).add(r1, 1L).add(r2, 0L);
    // A concurrent add of 1 on r3 gives element 1 two dots.
    set = set.merge(ORSet.<Long>empty().add(r3, 1L)).resetDelta();

    ORSetState state = ORSetState.parseFrom(longs.encode(set));

    List<Long> elements = new ArrayList<>();
    for (ORSetEntry e : state.getEntriesList()) {
      elements.add(ElementCodec.longs().decode(e.getElement().toByteArray()));
    }
    assertEquals(List.of(0L, 1L, -1L), elements); // 0xff.. sorts last, unsigned
    assertEquals(List.of(dot("r1", 1), dot("r3", 1)), state.getEntries(1).getDotsList());
    assertTrue(state.getClosed());
    assertFalse(state.hasDelta());
  }

  @Test
  void orSet_encodeDelta_writesTouchedElementsAndDependencies() throws Exception {
    ORSet<String> set = ORSet.<String>empty().add(r1, "b").add(r1, "a").resetDelta();
    ORSet<String> delta = set.clear(r2).delta().orElseThrow();

    ORSetState state = ORSetState.parseFrom(OR_SET.encode(delta));

    assertTrue(state.hasDelta());
    assertFalse(state.getClosed());
    assertEquals(0, state.getEntriesCount());
    assertEquals(
        List.of(ByteString.copyFromUtf8("a"), ByteString.copyFromUtf8("b")),
        state.getDelta().getTouchedList());
    assertEquals(context("r2:1"), state.getDelta().getEvents());
    assertEquals(context("r1:1", "r1:2"), state.getDelta().getDependencies());
    ORSet<String> back = OR_SET.decode(OR_SET.encode(delta));
    assertEquals(set.merge(delta), set.merge(back));
    assertTrue(set.merge(back).isEmpty());
  }

  @Test
  void orSet_decode_dotOutsideContext_isMalformedNamingDot() {
    byte[] bytes = orSet(context("r1:1"), entry("a", dot("r1", 2))).build().toByteArray();
    assertRefused(
        MALFORMED,
        () -> OR_SET.decode(bytes),
        "ORSetState",
        "element a",
        "r1:2",
        "not in the causal context");
  }

  @Test
  void orSet_decode_dotLiveTwice_isMalformedNamingDot() {
    byte[] bytes =
        orSet(context("r1:1"), entry("a", dot("r1", 1)), entry("b", dot("r1", 1)))
            .build()
            .toByteArray();
    assertRefused(MALFORMED, () -> OR_SET.decode(bytes), "element b", "r1:1 is live twice");
  }

  @Test
  void orSet_decode_elementWithoutDots_isMalformed() {
    byte[] bytes = orSet(context("r1:1"), entry("a")).build().toByteArray();
    assertRefused(MALFORMED, () -> OR_SET.decode(bytes), "element a has no dots");
  }

  @Test
  void orSet_decode_unsortedOrDuplicateElements_isMalformed() {
    byte[] unsorted =
        orSet(context("r1:1", "r1:2"), entry("b", dot("r1", 1)), entry("a", dot("r1", 2)))
            .build()
            .toByteArray();
    assertRefused(
        MALFORMED,
        () -> OR_SET.decode(unsorted),
        "ORSetState entries must be sorted by element bytes",
        "element 1 [61] comes after [62]");
    byte[] duplicate =
        orSet(context("r1:1", "r1:2"), entry("a", dot("r1", 1)), entry("a", dot("r1", 2)))
            .build()
            .toByteArray();
    assertRefused(
        MALFORMED,
        () -> OR_SET.decode(duplicate),
        "duplicate element",
        "element 1 [61] repeats element 0");
  }

  @Test
  void orSet_decode_unsortedOrDuplicateDots_isMalformed() {
    byte[] unsorted =
        orSet(context("r1:1", "r2:1"), entry("a", dot("r2", 1), dot("r1", 1)))
            .build()
            .toByteArray();
    assertRefused(
        MALFORMED,
        () -> OR_SET.decode(unsorted),
        "ORSetState entry 0 dots must be sorted by dot",
        "dot 1 (r1:1) comes after r2:1");
    byte[] duplicate =
        orSet(context("r1:1"), entry("a", dot("r1", 1), dot("r1", 1))).build().toByteArray();
    assertRefused(
        MALFORMED, () -> OR_SET.decode(duplicate), "duplicate dot", "dot 1 (r1:1) repeats dot 0");
  }

  @Test
  void orSet_decode_badDot_isMalformedNamingWhere() {
    byte[] zero = orSet(context("r1:1"), entry("a", dot("r1", 0))).build().toByteArray();
    assertRefused(
        MALFORMED, () -> OR_SET.decode(zero), "ORSetState entry 0 dots dot 0", "counter=0");
    byte[] badId = orSet(context("r1:1"), entry("a", dot("no spaces", 1))).build().toByteArray();
    assertRefused(MALFORMED, () -> OR_SET.decode(badId), "entry 0 dots dot 0", "no spaces");
  }

  @Test
  void orSet_decode_malformedContext_isMalformedNamingContext() {
    // r1:2 without r1:1 in the compact vector's reach is fine; r1:1 in the cloud is not compacted.
    io.converge.replication.wire.v1.CausalContext notCompact =
        io.converge.replication.wire.v1.CausalContext.newBuilder().addCloud(dot("r1", 1)).build();
    byte[] bytes = ORSetState.newBuilder().setContext(notCompact).build().toByteArray();
    assertRefused(MALFORMED, () -> OR_SET.decode(bytes), "ORSetState.context", "not compacted");
  }

  @Test
  void orSet_decode_badElementBytes_isMalformedNamingElement() {
    byte[] bytes =
        ORSetState.newBuilder()
            .setContext(context("r1:1"))
            .addEntries(
                ORSetEntry.newBuilder()
                    .setElement(ByteString.copyFrom(bytes(0xc3)))
                    .addDots(dot("r1", 1)))
            .build()
            .toByteArray();
    assertRefused(MALFORMED, () -> OR_SET.decode(bytes), "ORSetState entry 0 element", "UTF-8");
  }

  /** Decodes strings ignoring case: not injective. */
  private static final ElementCodec<String> CASELESS =
      new ElementCodec<>() {
        @Override
        public byte[] encode(String element) {
          return element.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public String decode(byte[] bytes) {
          return new String(bytes, StandardCharsets.UTF_8).toLowerCase(Locale.ROOT);
        }

        @Override
        public String toString() {
          return "CASELESS";
        }
      };

  /** Encodes every string alike: not injective. */
  private static final ElementCodec<String> CONSTANT =
      new ElementCodec<>() {
        @Override
        public byte[] encode(String element) {
          return new byte[] {1};
        }

        @Override
        public String decode(byte[] bytes) {
          return "x";
        }

        @Override
        public String toString() {
          return "CONSTANT";
        }
      };

  @Test
  void orSet_nonInjectiveElementCodec_isRefused() {
    byte[] bytes =
        orSet(context("r1:1", "r1:2"), entry("A", dot("r1", 1)), entry("a", dot("r1", 2)))
            .build()
            .toByteArray();
    assertRefused(
        MALFORMED,
        () -> CrdtCodec.orSet(CASELESS).decode(bytes),
        "entry 1 element [61] decodes to a",
        "CASELESS is not injective");
    ORSet<String> two = ORSet.<String>empty().add(r1, "a").add(r1, "b");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> CrdtCodec.orSet(CONSTANT).encode(two));
    assertTrue(e.getMessage().contains("CONSTANT is not injective"), e::getMessage);
  }

  @Test
  void orSet_decode_deltaNotListingElement_isMalformed() {
    byte[] bytes =
        orSet(context("r1:1"), entry("a", dot("r1", 1)))
            .setDelta(touched("b").setEvents(context("r1:1")))
            .build()
            .toByteArray();
    assertRefused(MALFORMED, () -> OR_SET.decode(bytes), "delta holds key a but does not list it");
  }

  @Test
  void orSet_decode_unsortedOrDuplicateTouched_isMalformed() {
    byte[] unsorted =
        orSet(context("r1:1"), entry("a", dot("r1", 1)))
            .setDelta(touched("b", "a"))
            .build()
            .toByteArray();
    assertRefused(
        MALFORMED,
        () -> OR_SET.decode(unsorted),
        "ORSetState.delta touched must be sorted",
        "key 1 [61] comes after [62]");
    byte[] duplicate =
        orSet(context("r1:1"), entry("a", dot("r1", 1)))
            .setDelta(touched("a", "a"))
            .build()
            .toByteArray();
    assertRefused(MALFORMED, () -> OR_SET.decode(duplicate), "duplicate key", "key 1 [61]");
  }

  @Test
  void orSet_decode_deltaEventsOutsideContext_isMalformed() {
    byte[] bytes =
        orSet(context("r1:1"), entry("a", dot("r1", 1)))
            .setDelta(touched("a").setEvents(context("r1:1", "r1:2")))
            .build()
            .toByteArray();
    assertRefused(
        MALFORMED,
        () -> OR_SET.decode(bytes),
        "delta events and dependencies must lie in its context");
  }

  @Test
  void orSet_decode_closedDelta_isMalformed() {
    byte[] bytes =
        orSet(context("r1:1"), entry("a", dot("r1", 1)))
            .setDelta(touched("a"))
            .setClosed(true)
            .build()
            .toByteArray();
    assertRefused(MALFORMED, () -> OR_SET.decode(bytes), "is a delta", "closed=true");
  }

  @Test
  void orSet_decode_isNotADeltaUnlessMarked() {
    ORSet<String> full =
        OR_SET.decode(orSet(context("r1:1"), entry("a", dot("r1", 1))).build().toByteArray());
    assertNull(WireParts.of(full).delta());
    assertFalse(WireParts.of(full).closed());
  }

  // --- MVRegister --------------------------------------------------------------------------------

  @Test
  void mvRegister_roundTrip_keepsSiblingsAndTimestamps() {
    MVRegister<String> a = MVRegister.<String>empty().write(r1, "x", T1);
    MVRegister<String> b = MVRegister.<String>empty().write(r2, "y", T2);
    MVRegister<String> both = a.merge(b).resetDelta();

    MVRegister<String> back = MV_REGISTER.decode(MV_REGISTER.encode(both));

    assertEquals(both, back);
    assertEquals(both.siblings(), back.siblings());
    assertEquals(List.of("x", "y"), back.values());
  }

  @Test
  void mvRegister_decode_unsortedOrDuplicateSiblings_isMalformed() {
    byte[] unsorted =
        MVRegisterState.newBuilder()
            .setContext(context("r1:1", "r2:1"))
            .addSiblings(sibling(dot("r2", 1), "y"))
            .addSiblings(sibling(dot("r1", 1), "x"))
            .build()
            .toByteArray();
    assertRefused(
        MALFORMED,
        () -> MV_REGISTER.decode(unsorted),
        "MVRegisterState siblings must be sorted by dot",
        "sibling 1 (r1:1) comes after r2:1");
    byte[] duplicate =
        MVRegisterState.newBuilder()
            .setContext(context("r1:1"))
            .addSiblings(sibling(dot("r1", 1), "x"))
            .addSiblings(sibling(dot("r1", 1), "y"))
            .build()
            .toByteArray();
    assertRefused(MALFORMED, () -> MV_REGISTER.decode(duplicate), "duplicate dot", "sibling 1");
  }

  @Test
  void mvRegister_decode_dotOutsideContext_isMalformed() {
    byte[] bytes =
        MVRegisterState.newBuilder()
            .setContext(context("r1:1"))
            .addSiblings(sibling(dot("r1", 3), "x"))
            .build()
            .toByteArray();
    assertRefused(MALFORMED, () -> MV_REGISTER.decode(bytes), "r1:3", "not in the causal context");
  }

  @Test
  void mvRegister_decode_siblingWithoutTimestampOrBadTimestamp_isMalformed() {
    byte[] noTimestamp =
        MVRegisterState.newBuilder()
            .setContext(context("r1:1"))
            .addSiblings(
                Sibling.newBuilder().setDot(dot("r1", 1)).setValue(ByteString.copyFromUtf8("x")))
            .build()
            .toByteArray();
    assertRefused(
        MALFORMED,
        () -> MV_REGISTER.decode(noTimestamp),
        "MVRegisterState sibling 0 lacks its timestamp");
    byte[] negative =
        MVRegisterState.newBuilder()
            .setContext(context("r1:1"))
            .addSiblings(
                sibling(dot("r1", 1), "x").toBuilder()
                    .setTimestamp(
                        io.converge.replication.wire.v1.HlcTimestamp.newBuilder().setPacked(-1)))
            .build()
            .toByteArray();
    assertRefused(
        MALFORMED, () -> MV_REGISTER.decode(negative), "sibling 0 timestamp", "0xffffffffffffffff");
  }

  // --- flags -------------------------------------------------------------------------------------

  @Test
  void ewFlag_decode_disables_isMalformed() {
    byte[] bytes =
        FlagState.newBuilder()
            .setContext(context("r1:1"))
            .addDisables(dot("r1", 1))
            .build()
            .toByteArray();
    assertRefused(
        MALFORMED, () -> EW_FLAG.decode(bytes), "an enable-wins flag has no disables", "r1:1");
    assertTrue(DW_FLAG.decode(bytes).context().contains(Dot.of(r1, 1)));
  }

  @Test
  void dwFlag_decode_dotBothEnableAndDisable_isMalformed() {
    byte[] bytes =
        FlagState.newBuilder()
            .setContext(context("r1:1"))
            .addEnables(dot("r1", 1))
            .addDisables(dot("r1", 1))
            .build()
            .toByteArray();
    assertRefused(MALFORMED, () -> DW_FLAG.decode(bytes), "flag disables", "r1:1 is live twice");
  }

  @Test
  void flag_decode_unsortedEnables_isMalformed() {
    byte[] bytes =
        FlagState.newBuilder()
            .setContext(context("r1:1", "r2:1"))
            .addEnables(dot("r2", 1))
            .addEnables(dot("r1", 1))
            .build()
            .toByteArray();
    assertRefused(MALFORMED, () -> EW_FLAG.decode(bytes), "FlagState enables must be sorted");
    assertRefused(MALFORMED, () -> DW_FLAG.decode(bytes), "FlagState enables must be sorted");
  }

  @Test
  void flags_roundTrip_keepStateAndValue() {
    DWFlag dw = DWFlag.disabled().enable(r1).merge(DWFlag.disabled().disable(r2)).resetDelta();
    DWFlag dwBack = DW_FLAG.decode(DW_FLAG.encode(dw));
    assertEquals(dw, dwBack);
    assertFalse(dwBack.isEnabled());
    EWFlag ew = EWFlag.disabled().enable(r1).merge(EWFlag.disabled().disable(r2)).resetDelta();
    EWFlag ewBack = EW_FLAG.decode(EW_FLAG.encode(ew));
    assertEquals(ew, ewBack);
    assertTrue(ewBack.isEnabled());
  }

  // --- CausalCounter -----------------------------------------------------------------------------

  @Test
  void causalCounter_decode_amountZero_isMalformedNamingDot() {
    byte[] bytes =
        CausalCounterState.newBuilder()
            .setContext(context("r1:1"))
            .addChanges(change(dot("r1", 1), 0))
            .build()
            .toByteArray();
    assertRefused(MALFORMED, () -> COUNTER.decode(bytes), "counter change r1:1 has amount 0");
  }

  @Test
  void causalCounter_decode_unsortedChangesOrMissingDot_isMalformed() {
    byte[] unsorted =
        CausalCounterState.newBuilder()
            .setContext(context("r1:1", "r1:2"))
            .addChanges(change(dot("r1", 2), 1))
            .addChanges(change(dot("r1", 1), 1))
            .build()
            .toByteArray();
    assertRefused(
        MALFORMED,
        () -> COUNTER.decode(unsorted),
        "CausalCounterState changes must be sorted by dot",
        "change 1 (r1:1) comes after r1:2");
    byte[] noDot =
        CausalCounterState.newBuilder()
            .setContext(context("r1:1"))
            .addChanges(CounterChange.newBuilder().setAmount(5))
            .build()
            .toByteArray();
    assertRefused(
        MALFORMED, () -> COUNTER.decode(noDot), "CausalCounterState change 0 lacks its dot");
  }

  @Test
  void causalCounter_roundTrip_keepsExtremeAmounts() {
    CausalCounter c =
        CausalCounter.zero()
            .increment(r1, Long.MAX_VALUE)
            .decrement(r2, Long.MAX_VALUE)
            .add(r3, Long.MIN_VALUE)
            .resetDelta();
    CausalCounter back = COUNTER.decode(COUNTER.encode(c));
    assertEquals(c, back);
    assertEquals(c.bigValue(), back.bigValue());
  }

  // --- ORMap -------------------------------------------------------------------------------------

  @Test
  void orMap_decode_nestedValueWithOwnContext_isMalformed() {
    ORSetState nested = orSet(context("r1:1"), entry("a", dot("r1", 1))).build();
    byte[] bytes = orMap(context("r1:1"), mapEntry("k", nested)).build().toByteArray();
    assertRefused(
        MALFORMED,
        () -> MAP_OF_SETS.decode(bytes),
        "ORMapState entry 0 value (key k)",
        "must be a bare store without a context of its own",
        "context={r1=1}");
  }

  @Test
  void orMap_decode_nestedValueWithDeltaOrClosed_isMalformed() {
    ORSetState delta =
        ORSetState.newBuilder().addEntries(entry("a", dot("r1", 1))).setDelta(touched("a")).build();
    byte[] withDelta = orMap(context("r1:1"), mapEntry("k", delta)).build().toByteArray();
    assertRefused(
        MALFORMED, () -> MAP_OF_SETS.decode(withDelta), "key k", "bare store", "delta=present");
    ORSetState closed =
        ORSetState.newBuilder().addEntries(entry("a", dot("r1", 1))).setClosed(true).build();
    byte[] withClosed = orMap(context("r1:1"), mapEntry("k", closed)).build().toByteArray();
    assertRefused(MALFORMED, () -> MAP_OF_SETS.decode(withClosed), "key k", "closed=true");
  }

  @Test
  void orMap_decode_nestedDotOutsideMapContext_isMalformed() {
    byte[] bytes =
        orMap(context("r1:1"), mapEntry("k", counterStore(change(dot("r2", 1), 3))))
            .build()
            .toByteArray();
    assertRefused(
        MALFORMED,
        () -> MAP_OF_COUNTERS.decode(bytes),
        "ORMapState entry 0 value (key k)",
        "r2:1 is not in the causal context {r1=1}");
  }

  @Test
  void orMap_decode_dotLiveUnderTwoKeys_isMalformed() {
    byte[] bytes =
        orMap(
                context("r1:1"),
                mapEntry("j", counterStore(change(dot("r1", 1), 3))),
                mapEntry("k", counterStore(change(dot("r1", 1), 4))))
            .build()
            .toByteArray();
    assertRefused(MALFORMED, () -> MAP_OF_COUNTERS.decode(bytes), "key k", "r1:1 is live twice");
  }

  @Test
  void orMap_decode_emptyValue_isMalformed() {
    byte[] bytes =
        orMap(context("r1:1"), mapEntry("k", CausalCounterState.getDefaultInstance()))
            .build()
            .toByteArray();
    assertRefused(MALFORMED, () -> MAP_OF_COUNTERS.decode(bytes), "key k has an empty value");
  }

  @Test
  void orMap_decode_unsortedKeys_isMalformed() {
    byte[] bytes =
        orMap(
                context("r1:1", "r1:2"),
                mapEntry("k", counterStore(change(dot("r1", 1), 3))),
                mapEntry("j", counterStore(change(dot("r1", 2), 4))))
            .build()
            .toByteArray();
    assertRefused(
        MALFORMED,
        () -> MAP_OF_COUNTERS.decode(bytes),
        "ORMapState entries must be sorted by key bytes",
        "key 1 [6a] comes after [6b]");
  }

  @Test
  void orMap_decode_deltaNotListingKey_isMalformed() {
    byte[] bytes =
        orMap(context("r1:1"), mapEntry("k", counterStore(change(dot("r1", 1), 3))))
            .setDelta(touched("j"))
            .build()
            .toByteArray();
    assertRefused(
        MALFORMED, () -> MAP_OF_COUNTERS.decode(bytes), "delta holds key k but does not list it");
  }

  @Test
  void orMap_decode_nestedMapError_namesThePath() {
    ORMapState inner =
        ORMapState.newBuilder()
            .addEntries(mapEntry("b", counterStore(change(dot("r1", 1), 0))))
            .build();
    byte[] bytes = orMap(context("r1:1"), mapEntry("a", inner)).build().toByteArray();
    assertRefused(
        MALFORMED,
        () -> MAP_OF_MAPS.decode(bytes),
        "ORMapState entry 0 value (key a): ORMapState entry 0 value (key b): CausalCounterState:"
            + " counter change r1:1 has amount 0");
    ORMapState innerWithContext =
        ORMapState.newBuilder()
            .setContext(context("r1:1"))
            .addEntries(mapEntry("b", counterStore(change(dot("r1", 1), 2))))
            .build();
    byte[] nestedContext =
        orMap(context("r1:1"), mapEntry("a", innerWithContext)).build().toByteArray();
    assertRefused(
        MALFORMED, () -> MAP_OF_MAPS.decode(nestedContext), "key a", "ORMapState nested in a map");
  }

  @Test
  void orMap_ofMaps_roundTripsAndMergesLikeTheOriginal() {
    ORMap<String, ORMap<String, CausalCounter>> us =
        MAP_OF_MAPS
            .zero()
            .update(r1, "cart-1", c -> c.update(r1, "apple", q -> q.increment(r1, 2)))
            .update(r1, "cart-2", c -> c.update(r1, "pear", q -> q.increment(r1, 1)))
            .resetDelta();
    ORMap<String, ORMap<String, CausalCounter>> eu =
        us.update(r2, "cart-1", c -> c.update(r2, "apple", q -> q.increment(r2, 5)));
    ORMap<String, ORMap<String, CausalCounter>> delta = eu.delta().orElseThrow();
    ORMap<String, ORMap<String, CausalCounter>> removed = us.remove(r1, "cart-1").resetDelta();

    for (ORMap<String, ORMap<String, CausalCounter>> x : List.of(us, eu.resetDelta(), delta)) {
      ORMap<String, ORMap<String, CausalCounter>> back = MAP_OF_MAPS.decode(MAP_OF_MAPS.encode(x));
      assertEquals(x, back);
      assertEquals(x.merge(removed), back.merge(removed));
      assertEquals(removed.merge(x), removed.merge(back));
    }
    ORMap<String, ORMap<String, CausalCounter>> merged =
        removed.merge(MAP_OF_MAPS.decode(MAP_OF_MAPS.encode(delta)));
    assertEquals(5, merged.get("cart-1").orElseThrow().get("apple").orElseThrow().value());
  }

  // --- bare stores -------------------------------------------------------------------------------

  @Test
  void encodeStore_valueWithContext_throwsIllegalArgumentException() {
    ORSet<String> set = ORSet.<String>empty().add(r1, "a");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> OR_SET.encodeStore(set));
    assertTrue(e.getMessage().contains("bare store"), e::getMessage);
  }

  @Test
  void decodeStore_valueWithContext_isMalformed() {
    byte[] bytes =
        CausalCounterState.newBuilder()
            .setContext(context("r1:1"))
            .addChanges(change(dot("r1", 1), 1))
            .build()
            .toByteArray();
    assertRefused(
        MALFORMED,
        () -> COUNTER.decodeStore(bytes, CausalContext.empty().add(Dot.of(r1, 1))),
        "CausalCounterState nested in a map must be a bare store",
        "{r1=1}");
  }

  @Test
  void decodeStore_checksDotsAgainstScope() {
    byte[] bytes = counterStore(change(dot("r1", 2), 1)).toByteArray();
    CausalCounter c = COUNTER.decodeStore(bytes, CausalContext.of(VersionVector.of(r1, 2)));
    assertEquals(1, c.value());
    assertEquals(CausalContext.empty(), c.context());
    assertArrayEquals(bytes, COUNTER.encodeStore(c));
    assertRefused(
        MALFORMED,
        () -> COUNTER.decodeStore(bytes, CausalContext.of(VersionVector.of(r1, 1))),
        "r1:2 is not in the causal context {r1=1}");
  }

  // --- limits ------------------------------------------------------------------------------------

  @Test
  void orSet_moreElementsOrDotsThanLimit_isOversized() {
    WireLimits two = WireLimits.defaults().withMaxElements(2);
    CausalCodec<ORSet<String>> limited = CrdtCodec.orSet(STRINGS, two);
    ORSet<String> three = ORSet.<String>empty().add(r1, "a").add(r1, "b").add(r1, "c");
    byte[] bytes = OR_SET.encode(three);

    assertRefused(OVERSIZED, () -> limited.encode(three), "ORSetState entries has 3 elements");
    assertRefused(
        OVERSIZED, () -> limited.decode(bytes), "ORSetState entries has 3", "maxElements=2");

    // Two elements, three live dots between them.
    ORSet<String> manyDots =
        ORSet.<String>empty().add(r1, "a").merge(ORSet.<String>empty().add(r2, "a")).add(r3, "b");
    assertRefused(OVERSIZED, () -> limited.encode(manyDots), "ORSetState live dots has 3");
    byte[] manyDotsBytes = OR_SET.encode(manyDots);
    assertRefused(OVERSIZED, () -> limited.decode(manyDotsBytes), "ORSetState live dots has 3");

    ORSet<String> clearDelta = three.resetDelta().clear(r2).delta().orElseThrow();
    byte[] clearBytes = OR_SET.encode(clearDelta);
    assertRefused(OVERSIZED, () -> limited.encode(clearDelta), "ORSetState.delta touched has 3");
    assertRefused(OVERSIZED, () -> limited.decode(clearBytes), "ORSetState.delta touched has 3");
  }

  @Test
  void contextWithMoreReplicasThanLimit_isOversized() {
    WireLimits one = WireLimits.defaults().withMaxReplicas(1);
    CausalCounter c = CausalCounter.zero().increment(r1, 1).increment(r2, 1).resetDelta();
    byte[] bytes = COUNTER.encode(c);
    assertRefused(
        OVERSIZED,
        () -> CrdtCodec.causalCounter(one).encode(c),
        "CausalCounterState.context compact has 2 replica entries");
    assertRefused(
        OVERSIZED,
        () -> CrdtCodec.causalCounter(one).decode(bytes),
        "CausalCounterState.context compact has 2 replica entries");
  }

  @Test
  void smallTypes_moreDotsThanLimit_isOversized() {
    WireLimits one = WireLimits.defaults().withMaxElements(1);
    MVRegister<String> register =
        MVRegister.<String>empty()
            .write(r1, "x", T1)
            .merge(MVRegister.<String>empty().write(r2, "y", T2));
    assertRefused(
        OVERSIZED,
        () -> CrdtCodec.mvRegister(STRINGS, one).decode(MV_REGISTER.encode(register)),
        "MVRegisterState siblings has 2");
    assertRefused(
        OVERSIZED,
        () -> CrdtCodec.mvRegister(STRINGS, one).encode(register),
        "MVRegisterState siblings has 2");
    EWFlag flag = EWFlag.disabled().enable(r1).merge(EWFlag.disabled().enable(r2));
    assertRefused(
        OVERSIZED,
        () -> CrdtCodec.ewFlag(one).decode(EW_FLAG.encode(flag)),
        "FlagState enables has 2");
    CausalCounter counter =
        CausalCounter.zero().increment(r1, 1).merge(CausalCounter.zero().increment(r2, 1));
    assertRefused(
        OVERSIZED,
        () -> CrdtCodec.causalCounter(one).decode(COUNTER.encode(counter)),
        "CausalCounterState changes has 2");
  }

  @Test
  void orMap_valueLargerThanValueCodecLimits_isOversizedNamingKey() {
    CausalCodec<ORMap<String, ORSet<String>>> limited =
        CrdtCodec.orMap(
            STRINGS, CrdtCodec.orSet(STRINGS, WireLimits.defaults().withMaxElements(1)));
    ORMap<String, ORSet<String>> map =
        MAP_OF_SETS.zero().update(r1, "k", s -> s.add(r1, "a").add(r1, "b"));
    byte[] bytes = MAP_OF_SETS.encode(map);
    assertRefused(
        OVERSIZED,
        () -> limited.decode(bytes),
        "ORMapState entry 0 value (key k): ORSetState entries has 2");
    assertRefused(OVERSIZED, () -> limited.encode(map), "ORSetState entries has 2");
  }
}
