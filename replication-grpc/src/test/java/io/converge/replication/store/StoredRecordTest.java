package io.converge.replication.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

final class StoredRecordTest {

  @Test
  void new_copiesPayload() {
    byte[] payload = {1, 2, 3};
    StoredRecord r = new StoredRecord("k", "GCounter", payload);
    payload[0] = 9;
    assertArrayEquals(new byte[] {1, 2, 3}, r.payload());
    r.payload()[1] = 9;
    assertArrayEquals(new byte[] {1, 2, 3}, r.payload());
  }

  @Test
  void equals_comparesPayloadContents() {
    StoredRecord a = new StoredRecord("k", "GCounter", new byte[] {1, 2});
    StoredRecord b = new StoredRecord("k", "GCounter", new byte[] {1, 2});
    assertEquals(a, b);
    assertEquals(a.hashCode(), b.hashCode());
    assertNotEquals(a, new StoredRecord("k", "GCounter", new byte[] {1, 3}));
    assertNotEquals(a, new StoredRecord("k2", "GCounter", new byte[] {1, 2}));
    assertNotEquals(a, new StoredRecord("k", "PNCounter", new byte[] {1, 2}));
  }

  @Test
  void toString_showsKeyTypeAndBytes() {
    assertEquals(
        "StoredRecord[key=cart-1, type=ORSet, payload=3 bytes 0a0bff]",
        new StoredRecord("cart-1", "ORSet", new byte[] {10, 11, -1}).toString());
  }

  @Test
  void new_emptyOrNull_throwsNamingTheOtherField() {
    assertThrows(NullPointerException.class, () -> new StoredRecord(null, "t", new byte[0]));
    assertThrows(NullPointerException.class, () -> new StoredRecord("k", null, new byte[0]));
    assertThrows(NullPointerException.class, () -> new StoredRecord("k", "t", null));
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> new StoredRecord("", "ORSet", new byte[0]));
    assertTrue(e.getMessage().contains("key must not be empty"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new StoredRecord("k1", "", new byte[0]));
    assertTrue(e.getMessage().contains("k1"), e.getMessage());
  }

  @Test
  void codec_roundTrips() {
    StoredRecord r = new StoredRecord("ключ-\uD83D\uDE00", "ORMap", new byte[] {0, -1, 7});
    assertEquals(r, RecordCodec.decode(RecordCodec.encode(r)));
    StoredRecord empty = new StoredRecord("k", "t", new byte[0]);
    assertEquals(empty, RecordCodec.decode(RecordCodec.encode(empty)));
  }

  @Test
  void codec_malformedInput_throws() {
    byte[] good = RecordCodec.encode(new StoredRecord("key", "type", new byte[] {1, 2, 3}));
    for (int cut = 0; cut < good.length; cut++) {
      byte[] truncated = java.util.Arrays.copyOf(good, cut);
      assertThrows(IllegalArgumentException.class, () -> RecordCodec.decode(truncated));
    }
    byte[] trailing = java.util.Arrays.copyOf(good, good.length + 1);
    var e = assertThrows(IllegalArgumentException.class, () -> RecordCodec.decode(trailing));
    assertTrue(e.getMessage().contains("trailing"), e.getMessage());
    byte[] format = good.clone();
    format[0] = 7;
    e = assertThrows(IllegalArgumentException.class, () -> RecordCodec.decode(format));
    assertTrue(e.getMessage().contains("format 7"), e.getMessage());
    byte[] badUtf8 = good.clone();
    badUtf8[5] = (byte) 0xff; // first byte of the key
    assertThrows(IllegalArgumentException.class, () -> RecordCodec.decode(badUtf8));
  }

  @Test
  void codec_unpairedSurrogate_throwsNamingKey() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> RecordCodec.encode(new StoredRecord("a\uD800b", "t", new byte[0])));
    assertTrue(e.getMessage().contains("key"), e.getMessage());
  }
}
