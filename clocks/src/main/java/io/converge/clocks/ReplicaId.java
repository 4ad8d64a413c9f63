package io.converge.clocks;

import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The name of a replica (one region's copy of the data), such as {@code "us-east"}.
 *
 * <p>A replica id is 1 to {@value #MAX_LENGTH} characters of ASCII letters, digits, {@code '.'},
 * {@code '_'} and {@code '-'}. Ids are totally ordered by their characters (ASCII order), so every
 * replica breaks ties between replicas the same way, for example between two last-writer-wins
 * writes with the same timestamp.
 *
 * <p>This class is immutable and thread-safe. Ids are interned (up to {@value #MAX_INTERNED}
 * distinct names), so {@code of} usually returns the same instance for the same name; compare them
 * with {@code equals} all the same.
 */
public final class ReplicaId implements Comparable<ReplicaId> {

  /** The maximum length of a replica id, in characters. */
  public static final int MAX_LENGTH = 64;

  /**
   * How many distinct ids {@link #of} interns at most. Interned ids compare by identity (merges of
   * version vectors and dots, in states decoded from peers, skip comparing characters); the bound
   * keeps ids from untrusted input from growing the pool without limit. Beyond it, ids are made
   * fresh and compare by their names, as correctly and a little slower.
   */
  static final int MAX_INTERNED = 1 << 16;

  private static final ConcurrentHashMap<String, ReplicaId> INTERNED = new ConcurrentHashMap<>();

  private final String name;

  private ReplicaId(String name) {
    this.name = name;
  }

  /**
   * Returns the replica id with the given name.
   *
   * @param name 1 to {@value #MAX_LENGTH} characters of ASCII letters, digits, {@code '.'}, {@code
   *     '_'} and {@code '-'}
   * @return the replica id, never null
   * @throws NullPointerException if {@code name} is null
   * @throws IllegalArgumentException if {@code name} is empty, too long or contains another
   *     character; the message shows the name
   */
  public static ReplicaId of(String name) {
    Objects.requireNonNull(name, "name");
    ReplicaId interned = INTERNED.get(name);
    if (interned != null) {
      return interned;
    }
    if (name.isEmpty() || name.length() > MAX_LENGTH) {
      throw new IllegalArgumentException(
          "replica id must be 1 to "
              + MAX_LENGTH
              + " characters: length="
              + name.length()
              + ", name=\""
              + abbreviate(name)
              + "\"");
    }
    for (int i = 0; i < name.length(); i++) {
      char ch = name.charAt(i);
      if (!isAllowed(ch)) {
        throw new IllegalArgumentException(
            "replica id may hold only ASCII letters, digits, '.', '_' and '-': name=\""
                + name
                + "\", bad character "
                + describe(ch)
                + " at index "
                + i);
      }
    }
    ReplicaId id = new ReplicaId(name);
    if (INTERNED.size() < MAX_INTERNED) {
      ReplicaId raced = INTERNED.putIfAbsent(name, id);
      return raced != null ? raced : id;
    }
    return id;
  }

  private static boolean isAllowed(char ch) {
    return (ch >= 'a' && ch <= 'z')
        || (ch >= 'A' && ch <= 'Z')
        || (ch >= '0' && ch <= '9')
        || ch == '.'
        || ch == '_'
        || ch == '-';
  }

  private static String describe(char ch) {
    String code = String.format("U+%04X", (int) ch);
    return Character.isISOControl(ch) || Character.isWhitespace(ch)
        ? code
        : "'" + ch + "' (" + code + ")";
  }

  private static String abbreviate(String name) {
    return name.length() <= 2 * MAX_LENGTH ? name : name.substring(0, 2 * MAX_LENGTH) + "...";
  }

  /**
   * Returns the name this id was made from.
   *
   * @return the name, never null
   */
  public String name() {
    return name;
  }

  /**
   * Orders ids by their names, character by character (ASCII order; shorter prefix first).
   *
   * @param other the id to compare with
   * @return a negative number, zero or a positive number as this id sorts before, equal to or after
   *     {@code other}
   */
  @Override
  public int compareTo(ReplicaId other) {
    return this == other ? 0 : name.compareTo(other.name);
  }

  @Override
  public boolean equals(Object o) {
    return this == o || (o instanceof ReplicaId && name.equals(((ReplicaId) o).name));
  }

  @Override
  public int hashCode() {
    return name.hashCode();
  }

  /** Returns the name. */
  @Override
  public String toString() {
    return name;
  }
}
