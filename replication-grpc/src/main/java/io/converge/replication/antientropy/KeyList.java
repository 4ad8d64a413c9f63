package io.converge.replication.antientropy;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import io.converge.replication.codec.WireException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The key list of the anti-entropy messages: strings coded against the previous one, so that sorted
 * keys, which share long prefixes, cost little more than what tells them apart. Per string: a
 * varint of the UTF-8 bytes it shares with the previous string (the first with ""), a varint of the
 * length of the rest, and the rest's bytes.
 *
 * <p>Decoding is bounded: the number of strings is known in advance, every string must be
 * well-formed UTF-8, and all of them together at most {@value #EXPANSION} times the list's bytes
 * plus {@value #EXPANSION_ALLOWANCE}, so that a few bytes of shared prefixes cannot make a peer's
 * message decode into gigabytes. The encoder keeps to that bound whatever the keys: a string whose
 * shared prefix would take the list past it is sent whole instead.
 */
final class KeyList {

  /** How many UTF-8 bytes a key list may decode to per byte of the list, besides the allowance. */
  static final int EXPANSION = 8;

  /** How many UTF-8 bytes any key list may decode to besides {@link #EXPANSION} per byte. */
  static final int EXPANSION_ALLOWANCE = 64 * 1024;

  private KeyList() {}

  /** Codes {@code strings} in order. */
  static ByteString encode(List<String> strings) {
    ByteString.Output out = ByteString.newOutput();
    CodedOutputStream coded = CodedOutputStream.newInstance(out, 256);
    byte[] previous = new byte[0];
    long decoded = 0;
    long encoded = 0;
    try {
      for (String s : strings) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        int shared = Arrays.mismatch(previous, bytes);
        if (shared < 0) {
          shared = bytes.length; // equal strings
        }
        decoded += bytes.length;
        if (decoded > EXPANSION * (encoded + cost(shared, bytes.length)) + EXPANSION_ALLOWANCE) {
          shared = 0; // whole: the list stays within what a receiver decodes
        }
        encoded += cost(shared, bytes.length);
        coded.writeUInt32NoTag(shared);
        coded.writeUInt32NoTag(bytes.length - shared);
        coded.writeRawBytes(bytes, shared, bytes.length - shared);
        previous = bytes;
      }
      coded.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("writing to memory", e);
    }
    return out.toByteString();
  }

  private static long cost(int shared, int length) {
    return CodedOutputStream.computeUInt32SizeNoTag(shared)
        + CodedOutputStream.computeUInt32SizeNoTag(length - shared)
        + (length - shared);
  }

  /**
   * Decodes exactly {@code count} strings.
   *
   * @throws WireException MALFORMED if the bytes do not hold exactly {@code count} strings, a
   *     string shares more bytes than the previous one has, or is not well-formed UTF-8; OVERSIZED
   *     if the strings exceed the expansion bound together
   */
  static List<String> decode(ByteString bytes, int count, String where) {
    if ((long) count * 2 > bytes.size()) {
      // Every string costs at least two bytes, so this also bounds the list before allocating it.
      throw Reconciler.malformed(
          where + " holds fewer than " + count + " strings: " + bytes.size() + " bytes");
    }
    List<String> out = decode(bytes, count, count, where);
    if (out.size() < count) {
      throw Reconciler.malformed(where + " holds fewer than " + count + " strings");
    }
    return out;
  }

  /**
   * Decodes every string of the list.
   *
   * @throws WireException OVERSIZED if the list holds more than {@code max} strings or they exceed
   *     the expansion bound together; MALFORMED as {@link #decode(ByteString, int, String)}
   */
  static List<String> decodeAll(ByteString bytes, int max, String where) {
    List<String> out = decode(bytes, -1, max, where);
    return out;
  }

  /** Counts the strings of a well-formed list; stops at the first malformed one. */
  static int count(ByteString bytes) {
    CodedInputStream in = bytes.newCodedInput();
    int n = 0;
    try {
      while (!in.isAtEnd()) {
        in.readUInt32();
        in.skipRawBytes(in.readUInt32());
        n++;
      }
    } catch (IOException e) {
      return n;
    }
    return n;
  }

  // Decodes `count` strings, or (count < 0) every string, refusing more than `max`.
  private static List<String> decode(ByteString bytes, int count, int max, String where) {
    List<String> out = new ArrayList<>(Math.min(Math.max(count, 0), 1024));
    CodedInputStream in = bytes.newCodedInput();
    long limit = (long) EXPANSION * bytes.size() + EXPANSION_ALLOWANCE;
    byte[] previous = new byte[0];
    long total = 0;
    try {
      for (int i = 0; count < 0 ? !in.isAtEnd() : i < count; i++) {
        if (i >= max) {
          throw new WireException(
              WireException.Reason.OVERSIZED, where + " holds more than " + max + " strings");
        }
        int shared = in.readUInt32();
        int rest = in.readUInt32();
        if (shared < 0 || shared > previous.length) {
          throw Reconciler.malformed(
              where
                  + "["
                  + i
                  + "] shares "
                  + Integer.toUnsignedString(shared)
                  + " bytes with a previous string of "
                  + previous.length);
        }
        if (rest < 0 || rest > bytes.size()) {
          throw Reconciler.malformed(
              where + "[" + i + "] is longer than the list: " + Integer.toUnsignedString(rest));
        }
        total += (long) shared + rest;
        if (total > limit) {
          throw new WireException(
              WireException.Reason.OVERSIZED, where + " decodes to more than " + limit + " bytes");
        }
        byte[] string = Arrays.copyOf(previous, shared + rest);
        byte[] tail = in.readRawBytes(rest);
        System.arraycopy(tail, 0, string, shared, rest);
        if (!isUtf8(string)) {
          throw Reconciler.malformed(where + "[" + i + "] is not well-formed UTF-8");
        }
        out.add(new String(string, StandardCharsets.UTF_8));
        previous = string;
      }
      if (!in.isAtEnd()) {
        throw Reconciler.malformed(where + " has bytes after its " + count + " strings");
      }
    } catch (IOException e) {
      throw Reconciler.malformed(where + " ends inside a string: " + e.getMessage());
    }
    return out;
  }

  /**
   * Whether {@code b} is well-formed UTF-8 (RFC 3629): no overlong form, no surrogate, nothing
   * above U+10FFFF, no truncated sequence.
   */
  static boolean isUtf8(byte[] b) {
    int i = 0;
    while (i < b.length) {
      int c = b[i] & 0xFF;
      if (c < 0x80) {
        i++;
        continue;
      }
      int n;
      int min;
      if (c >= 0xC2 && c <= 0xDF) {
        n = 1;
        min = 0x80;
      } else if (c >= 0xE0 && c <= 0xEF) {
        n = 2;
        min = 0x800;
      } else if (c >= 0xF0 && c <= 0xF4) {
        n = 3;
        min = 0x10000;
      } else {
        return false;
      }
      if (i + n >= b.length) {
        return false;
      }
      int cp = c & (0x3F >> n);
      for (int k = 1; k <= n; k++) {
        int cont = b[i + k] & 0xFF;
        if ((cont & 0xC0) != 0x80) {
          return false;
        }
        cp = (cp << 6) | (cont & 0x3F);
      }
      if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return false;
      }
      i += n + 1;
    }
    return true;
  }
}
