package io.converge.clocks;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A hybrid logical clock (Kulkarni, Demirbas, Madappa, Avva, Leone, "Logical Physical Clocks and
 * Consistent Snapshots in Globally Distributed Databases", 2014): timestamps that stay close to the
 * wall clock yet respect causality, so that {@code e} happened-before {@code f} implies {@code
 * hlc(e) < hlc(f)}.
 *
 * <p>{@link #now()} is the paper's rule for local and send events, {@link #update(HlcTimestamp)}
 * its rule for receive events. In the paper's notation, with {@code l} the physical part and {@code
 * c} the logical counter of the last timestamp and {@code pt} the physical clock:
 *
 * <pre>
 *  send/local:  l' = max(l, pt);          c' = l' == l ? c + 1 : 0
 *  receive m:   l' = max(l, l_m, pt);     c' = l' == l == l_m ? max(c, c_m) + 1
 *                                              : l' == l ? c + 1 : l' == l_m ? c_m + 1 : 0
 * </pre>
 *
 * <p>Guarantees:
 *
 * <ul>
 *   <li>Timestamps from one clock strictly increase, even when the physical clock stands still or
 *       jumps backwards: the clock then keeps its physical part and counts up the logical one.
 *   <li>A remote timestamp more than {@link #maxOffset()} ahead of the local physical clock is
 *       rejected with a {@link ClockOffsetException} and leaves the clock unchanged.
 *   <li>Logical overflow: the logical counter has 16 bits. If it would pass {@link
 *       HlcTimestamp#MAX_LOGICAL} (65 536 events in one millisecond with no physical progress), the
 *       clock carries into the physical part: it moves one millisecond ahead of its previous
 *       physical part with logical 0. Timestamps remain unique and increasing; the clock then leads
 *       the wall clock by that millisecond until the wall clock catches up. Carries are counted by
 *       {@link #logicalOverflows()}. The counter never wraps.
 * </ul>
 *
 * <p>Design note: the last timestamp lives in one {@link AtomicLong} in its {@linkplain
 * HlcTimestamp#packed() packed} form, whose numeric order is the timestamp order, and every event
 * is one compare-and-set loop, so the clock is lock-free. In packed form both rules reduce to
 * {@code next = pt > max(l, l_m) ? pack(pt, 0) : max(last, m) + 1}, and a logical counter at its
 * maximum carries into the physical bits by plain addition.
 *
 * <p>This class is thread-safe.
 */
public final class HybridLogicalClock {

  /** The default maximum offset: 500 ms, as CockroachDB uses. */
  public static final Duration DEFAULT_MAX_OFFSET = Duration.ofMillis(500);

  private final PhysicalClock physicalClock;
  private final long maxOffsetMillis;
  private final AtomicLong last;
  private final LongAdder overflows = new LongAdder();

  private HybridLogicalClock(Builder builder) {
    this.physicalClock = builder.physicalClock;
    this.maxOffsetMillis = builder.maxOffsetMillis;
    this.last = new AtomicLong(builder.startAfter.packed());
  }

  /**
   * Returns a clock on the system wall clock with the default maximum offset.
   *
   * @return a new clock
   */
  public static HybridLogicalClock system() {
    return builder().build();
  }

  /**
   * Returns a builder for a clock.
   *
   * @return a new builder with the system physical clock and {@link #DEFAULT_MAX_OFFSET}
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns the timestamp of a new local or send event: later than every timestamp this clock has
   * issued or received, and at least the physical clock.
   *
   * @return the new timestamp
   * @throws IllegalStateException if the physical clock returns a time out of range
   * @throws ArithmeticException if the physical part would pass {@link HlcTimestamp#MAX_PHYSICAL}
   */
  public HlcTimestamp now() {
    for (; ; ) {
      long prev = last.get();
      long pt = readPhysical();
      boolean advance = pt > physicalOf(prev);
      long next = advance ? pack(pt) : successor(prev);
      if (last.compareAndSet(prev, next)) {
        return issued(advance ? -1 : prev, next);
      }
    }
  }

  /**
   * Records the receipt of a message stamped {@code remote} and returns the timestamp of the
   * receive event: later than {@code remote} and than every timestamp this clock has issued.
   *
   * @param remote the timestamp the sender attached
   * @return the new timestamp
   * @throws NullPointerException if {@code remote} is null
   * @throws ClockOffsetException if {@code remote} is more than {@link #maxOffset()} ahead of the
   *     local physical clock; the clock is then unchanged
   * @throws IllegalStateException if the physical clock returns a time out of range
   * @throws ArithmeticException if the physical part would pass {@link HlcTimestamp#MAX_PHYSICAL}
   */
  public HlcTimestamp update(HlcTimestamp remote) {
    long m = Objects.requireNonNull(remote, "remote").packed();
    long ml = remote.physical();
    for (; ; ) {
      long prev = last.get();
      long pt = readPhysical();
      if (ml - pt > maxOffsetMillis) {
        throw new ClockOffsetException(remote, pt, maxOffsetMillis);
      }
      boolean advance = pt > Math.max(physicalOf(prev), ml);
      long base = Math.max(prev, m);
      long next = advance ? pack(pt) : successor(base);
      if (last.compareAndSet(prev, next)) {
        return issued(advance ? -1 : base, next);
      }
    }
  }

  /**
   * Returns the latest physical time (milliseconds since the epoch) a remote timestamp may carry
   * now: the local physical clock plus {@link #maxOffset()}. A timestamp found inside a received
   * value (not the message's own) is checked against it without making a receive event, so that one
   * far-future value cannot win every later last-writer-wins comparison.
   *
   * @return the local physical time plus the maximum offset, in milliseconds
   * @throws IllegalStateException if the physical clock returns a time out of range
   */
  public long acceptableUntil() {
    return readPhysical() + maxOffsetMillis;
  }

  /**
   * Returns the last timestamp this clock issued (or started after), without making an event.
   *
   * @return the latest timestamp
   */
  public HlcTimestamp current() {
    return HlcTimestamp.fromPacked(last.get());
  }

  /**
   * Returns the largest accepted lead of a remote timestamp over the local physical clock.
   *
   * @return the maximum offset
   */
  public Duration maxOffset() {
    return Duration.ofMillis(maxOffsetMillis);
  }

  /**
   * Returns how many times the logical counter overflowed and carried into the physical part.
   *
   * @return the number of carries since the clock was built
   */
  public long logicalOverflows() {
    return overflows.sum();
  }

  private long readPhysical() {
    long pt = physicalClock.currentTimeMillis();
    if (pt < 0 || pt > HlcTimestamp.MAX_PHYSICAL) {
      throw new IllegalStateException(
          "physical clock returned a time out of range [0, "
              + HlcTimestamp.MAX_PHYSICAL
              + "] ms: "
              + pt);
    }
    return pt;
  }

  private static long successor(long packed) {
    if (packed == HlcTimestamp.of(HlcTimestamp.MAX_PHYSICAL, HlcTimestamp.MAX_LOGICAL).packed()) {
      throw new ArithmeticException(
          "HLC exhausted: no timestamp after " + HlcTimestamp.fromPacked(packed));
    }
    return packed + 1;
  }

  /**
   * Counts a carry once its compare-and-set has won (a lost race retries and must not count twice),
   * and returns the issued timestamp. {@code base} is the timestamp incremented, or -1.
   */
  private HlcTimestamp issued(long base, long next) {
    if (base >= 0 && (base & HlcTimestamp.MAX_LOGICAL) == HlcTimestamp.MAX_LOGICAL) {
      overflows.increment();
    }
    return HlcTimestamp.fromPacked(next);
  }

  private static long physicalOf(long packed) {
    return packed >>> HlcTimestamp.LOGICAL_BITS;
  }

  private static long pack(long physical) {
    return physical << HlcTimestamp.LOGICAL_BITS;
  }

  @Override
  public String toString() {
    return "HybridLogicalClock{current=" + current() + ", maxOffset=" + maxOffset() + "}";
  }

  /** Configures a {@link HybridLogicalClock}. Not thread-safe; build on one thread. */
  public static final class Builder {

    private PhysicalClock physicalClock = PhysicalClock.system();
    private long maxOffsetMillis = DEFAULT_MAX_OFFSET.toMillis();
    private HlcTimestamp startAfter = HlcTimestamp.ZERO;

    private Builder() {}

    /**
     * Sets the physical clock to read.
     *
     * @param physicalClock the wall clock; {@link PhysicalClock#system()} by default
     * @return this builder
     * @throws NullPointerException if {@code physicalClock} is null
     */
    public Builder physicalClock(PhysicalClock physicalClock) {
      this.physicalClock = Objects.requireNonNull(physicalClock, "physicalClock");
      return this;
    }

    /**
     * Sets the largest lead of a remote timestamp over the local physical clock that {@link
     * #update} accepts.
     *
     * @param maxOffset at least 1 ms; {@link #DEFAULT_MAX_OFFSET} by default
     * @return this builder
     * @throws NullPointerException if {@code maxOffset} is null
     * @throws IllegalArgumentException if {@code maxOffset} is below 1 ms or above {@link
     *     HlcTimestamp#MAX_PHYSICAL} ms
     */
    public Builder maxOffset(Duration maxOffset) {
      Objects.requireNonNull(maxOffset, "maxOffset");
      if (maxOffset.compareTo(Duration.ofMillis(1)) < 0
          || maxOffset.compareTo(Duration.ofMillis(HlcTimestamp.MAX_PHYSICAL)) > 0) {
        throw new IllegalArgumentException(
            "maxOffset must be in [1 ms, " + HlcTimestamp.MAX_PHYSICAL + " ms]: " + maxOffset);
      }
      this.maxOffsetMillis = maxOffset.toMillis();
      return this;
    }

    /**
     * Makes the clock issue only timestamps after {@code lowerBound}, for example the persisted
     * upper bound of what a replica issued before it restarted, so that a restart on a machine
     * whose wall clock is behind never goes back in time.
     *
     * @param lowerBound every timestamp the clock issues is after it; {@link HlcTimestamp#ZERO} by
     *     default
     * @return this builder
     * @throws NullPointerException if {@code lowerBound} is null
     */
    public Builder startAfter(HlcTimestamp lowerBound) {
      this.startAfter = Objects.requireNonNull(lowerBound, "lowerBound");
      return this;
    }

    /**
     * Builds the clock.
     *
     * @return a new clock
     */
    public HybridLogicalClock build() {
      return new HybridLogicalClock(this);
    }
  }
}
