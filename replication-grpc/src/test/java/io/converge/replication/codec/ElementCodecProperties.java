package io.converge.replication.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.QuickTheory.qt;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Round trips of the built-in {@link ElementCodec}s over their whole domains. */
final class ElementCodecProperties {

  @Test
  void strings_roundTrip_isIdentityAndStandardUtf8() {
    qt().forAll(WireGenerators.strings())
        .checkAssert(
            s -> {
              byte[] bytes = ElementCodec.strings().encode(s);
              assertArrayEquals(s.getBytes(StandardCharsets.UTF_8), bytes);
              assertEquals(s, ElementCodec.strings().decode(bytes));
            });
  }

  @Test
  void strings_decodeOfArbitraryBytes_eitherRoundTripsOrIsMalformed() {
    qt().forAll(WireGenerators.byteStrings())
        .checkAssert(
            b -> {
              byte[] bytes = b.toByteArray();
              try {
                String s = ElementCodec.strings().decode(bytes);
                assertArrayEquals(bytes, ElementCodec.strings().encode(s));
              } catch (WireException e) {
                assertEquals(WireException.Reason.MALFORMED, e.reason());
              }
            });
  }

  @Test
  void longs_roundTrip_isIdentity() {
    qt().forAll(WireGenerators.longs())
        .checkAssert(
            n -> {
              byte[] bytes = ElementCodec.longs().encode(n);
              assertEquals(Long.BYTES, bytes.length);
              assertEquals(n, ElementCodec.longs().decode(bytes));
            });
  }

  @Test
  void bytes_roundTrip_isIdentity() {
    qt().forAll(WireGenerators.byteStrings())
        .checkAssert(
            b -> {
              byte[] bytes = ElementCodec.bytes().encode(b);
              assertArrayEquals(b.toByteArray(), bytes);
              assertEquals(b, ElementCodec.bytes().decode(bytes));
            });
  }

  @Test
  void bytes_decode_isUnaffectedByLaterChangesToTheArray() {
    qt().forAll(WireGenerators.byteStrings().assuming(b -> !b.isEmpty()))
        .checkAssert(
            b -> {
              byte[] bytes = b.toByteArray();
              ByteString decoded = ElementCodec.bytes().decode(bytes);
              bytes[0]++;
              assertEquals(b, decoded);
            });
  }
}
