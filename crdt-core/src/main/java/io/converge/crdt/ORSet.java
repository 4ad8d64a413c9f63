package io.converge.crdt;

import io.converge.clocks.CausalContext;
import io.converge.clocks.Dot;
import io.converge.clocks.ReplicaId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * An add-wins observed-remove set without tombstones (the "optimized OR-Set" of Bieniusa et al.,
 * "An Optimized Conflict-free Replicated Set", 2012, in its delta-state form: Almeida, Shoker,
 * Baquero, "Delta State Replicated Data Types", 2018).
 *
 * <p>Each add of an element is a write named by a fresh {@link Dot}. A remove removes the adds of
 * that element it has seen, so:
 *
 * <ul>
 *   <li>an add concurrent with a remove of the same element survives (<b>add wins</b>);
 *   <li>a remove never removes an add it has not seen;
 *   <li>removed elements leave no tombstone: the causal context remembers which dots were seen, and
 *       a seen dot that is not in the store is simply gone.
 * </ul>
 *
 * <p>Costs, with n elements: {@link #add}, {@link #remove} and merging a delta of k elements cost
 * O(k log32 n) plus O(replicas), sharing all untouched structure; merging a state whose context is
 * included in this one's (for example an equal state) costs O(replicas) and touches no element;
 * merging two concurrent full states costs O(n). {@link #contains} is O(log32 n).
 *
 * <p>This class is immutable and thread-safe if the elements are.
 *
 * @param <E> the element type; elements must be immutable with value-based {@code equals}
 */
public final class ORSet<E> extends Causal<ORSet<E>> {

  private static final ORSet<?> EMPTY =
      new ORSet<>(HashTrieMap.empty(), CausalContext.empty(), null, null, true, null);

  /** Element to its live dots (sorted, never empty). */
  private final HashTrieMap<E, Dot[]> entries;

  /** In a delta: the elements its context concerns; null in a full state. */
  private final HashTrieMap<E, Boolean> touched;

  /**
   * In a delta: its own events and the dots they overwrite that are not its own events (what a
   * receiver must already have seen for the delta to arrive in causal order).
   */
  private final DeltaDots deltaDots;

  /**
   * In a full state: whether it reflects exactly the writes its context names, which makes the
   * context-inclusion shortcut of {@link #merge} sound. False after a delta arrived out of causal
   * order, until a closed state that includes it is merged.
   */
  private final boolean closed;

  private ORSet(
      HashTrieMap<E, Dot[]> entries,
      CausalContext context,
      HashTrieMap<E, Boolean> touched,
      DeltaDots deltaDots,
      boolean closed,
      ORSet<E> pending) {
    super(context, pending);
    this.entries = entries;
    this.touched = touched;
    this.deltaDots = deltaDots;
    this.closed = closed;
  }

  private static <E> ORSet<E> delta(
      HashTrieMap<E, Dot[]> entries, HashTrieMap<E, Boolean> touched, List<Dot> seen, Dot event) {
    return new ORSet<>(
        entries, eventContext(seen, event), touched, DeltaDots.of(seen, event), false, null);
  }

  /**
   * Returns the empty set.
   *
   * @param <E> the element type
   * @return the empty set
   */
  @SuppressWarnings("unchecked")
  public static <E> ORSet<E> empty() {
    return (ORSet<E>) EMPTY;
  }

  /**
   * Returns this set with {@code element} added by {@code replica}. The add is a new write: it
   * survives any remove that has not seen it. Adding a present element replaces its dots with the
   * new one.
   *
   * @param replica the replica making the change
   * @param element the element to add
   * @return the new set
   * @throws NullPointerException if an argument is null
   */
  public ORSet<E> add(ReplicaId replica, E element) {
    requireReplica(replica);
    Objects.requireNonNull(element, "element");
    Dot dot = context.nextDot(replica);
    HashTrieMap<E, Dot[]> deltaEntries =
        HashTrieMap.<E, Dot[]>empty().put(element, new Dot[] {dot});
    return apply(delta(deltaEntries, touchedOf(element), dotsOf(element), dot));
  }

  /**
   * Returns this set with every add of {@code element} that this replica has seen removed. An add
   * made concurrently elsewhere survives. Removing an absent element changes nothing.
   *
   * @param replica the replica making the change
   * @param element the element to remove
   * @return the new set, or {@code this} if the element is absent
   * @throws NullPointerException if an argument is null
   */
  public ORSet<E> remove(ReplicaId replica, E element) {
    requireReplica(replica);
    Objects.requireNonNull(element, "element");
    if (!entries.containsKey(element)) {
      return this;
    }
    return apply(
        delta(HashTrieMap.empty(), touchedOf(element), dotsOf(element), context.nextDot(replica)));
  }

  /**
   * Returns this set with every add this replica has seen removed: an observed clear. Adds made
   * concurrently elsewhere survive.
   *
   * @param replica the replica making the change
   * @return the new set, or {@code this} if it is empty
   * @throws NullPointerException if {@code replica} is null
   */
  public ORSet<E> clear(ReplicaId replica) {
    requireReplica(replica);
    if (entries.isEmpty()) {
      return this;
    }
    HashTrieMap.Builder<E, Boolean> keys = HashTrieMap.builder();
    entries.forEach((e, dots) -> keys.put(e, Boolean.TRUE));
    return apply(delta(HashTrieMap.empty(), keys.build(), dots(), context.nextDot(replica)));
  }

  /**
   * Returns whether {@code element} is in the set.
   *
   * @param element the element
   * @return true if present
   */
  public boolean contains(Object element) {
    return element != null && entries.containsKey(element);
  }

  /**
   * Returns the number of elements.
   *
   * @return the size
   */
  public int size() {
    return entries.size();
  }

  @Override
  public boolean isEmpty() {
    return entries.isEmpty();
  }

  /**
   * Returns the elements as an unmodifiable view.
   *
   * @return the elements
   */
  public Set<E> elements() {
    return entries.asMap().keySet();
  }

  private List<Dot> dotsOf(E element) {
    Dot[] dots = entries.get(element);
    return dots == null ? new ArrayList<>(1) : new ArrayList<>(Arrays.asList(dots));
  }

  private static <E> HashTrieMap<E, Boolean> touchedOf(E element) {
    return HashTrieMap.<E, Boolean>empty().put(element, Boolean.TRUE);
  }

  // --- Causal ----------------------------------------------------------------------------------

  @Override
  ORSet<E> with(CausalContext newContext, boolean keepDelta, ORSet<E> newPending) {
    if (keepDelta || !isDelta()) {
      return new ORSet<>(entries, newContext, touched, deltaDots, closed, newPending);
    }
    // A delta read as a bare store (nested in a map) is a full state not known to be closed.
    return new ORSet<>(entries, newContext, null, null, false, newPending);
  }

  @Override
  ORSet<E> shortcut(ORSet<E> other) {
    if (!isDelta() && closed && context.containsAll(other.context)) {
      return this;
    }
    if (!other.isDelta() && other.closed && other.context.containsAll(context)) {
      return other.pending == pending
          ? other
          : new ORSet<>(other.entries, other.context, null, null, true, pending);
    }
    return null;
  }

  private static <E> HashTrieMap<E, Boolean> keysOf(HashTrieMap<E, Dot[]> map) {
    HashTrieMap.Builder<E, Boolean> b = HashTrieMap.builder();
    map.forEach((k, v) -> b.put(k, Boolean.TRUE));
    return b.build();
  }

  @Override
  boolean isDelta() {
    return touched != null;
  }

  @Override
  void collectDots(List<Dot> out) {
    entries.forEach((e, dots) -> out.addAll(Arrays.asList(dots)));
  }

  @Override
  ORSet<E> joinStores(
      ORSet<E> other, CausalContext mine, CausalContext theirs, CausalContext result) {
    if (isDelta() && other.isDelta()) {
      return new ORSet<>(
          joinKeys(entries, mine, other, theirs),
          result,
          union(touched, other.touched),
          deltaDots.union(other.deltaDots),
          false,
          null);
    }
    if (other.isDelta()) {
      boolean stillClosed = closed && other.deltaDots.causallyReady(mine);
      return new ORSet<>(
          joinKeys(entries, mine, other, theirs), result, null, null, stillClosed, null);
    }
    if (isDelta()) {
      boolean stillClosed = other.closed && deltaDots.causallyReady(theirs);
      return new ORSet<>(
          joinKeys(other.entries, theirs, this, mine), result, null, null, stillClosed, null);
    }
    return new ORSet<>(
        joinFull(other, mine, theirs), result, null, null, closed && other.closed, null);
  }

  /** Visits only the keys {@code delta} lists, joining them into {@code base}. */
  private static <E> HashTrieMap<E, Dot[]> joinKeys(
      HashTrieMap<E, Dot[]> base,
      CausalContext baseContext,
      ORSet<E> delta,
      CausalContext deltaContext) {
    HashTrieMap<E, Dot[]> out = base;
    for (Map.Entry<E, Boolean> k : delta.touched) {
      E element = k.getKey();
      Dot[] a = base.get(element);
      Dot[] b = delta.entries.get(element);
      Dot[] joined =
          joinDots(a == null ? NO_DOTS : a, baseContext, b == null ? NO_DOTS : b, deltaContext);
      if (joined.length == 0) {
        out = out.remove(element);
      } else if (joined != a) {
        out = out.put(element, joined);
      }
    }
    return out;
  }

  private HashTrieMap<E, Dot[]> joinFull(ORSet<E> other, CausalContext mine, CausalContext theirs) {
    HashTrieMap.Builder<E, Dot[]> out = entries.toBuilder();
    for (Map.Entry<E, Dot[]> e : other.entries) {
      Dot[] a = entries.get(e.getKey());
      Dot[] joined = joinDots(a == null ? NO_DOTS : a, mine, e.getValue(), theirs);
      if (joined.length == 0) {
        out.remove(e.getKey());
      } else if (joined != a) {
        out.put(e.getKey(), joined);
      }
    }
    for (Map.Entry<E, Dot[]> e : entries) {
      if (!other.entries.containsKey(e.getKey())) {
        Dot[] joined = joinDots(e.getValue(), mine, NO_DOTS, theirs);
        if (joined.length == 0) {
          out.remove(e.getKey());
        } else if (joined != e.getValue()) {
          out.put(e.getKey(), joined);
        }
      }
    }
    return out.build();
  }

  private static <E> HashTrieMap<E, Boolean> union(
      HashTrieMap<E, Boolean> a, HashTrieMap<E, Boolean> b) {
    HashTrieMap<E, Boolean> big = a.size() >= b.size() ? a : b;
    HashTrieMap<E, Boolean> small = big == a ? b : a;
    for (Map.Entry<E, Boolean> e : small) {
      big = big.put(e.getKey(), Boolean.TRUE);
    }
    return big;
  }

  // --- Object ------------------------------------------------------------------------------------

  /**
   * Compares the states: the live elements with their dots, and the context. The pending delta and
   * whether this is a delta are not part of the state.
   */
  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof ORSet)) {
      return false;
    }
    ORSet<?> that = (ORSet<?>) o;
    if (!context.equals(that.context)) {
      return false;
    }
    if (entries.size() != that.entries.size()) {
      return false;
    }
    for (Map.Entry<E, Dot[]> e : entries) {
      Dot[] other = that.entries.get(e.getKey());
      if (other == null || !Arrays.equals(e.getValue(), other)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    int h = context.hashCode();
    for (Map.Entry<E, Dot[]> e : entries) {
      h += e.getKey().hashCode() ^ Arrays.hashCode(e.getValue());
    }
    return h;
  }

  /** Returns the elements, for example {@code ORSet[a, b]}. */
  @Override
  public String toString() {
    return "ORSet" + elements();
  }

  // --- wire access (see WireParts) ------------------------------------------------------------

  HashTrieMap<E, Dot[]> entriesForWire() {
    return entries;
  }

  HashTrieMap<E, Boolean> touchedForWire() {
    return touched;
  }

  DeltaDots deltaDotsForWire() {
    return deltaDots;
  }

  boolean closedForWire() {
    return closed;
  }

  static <E> ORSet<E> fromWire(
      HashTrieMap<E, Dot[]> entries,
      CausalContext context,
      HashTrieMap<E, Boolean> touched,
      DeltaDots deltaDots,
      boolean closed) {
    return new ORSet<>(entries, context, touched, deltaDots, closed && touched == null, null);
  }
}
