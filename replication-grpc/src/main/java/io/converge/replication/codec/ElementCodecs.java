package io.converge.replication.codec;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/** The built-in {@link ElementCodec}s. Each is a stateless singleton. */
final class ElementCodecs {

  private ElementCodecs() {}

  /** UTF-8, strict both ways. */
  static final class Utf8 implements ElementCodec<String> {

    static final Utf8 INSTANCE = new Utf8();

    private Utf8() {}

    @Override
    public byte[] encode(String element) {
      Objects.requireNonNull(element, "element");
      for (int i = 0; i < element.length(); i++) {
        char ch = element.charAt(i);
        if (Character.isHighSurrogate(ch)
            && i + 1 < element.length()
            && Character.isLowSurrogate(element.charAt(i + 1))) {
          i++;
        } else if (Character.isSurrogate(ch)) {
          throw new IllegalArgumentException(
              "string has no UTF-8 form: unpaired surrogate "
                  + String.format("U+%04X", (int) ch)
                  + " at index "
                  + i
                  + " of "
                  + Wire.quote(element));
        }
      }
      return element.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String decode(byte[] bytes) {
      Objects.requireNonNull(bytes, "bytes");
      // The JDK decoder is strict (no overlong forms, no encoded surrogates, nothing past
      // U+10FFFF) once told to report instead of replace, and it tells where the error is.
      CharsetDecoder decoder =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT);
      ByteBuffer in = ByteBuffer.wrap(bytes);
      CharBuffer out = CharBuffer.allocate(bytes.length);
      CoderResult result = decoder.decode(in, out, true);
      if (!result.isError()) {
        result = decoder.flush(out);
      }
      if (result.isError()) {
        throw new WireException(
            WireException.Reason.MALFORMED,
            "malformed UTF-8 at byte " + in.position() + ": bytes=" + Wire.hex(bytes));
      }
      return out.flip().toString();
    }

    @Override
    public String toString() {
      return "ElementCodec.strings()";
    }
  }

  /** 8 bytes, big-endian. */
  static final class BigEndianLong implements ElementCodec<Long> {

    static final BigEndianLong INSTANCE = new BigEndianLong();

    private BigEndianLong() {}

    @Override
    public byte[] encode(Long element) {
      Objects.requireNonNull(element, "element");
      return ByteBuffer.allocate(Long.BYTES).putLong(element).array();
    }

    @Override
    public Long decode(byte[] bytes) {
      Objects.requireNonNull(bytes, "bytes");
      if (bytes.length != Long.BYTES) {
        throw new WireException(
            WireException.Reason.MALFORMED,
            "a long must be "
                + Long.BYTES
                + " bytes: length="
                + bytes.length
                + ", bytes="
                + Wire.hex(bytes));
      }
      return ByteBuffer.wrap(bytes).getLong();
    }

    @Override
    public String toString() {
      return "ElementCodec.longs()";
    }
  }

  /** Byte strings as themselves. */
  static final class Bytes implements ElementCodec<ByteString> {

    static final Bytes INSTANCE = new Bytes();

    private Bytes() {}

    @Override
    public byte[] encode(ByteString element) {
      return Objects.requireNonNull(element, "element").toByteArray();
    }

    @Override
    public ByteString decode(byte[] bytes) {
      return ByteString.copyFrom(Objects.requireNonNull(bytes, "bytes"));
    }

    @Override
    public String toString() {
      return "ElementCodec.bytes()";
    }
  }
}
