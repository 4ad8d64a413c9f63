package io.converge.crdt.testkit;

import io.converge.clocks.ReplicaId;
import java.util.Objects;
import java.util.function.BiFunction;

/**
 * One mutation of a replicated value, such as {@code add("b")}, that a test applies on some
 * replica. The testkit chooses the replica; the operation receives its id, so a counter's increment
 * reads {@code (r, c) -> c.increment(r, 1)}.
 *
 * <p>Operations must be immutable and pure: {@link #apply} returns the new state and depends only
 * on its arguments, because the testkit replays the same operations many times while it shrinks a
 * failure to a minimal counterexample. {@code toString()} is how an operation appears in a
 * counterexample, so make it read like a call: {@code add("b")}; the testkit appends the replica,
 * as in {@code add("b")@r2}.
 *
 * <p>A {@link Specification} sees operations through {@link Event#operation()} and interprets them
 * through {@link #payload()}. Three ways to make operations, from quickest to most typed:
 *
 * <ul>
 *   <li>{@link #of(String, BiFunction)}: the payload is the description;
 *   <li>{@link #call(String, Object, BiFunction)}: the payload is a {@link Call} of a name and an
 *       argument, and the description is {@code name(argument)};
 *   <li>your own class or record implementing this interface, whose payload is itself by default,
 *       so a specification can test {@code event.payload() instanceof Add add}.
 * </ul>
 *
 * <p>The operations this class makes are immutable and thread-safe if their mutation function and
 * payload are.
 *
 * @param <T> the type of the value the operation mutates
 */
public interface Operation<T> {

  /**
   * Applies this operation on {@code replica} to {@code state}.
   *
   * @param replica the replica on which the operation runs, for example the one whose counter entry
   *     an increment raises
   * @param state the replica's current state; not modified
   * @return the state after the operation, never null
   */
  T apply(ReplicaId replica, T state);

  /**
   * Returns what a {@link Specification} reads to know what this operation did.
   *
   * @return by default this operation itself; for {@link #of(String, BiFunction)} its description,
   *     for {@link #of(String, Object, BiFunction)} the payload given, for {@link #call} a {@link
   *     Call}
   */
  default Object payload() {
    return this;
  }

  /**
   * Makes an operation whose payload is its description.
   *
   * @param description what the operation does, as counterexamples show it, for example {@code
   *     "enable()"}
   * @param mutation the state after the operation, given the replica and the state before
   * @param <T> the type of the value the operation mutates
   * @return an operation whose {@code toString()} is {@code description}
   * @throws NullPointerException if an argument is null
   */
  static <T> Operation<T> of(String description, BiFunction<ReplicaId, T, T> mutation) {
    return new NamedOperation<>(description, description, mutation);
  }

  /**
   * Makes an operation that carries a payload for a {@link Specification} to interpret.
   *
   * @param description what the operation does, as counterexamples show it, for example {@code
   *     "add(\"b\")"}
   * @param payload what a specification reads, for example {@code List.of("add", "b")}
   * @param mutation the state after the operation, given the replica and the state before
   * @param <T> the type of the value the operation mutates
   * @param <P> the payload's type
   * @return an operation whose {@code toString()} is {@code description} and whose {@link
   *     #payload()} is {@code payload}
   * @throws NullPointerException if an argument is null
   */
  static <T, P> Operation<T> of(
      String description, P payload, BiFunction<ReplicaId, T, T> mutation) {
    return new NamedOperation<>(description, payload, mutation);
  }

  /**
   * Makes an operation that calls a named method with one argument; its payload is a {@link Call}
   * and its description reads like the call, {@code add("b")}.
   *
   * @param name the method's name, for example {@code "add"}
   * @param argument the argument, for example {@code "b"}; strings and characters are shown quoted
   * @param mutation the state after the operation, given the replica and the state before
   * @param <T> the type of the value the operation mutates
   * @return an operation whose {@link #payload()} is {@code new Call(name, argument)}
   * @throws NullPointerException if an argument is null
   */
  static <T> Operation<T> call(String name, Object argument, BiFunction<ReplicaId, T, T> mutation) {
    Call call = new Call(name, argument);
    return new NamedOperation<>(call.toString(), call, mutation);
  }

  /**
   * The payload of an operation made by {@link Operation#call}: a method name and its argument.
   * This record is immutable and thread-safe if the argument is.
   *
   * @param name the method's name, for example {@code "add"}
   * @param argument the argument, for example {@code "b"}
   */
  record Call(String name, Object argument) {

    /**
     * Makes a call.
     *
     * @param name the method's name
     * @param argument the argument
     * @throws NullPointerException if an argument is null
     */
    public Call {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(argument, "argument");
    }

    /**
     * Tells whether this is a call of the named method.
     *
     * @param method a method name
     * @return whether {@link #name()} equals {@code method}
     */
    public boolean is(String method) {
      return name.equals(method);
    }

    /** Returns the call as code, for example {@code add("b")}. */
    @Override
    public String toString() {
      return name + "(" + Describe.value(argument) + ")";
    }
  }
}
