package io.converge.crdt;

import io.converge.clocks.HlcTimestamp;
import io.converge.clocks.ReplicaId;
import io.converge.crdt.testkit.BuiltInGenerators;
import io.converge.crdt.testkit.ConvergenceRunner;
import io.converge.crdt.testkit.Event;
import io.converge.crdt.testkit.Operation;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiPredicate;
import java.util.function.Function;
import java.util.function.Predicate;
import org.quicktheories.core.Gen;

/**
 * What the property classes of the built-in types share: the network every run uses, and the
 * building blocks of specifications that read the payloads of {@link BuiltInGenerators} and the
 * causal history of events.
 *
 * <p>Specifications that read {@link Event#seen()} are checked with causal delivery only: then each
 * event's seen set is its causal past, closed under causality, and "some event that has seen {@code
 * w} removes it" is exactly what the dot-based types implement.
 */
final class Histories {

  /** Steps per run: enough for a dozen or two operations on three replicas, and fast. */
  static final int STEPS = 40;

  /** Message loss, for deltas and full states. */
  static final double LOSS = 0.15;

  /** Message duplication, for deltas and full states. */
  static final double DUPLICATION = 0.15;

  private Histories() {}

  /**
   * A runner builder of three replicas over a lossy, duplicating, reordering network, with causal
   * delivery of deltas.
   */
  static <T extends DeltaCrdt<T>> ConvergenceRunner.Builder<T> causalRuns(
      T initial, Gen<Operation<T>> operations) {
    return ConvergenceRunner.builder(initial, operations)
        .replicas(3)
        .steps(STEPS)
        .loss(LOSS)
        .duplication(DUPLICATION);
  }

  /** As {@link #causalRuns}, but deltas are merged in any order, whatever they depend on. */
  static <T extends DeltaCrdt<T>> ConvergenceRunner.Builder<T> anyOrderRuns(
      T initial, Gen<Operation<T>> operations) {
    return causalRuns(initial, operations).causalDelivery(false);
  }

  // --- reading payloads ----------------------------------------------------------------------

  /** Whether the event is a call of {@code name}, such as {@code add("b")}. */
  static boolean isCall(Event<?> event, String name) {
    return event.payload() instanceof Operation.Call && ((Operation.Call) event.payload()).is(name);
  }

  /**
   * Whether the event is the operation without arguments {@code payload}, such as {@code clear()}.
   */
  static boolean is(Event<?> event, String payload) {
    return payload.equals(event.payload());
  }

  /** The argument of the event's call. */
  static Object argument(Event<?> event) {
    return ((Operation.Call) event.payload()).argument();
  }

  /** The {@code Integer} amount of an increment or a decrement. */
  static long amount(Event<?> event) {
    return (Integer) argument(event);
  }

  /** The {@code String} element or key of a call. */
  static String string(Event<?> event) {
    return (String) argument(event);
  }

  /** The update of an {@code update(key, change)} call, or null if the event is not one. */
  static BuiltInGenerators.Update update(Event<?> event) {
    return isCall(event, "update") ? (BuiltInGenerators.Update) argument(event) : null;
  }

  /** The argument of a {@code set} or {@code write} call: a value at a generated timestamp. */
  static BuiltInGenerators.Stamped stamped(Event<?> event) {
    return (BuiltInGenerators.Stamped) argument(event);
  }

  /** The argument of a {@code put} call. */
  static BuiltInGenerators.Put put(Event<?> event) {
    return (BuiltInGenerators.Put) argument(event);
  }

  // --- reading the causal history ------------------------------------------------------------

  /** Whether some event of {@code history} that matches {@code by} has seen {@code event}. */
  static <T> boolean seenByAny(List<Event<T>> history, Event<T> event, Predicate<Event<T>> by) {
    for (Event<T> other : history) {
      if (other.hasSeen(event) && by.test(other)) {
        return true;
      }
    }
    return false;
  }

  /** Whether no event of {@code history} has seen {@code event}: nothing has overwritten it. */
  static <T> boolean unseen(List<Event<T>> history, Event<T> event) {
    return !seenByAny(history, event, other -> true);
  }

  // --- timestamped writes --------------------------------------------------------------------

  /**
   * A write as a register holds it: the value, the timestamp it actually used and its writer.
   * Ordered as {@link Versioned#ORDER} orders the versions of distinct writers.
   */
  record Write(String value, HlcTimestamp timestamp, ReplicaId writer) {

    static final Comparator<Write> ORDER =
        Comparator.comparing(Write::timestamp)
            .thenComparing(Write::writer)
            .thenComparing(Write::value);

    static Write of(Versioned<String> version) {
      return new Write(version.value(), version.timestamp(), version.replica());
    }
  }

  /**
   * The writes of {@code history} with the timestamps they used, as {@link BuiltInGenerators}
   * computes them: {@link BuiltInGenerators#writeTimestamp} of the generated timestamp and those of
   * the writes the replica held. A replica holds the writes it has seen on the same register that
   * no event it has seen removed; events are in an order consistent with causality, so every write
   * a replica has seen is already stamped.
   *
   * @param generated the generated timestamp of a write, null for an event that is not a write
   * @param value the value of a write
   * @param sameRegister whether two writes are to the same register (the same key of a map)
   * @param removes whether an event, once it has seen a write, removes it
   * @return the writes by event id, in history order
   */
  static <T> Map<Integer, Write> writes(
      List<Event<T>> history,
      Function<Event<T>, HlcTimestamp> generated,
      Function<Event<T>, String> value,
      BiPredicate<Event<T>, Event<T>> sameRegister,
      BiPredicate<Event<T>, Event<T>> removes) {
    Map<Integer, Write> writes = new HashMap<>();
    for (Event<T> e : history) {
      HlcTimestamp t = generated.apply(e);
      if (t == null) {
        continue;
      }
      List<HlcTimestamp> held = new ArrayList<>();
      for (Event<T> w : history) {
        if (e.hasSeen(w) && writes.containsKey(w.id()) && sameRegister.test(e, w)) {
          boolean removed = false;
          for (Event<T> x : history) {
            if (e.hasSeen(x) && x.hasSeen(w) && removes.test(x, w)) {
              removed = true;
              break;
            }
          }
          if (!removed) {
            held.add(writes.get(w.id()).timestamp());
          }
        }
      }
      writes.put(
          e.id(),
          new Write(value.apply(e), BuiltInGenerators.writeTimestamp(t, held), e.replica()));
    }
    return writes;
  }
}
