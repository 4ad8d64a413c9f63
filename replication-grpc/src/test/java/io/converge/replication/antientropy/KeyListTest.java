package io.converge.replication.antientropy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.lists;

import com.google.protobuf.ByteString;
import io.converge.replication.codec.WireException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.quicktheories.generators.SourceDSL;

final class KeyListTest {

  @Test
  void decode_ofEncode_isTheSameStrings() {
    qt().forAll(lists().of(AntiEntropyGenerators.keys(6)).ofSizeBetween(0, 40))
        .checkAssert(
            strings -> {
              ByteString bytes = KeyList.encode(strings);

              assertEquals(strings, KeyList.decode(bytes, strings.size(), "list"));
              assertEquals(strings, KeyList.decodeAll(bytes, strings.size(), "list"));
              assertEquals(strings.size(), KeyList.count(bytes));
            });
  }

  @Test
  void decode_anyBytes_stringsOrATypedRefusal() {
    qt().forAll(
            lists().of(SourceDSL.integers().between(0, 255)).ofSizeBetween(0, 40),
            SourceDSL.integers().between(0, 20))
        .checkAssert(
            (values, count) -> {
              byte[] raw = new byte[values.size()];
              for (int i = 0; i < raw.length; i++) {
                raw[i] = (byte) (int) values.get(i);
              }
              try {
                List<String> strings = KeyList.decode(ByteString.copyFrom(raw), count, "list");
                assertEquals(count, strings.size());
                assertEquals(
                    strings, KeyList.decode(KeyList.encode(strings), count, "again"), "re-encoded");
              } catch (WireException e) {
                assertTrue(
                    e.reason() == WireException.Reason.MALFORMED
                        || e.reason() == WireException.Reason.OVERSIZED,
                    e.getMessage());
              }
            });
  }

  @Test
  void encode_sortedKeys_sendsOnlyWhatTellsThemApart() {
    List<String> keys = List.of("user:session:1000", "user:session:1001", "user:session:1002");

    ByteString bytes = KeyList.encode(keys);

    // 2 + 17 for the first; then 16 shared bytes and 1 new byte: 3 bytes each.
    assertEquals(19 + 3 + 3, bytes.size());
  }

  @Test
  void encode_longSharedPrefixes_staysWithinWhatAReceiverDecodes() {
    // Keys of 100 KiB that differ in their last byte: a receiver refuses to decode more than
    // EXPANSION bytes per byte of the list (plus an allowance), so the encoder sends some whole.
    String prefix = "p".repeat(100 * 1024);
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      keys.add(prefix + (char) ('A' + i));
    }

    ByteString bytes = KeyList.encode(keys);

    assertEquals(keys, KeyList.decode(bytes, keys.size(), "list"));
    assertTrue(bytes.size() < 40 * prefix.length() / 2, "still mostly shared: " + bytes.size());
  }

  @Test
  void decode_prefixBomb_isOversized() {
    ByteString.Output out = ByteString.newOutput();
    out.write(0);
    out.write(100);
    out.write(new byte[100], 0, 100);
    for (int i = 1; i < 20_000; i++) {
      out.write(100); // shares all 100 bytes
      out.write(0);
    }

    WireException e =
        assertThrows(WireException.class, () -> KeyList.decode(out.toByteString(), 20_000, "bomb"));

    assertEquals(WireException.Reason.OVERSIZED, e.reason());
  }

  @Test
  void isUtf8_refusesOverlongSurrogatesAndTruncation() {
    assertTrue(KeyList.isUtf8("aé\uE000\uD83D\uDE00".getBytes(StandardCharsets.UTF_8)));
    assertFalse(KeyList.isUtf8(new byte[] {(byte) 0xC0, (byte) 0x80})); // overlong NUL
    assertFalse(KeyList.isUtf8(new byte[] {(byte) 0xE0, (byte) 0x80, (byte) 0x80})); // overlong
    assertFalse(KeyList.isUtf8(new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80})); // surrogate
    assertFalse(KeyList.isUtf8(new byte[] {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}));
    assertFalse(KeyList.isUtf8(new byte[] {(byte) 0xE2, (byte) 0x82})); // truncated
    assertFalse(KeyList.isUtf8(new byte[] {(byte) 0x80})); // lone continuation
  }
}
