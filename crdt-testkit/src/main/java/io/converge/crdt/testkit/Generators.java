package io.converge.crdt.testkit;

import io.converge.clocks.ReplicaId;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/**
 * QuickTheories generators for testing replicated types: replica ids, small element domains and
 * operations.
 *
 * <p>Small domains are deliberate: with five elements and three replicas, random operations often
 * touch the same element on different replicas concurrently, which is where merge bugs live. Every
 * generator shrinks towards its first value ({@code r1}, {@code "a"}, {@code 1}, the first
 * operation generator), so counterexamples come out short and readable.
 *
 * <p>Operations for your own type, in one expression:
 *
 * <pre>{@code
 * Gen<Operation<MySet>> operations = Generators.oneOf(
 *     Generators.calls("add", Generators.smallStrings(), e -> (r, s) -> s.add(r, e)),
 *     Generators.calls("remove", Generators.smallStrings(), e -> (r, s) -> s.remove(e)));
 * }</pre>
 *
 * <p>Generators of the built-in types' operations live in {@link BuiltInGenerators}. This class is
 * stateless and thread-safe; so are the generators it returns.
 */
public final class Generators {

  /** The elements of {@link #smallStrings()}. */
  private static final List<String> SMALL_STRINGS = List.of("a", "b", "c", "d", "e");

  private Generators() {}

  /**
   * Returns a generator of the replica ids {@code r1} to {@code r<n>}, shrinking towards {@code
   * r1}.
   *
   * @param n how many replicas, at least 1
   * @return a generator of {@code ReplicaId.of("r1")} to {@code ReplicaId.of("r" + n)}
   * @throws IllegalArgumentException if {@code n} is less than 1
   */
  public static Gen<ReplicaId> replicas(int n) {
    return Generate.pick(replicaIds(n));
  }

  /**
   * Returns the replica ids {@code r1} to {@code r<n>}, the names the testkit gives replicas.
   *
   * @param n how many replicas, at least 1
   * @return {@code ReplicaId.of("r1")} to {@code ReplicaId.of("r" + n)}, unmodifiable
   * @throws IllegalArgumentException if {@code n} is less than 1
   */
  public static List<ReplicaId> replicaIds(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("need at least one replica: n=" + n);
    }
    List<ReplicaId> ids = new ArrayList<>(n);
    for (int i = 1; i <= n; i++) {
      ids.add(ReplicaId.of("r" + i));
    }
    return List.copyOf(ids);
  }

  /**
   * Returns a generator of the strings {@code "a"} to {@code "e"}, shrinking towards {@code "a"}:
   * set elements and map keys that collide often.
   *
   * @return a generator of one of {@code "a", "b", "c", "d", "e"}
   */
  public static Gen<String> smallStrings() {
    return Generate.pick(SMALL_STRINGS);
  }

  /**
   * Returns a generator of the integers 1 to 5, shrinking towards 1: increments, decrements and
   * other amounts.
   *
   * @return a generator of an integer from 1 to 5
   */
  public static Gen<Integer> smallPositiveIntegers() {
    return Generate.range(1, 5, 1);
  }

  /**
   * Returns a generator that draws from one of {@code operations}, chosen uniformly, shrinking
   * towards the first.
   *
   * @param operations generators of operations, at least one; put the simplest first
   * @param <T> the type of the value the operations mutate
   * @return a generator of operations
   * @throws IllegalArgumentException if {@code operations} is empty
   * @throws NullPointerException if {@code operations} or one of its elements is null
   */
  @SafeVarargs
  public static <T> Gen<Operation<T>> oneOf(Gen<Operation<T>>... operations) {
    List<Gen<Operation<T>>> choices = new ArrayList<>(operations.length);
    for (Gen<Operation<T>> operation : operations) {
      choices.add(Objects.requireNonNull(operation, "operation generator"));
    }
    if (choices.isEmpty()) {
      throw new IllegalArgumentException("need at least one operation generator");
    }
    Gen<Integer> index = Generate.range(0, choices.size() - 1, 0);
    return source -> choices.get(index.generate(source)).generate(source);
  }

  /**
   * Returns a generator of calls of one method with generated arguments: {@code add("a")}, {@code
   * add("c")}, and so on. Each operation is made by {@link Operation#call}, so its payload is an
   * {@link Operation.Call} a {@link Specification} can read.
   *
   * @param name the method's name, for example {@code "add"}
   * @param arguments a generator of the argument, for example {@link #smallStrings()}
   * @param mutation the mutation for an argument: the state after, given the replica and the state
   *     before, for example {@code e -> (r, s) -> s.add(r, e)}
   * @param <T> the type of the value the operations mutate
   * @param <A> the argument's type
   * @return a generator of operations
   * @throws NullPointerException if an argument is null
   */
  public static <T, A> Gen<Operation<T>> calls(
      String name,
      Gen<A> arguments,
      Function<? super A, ? extends BiFunction<ReplicaId, T, T>> mutation) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(arguments, "arguments");
    Objects.requireNonNull(mutation, "mutation");
    return arguments.map(argument -> Operation.call(name, argument, mutation.apply(argument)));
  }
}
