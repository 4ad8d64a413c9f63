package io.converge.examples.gameday;

import java.time.Instant;

/**
 * A hybrid logical clock timestamp as the API shows it, {@code <instant>#<logical>}, ordered like
 * the clock orders them.
 */
record Stamp(Instant physical, int logical) implements Comparable<Stamp> {

  static Stamp parse(String text) {
    int hash = text.lastIndexOf('#');
    if (hash < 0) {
      throw new IllegalArgumentException("not a timestamp <instant>#<logical>: " + text);
    }
    return new Stamp(
        Instant.parse(text.substring(0, hash)), Integer.parseInt(text.substring(hash + 1)));
  }

  @Override
  public int compareTo(Stamp o) {
    int c = physical.compareTo(o.physical);
    return c != 0 ? c : Integer.compare(logical, o.logical);
  }
}
