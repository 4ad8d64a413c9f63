package io.converge.clocks;

import java.util.Objects;

/**
 * One event of one replica: the replica's id and the event's sequence number, starting at 1.
 *
 * <p>Dots name the writes that observed-remove types keep (Almeida, Shoker, Baquero, "Delta State
 * Replicated Data Types", 2018): a remove removes the dots it has seen, so a concurrent add, which
 * has a dot the remover has not seen, survives.
 *
 * <p>Dots are ordered by replica, then counter. This class is immutable and thread-safe.
 *
 * @param replica the replica that made the event
 * @param counter the event's sequence number at that replica, at least 1
 */
public record Dot(ReplicaId replica, long counter) implements Comparable<Dot> {

  /**
   * Makes a dot.
   *
   * @param replica the replica that made the event
   * @param counter the event's sequence number at that replica, at least 1
   * @throws NullPointerException if {@code replica} is null
   * @throws IllegalArgumentException if {@code counter} is less than 1
   */
  public Dot {
    Objects.requireNonNull(replica, "replica");
    if (counter < 1) {
      throw new IllegalArgumentException(
          "dot counter must be >= 1: counter=" + counter + ", replica=" + replica);
    }
  }

  /**
   * Returns the dot of {@code replica} with sequence number {@code counter}.
   *
   * @param replica the replica that made the event
   * @param counter the event's sequence number, at least 1
   * @return the dot
   * @throws NullPointerException if {@code replica} is null
   * @throws IllegalArgumentException if {@code counter} is less than 1
   */
  public static Dot of(ReplicaId replica, long counter) {
    return new Dot(replica, counter);
  }

  /**
   * Orders dots by replica id, then by counter.
   *
   * @param other the dot to compare with
   * @return a negative number, zero or a positive number as this dot sorts before, equal to or
   *     after {@code other}
   */
  @Override
  public int compareTo(Dot other) {
    int byReplica = replica.compareTo(other.replica);
    return byReplica != 0 ? byReplica : Long.compare(counter, other.counter);
  }

  /** Returns {@code replica:counter}, for example {@code us-east:7}. */
  @Override
  public String toString() {
    return replica + ":" + counter;
  }
}
