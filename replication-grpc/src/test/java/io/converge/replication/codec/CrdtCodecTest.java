package io.converge.replication.codec;

import static io.converge.replication.codec.WireAssertions.assertRefused;
import static io.converge.replication.codec.WireException.Reason.MALFORMED;
import static io.converge.replication.codec.WireException.Reason.OVERSIZED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.converge.clocks.HlcTimestamp;
import io.converge.clocks.ReplicaId;
import io.converge.crdt.GCounter;
import io.converge.crdt.GSet;
import io.converge.crdt.LWWRegister;
import io.converge.crdt.PNCounter;
import io.converge.replication.wire.v1.GCounterState;
import io.converge.replication.wire.v1.GSetState;
import io.converge.replication.wire.v1.LWWRegisterState;
import io.converge.replication.wire.v1.PNCounterState;
import io.converge.replication.wire.v1.VersionVector;
import io.converge.replication.wire.v1.VersionVector.Entry;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

final class CrdtCodecTest {

  private static final ReplicaId r1 = ReplicaId.of("r1");
  private static final ReplicaId r2 = ReplicaId.of("r2");
  private static final ReplicaId r3 = ReplicaId.of("r3");

  private static final HlcTimestamp T1 = HlcTimestamp.of(1_700_000_000_000L, 1);

  private static final CrdtCodec<GCounter> G_COUNTER = CrdtCodec.gCounter();
  private static final CrdtCodec<PNCounter> PN_COUNTER = CrdtCodec.pnCounter();
  private static final CrdtCodec<GSet<String>> STRING_SET = CrdtCodec.gSet(ElementCodec.strings());
  private static final CrdtCodec<GSet<Long>> LONG_SET = CrdtCodec.gSet(ElementCodec.longs());
  private static final CrdtCodec<LWWRegister<String>> REGISTER =
      CrdtCodec.lwwRegister(ElementCodec.strings());

  private static final List<CrdtCodec<?>> ALL =
      List.of(G_COUNTER, PN_COUNTER, STRING_SET, LONG_SET, REGISTER);

  private static byte[] bytes(int... values) {
    byte[] out = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (byte) values[i];
    }
    return out;
  }

  private static Entry entry(String replica, long counter) {
    return Entry.newBuilder().setReplica(replica).setCounter(counter).build();
  }

  private static VersionVector vector(Entry... entries) {
    return VersionVector.newBuilder().addAllEntries(List.of(entries)).build();
  }

  private static byte[] gCounter(Entry... entries) {
    return GCounterState.newBuilder().setCounts(vector(entries)).build().toByteArray();
  }

  private static byte[] gSet(ByteString... elements) {
    return GSetState.newBuilder().addAllElements(List.of(elements)).build().toByteArray();
  }

  private static ByteString utf8(String s) {
    return ByteString.copyFromUtf8(s);
  }

  private static io.converge.replication.wire.v1.HlcTimestamp packed(long packed) {
    return io.converge.replication.wire.v1.HlcTimestamp.newBuilder().setPacked(packed).build();
  }

  // --- all codecs -----------------------------------------------------------------------------

  @Test
  void typeName_namesTheCrdtType() {
    assertEquals("GCounter", G_COUNTER.typeName());
    assertEquals("PNCounter", PN_COUNTER.typeName());
    assertEquals("GSet", STRING_SET.typeName());
    assertEquals("LWWRegister", REGISTER.typeName());
  }

  @Test
  void encode_emptyStates_isZeroBytes() {
    assertEquals(0, G_COUNTER.encode(GCounter.empty()).length);
    assertEquals(0, PN_COUNTER.encode(PNCounter.empty()).length);
    assertEquals(0, STRING_SET.encode(GSet.empty()).length);
    assertEquals(0, REGISTER.encode(LWWRegister.empty()).length);
  }

  @Test
  void decode_zeroBytes_isTheEmptyState() {
    assertEquals(GCounter.empty(), G_COUNTER.decode(new byte[0]));
    assertEquals(PNCounter.empty(), PN_COUNTER.decode(new byte[0]));
    assertEquals(GSet.empty(), STRING_SET.decode(new byte[0]));
    assertEquals(LWWRegister.empty(), REGISTER.decode(new byte[0]));
  }

  @Test
  void decode_garbageBytes_isMalformedNamingMessageAndBytes() {
    // 0xff 0xff 0xff: a tag varint that never ends.
    for (CrdtCodec<?> codec : ALL) {
      assertRefused(
          MALFORMED, () -> codec.decode(bytes(0xff, 0xff, 0xff)), "does not parse", "[ff ff ff]");
    }
    assertRefused(MALFORMED, () -> G_COUNTER.decode(bytes(0xff, 0xff, 0xff)), "GCounterState");
    assertRefused(MALFORMED, () -> STRING_SET.decode(bytes(0xff, 0xff, 0xff)), "GSetState");
  }

  @Test
  void decode_zeroTag_isMalformed() {
    for (CrdtCodec<?> codec : ALL) {
      assertRefused(MALFORMED, () -> codec.decode(bytes(0x00, 0x01)), "[00 01]");
    }
  }

  @Test
  void decode_invalidWireType_isMalformed() {
    // Field 1 with wire type 7, which does not exist.
    for (CrdtCodec<?> codec : ALL) {
      assertRefused(MALFORMED, () -> codec.decode(bytes(0x0f, 0x01)), "[0f 01]");
    }
  }

  @Test
  void decode_truncatedBytes_isMalformed() {
    byte[] whole = G_COUNTER.encode(GCounter.empty().increment(r1, 5).increment(r2, 7));
    for (int cut = 1; cut < whole.length; cut++) {
      byte[] truncated = Arrays.copyOf(whole, cut);
      assertRefused(MALFORMED, () -> G_COUNTER.decode(truncated), "GCounterState");
    }
    byte[] set = STRING_SET.encode(GSet.<String>empty().add("apple").add("pear"));
    assertRefused(
        MALFORMED, () -> STRING_SET.decode(Arrays.copyOf(set, set.length - 1)), "does not parse");
    byte[] reg = REGISTER.encode(LWWRegister.of("v", T1, r1));
    assertRefused(
        MALFORMED, () -> REGISTER.decode(Arrays.copyOf(reg, reg.length - 1)), "does not parse");
  }

  @Test
  void decode_moreBytesThanLimit_isOversizedBeforeParsing() {
    WireLimits limits = WireLimits.defaults().withMaxMessageBytes(16);
    byte[] tooLong = new byte[17];
    Arrays.fill(tooLong, (byte) 0xff); // would be MALFORMED if it were parsed

    assertRefused(
        OVERSIZED,
        () -> CrdtCodec.gCounter(limits).decode(tooLong),
        "GCounterState is 17 bytes",
        "maxMessageBytes=16");
    assertRefused(OVERSIZED, () -> CrdtCodec.pnCounter(limits).decode(tooLong), "17 bytes");
    assertRefused(
        OVERSIZED, () -> CrdtCodec.gSet(ElementCodec.strings(), limits).decode(tooLong), "17");
    assertRefused(
        OVERSIZED,
        () -> CrdtCodec.lwwRegister(ElementCodec.strings(), limits).decode(tooLong),
        "17 bytes");
  }

  @Test
  void decode_null_throwsNullPointerException() {
    for (CrdtCodec<?> codec : ALL) {
      assertThrows(NullPointerException.class, () -> codec.decode(null));
    }
  }

  @Test
  void factories_nullArguments_throwNullPointerException() {
    assertThrows(NullPointerException.class, () -> CrdtCodec.gCounter(null));
    assertThrows(NullPointerException.class, () -> CrdtCodec.pnCounter(null));
    assertThrows(NullPointerException.class, () -> CrdtCodec.gSet(null));
    assertThrows(NullPointerException.class, () -> CrdtCodec.gSet(ElementCodec.strings(), null));
    assertThrows(NullPointerException.class, () -> CrdtCodec.lwwRegister(null));
  }

  // --- GCounter and PNCounter -----------------------------------------------------------------

  @Test
  void gCounter_encode_writesCountsSortedByReplica() throws Exception {
    GCounter c = GCounter.empty().increment(r3, 3).increment(r1, 1).increment(r2, 2);

    GCounterState state = GCounterState.parseFrom(G_COUNTER.encode(c));

    assertEquals(vector(entry("r1", 1), entry("r2", 2), entry("r3", 3)), state.getCounts());
  }

  @Test
  void gCounter_decode_hasNoPendingDelta() {
    GCounter c = G_COUNTER.decode(gCounter(entry("r1", 4), entry("r2", 6)));

    assertEquals(10, c.value());
    assertTrue(c.delta().isEmpty());
  }

  @Test
  void gCounter_decodeUnsortedEntries_isMalformedNamingTheReplicas() {
    assertRefused(
        MALFORMED,
        () -> G_COUNTER.decode(gCounter(entry("r2", 1), entry("r1", 1))),
        "GCounterState.counts entries must be sorted",
        "\"r1\"",
        "\"r2\"");
  }

  @Test
  void gCounter_decodeDuplicateReplica_isMalformedNamingIt() {
    assertRefused(
        MALFORMED,
        () -> G_COUNTER.decode(gCounter(entry("r1", 1), entry("r1", 2))),
        "duplicate replica",
        "\"r1\"");
  }

  @Test
  void gCounter_decodeCounterZero_isMalformedNamingTheReplica() {
    assertRefused(
        MALFORMED,
        () -> G_COUNTER.decode(gCounter(entry("r1", 0))),
        "GCounterState.counts entry 0",
        "counter=0",
        "\"r1\"");
  }

  @Test
  void gCounter_decodeBadReplicaId_isMalformedNamingIt() {
    assertRefused(MALFORMED, () -> G_COUNTER.decode(gCounter(entry("us east", 1))), "\"us east\"");
  }

  @Test
  void gCounter_decodeReplicaWithInvalidUtf8_isMalformed() {
    // GCounterState{counts: {entries: [{replica: 0xff}]}}: a proto3 string that is not UTF-8.
    assertRefused(
        MALFORMED,
        () -> G_COUNTER.decode(bytes(0x0a, 0x05, 0x0a, 0x03, 0x0a, 0x01, 0xff)),
        "does not parse",
        "UTF-8");
  }

  @Test
  void gCounter_decodeMoreReplicasThanLimit_isOversized() {
    CrdtCodec<GCounter> codec = CrdtCodec.gCounter(WireLimits.defaults().withMaxReplicas(2));

    assertRefused(
        OVERSIZED,
        () -> codec.decode(gCounter(entry("r1", 1), entry("r2", 1), entry("r3", 1))),
        "GCounterState.counts has 3 replica entries",
        "maxReplicas=2");
  }

  @Test
  void gCounter_encodeMoreReplicasThanLimit_isOversized() {
    CrdtCodec<GCounter> codec = CrdtCodec.gCounter(WireLimits.defaults().withMaxReplicas(2));
    GCounter c = GCounter.empty().increment(r1, 1).increment(r2, 1).increment(r3, 1);

    assertRefused(OVERSIZED, () -> codec.encode(c), "3 replica entries", "maxReplicas=2");
  }

  @Test
  void gCounter_encodeMoreBytesThanLimit_isOversized() {
    CrdtCodec<GCounter> codec = CrdtCodec.gCounter(WireLimits.defaults().withMaxMessageBytes(8));
    GCounter c = GCounter.empty().increment(r1, 1).increment(r2, 1);

    assertRefused(OVERSIZED, () -> codec.encode(c), "GCounterState is", "maxMessageBytes=8");
  }

  @Test
  void pnCounter_decode_replaysIncrementsAndDecrements() {
    byte[] bytes =
        PNCounterState.newBuilder()
            .setP(vector(entry("r1", 10), entry("r2", 1)))
            .setN(vector(entry("r1", 4)))
            .build()
            .toByteArray();

    PNCounter c = PN_COUNTER.decode(bytes);

    assertEquals(7, c.value());
    assertEquals(10, c.increments().get(r1));
    assertEquals(4, c.decrements().get(r1));
    assertTrue(c.delta().isEmpty());
  }

  @Test
  void pnCounter_decodeMalformedN_isMalformedNamingN() {
    byte[] bytes =
        PNCounterState.newBuilder()
            .setP(vector(entry("r1", 1)))
            .setN(vector(entry("r2", 1), entry("r1", 1)))
            .build()
            .toByteArray();

    assertRefused(MALFORMED, () -> PN_COUNTER.decode(bytes), "PNCounterState.n", "sorted");
  }

  @Test
  void pnCounter_decodeCounterZeroInP_isMalformedNamingP() {
    byte[] bytes = PNCounterState.newBuilder().setP(vector(entry("r1", 0))).build().toByteArray();

    assertRefused(MALFORMED, () -> PN_COUNTER.decode(bytes), "PNCounterState.p", "counter=0");
  }

  @Test
  void pnCounter_decodeMoreReplicasThanLimit_isOversized() {
    CrdtCodec<PNCounter> codec = CrdtCodec.pnCounter(WireLimits.defaults().withMaxReplicas(1));
    byte[] bytes =
        PNCounterState.newBuilder()
            .setN(vector(entry("r1", 1), entry("r2", 1)))
            .build()
            .toByteArray();

    assertRefused(OVERSIZED, () -> codec.decode(bytes), "PNCounterState.n", "maxReplicas=1");
  }

  // --- GSet -----------------------------------------------------------------------------------

  @Test
  void gSet_encode_sortsElementsByUnsignedBytes() throws Exception {
    GSet<Long> set = GSet.<Long>empty().add(-1L).add(1L).add(0L);

    GSetState state = GSetState.parseFrom(LONG_SET.encode(set));

    // -1 is 0xff..ff, which sorts after 0x00..01 when bytes are unsigned.
    assertEquals(
        List.of(
            ByteString.copyFrom(ElementCodec.longs().encode(0L)),
            ByteString.copyFrom(ElementCodec.longs().encode(1L)),
            ByteString.copyFrom(ElementCodec.longs().encode(-1L))),
        state.getElementsList());
  }

  @Test
  void gSet_decodeUnsortedElements_isMalformedNamingBoth() {
    assertRefused(
        MALFORMED,
        () -> STRING_SET.decode(gSet(utf8("b"), utf8("a"))),
        "sorted",
        "element 1 [61]",
        "after [62]");
  }

  @Test
  void gSet_decodeDuplicateElements_isMalformedNamingIt() {
    assertRefused(
        MALFORMED,
        () -> STRING_SET.decode(gSet(utf8("a"), utf8("b"), utf8("b"))),
        "duplicate element",
        "element 2 [62]");
  }

  @Test
  void gSet_decodeMalformedUtf8Element_isMalformedNamingElementAndBytes() {
    ByteString bad = ByteString.copyFrom(bytes(0x61, 0xc3));

    assertRefused(
        MALFORMED,
        () -> STRING_SET.decode(gSet(utf8("a"), bad)),
        "GSetState element 1",
        "malformed UTF-8",
        "[61 c3]");
  }

  @Test
  void gSet_decodeLongOfWrongLength_isMalformed() {
    assertRefused(
        MALFORMED,
        () -> LONG_SET.decode(gSet(ByteString.copyFrom(bytes(1, 2)))),
        "GSetState element 0",
        "length=2");
  }

  @Test
  void gSet_decodeMoreElementsThanLimit_isOversized() {
    CrdtCodec<GSet<String>> codec =
        CrdtCodec.gSet(ElementCodec.strings(), WireLimits.defaults().withMaxElements(2));

    assertRefused(
        OVERSIZED,
        () -> codec.decode(gSet(utf8("a"), utf8("b"), utf8("c"))),
        "GSetState has 3 elements",
        "maxElements=2");
  }

  @Test
  void gSet_encodeMoreElementsThanLimit_isOversized() {
    CrdtCodec<GSet<String>> codec =
        CrdtCodec.gSet(ElementCodec.strings(), WireLimits.defaults().withMaxElements(2));
    GSet<String> set = GSet.<String>empty().add("a").add("b").add("c");

    assertRefused(OVERSIZED, () -> codec.encode(set), "3 elements", "maxElements=2");
  }

  @Test
  void gSet_encodeUnencodableElement_throwsIllegalArgument() {
    GSet<String> set = GSet.<String>empty().add("\uD800");

    assertThrows(IllegalArgumentException.class, () -> STRING_SET.encode(set));
  }

  /** Encodes every string as its length: not injective. */
  private static final ElementCodec<String> BY_LENGTH =
      new ElementCodec<>() {
        @Override
        public byte[] encode(String element) {
          return new byte[] {(byte) element.length()};
        }

        @Override
        public String decode(byte[] bytes) {
          return "x".repeat(bytes[0]);
        }

        @Override
        public String toString() {
          return "byLength";
        }
      };

  @Test
  void gSet_encodeWithNonInjectiveCodec_throwsIllegalArgumentNamingTheCodec() {
    GSet<String> set = GSet.<String>empty().add("ab").add("cd");

    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> CrdtCodec.gSet(BY_LENGTH).encode(set));

    assertTrue(e.getMessage().contains("byLength is not injective"), e::getMessage);
    assertTrue(e.getMessage().contains("[02]"), e::getMessage);
  }

  /** Decodes "a" and "A" to the same element: two encodings of one element. */
  private static final ElementCodec<String> CASE_INSENSITIVE =
      new ElementCodec<>() {
        @Override
        public byte[] encode(String element) {
          return element.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public String decode(byte[] bytes) {
          return new String(bytes, StandardCharsets.UTF_8).toLowerCase(java.util.Locale.ROOT);
        }
      };

  @Test
  void gSet_decodeTwoEncodingsOfOneElement_isMalformed() {
    assertRefused(
        MALFORMED,
        () -> CrdtCodec.gSet(CASE_INSENSITIVE).decode(gSet(utf8("A"), utf8("a"))),
        "element 1 [61] decodes to a",
        "already");
  }

  @Test
  void gSet_decodeWhenUserCodecThrows_isMalformedWithTheCause() {
    ElementCodec<Integer> failing =
        new ElementCodec<>() {
          @Override
          public byte[] encode(Integer element) {
            return new byte[] {element.byteValue()};
          }

          @Override
          public Integer decode(byte[] bytes) {
            throw new IllegalArgumentException("no: " + bytes.length);
          }
        };

    WireException e =
        assertRefused(
            MALFORMED,
            () -> CrdtCodec.gSet(failing).decode(gSet(utf8("z"))),
            "GSetState element 0",
            "no: 1",
            "[7a]");

    assertInstanceOf(IllegalArgumentException.class, e.getCause());
  }

  @Test
  void gSet_decodeWhenUserCodecReturnsNull_isMalformed() {
    ElementCodec<String> nulls =
        new ElementCodec<>() {
          @Override
          public byte[] encode(String element) {
            return new byte[0];
          }

          @Override
          public String decode(byte[] bytes) {
            return null;
          }
        };

    assertRefused(
        MALFORMED, () -> CrdtCodec.gSet(nulls).decode(gSet(utf8("q"))), "decodes to null", "[71]");
  }

  // --- LWWRegister ----------------------------------------------------------------------------

  @Test
  void lwwRegister_roundTrip_keepsValueTimestampAndWriter() {
    LWWRegister<String> reg = LWWRegister.<String>empty().set("blue", T1, r2);

    LWWRegister<String> back = REGISTER.decode(REGISTER.encode(reg));

    assertEquals("blue", back.value().orElseThrow());
    assertEquals(T1, back.timestamp().orElseThrow());
    assertEquals(r2, back.writer().orElseThrow());
    assertTrue(back.delta().isEmpty());
  }

  @Test
  void lwwRegister_roundTrip_keepsAnEmptyStringValue() {
    LWWRegister<String> reg = LWWRegister.of("", T1, r1);

    assertEquals(reg, REGISTER.decode(REGISTER.encode(reg)));
  }

  @Test
  void lwwRegister_decodeAbsentWithAValue_isMalformedNamingIt() {
    byte[] bytes = LWWRegisterState.newBuilder().setValue(utf8("x")).build().toByteArray();

    assertRefused(MALFORMED, () -> REGISTER.decode(bytes), "present=false", "value=[78]");
  }

  @Test
  void lwwRegister_decodeAbsentWithAStamp_isMalformedNamingIt() {
    byte[] bytes =
        LWWRegisterState.newBuilder().setTimestamp(packed(5)).setWriter("r1").build().toByteArray();

    assertRefused(
        MALFORMED, () -> REGISTER.decode(bytes), "present=false", "timestamp=5", "\"r1\"");
  }

  @Test
  void lwwRegister_decodePresentWithoutTimestamp_isMalformed() {
    byte[] bytes =
        LWWRegisterState.newBuilder()
            .setPresent(true)
            .setValue(utf8("x"))
            .setWriter("r1")
            .build()
            .toByteArray();

    assertRefused(MALFORMED, () -> REGISTER.decode(bytes), "no timestamp", "[78]");
  }

  @Test
  void lwwRegister_decodeNegativeTimestamp_isMalformedNamingIt() {
    byte[] bytes =
        LWWRegisterState.newBuilder()
            .setPresent(true)
            .setValue(utf8("x"))
            .setTimestamp(packed(Long.MIN_VALUE))
            .setWriter("r1")
            .build()
            .toByteArray();

    assertRefused(
        MALFORMED,
        () -> REGISTER.decode(bytes),
        "LWWRegisterState.timestamp",
        "packed=9223372036854775808");
  }

  @Test
  void lwwRegister_decodeBadWriter_isMalformedNamingIt() {
    byte[] bytes =
        LWWRegisterState.newBuilder()
            .setPresent(true)
            .setValue(utf8("x"))
            .setTimestamp(packed(T1.packed()))
            .setWriter("r 1")
            .build()
            .toByteArray();

    assertRefused(MALFORMED, () -> REGISTER.decode(bytes), "LWWRegisterState.writer", "\"r 1\"");
  }

  @Test
  void lwwRegister_decodeMissingWriter_isMalformed() {
    byte[] bytes =
        LWWRegisterState.newBuilder()
            .setPresent(true)
            .setTimestamp(packed(T1.packed()))
            .build()
            .toByteArray();

    assertRefused(MALFORMED, () -> REGISTER.decode(bytes), "LWWRegisterState.writer", "length=0");
  }

  @Test
  void lwwRegister_decodeMalformedUtf8Value_isMalformedNamingTheBytes() {
    byte[] bytes =
        LWWRegisterState.newBuilder()
            .setPresent(true)
            .setValue(ByteString.copyFrom(bytes(0xfe)))
            .setTimestamp(packed(T1.packed()))
            .setWriter("r1")
            .build()
            .toByteArray();

    assertRefused(
        MALFORMED,
        () -> REGISTER.decode(bytes),
        "LWWRegisterState.value",
        "malformed UTF-8",
        "[fe]");
  }

  @Test
  void lwwRegister_encodeMoreBytesThanLimit_isOversized() {
    CrdtCodec<LWWRegister<String>> codec =
        CrdtCodec.lwwRegister(
            ElementCodec.strings(), WireLimits.defaults().withMaxMessageBytes(10));
    LWWRegister<String> reg = LWWRegister.of("a value longer than ten bytes", T1, r1);

    assertRefused(OVERSIZED, () -> codec.encode(reg), "LWWRegisterState is", "maxMessageBytes=10");
  }
}
