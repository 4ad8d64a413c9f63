package io.converge.replication.codec;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import java.util.Objects;

/** Parsing with limits, and how bad bytes are shown in messages. Stateless. */
final class Wire {

  /** At most this many bytes of a bad value are shown in a message. */
  static final int MAX_SHOWN_BYTES = 32;

  /** At most this many characters of a bad string are shown in a message. */
  static final int MAX_SHOWN_CHARS = 80;

  private Wire() {}

  /**
   * Parses {@code bytes} as the message {@code what} after checking their length.
   *
   * @throws WireException OVERSIZED if longer than the limit, MALFORMED if they do not parse
   */
  static <M extends MessageLite> M parse(
      byte[] bytes, Parser<M> parser, String what, WireLimits limits) {
    Objects.requireNonNull(bytes, "bytes");
    limits.checkMessageBytes(what, bytes.length);
    try {
      return parser.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new WireException(
          WireException.Reason.MALFORMED,
          what + " does not parse (" + e.getMessage() + "): bytes=" + hex(bytes),
          e);
    }
  }

  /**
   * Serializes {@code message}, refusing it if longer than the limit.
   *
   * @throws WireException OVERSIZED if longer than the limit
   */
  static byte[] serialize(MessageLite message, String what, WireLimits limits) {
    limits.checkMessageBytes(what, message.getSerializedSize());
    return message.toByteArray();
  }

  /**
   * Decodes untrusted {@code bytes} with a possibly user-supplied codec, reporting every failure,
   * whatever it throws, as MALFORMED at {@code where}.
   */
  static <E> E decodeElement(ElementCodec<E> codec, ByteString bytes, String where) {
    E element;
    try {
      element = codec.decode(bytes.toByteArray());
    } catch (WireException e) {
      throw new WireException(e.reason(), where + ": " + e.detail(), e);
    } catch (RuntimeException e) {
      throw new WireException(
          WireException.Reason.MALFORMED,
          where + " does not decode with " + codec + " (" + e + "): bytes=" + hex(bytes),
          e);
    }
    if (element == null) {
      throw new WireException(
          WireException.Reason.MALFORMED,
          where + " decodes to null with " + codec + ": bytes=" + hex(bytes));
    }
    return element;
  }

  /** Returns {@code bytes} as {@code [0a ff 03]}, the first {@value #MAX_SHOWN_BYTES} only. */
  static String hex(byte[] bytes) {
    return hex(
        ByteString.copyFrom(bytes, 0, Math.min(bytes.length, MAX_SHOWN_BYTES)), bytes.length);
  }

  /** Returns {@code bytes} as {@code [0a ff 03]}, the first {@value #MAX_SHOWN_BYTES} only. */
  static String hex(ByteString bytes) {
    return hex(bytes.substring(0, Math.min(bytes.size(), MAX_SHOWN_BYTES)), bytes.size());
  }

  private static String hex(ByteString shown, int length) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < shown.size(); i++) {
      if (i > 0) {
        sb.append(' ');
      }
      int b = shown.byteAt(i) & 0xff;
      sb.append(Character.forDigit(b >>> 4, 16)).append(Character.forDigit(b & 0xf, 16));
    }
    if (length > shown.size()) {
      sb.append(" ... (").append(length).append(" bytes)");
    }
    return sb.append(']').toString();
  }

  /** Returns {@code s} in double quotes, cut after {@value #MAX_SHOWN_CHARS} characters. */
  static String quote(String s) {
    return s.length() <= MAX_SHOWN_CHARS
        ? "\"" + s + "\""
        : "\"" + s.substring(0, MAX_SHOWN_CHARS) + "...\" (" + s.length() + " characters)";
  }
}
