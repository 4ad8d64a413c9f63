package io.converge.crdt;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.BinaryOperator;

/**
 * Turns the concurrent versions of a value, such as the siblings of an {@link MVRegister}, into one
 * value, deterministically: every replica that holds the same versions resolves them to the same
 * value, whatever the order in which the versions arrived (the "application-level merge" of
 * Shapiro, Preguiça, Baquero, Zawirski, "A comprehensive study of Convergent and Commutative
 * Replicated Data Types", INRIA RR-7506, 2011, and of Dynamo's shopping cart).
 *
 * <p>{@link #resolve} receives the versions sorted by {@link Versioned#ORDER} (timestamp, then
 * writer, then dot counter), which is the same order on every replica, so a resolver that depends
 * only on the list it is given is deterministic. {@link #resolveUnordered} sorts first, for callers
 * holding versions in arrival order.
 *
 * <p>Built-ins, each deterministic whatever the order of the list it is given:
 *
 * <ul>
 *   <li>{@link #lastWriterWins()}: the greatest version by {@link Versioned#ORDER};
 *   <li>{@link #firstWriterWins()}: the least;
 *   <li>{@link #max(Comparator)}: the greatest value, ties broken by {@link Versioned#ORDER};
 *   <li>{@link #union()}: the union of set values;
 *   <li>{@link #of(BinaryOperator)}: an application-level merge function folded over the versions.
 * </ul>
 *
 * <p>The built-ins are stateless and thread-safe, and they reject a null or empty list and null
 * elements. A resolver must not modify the list, must not return null, and should be thread-safe
 * and free of side effects.
 *
 * @param <T> the value type
 */
@FunctionalInterface
public interface ConflictResolver<T> {

  /**
   * Resolves concurrent versions into one value.
   *
   * @param versions the versions; non-empty, without nulls, sorted by {@link Versioned#ORDER}; a
   *     resolver must not modify it
   * @return the resolved value, never null
   */
  T resolve(List<Versioned<T>> versions);

  /**
   * Sorts {@code versions} by {@link Versioned#ORDER} and resolves them with {@link #resolve}, so
   * the result does not depend on their order. O(n log n).
   *
   * @param versions the versions in any order; not modified
   * @return the resolved value
   * @throws NullPointerException if {@code versions} or an element is null
   * @throws IllegalArgumentException if {@code versions} is empty
   */
  default T resolveUnordered(Collection<Versioned<T>> versions) {
    Objects.requireNonNull(versions, "versions");
    List<Versioned<T>> sorted = checkElements(new ArrayList<>(versions));
    sorted.sort(Versioned.ORDER);
    return resolve(Collections.unmodifiableList(sorted));
  }

  /**
   * Returns the resolver that keeps the last write: the greatest version by {@link Versioned#ORDER}
   * (the latest timestamp; on equal timestamps, the greatest writer id). O(n).
   *
   * @param <T> the value type
   * @return the last-writer-wins resolver
   */
  static <T> ConflictResolver<T> lastWriterWins() {
    return versions -> Collections.max(checkElements(versions), Versioned.ORDER).value();
  }

  /**
   * Returns the resolver that keeps the first write: the least version by {@link Versioned#ORDER}
   * (the earliest timestamp; on equal timestamps, the least writer id). O(n).
   *
   * @param <T> the value type
   * @return the first-writer-wins resolver
   */
  static <T> ConflictResolver<T> firstWriterWins() {
    return versions -> Collections.min(checkElements(versions), Versioned.ORDER).value();
  }

  /**
   * Returns the resolver that keeps the greatest value by {@code comparator}; among values the
   * comparator finds equal, the greatest version by {@link Versioned#ORDER} wins, so the result is
   * the same on every replica. O(n).
   *
   * @param comparator orders the values
   * @param <T> the value type
   * @return the max resolver
   * @throws NullPointerException if {@code comparator} is null
   */
  static <T> ConflictResolver<T> max(Comparator<? super T> comparator) {
    Objects.requireNonNull(comparator, "comparator");
    Comparator<Versioned<T>> order =
        Comparator.<Versioned<T>, T>comparing(Versioned::value, comparator)
            .thenComparing(Versioned.ORDER);
    return versions -> Collections.max(checkElements(versions), order).value();
  }

  /**
   * Returns the resolver for set values that keeps every element of every version (add wins over a
   * concurrent removal made by writing a smaller set). O(total elements).
   *
   * @param <E> the element type
   * @return the union resolver; it returns an unmodifiable set, iterated in the order of the
   *     versions and then of each version's elements
   */
  static <E> ConflictResolver<Set<E>> union() {
    return versions -> {
      Set<E> union = new LinkedHashSet<>();
      for (Versioned<Set<E>> v : checkElements(versions)) {
        union.addAll(v.value());
      }
      return Collections.unmodifiableSet(union);
    };
  }

  /**
   * Returns the resolver that folds an application-level merge function over the versions in {@link
   * Versioned#ORDER}: {@code merge(merge(v1, v2), v3)} and so on; one version is returned as is.
   * Because the order is the same on every replica, any function gives the same result on every
   * replica. A commutative and associative function is still recommended: then the result does not
   * depend on the order either, and resolving already-resolved values again is consistent. If the
   * list given to {@code resolve} is not sorted, a sorted copy is folded. O(n) merges.
   *
   * @param merge combines two values into one; must not return null
   * @param <T> the value type
   * @return the folding resolver
   * @throws NullPointerException if {@code merge} is null
   */
  static <T> ConflictResolver<T> of(BinaryOperator<T> merge) {
    Objects.requireNonNull(merge, "merge");
    return versions -> {
      List<Versioned<T>> sorted = sortedCopyIfNeeded(checkElements(versions));
      T acc = sorted.get(0).value();
      for (int i = 1; i < sorted.size(); i++) {
        T next = sorted.get(i).value();
        T merged = merge.apply(acc, next);
        if (merged == null) {
          throw new NullPointerException(
              "merge function returned null for values " + acc + " and " + next);
        }
        acc = merged;
      }
      return acc;
    };
  }

  private static <L extends List<? extends Versioned<?>>> L checkElements(L versions) {
    Objects.requireNonNull(versions, "versions");
    if (versions.isEmpty()) {
      throw new IllegalArgumentException("no versions to resolve");
    }
    for (int i = 0; i < versions.size(); i++) {
      if (versions.get(i) == null) {
        throw new NullPointerException("versions[" + i + "] is null: versions=" + versions);
      }
    }
    return versions;
  }

  private static <T> List<Versioned<T>> sortedCopyIfNeeded(List<Versioned<T>> versions) {
    for (int i = 1; i < versions.size(); i++) {
      if (Versioned.ORDER.compare(versions.get(i - 1), versions.get(i)) > 0) {
        List<Versioned<T>> sorted = new ArrayList<>(versions);
        sorted.sort(Versioned.ORDER);
        return Collections.unmodifiableList(sorted);
      }
    }
    return versions;
  }
}
