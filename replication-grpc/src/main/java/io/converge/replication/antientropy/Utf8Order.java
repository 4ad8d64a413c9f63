package io.converge.replication.antientropy;

import io.converge.replication.wire.v1.KeyRange;
import java.util.Comparator;

/**
 * The order of keys on the wire: by their UTF-8 bytes, unsigned, which is the order of their code
 * points. {@link String#compareTo} compares UTF-16 code units instead, and the two disagree when a
 * supplementary character (a surrogate pair, U+10000 and up) meets a character from U+E000 to
 * U+FFFF; this comparator fixes that up without encoding the strings.
 *
 * <p>Also the rules of a {@link KeyRange}: {@code start} inclusive, {@code end} exclusive, an empty
 * {@code end} for the end of the key space.
 */
final class Utf8Order {

  /** Compares strings by their UTF-8 bytes, unsigned. */
  static final Comparator<String> COMPARATOR = Utf8Order::compare;

  private Utf8Order() {}

  /**
   * Compares two well-formed strings by their UTF-8 bytes.
   *
   * @return negative, zero or positive as {@code a} sorts before, with or after {@code b}
   */
  static int compare(String a, String b) {
    int n = Math.min(a.length(), b.length());
    for (int i = 0; i < n; i++) {
      char x = a.charAt(i);
      char y = b.charAt(i);
      if (x != y) {
        return codePointRank(x) - codePointRank(y);
      }
    }
    return a.length() - b.length();
  }

  // Moves surrogates (D800..DFFF) above E000..FFFF: a surrogate starts a code point >= U+10000.
  private static int codePointRank(char c) {
    if (c < 0xD800) {
      return c;
    }
    return c >= 0xE000 ? c - 0x800 : c + 0x2000;
  }

  /** Whether {@code s} has no unpaired surrogate, so that it has a UTF-8 encoding. */
  static boolean isWellFormed(String s) {
    for (int i = 0, n = s.length(); i < n; i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 == n || !Character.isLowSurrogate(s.charAt(i + 1))) {
          return false;
        }
        i++;
      } else if (Character.isLowSurrogate(c)) {
        return false;
      }
    }
    return true;
  }

  /** The length of the UTF-8 form of a well-formed string. */
  static int utf8Length(String s) {
    int n = s.length();
    for (int i = 0, len = s.length(); i < len; i++) {
      char c = s.charAt(i);
      if (c >= 0x800) {
        n += Character.isSurrogate(c) ? 1 : 2; // a pair: 4 bytes for 2 chars
      } else if (c >= 0x80) {
        n++;
      }
    }
    return n;
  }

  /** Whether {@code key} sorts before {@code end}, where an empty end is the end of the space. */
  static boolean before(String key, String end) {
    return end.isEmpty() || compare(key, end) < 0;
  }

  /** Whether {@code range} holds {@code key}. */
  static boolean contains(KeyRange range, String key) {
    return compare(key, range.getStart()) >= 0 && before(key, range.getEnd());
  }

  /** Whether {@code range} is not empty: its end is empty or sorts after its start. */
  static boolean isValid(KeyRange range) {
    return range.getEnd().isEmpty() || compare(range.getStart(), range.getEnd()) < 0;
  }

  /**
   * A short form of a range for messages: {@code ["a", "b")}, with {@code END} for an empty end.
   */
  static String describe(KeyRange range) {
    return "[\""
        + range.getStart()
        + "\", "
        + (range.getEnd().isEmpty() ? "END" : "\"" + range.getEnd() + "\"")
        + ")";
  }
}
