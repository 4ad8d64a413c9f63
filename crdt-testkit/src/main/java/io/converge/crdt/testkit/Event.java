package io.converge.crdt.testkit;

import io.converge.clocks.ReplicaId;
import java.util.Collections;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * One operation as a {@link ConvergenceRunner} applied it: on which replica, and which earlier
 * events that replica had seen at the time. A {@link Specification} reads the history of events to
 * compute the value replicas must converge to.
 *
 * <p>Events are numbered from 1 in the order the run applied them, an order consistent with
 * causality. {@link #seen()} holds the ids of the earlier events whose effects the replica had
 * merged when it applied this one: the events it applied itself, the events whose delta it merged
 * and the events known to any replica whose full state it merged. Under the runner's default causal
 * delivery that is exactly the event's causal past (the events that happened before it).
 *
 * <p>Two events are concurrent when neither saw the other. That is what separates, say, an add-wins
 * set (an add survives every remove that did not see it) from a remove-wins one.
 *
 * <p>This class is immutable and thread-safe if the operation is.
 *
 * @param id the event's number, from 1, in the order the run applied events
 * @param replica the replica that applied the operation
 * @param operation the operation
 * @param seen the ids of the earlier events whose effects the replica had merged when it applied
 *     this one, in ascending order
 * @param <T> the type of the replicated value
 */
public record Event<T>(int id, ReplicaId replica, Operation<T> operation, Set<Integer> seen) {

  /**
   * Makes an event.
   *
   * @param id the event's number, at least 1
   * @param replica the replica that applied the operation
   * @param operation the operation
   * @param seen the ids of earlier events the replica had seen; copied, each from 1 to {@code id -
   *     1}
   * @throws NullPointerException if an argument or an element of {@code seen} is null
   * @throws IllegalArgumentException if {@code id} is less than 1 or {@code seen} holds an id that
   *     is not earlier than {@code id}
   */
  public Event {
    Objects.requireNonNull(replica, "replica");
    Objects.requireNonNull(operation, "operation");
    if (id < 1) {
      throw new IllegalArgumentException("event id must be >= 1: id=" + id);
    }
    TreeSet<Integer> sorted = new TreeSet<>(Objects.requireNonNull(seen, "seen"));
    if (!sorted.isEmpty() && (sorted.first() < 1 || sorted.last() >= id)) {
      throw new IllegalArgumentException(
          "an event can only have seen earlier events: id=" + id + ", seen=" + sorted);
    }
    seen = Collections.unmodifiableSet(sorted);
  }

  /**
   * Returns the operation's payload, what a specification interprets.
   *
   * @return {@code operation().payload()}
   */
  public Object payload() {
    return operation.payload();
  }

  /**
   * Tells whether this event's replica had seen {@code earlier} when it applied this event.
   *
   * @param earlier another event of the same history
   * @return whether {@link #seen()} holds {@code earlier.id()}
   * @throws NullPointerException if {@code earlier} is null
   */
  public boolean hasSeen(Event<?> earlier) {
    return seen.contains(earlier.id());
  }

  /**
   * Tells whether neither event had seen the other.
   *
   * @param other another event of the same history
   * @return whether the events are different and neither has seen the other
   * @throws NullPointerException if {@code other} is null
   */
  public boolean isConcurrentWith(Event<?> other) {
    return id != other.id() && !hasSeen(other) && !other.hasSeen(this);
  }

  /** Returns the event as counterexamples show it, for example {@code e3 add("b")@r2 saw {e1}}. */
  @Override
  public String toString() {
    return "e" + id + " " + operation + "@" + replica + " saw " + Describe.events(seen);
  }
}
