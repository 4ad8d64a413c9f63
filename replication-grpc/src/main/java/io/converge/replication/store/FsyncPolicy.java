package io.converge.replication.store;

import java.time.Duration;
import java.util.Objects;

/**
 * When a {@link DurableStore} forces appended records to stable storage (fsync), which decides what
 * an acknowledged write survives.
 *
 * <ul>
 *   <li>{@link #always()}: {@link DurableStore#awaitDurable} returns only after an fsync that
 *       covers the ticket; the batch survives a process crash and a power loss or kernel panic.
 *       Concurrent waiters share one fsync (group commit), so throughput grows with concurrency.
 *   <li>{@link #group(Duration)}: a background thread fsyncs at most {@code maxDelay} after the
 *       first append that is not yet synced; {@code awaitDurable} returns after the fsync that
 *       covers the ticket, so an acknowledged batch survives the same failures as under {@code
 *       always()}, at the price of up to {@code maxDelay} of latency and with fewer fsyncs.
 *   <li>{@link #none()}: records are handed to the operating system and never fsynced by the store;
 *       {@code awaitDurable} returns at once. A batch survives a crash or {@code kill -9} of the
 *       process, but the last seconds of writes may be lost in a power loss or kernel panic.
 * </ul>
 *
 * <p>Instances are immutable and thread-safe; equal policies are {@code equals}.
 */
public final class FsyncPolicy {

  /** The smallest delay {@link #group(Duration)} accepts. */
  public static final Duration MIN_GROUP_DELAY = Duration.ofNanos(1_000);

  /** The largest delay {@link #group(Duration)} accepts. */
  public static final Duration MAX_GROUP_DELAY = Duration.ofSeconds(10);

  /** How a policy syncs. */
  enum Kind {
    ALWAYS,
    GROUP,
    NONE
  }

  private static final FsyncPolicy ALWAYS = new FsyncPolicy(Kind.ALWAYS, Duration.ZERO);
  private static final FsyncPolicy NONE = new FsyncPolicy(Kind.NONE, Duration.ZERO);

  private final Kind kind;
  private final Duration maxDelay;

  private FsyncPolicy(Kind kind, Duration maxDelay) {
    this.kind = kind;
    this.maxDelay = maxDelay;
  }

  /**
   * Returns the policy that fsyncs every awaited append before {@link DurableStore#awaitDurable}
   * returns; concurrent waiters share fsyncs.
   *
   * @return the policy, never null
   */
  public static FsyncPolicy always() {
    return ALWAYS;
  }

  /**
   * Returns the policy whose background thread fsyncs at most {@code maxDelay} after the first
   * append that is not yet synced.
   *
   * @param maxDelay the longest an append waits for its fsync, from {@link #MIN_GROUP_DELAY} (1 µs)
   *     to {@link #MAX_GROUP_DELAY} (10 s)
   * @return the policy, never null
   * @throws NullPointerException if {@code maxDelay} is null
   * @throws IllegalArgumentException if {@code maxDelay} is out of range; the message shows it
   */
  public static FsyncPolicy group(Duration maxDelay) {
    Objects.requireNonNull(maxDelay, "maxDelay");
    if (maxDelay.compareTo(MIN_GROUP_DELAY) < 0 || maxDelay.compareTo(MAX_GROUP_DELAY) > 0) {
      throw new IllegalArgumentException(
          "maxDelay must be from "
              + MIN_GROUP_DELAY
              + " to "
              + MAX_GROUP_DELAY
              + ": maxDelay="
              + maxDelay);
    }
    return new FsyncPolicy(Kind.GROUP, maxDelay);
  }

  /**
   * Returns the policy that never fsyncs: records reach the operating system only.
   *
   * @return the policy, never null
   */
  public static FsyncPolicy none() {
    return NONE;
  }

  Kind kind() {
    return kind;
  }

  /**
   * Returns the longest an append waits for its fsync under {@link #group(Duration)}.
   *
   * @return the delay given to {@link #group(Duration)}, or {@link Duration#ZERO} for the other
   *     policies
   */
  public Duration maxDelay() {
    return maxDelay;
  }

  /**
   * Returns whether {@code o} is the same kind of policy with the same delay.
   *
   * @param o the object to compare with
   * @return true if equal
   */
  @Override
  public boolean equals(Object o) {
    return o instanceof FsyncPolicy p && kind == p.kind && maxDelay.equals(p.maxDelay);
  }

  /**
   * Returns a hash code consistent with {@link #equals(Object)}.
   *
   * @return the hash code
   */
  @Override
  public int hashCode() {
    return kind.hashCode() * 31 + maxDelay.hashCode();
  }

  /**
   * Returns {@code "always"}, {@code "none"} or {@code "group(" + maxDelay + ")"}, for example
   * {@code "group(PT0.005S)"}.
   *
   * @return the policy's description
   */
  @Override
  public String toString() {
    return switch (kind) {
      case ALWAYS -> "always";
      case NONE -> "none";
      case GROUP -> "group(" + maxDelay + ")";
    };
  }
}
