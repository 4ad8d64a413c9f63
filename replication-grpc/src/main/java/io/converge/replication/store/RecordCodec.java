package io.converge.replication.store;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The stored form of a {@link StoredRecord}: a format byte ({@value #FORMAT}), then the key, the
 * type and the payload, each as a big-endian 4-byte length followed by that many bytes (UTF-8 for
 * the strings). Decoding accepts exactly that: a wrong format byte, a length that runs past the
 * end, trailing bytes, malformed UTF-8 or an empty key or type is refused.
 */
final class RecordCodec {

  static final byte FORMAT = 1;

  private RecordCodec() {}

  /**
   * Encodes a record.
   *
   * @throws IllegalArgumentException if the key or type is not well-formed UTF-16 (an unpaired
   *     surrogate), which UTF-8 cannot round-trip
   */
  static byte[] encode(StoredRecord record) {
    byte[] key = utf8(record.key(), "key");
    byte[] type = utf8(record.type(), "type");
    byte[] payload = record.payloadUnsafe();
    long size = 1L + 4 + key.length + 4 + type.length + 4 + payload.length;
    if (size > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(
          "record too large to store: " + size + " bytes, key=\"" + record.key() + "\"");
    }
    return ByteBuffer.allocate((int) size)
        .put(FORMAT)
        .putInt(key.length)
        .put(key)
        .putInt(type.length)
        .put(type)
        .putInt(payload.length)
        .put(payload)
        .array();
  }

  /**
   * Decodes a record.
   *
   * @throws IllegalArgumentException if {@code bytes} is not a record's stored form; the message
   *     says what is wrong
   */
  static StoredRecord decode(byte[] bytes) {
    ByteBuffer in = ByteBuffer.wrap(bytes);
    if (!in.hasRemaining()) {
      throw new IllegalArgumentException("empty value");
    }
    byte format = in.get();
    if (format != FORMAT) {
      throw new IllegalArgumentException(
          "unknown record format " + format + ", expected " + FORMAT);
    }
    String key = string(in, "key");
    String type = string(in, "type");
    byte[] payload = bytes(in, "payload");
    if (in.hasRemaining()) {
      throw new IllegalArgumentException(in.remaining() + " trailing bytes after the payload");
    }
    if (key.isEmpty() || type.isEmpty()) {
      throw new IllegalArgumentException("empty key or type: key=\"" + key + "\" type=\"" + type);
    }
    return new StoredRecord(key, type, payload);
  }

  static byte[] utf8(String s, String what) {
    try {
      ByteBuffer b =
          StandardCharsets.UTF_8
              .newEncoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .encode(CharBuffer.wrap(s));
      byte[] out = new byte[b.remaining()];
      b.get(out);
      return out;
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException(
          what + " is not well-formed UTF-16 (unpaired surrogate): " + what + "=\"" + s + "\"", e);
    }
  }

  static String fromUtf8(byte[] bytes, int offset, int length) throws CharacterCodingException {
    return StandardCharsets.UTF_8
        .newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT)
        .decode(ByteBuffer.wrap(bytes, offset, length))
        .toString();
  }

  private static String string(ByteBuffer in, String what) {
    byte[] b = bytes(in, what);
    try {
      return fromUtf8(b, 0, b.length);
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException(what + " is not valid UTF-8", e);
    }
  }

  private static byte[] bytes(ByteBuffer in, String what) {
    if (in.remaining() < 4) {
      throw new IllegalArgumentException(
          "truncated before the length of the " + what + " at offset " + in.position());
    }
    int length = in.getInt();
    if (length < 0 || length > in.remaining()) {
      throw new IllegalArgumentException(
          what
              + " length "
              + length
              + " at offset "
              + (in.position() - 4)
              + " exceeds the "
              + in.remaining()
              + " bytes left");
    }
    byte[] b = new byte[length];
    in.get(b);
    return b;
  }
}
