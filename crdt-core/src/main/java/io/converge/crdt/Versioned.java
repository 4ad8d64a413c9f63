package io.converge.crdt;

import io.converge.clocks.Dot;
import io.converge.clocks.HlcTimestamp;
import io.converge.clocks.ReplicaId;
import java.util.Comparator;
import java.util.Objects;

/**
 * One concurrent version of a value: the value, the hybrid logical clock timestamp of the write
 * that made it, and the write's {@link Dot} (which names the writing replica). An {@code
 * MVRegister}'s siblings are versioned values, and a {@code ConflictResolver} turns several into
 * one.
 *
 * <p>{@link #ORDER} orders versions by timestamp, then writer replica id, then dot counter: a total
 * order that every replica computes the same way.
 *
 * <p>This class is immutable and thread-safe if the value is.
 *
 * @param value the value written, never null
 * @param timestamp when it was written
 * @param dot the write event
 * @param <T> the value type
 */
public record Versioned<T>(T value, HlcTimestamp timestamp, Dot dot) {

  /** Timestamp, then writer replica id, then dot counter: the same order on every replica. */
  public static final Comparator<Versioned<?>> ORDER =
      Comparator.<Versioned<?>, HlcTimestamp>comparing(Versioned::timestamp)
          .thenComparing(Versioned::dot);

  /**
   * Makes a versioned value.
   *
   * @param value the value written, never null
   * @param timestamp when it was written
   * @param dot the write event
   * @throws NullPointerException if an argument is null
   */
  public Versioned {
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(timestamp, "timestamp");
    Objects.requireNonNull(dot, "dot");
  }

  /**
   * Returns the replica that wrote this version.
   *
   * @return the writer, {@code dot().replica()}
   */
  public ReplicaId replica() {
    return dot.replica();
  }
}
