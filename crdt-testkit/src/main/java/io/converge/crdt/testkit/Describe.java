package io.converge.crdt.testkit;

import java.util.BitSet;
import java.util.Collection;
import java.util.stream.Collectors;

/** How the testkit writes values, event sets and replicas into counterexamples. */
final class Describe {

  private Describe() {}

  /** Strings and characters quoted as in Java source, anything else by {@code toString}. */
  static String value(Object value) {
    if (value instanceof CharSequence) {
      return "\"" + value + "\"";
    }
    if (value instanceof Character) {
      return "'" + value + "'";
    }
    return String.valueOf(value);
  }

  /** Event ids as {@code {e1, e3}}. */
  static String events(BitSet ids) {
    return ids.stream().mapToObj(id -> "e" + id).collect(Collectors.joining(", ", "{", "}"));
  }

  /** Event ids as {@code {e1, e3}}. */
  static String events(Collection<Integer> ids) {
    return ids.stream().map(id -> "e" + id).collect(Collectors.joining(", ", "{", "}"));
  }
}
