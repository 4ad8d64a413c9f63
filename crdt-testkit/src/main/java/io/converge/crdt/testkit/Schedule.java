package io.converge.crdt.testkit;

import java.util.ArrayList;
import java.util.List;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/**
 * A generated run of a {@link ConvergenceRunner}: a list of steps. Every choice a step makes is
 * drawn from QuickTheories, so a failing schedule shrinks: steps drop off the end or turn into
 * skips, operations into deliveries, replicas shrink towards {@code r1}, message fates towards
 * "delivered once" and delivery choices towards the oldest message in flight.
 */
final class Schedule<T> {

  /** What happens to one message: delivered once, delivered twice, or lost. */
  enum Fate {
    ONCE,
    TWICE,
    LOST
  }

  /** One step of a run. */
  sealed interface Step<T> permits Skip, Apply, Deliver, Send {}

  /** Nothing happens; what a shrunk step becomes when it does not matter. */
  record Skip<T>() implements Step<T> {}

  /**
   * Replica {@code replica} applies {@code operation}; its delta goes to every other replica in
   * index order, with the fates in {@code fates}.
   */
  record Apply<T>(int replica, Operation<T> operation, List<Fate> fates) implements Step<T> {}

  /** The message in flight at {@code index} modulo how many are in flight is delivered. */
  record Deliver<T>(int index) implements Step<T> {}

  /** Replica {@code from} sends its full state to replica {@code to}, with {@code fate}. */
  record Send<T>(int from, int to, Fate fate) implements Step<T> {}

  /** The bound of a delivery choice; taken modulo the number of messages in flight. */
  private static final int MAX_DELIVERY_INDEX = 63;

  /** Fates are drawn from 0 to this, so loss and duplication have three-digit resolution. */
  private static final int FATE_RESOLUTION = 1000;

  private final List<Step<T>> steps;

  private Schedule(List<Step<T>> steps) {
    this.steps = List.copyOf(steps);
  }

  List<Step<T>> steps() {
    return steps;
  }

  /**
   * Returns a generator of schedules of up to {@code maxSteps} steps on {@code replicas} replicas.
   * About half the steps apply an operation, a third deliver a message and the rest send a full
   * state.
   *
   * <p>Every step draws the same values whatever its kind, and a step is skipped when its first
   * draw shrinks to 0. So the shrinker can delete a step in the middle of a schedule, or change its
   * kind, without shifting the draws of the steps after it, which would turn the rest of the
   * schedule into a different, random one.
   */
  static <T> Gen<Schedule<T>> generator(
      Gen<Operation<T>> operations, int replicas, int maxSteps, double loss, double duplication) {
    Gen<Integer> sizes = Generate.range(0, maxSteps, 0);
    // 0 skips the step; generation rarely draws it, shrinking often reaches it.
    Gen<Integer> present = Generate.range(0, 15, 0);
    // Kinds in order of what they add to a counterexample: deliveries, sends, then operations,
    // so that shrinking a kind never adds an event.
    Gen<Integer> kinds = Generate.range(0, 99, 0);
    Gen<Integer> replicaIndexes = Generate.range(0, replicas - 1, 0);
    Gen<Integer> offsets = Generate.range(1, replicas - 1, 1);
    Gen<Integer> deliveries = Generate.range(0, MAX_DELIVERY_INDEX, 0);
    Gen<Integer> fateDraws = Generate.range(0, FATE_RESOLUTION - 1, 0);
    int once = (int) Math.round(FATE_RESOLUTION * (1 - loss - duplication));
    int twice = once + (int) Math.round(FATE_RESOLUTION * duplication);
    Gen<Fate> fates = fateDraws.map(u -> u < once ? Fate.ONCE : u < twice ? Fate.TWICE : Fate.LOST);
    Gen<Step<T>> stepGen =
        source -> {
          boolean skip = present.generate(source) == 0;
          int kind = kinds.generate(source);
          int replica = replicaIndexes.generate(source);
          int other = (replica + offsets.generate(source)) % replicas;
          int delivery = deliveries.generate(source);
          Operation<T> operation = operations.generate(source);
          List<Fate> messageFates = new ArrayList<>(replicas - 1);
          for (int i = 1; i < replicas; i++) {
            messageFates.add(fates.generate(source));
          }
          if (skip) {
            return new Skip<>();
          }
          if (kind < 35) {
            return new Deliver<>(delivery);
          }
          if (kind < 50) {
            return new Send<>(replica, other, messageFates.get(0));
          }
          return new Apply<>(replica, operation, List.copyOf(messageFates));
        };
    return source -> {
      int size = sizes.generate(source);
      List<Step<T>> steps = new ArrayList<>(size);
      for (int i = 0; i < size; i++) {
        steps.add(stepGen.generate(source));
      }
      return new Schedule<>(steps);
    };
  }

  @Override
  public String toString() {
    return steps.toString();
  }
}
