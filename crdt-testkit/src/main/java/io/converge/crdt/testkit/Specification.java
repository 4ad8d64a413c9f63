package io.converge.crdt.testkit;

import java.util.List;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * What replicas must converge to: a model that computes the expected value from the history of
 * events, and a view of the converged state to compare with it. A {@link ConvergenceRunner} given a
 * specification checks, after every replica received everything, that {@code
 * expected(history).equals(observed(state))} on every replica.
 *
 * <p>The history holds each event's causal knowledge ({@link Event#seen()}), because a sequential
 * replay is wrong for types whose concurrent operations do not commute: whether an add-wins set
 * keeps {@code "a"} depends on whether each {@code remove("a")} had seen each {@code add("a")}. For
 * types whose operations all commute, such as counters, {@link #sequential} replays the events in
 * order. An add-wins set, for example:
 *
 * <pre>{@code
 * Specification<MySet, Set<String>> addWins = Specification.of(
 *     history -> {
 *       Set<String> present = new TreeSet<>();
 *       for (Event<MySet> add : history) {
 *         if (add.payload() instanceof Operation.Call a && a.is("add")
 *             && history.stream().noneMatch(remove ->
 *                 remove.payload() instanceof Operation.Call r && r.is("remove")
 *                     && r.argument().equals(a.argument()) && remove.hasSeen(add))) {
 *           present.add((String) a.argument());
 *         }
 *       }
 *       return present;
 *     },
 *     MySet::elements);
 * }</pre>
 *
 * <p>Implementations must be pure functions; the runner calls them from one thread at a time.
 *
 * @param <T> the type of the replicated value
 * @param <V> the type of the value a specification compares, such as a {@code Long} count or a
 *     {@code Set<String>}; its {@code equals} decides
 */
public interface Specification<T, V> {

  /**
   * Returns the value the replicas must converge to after every event of {@code history}.
   *
   * @param history every event the run applied, in the order applied, ids 1 to {@code
   *     history.size()}; unmodifiable
   * @return the expected value
   */
  V expected(List<Event<T>> history);

  /**
   * Returns the value a converged state shows, to compare with {@link #expected}.
   *
   * @param converged the state every replica converged to
   * @return the observed value
   */
  V observed(T converged);

  /**
   * Makes a specification from two functions.
   *
   * @param expected the value the replicas must converge to, given the history
   * @param observed the value a converged state shows
   * @param <T> the type of the replicated value
   * @param <V> the type of the value compared
   * @return the specification
   * @throws NullPointerException if an argument is null
   */
  static <T, V> Specification<T, V> of(
      Function<? super List<Event<T>>, ? extends V> expected,
      Function<? super T, ? extends V> observed) {
    Objects.requireNonNull(expected, "expected");
    Objects.requireNonNull(observed, "observed");
    return new Specification<>() {
      @Override
      public V expected(List<Event<T>> history) {
        return expected.apply(history);
      }

      @Override
      public V observed(T converged) {
        return observed.apply(converged);
      }
    };
  }

  /**
   * Makes a specification that folds the events in the order the run applied them, ignoring what
   * each had seen. This is right only for types whose concurrent operations commute, such as
   * counters: {@code Specification.sequential(0L, (n, e) -> n + amount(e), MyCounter::value)}.
   *
   * @param initial the model's value before any event
   * @param step the model's value after an event, given the value before it
   * @param observed the value a converged state shows
   * @param <T> the type of the replicated value
   * @param <V> the type of the value compared
   * @return the specification
   * @throws NullPointerException if an argument is null
   */
  static <T, V> Specification<T, V> sequential(
      V initial,
      BiFunction<? super V, ? super Event<T>, ? extends V> step,
      Function<? super T, ? extends V> observed) {
    Objects.requireNonNull(initial, "initial");
    Objects.requireNonNull(step, "step");
    return of(
        history -> {
          V value = initial;
          for (Event<T> event : history) {
            value = step.apply(value, event);
          }
          return value;
        },
        observed);
  }
}
