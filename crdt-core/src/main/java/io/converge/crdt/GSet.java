package io.converge.crdt;

import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A grow-only set (G-Set; Shapiro, Preguiça, Baquero, Zawirski, "A comprehensive study of
 * Convergent and Commutative Replicated Data Types", INRIA RR-7506, 2011): elements can be added
 * and never removed, and {@link #merge} is set union. There are no conflicts to resolve: an element
 * added on any replica is in the merged set.
 *
 * <p>Deltas follow {@link DeltaCrdt}: the delta of {@code add(e)} is the set {@code {e}}; deltas of
 * successive adds accumulate by union until {@link #resetDelta()}; adding a present element changes
 * nothing and adds nothing to the delta.
 *
 * <p>Costs, with n elements: {@link #add} and {@link #contains} are O(log32 n), and an add copies
 * only one path of the underlying hash trie, sharing the rest with the previous version. {@link
 * #merge} adds the smaller set into the larger, so merging a delta of k elements costs O(k log32
 * n); it returns {@code this} without allocating when this set already includes the other. {@link
 * #size} is O(1).
 *
 * <p>This class is immutable and thread-safe if the elements are.
 *
 * @param <E> the element type; elements must be immutable with value-based {@code equals}
 */
public final class GSet<E> implements DeltaCrdt<GSet<E>> {

  private static final GSet<?> EMPTY = new GSet<>(HashTrieMap.empty(), null);

  /** Below this size, the smaller side of a merge is added with persistent puts, not a builder. */
  private static final int BUILDER_THRESHOLD = 4;

  /** The elements, each mapped to {@code Boolean.TRUE}. */
  private final HashTrieMap<E, Boolean> elements;

  /** The join of the deltas since the last reset, or null; never has a pending delta itself. */
  private final GSet<E> pending;

  private GSet(HashTrieMap<E, Boolean> elements, GSet<E> pending) {
    this.elements = elements;
    this.pending = pending;
  }

  /**
   * Returns the empty set, with no pending delta.
   *
   * @param <E> the element type
   * @return the empty set
   */
  @SuppressWarnings("unchecked")
  public static <E> GSet<E> empty() {
    return (GSet<E>) EMPTY;
  }

  /**
   * Returns this set with {@code element} added, and {@code {element}} joined into the pending
   * delta.
   *
   * @param element the element to add
   * @return the new set, or {@code this} if the element is already present
   * @throws NullPointerException if {@code element} is null
   */
  public GSet<E> add(E element) {
    Objects.requireNonNull(element, "element");
    HashTrieMap<E, Boolean> next = elements.put(element, Boolean.TRUE);
    if (next == elements) {
      return this;
    }
    HashTrieMap<E, Boolean> deltaElements =
        (pending == null ? HashTrieMap.<E, Boolean>empty() : pending.elements)
            .put(element, Boolean.TRUE);
    return new GSet<>(next, new GSet<>(deltaElements, null));
  }

  /**
   * Returns whether {@code element} is in the set; O(log32 n).
   *
   * @param element the element; null is never present
   * @return true if present
   */
  public boolean contains(Object element) {
    return element != null && elements.containsKey(element);
  }

  /**
   * Returns the number of elements; O(1).
   *
   * @return the size
   */
  public int size() {
    return elements.size();
  }

  /**
   * Returns whether the set is empty.
   *
   * @return true if empty
   */
  public boolean isEmpty() {
    return elements.isEmpty();
  }

  /**
   * Returns the elements as an unmodifiable view with O(1) {@code size} and O(log32 n) {@code
   * contains}. The iteration order is unspecified.
   *
   * @return the elements
   */
  public Set<E> elements() {
    return elements.keys();
  }

  /**
   * Returns the union of this set and {@code other}, keeping the pending delta of {@code this}.
   * Adds the smaller set into the larger one: O(min(n, m) log32 max(n, m)).
   *
   * @param other the set to merge with
   * @return the union; {@code this} if it already includes {@code other}, and {@code other} if that
   *     includes this one and both have the same pending delta
   * @throws NullPointerException if {@code other} is null
   */
  @Override
  public GSet<E> merge(GSet<E> other) {
    Objects.requireNonNull(other, "other");
    if (other == this || other.elements == elements || other.elements.isEmpty()) {
      return this;
    }
    if (elements.size() >= other.elements.size()) {
      HashTrieMap<E, Boolean> union = union(elements, other.elements);
      return union == elements ? this : new GSet<>(union, pending);
    }
    HashTrieMap<E, Boolean> union = union(other.elements, elements);
    return union == other.elements && other.pending == pending ? other : new GSet<>(union, pending);
  }

  /** Returns {@code big} with the elements of {@code small} added; {@code big} if it has them. */
  private static <E> HashTrieMap<E, Boolean> union(
      HashTrieMap<E, Boolean> big, HashTrieMap<E, Boolean> small) {
    if (small.size() <= BUILDER_THRESHOLD) {
      HashTrieMap<E, Boolean> out = big;
      for (E e : small.keys()) {
        out = out.put(e, Boolean.TRUE);
      }
      return out;
    }
    // The builder copies each shared node once instead of once per element, and returns big
    // itself when nothing was added.
    HashTrieMap.Builder<E, Boolean> out = big.toBuilder();
    for (E e : small.keys()) {
      out.put(e, Boolean.TRUE);
    }
    return out.build();
  }

  @Override
  public Optional<GSet<E>> delta() {
    return Optional.ofNullable(pending);
  }

  @Override
  public GSet<E> resetDelta() {
    return pending == null ? this : new GSet<>(elements, null);
  }

  /**
   * Compares the elements; the pending delta is not part of the state.
   *
   * @param o the object to compare with
   * @return true if {@code o} is a {@code GSet} with the same elements
   */
  @Override
  public boolean equals(Object o) {
    return this == o || (o instanceof GSet && elements.equals(((GSet<?>) o).elements));
  }

  /**
   * Returns a hash of the elements, ignoring the pending delta; computed once.
   *
   * @return the hash code
   */
  @Override
  public int hashCode() {
    return elements.hashCode();
  }

  /**
   * Returns the elements as {@code GSet[a, b]}.
   *
   * @return the string form
   */
  @Override
  public String toString() {
    return "GSet" + elements();
  }
}
