package io.converge.replication.codec;

import static io.converge.replication.codec.WireAssertions.assertRefused;
import static io.converge.replication.codec.WireException.Reason.MALFORMED;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

final class ElementCodecTest {

  private static final ElementCodec<String> STRINGS = ElementCodec.strings();
  private static final ElementCodec<Long> LONGS = ElementCodec.longs();
  private static final ElementCodec<ByteString> BYTES = ElementCodec.bytes();

  private static byte[] bytes(int... values) {
    byte[] out = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (byte) values[i];
    }
    return out;
  }

  @Test
  void strings_encode_isUtf8() {
    assertArrayEquals(bytes(0x61, 0xc3, 0xa9, 0xf0, 0x9f, 0x98, 0x80), STRINGS.encode("aé😀"));
  }

  @Test
  void strings_decode_readsUtf8() {
    assertEquals("aé😀", STRINGS.decode(bytes(0x61, 0xc3, 0xa9, 0xf0, 0x9f, 0x98, 0x80)));
  }

  @Test
  void strings_emptyString_isZeroBytes() {
    assertEquals(0, STRINGS.encode("").length);
    assertEquals("", STRINGS.decode(new byte[0]));
  }

  @Test
  void strings_decodeInvalidByte_isMalformedNamingPositionAndBytes() {
    assertRefused(
        MALFORMED, () -> STRINGS.decode(bytes(0x61, 0xff, 0x62)), "at byte 1", "[61 ff 62]");
  }

  @Test
  void strings_decodeTruncatedSequence_isMalformed() {
    assertRefused(
        MALFORMED, () -> STRINGS.decode(bytes(0x61, 0xe2, 0x82)), "at byte 1", "[61 e2 82]");
  }

  @Test
  void strings_decodeOverlongForm_isMalformed() {
    assertRefused(MALFORMED, () -> STRINGS.decode(bytes(0xc0, 0xaf)), "at byte 0", "[c0 af]");
  }

  @Test
  void strings_decodeEncodedSurrogate_isMalformed() {
    assertRefused(MALFORMED, () -> STRINGS.decode(bytes(0xed, 0xa0, 0x80)), "[ed a0 80]");
  }

  @Test
  void strings_decodeLongGarbage_showsOnlyAPrefixAndTheLength() {
    byte[] garbage = new byte[100];
    java.util.Arrays.fill(garbage, (byte) 0xff);

    WireException e = assertRefused(MALFORMED, () -> STRINGS.decode(garbage), "(100 bytes)");

    assertTrue(e.getMessage().length() < 200, e::getMessage);
  }

  @Test
  void strings_encodeUnpairedHighSurrogate_throwsIllegalArgumentNamingIndex() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> STRINGS.encode("ab\uD800"));

    assertTrue(e.getMessage().contains("U+D800 at index 2"), e::getMessage);
  }

  @Test
  void strings_encodeUnpairedLowSurrogate_throwsIllegalArgument() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> STRINGS.encode("\uDC00x"));

    assertTrue(e.getMessage().contains("U+DC00 at index 0"), e::getMessage);
  }

  @Test
  void strings_encodeNull_throwsNullPointerException() {
    assertThrows(NullPointerException.class, () -> STRINGS.encode(null));
  }

  @Test
  void longs_encode_isEightBytesBigEndian() {
    assertArrayEquals(bytes(0, 0, 0, 0, 0, 0, 1, 2), LONGS.encode(0x0102L));
    assertArrayEquals(bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), LONGS.encode(-1L));
  }

  @Test
  void longs_decodeShortArray_isMalformedNamingLengthAndBytes() {
    assertRefused(MALFORMED, () -> LONGS.decode(bytes(1, 2, 3)), "length=3", "[01 02 03]");
  }

  @Test
  void longs_decodeLongArray_isMalformed() {
    assertRefused(MALFORMED, () -> LONGS.decode(new byte[9]), "length=9");
  }

  @Test
  void longs_decodeEmptyArray_isMalformed() {
    assertRefused(MALFORMED, () -> LONGS.decode(new byte[0]), "length=0", "[]");
  }

  @Test
  void bytes_roundTrip_copiesTheArray() {
    byte[] raw = bytes(1, 2, 3);

    ByteString decoded = BYTES.decode(raw);
    raw[0] = 9;

    assertEquals(ByteString.copyFrom(bytes(1, 2, 3)), decoded);
    assertNotSame(raw, BYTES.encode(decoded));
    assertArrayEquals(bytes(1, 2, 3), BYTES.encode(decoded));
  }

  @Test
  void builtIns_toString_namesTheFactory() {
    assertEquals("ElementCodec.strings()", STRINGS.toString());
    assertEquals("ElementCodec.longs()", LONGS.toString());
    assertEquals("ElementCodec.bytes()", BYTES.toString());
  }
}
