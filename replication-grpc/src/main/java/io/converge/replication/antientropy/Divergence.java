package io.converge.replication.antientropy;

import java.util.Collections;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * What a reconciliation found: the keys on which this replica and its peer differ, from this
 * replica's side, each set sorted by the keys' UTF-8 bytes.
 *
 * <ul>
 *   <li>{@link #onlyLocal()}: keys this replica holds and the peer does not (to push);
 *   <li>{@link #onlyRemote()}: keys the peer holds and this replica does not (to pull);
 *   <li>{@link #differing()}: keys both hold with another type or state hash (to exchange and
 *       merge).
 * </ul>
 *
 * <p>The three sets are disjoint. A key written on either side while the reconciliation ran may be
 * reported although it has since converged, or missed although it has since diverged; deltas or the
 * next reconciliation take care of it.
 *
 * <p><b>Internal</b>, like the rest of this package. Instances are immutable and thread-safe.
 */
public final class Divergence {

  private static final Divergence NONE =
      new Divergence(
          new TreeSet<>(Utf8Order.COMPARATOR),
          new TreeSet<>(Utf8Order.COMPARATOR),
          new TreeSet<>(Utf8Order.COMPARATOR));

  private final SortedSet<String> onlyLocal;
  private final SortedSet<String> onlyRemote;
  private final SortedSet<String> differing;

  // Takes ownership of the sets, which must be ordered by Utf8Order.COMPARATOR.
  Divergence(TreeSet<String> onlyLocal, TreeSet<String> onlyRemote, TreeSet<String> differing) {
    this.onlyLocal = Collections.unmodifiableSortedSet(onlyLocal);
    this.onlyRemote = Collections.unmodifiableSortedSet(onlyRemote);
    this.differing = Collections.unmodifiableSortedSet(differing);
  }

  /**
   * Returns the divergence of two replicas that agree on every key.
   *
   * @return a divergence with three empty sets
   */
  public static Divergence none() {
    return NONE;
  }

  /**
   * Returns the keys this replica holds and the peer does not.
   *
   * @return an unmodifiable set, sorted by UTF-8 bytes
   */
  public SortedSet<String> onlyLocal() {
    return onlyLocal;
  }

  /**
   * Returns the keys the peer holds and this replica does not.
   *
   * @return an unmodifiable set, sorted by UTF-8 bytes
   */
  public SortedSet<String> onlyRemote() {
    return onlyRemote;
  }

  /**
   * Returns the keys both replicas hold with another type or state hash.
   *
   * @return an unmodifiable set, sorted by UTF-8 bytes
   */
  public SortedSet<String> differing() {
    return differing;
  }

  /**
   * Returns every divergent key: the union of the three sets.
   *
   * @return a new unmodifiable set, sorted by UTF-8 bytes
   */
  public SortedSet<String> keys() {
    TreeSet<String> all = new TreeSet<>(Utf8Order.COMPARATOR);
    all.addAll(onlyLocal);
    all.addAll(onlyRemote);
    all.addAll(differing);
    return Collections.unmodifiableSortedSet(all);
  }

  /**
   * Returns how many keys diverge.
   *
   * @return the total size of the three sets
   */
  public int size() {
    return onlyLocal.size() + onlyRemote.size() + differing.size();
  }

  /**
   * Returns whether the replicas agree on every key.
   *
   * @return true if the three sets are empty
   */
  public boolean isEmpty() {
    return size() == 0;
  }

  /**
   * Returns whether {@code o} is a divergence with the same three sets.
   *
   * @param o the object to compare with
   * @return true if equal
   */
  @Override
  public boolean equals(Object o) {
    return o instanceof Divergence d
        && onlyLocal.equals(d.onlyLocal)
        && onlyRemote.equals(d.onlyRemote)
        && differing.equals(d.differing);
  }

  /**
   * Returns a hash code consistent with {@link #equals}.
   *
   * @return the hash code
   */
  @Override
  public int hashCode() {
    return (onlyLocal.hashCode() * 31 + onlyRemote.hashCode()) * 31 + differing.hashCode();
  }

  /**
   * Returns the three sets, for debugging.
   *
   * @return for example {@code Divergence{onlyLocal=[a], onlyRemote=[], differing=[b]}}
   */
  @Override
  public String toString() {
    return "Divergence{onlyLocal="
        + onlyLocal
        + ", onlyRemote="
        + onlyRemote
        + ", differing="
        + differing
        + "}";
  }
}
