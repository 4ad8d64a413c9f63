package io.converge.clocks;

import java.time.Instant;

/**
 * A hybrid logical clock timestamp: a physical part (milliseconds since the Unix epoch) and a
 * logical counter that orders events within one millisecond (Kulkarni et al., "Logical Physical
 * Clocks and Consistent Snapshots in Globally Distributed Databases", 2014).
 *
 * <p>Timestamps are ordered by physical part, then logical counter. They pack into one {@code long}
 * (see {@link #packed()}) whose signed order is the same order:
 *
 * <pre>
 *  bit 63      always 0, so packed timestamps are non-negative
 *  bits 62..16 physical: milliseconds since 1970-01-01T00:00:00Z (47 bits, up to year 6429)
 *  bits 15..0  logical counter (16 bits, 0 to 65535)
 * </pre>
 *
 * <p>This class is immutable and thread-safe.
 *
 * @param physical milliseconds since the Unix epoch, from 0 to {@link #MAX_PHYSICAL}
 * @param logical the logical counter, from 0 to {@link #MAX_LOGICAL}
 */
public record HlcTimestamp(long physical, int logical) implements Comparable<HlcTimestamp> {

  /** Bits of the packed form that hold the logical counter. */
  public static final int LOGICAL_BITS = 16;

  /** The largest logical counter. */
  public static final int MAX_LOGICAL = (1 << LOGICAL_BITS) - 1;

  /** The largest physical part, in milliseconds since the epoch (in the year 6429). */
  public static final long MAX_PHYSICAL = (1L << (63 - LOGICAL_BITS)) - 1;

  /** The smallest timestamp: the epoch, logical 0. */
  public static final HlcTimestamp ZERO = new HlcTimestamp(0, 0);

  /**
   * Makes a timestamp.
   *
   * @param physical milliseconds since the Unix epoch, from 0 to {@link #MAX_PHYSICAL}
   * @param logical the logical counter, from 0 to {@link #MAX_LOGICAL}
   * @throws IllegalArgumentException if a part is out of range; the message names it
   */
  public HlcTimestamp {
    if (physical < 0 || physical > MAX_PHYSICAL) {
      throw new IllegalArgumentException(
          "HLC physical time must be in [0, " + MAX_PHYSICAL + "] ms: physical=" + physical);
    }
    if (logical < 0 || logical > MAX_LOGICAL) {
      throw new IllegalArgumentException(
          "HLC logical counter must be in [0, " + MAX_LOGICAL + "]: logical=" + logical);
    }
  }

  /**
   * Returns the timestamp with the given parts.
   *
   * @param physical milliseconds since the Unix epoch, from 0 to {@link #MAX_PHYSICAL}
   * @param logical the logical counter, from 0 to {@link #MAX_LOGICAL}
   * @return the timestamp
   * @throws IllegalArgumentException if a part is out of range
   */
  public static HlcTimestamp of(long physical, int logical) {
    return new HlcTimestamp(physical, logical);
  }

  /**
   * Returns the timestamp that {@link #packed()} gave.
   *
   * @param packed a packed timestamp, non-negative
   * @return the timestamp
   * @throws IllegalArgumentException if {@code packed} is negative
   */
  public static HlcTimestamp fromPacked(long packed) {
    if (packed < 0) {
      throw new IllegalArgumentException("packed HLC timestamp must be >= 0: packed=" + packed);
    }
    return new HlcTimestamp(packed >>> LOGICAL_BITS, (int) (packed & MAX_LOGICAL));
  }

  /**
   * Returns this timestamp packed into one non-negative {@code long}: physical in bits 62..16,
   * logical in bits 15..0. Comparing packed values with {@code <} orders them as {@link #compareTo}
   * does.
   *
   * @return the packed timestamp
   */
  public long packed() {
    return (physical << LOGICAL_BITS) | logical;
  }

  /**
   * Returns the physical part as an instant.
   *
   * @return the instant of the physical part
   */
  public Instant instant() {
    return Instant.ofEpochMilli(physical);
  }

  /**
   * Returns whether this timestamp is after {@code other}.
   *
   * @param other the timestamp to compare with
   * @return true if this is strictly later
   */
  public boolean isAfter(HlcTimestamp other) {
    return compareTo(other) > 0;
  }

  /**
   * Returns whether this timestamp is before {@code other}.
   *
   * @param other the timestamp to compare with
   * @return true if this is strictly earlier
   */
  public boolean isBefore(HlcTimestamp other) {
    return compareTo(other) < 0;
  }

  /**
   * Orders by physical part, then logical counter.
   *
   * @param other the timestamp to compare with
   * @return a negative number, zero or a positive number as this is earlier, equal or later
   */
  @Override
  public int compareTo(HlcTimestamp other) {
    int byPhysical = Long.compare(physical, other.physical);
    return byPhysical != 0 ? byPhysical : Integer.compare(logical, other.logical);
  }

  /**
   * Returns the instant and the logical counter, for example {@code 2026-11-23T09:00:00.123Z#2}.
   */
  @Override
  public String toString() {
    return instant() + "#" + logical;
  }
}
