package io.converge.crdt;

import io.converge.clocks.CausalContext;
import io.converge.clocks.Dot;
import io.converge.clocks.ReplicaId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * An observed-remove map whose values are causal CRDTs, merged recursively (the "OR-Map" of
 * Almeida, Shoker, Baquero, "Delta State Replicated Data Types", 2018, section 6.3).
 *
 * <p>The values share the map's causal context, which gives the exact rule:
 *
 * <ul>
 *   <li>A key is present exactly while its value holds a live write. Updating a key adds writes;
 *       keys are therefore <b>add-wins</b>.
 *   <li>{@link #remove} clears the writes of the value that the remover has seen, and nothing else.
 *       An update made concurrently elsewhere survives, and after the merge the key holds <b>only
 *       that update's effect</b>: for example, a cart item with quantity 3 removed in one region
 *       while another region adds 1 ends with quantity 1, not 4, and a nested set keeps only the
 *       elements added concurrently with the remove.
 *   <li>Concurrent updates of the same key merge with the value type's own rules.
 * </ul>
 *
 * <p>Value types are the causal CRDTs: {@link ORSet}, {@link MVRegister}, {@link EWFlag}, {@link
 * DWFlag}, {@link CausalCounter} and {@code ORMap} itself (nested maps). Use {@link CausalCounter}
 * for counters inside a map and {@link MVRegister} (or {@link LWWMap}) for registers.
 *
 * <p>Costs: an update, a remove or merging a delta of k keys costs O(k log32 n) plus the nested
 * work and O(replicas); merging a state whose context this one includes costs O(replicas); merging
 * two concurrent full states costs O(total size).
 *
 * <p>This class is immutable and thread-safe if the keys are.
 *
 * @param <K> the key type; keys must be immutable with value-based {@code equals}
 * @param <V> the value type
 */
public final class ORMap<K, V extends CausalCrdt<V>> extends Causal<ORMap<K, V>> {

  /** Key to its value as a bare store (empty context, no pending delta), never empty. */
  private final HashTrieMap<K, V> entries;

  /** In a delta: the keys its context concerns; null in a full state. */
  private final HashTrieMap<K, Boolean> touched;

  /** In a delta: its events and dependencies (see {@link DeltaDots}); null in a full state. */
  private final DeltaDots deltaDots;

  /** In a full state: whether the context-inclusion shortcut is sound (see {@link ORSet}). */
  private final boolean closed;

  /** The value of an absent key, e.g. {@code ORSet.empty()}. */
  private final V zero;

  private ORMap(
      HashTrieMap<K, V> entries,
      CausalContext context,
      HashTrieMap<K, Boolean> touched,
      DeltaDots deltaDots,
      boolean closed,
      V zero,
      ORMap<K, V> pending) {
    super(context, pending);
    this.entries = entries;
    this.touched = touched;
    this.deltaDots = deltaDots;
    this.closed = closed;
    this.zero = zero;
  }

  private ORMap<K, V> delta(
      HashTrieMap<K, V> deltaEntries,
      HashTrieMap<K, Boolean> keys,
      CausalContext deltaContext,
      DeltaDots dots) {
    return new ORMap<>(deltaEntries, deltaContext, keys, dots, false, zero, null);
  }

  /**
   * Returns an empty map whose absent keys read as {@code zero}.
   *
   * @param zero the initial value of every key, such as {@code ORSet.empty()} or {@code
   *     CausalCounter.zero()}; it must be empty
   * @param <K> the key type
   * @param <V> the value type
   * @return the empty map
   * @throws NullPointerException if {@code zero} is null
   * @throws IllegalArgumentException if {@code zero} is not empty
   */
  public static <K, V extends CausalCrdt<V>> ORMap<K, V> empty(V zero) {
    Objects.requireNonNull(zero, "zero");
    if (!zero.isEmpty() || !zero.context().versionVector().isEmpty()) {
      throw new IllegalArgumentException("zero must be an empty, fresh value: zero=" + zero);
    }
    V bare = rebind(zero, CausalContext.empty());
    return new ORMap<>(HashTrieMap.empty(), CausalContext.empty(), null, null, true, bare, null);
  }

  // CausalCrdt is sealed and its only implementation is Causal, so these raw casts cannot fail;
  // they stand in for a bound (V extends Causal<V>) that the public signature must not expose.

  /** Returns {@code value}'s store with the given context, not a delta, no pending delta. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private static <V extends CausalCrdt<V>> V rebind(V value, CausalContext context) {
    return (V) ((Causal) value).with(context, false, null);
  }

  private static void collectDots(CausalCrdt<?> value, List<Dot> out) {
    ((Causal<?>) value).collectDots(out);
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static <V extends CausalCrdt<V>> V joinStores(
      V a, CausalContext ca, V b, CausalContext cb) {
    return (V) ((Causal) a).joinStores((Causal) b, ca, cb, CausalContext.empty());
  }

  /**
   * Returns this map after {@code replica} applies {@code update} to the value of {@code key} (the
   * zero value if absent). The function must call mutators on the value it is given, with {@code
   * replica}, and return the result; its writes become the map's writes.
   *
   * <pre>{@code
   * cart = cart.update(us, "apple", q -> q.increment(us, 2));
   * }</pre>
   *
   * @param replica the replica making the change
   * @param key the key
   * @param update the mutation of the value
   * @return the new map, or {@code this} if the function changed nothing
   * @throws NullPointerException if an argument is null or the function returns null
   * @throws IllegalArgumentException if the function returned a value that is not a mutation of the
   *     one it was given (a write no newer than what the map has seen)
   */
  public ORMap<K, V> update(ReplicaId replica, K key, UnaryOperator<V> update) {
    requireReplica(replica);
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(update, "update");
    V current = view(key);
    V next = Objects.requireNonNull(update.apply(current), "update returned null");
    Optional<V> change = next.delta();
    if (change.isEmpty()) {
      if (!next.equals(current)) {
        throw new IllegalArgumentException(
            "update of key "
                + key
                + " returned a value that was not made by mutating the given one");
      }
      return this;
    }
    V d = change.get();
    if (context.containsAll(d.context())) {
      throw new IllegalArgumentException(
          "update of key "
              + key
              + " returned a value whose writes the map has already seen; mutate the value the"
              + " function is given: delta context="
              + d.context());
    }
    // Nested values never carry a delta flag: only the map's own key list steers its fast path.
    V bare = rebind(d, CausalContext.empty());
    HashTrieMap<K, V> deltaEntries =
        bare.isEmpty() ? HashTrieMap.empty() : HashTrieMap.<K, V>empty().put(key, bare);
    // The nested delta's own events are the dots of its context the map had not seen.
    List<Dot> events = new ArrayList<>();
    List<Dot> seen = new ArrayList<>();
    for (Dot dot : allDots(d.context())) {
      (context.contains(dot) ? seen : events).add(dot);
    }
    DeltaDots dots = new DeltaDots(dotsContext(events), dotsContext(seen));
    return apply(delta(deltaEntries, touchedOf(key), d.context(), dots));
  }

  /**
   * Returns this map with {@code key} removed by {@code replica}: the writes to its value that this
   * replica has seen are cleared. An update made concurrently elsewhere survives, alone.
   *
   * @param replica the replica making the change
   * @param key the key
   * @return the new map, or {@code this} if the key is absent
   * @throws NullPointerException if an argument is null
   */
  public ORMap<K, V> remove(ReplicaId replica, K key) {
    requireReplica(replica);
    Objects.requireNonNull(key, "key");
    V value = entries.get(key);
    if (value == null) {
      return this;
    }
    List<Dot> seen = new ArrayList<>();
    collectDots(value, seen);
    Dot event = context.nextDot(replica);
    return apply(
        delta(
            HashTrieMap.empty(),
            touchedOf(key),
            eventContext(seen, event),
            DeltaDots.of(seen, event)));
  }

  /**
   * Returns this map with every key removed as {@link #remove} would: an observed clear.
   *
   * @param replica the replica making the change
   * @return the new map, or {@code this} if it is empty
   * @throws NullPointerException if {@code replica} is null
   */
  public ORMap<K, V> clear(ReplicaId replica) {
    requireReplica(replica);
    if (entries.isEmpty()) {
      return this;
    }
    HashTrieMap.Builder<K, Boolean> keys = HashTrieMap.builder();
    entries.forEach((k, v) -> keys.put(k, Boolean.TRUE));
    List<Dot> seen = dots();
    Dot event = context.nextDot(replica);
    return apply(
        delta(
            HashTrieMap.empty(),
            keys.build(),
            eventContext(seen, event),
            DeltaDots.of(seen, event)));
  }

  /**
   * Returns the value of {@code key}.
   *
   * @param key the key
   * @return the value, or empty if the key is absent
   */
  public Optional<V> get(Object key) {
    V value = key == null ? null : entries.get(key);
    return value == null ? Optional.empty() : Optional.of(withContext(value));
  }

  /**
   * Returns the value of {@code key}, or the zero value if absent.
   *
   * @param key the key
   * @return the value
   * @throws NullPointerException if {@code key} is null
   */
  public V getOrZero(K key) {
    return view(Objects.requireNonNull(key, "key"));
  }

  private V view(K key) {
    V value = entries.get(key);
    return withContext(value == null ? zero : value);
  }

  private V withContext(V bare) {
    return rebind(bare, context);
  }

  /**
   * Returns whether {@code key} is present.
   *
   * @param key the key
   * @return true if its value holds a live write
   */
  public boolean containsKey(Object key) {
    return key != null && entries.containsKey(key);
  }

  /**
   * Returns the number of keys.
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
   * Returns the keys as an unmodifiable view.
   *
   * @return the keys
   */
  public Set<K> keys() {
    return entries.asMap().keySet();
  }

  /**
   * Returns a snapshot of the entries; O(size).
   *
   * @return an unmodifiable map from key to value
   */
  public Map<K, V> toMap() {
    Map<K, V> out = new LinkedHashMap<>();
    entries.forEach((k, v) -> out.put(k, withContext(v)));
    return Collections.unmodifiableMap(out);
  }

  private static <K> HashTrieMap<K, Boolean> touchedOf(K key) {
    return HashTrieMap.<K, Boolean>empty().put(key, Boolean.TRUE);
  }

  // --- Causal ----------------------------------------------------------------------------------

  @Override
  ORMap<K, V> with(CausalContext newContext, boolean keepDelta, ORMap<K, V> newPending) {
    if (keepDelta || !isDelta()) {
      return new ORMap<>(entries, newContext, touched, deltaDots, closed, zero, newPending);
    }
    // A delta read as a bare store (nested in a map) is a full state not known to be closed.
    return new ORMap<>(entries, newContext, null, null, false, zero, newPending);
  }

  @Override
  ORMap<K, V> shortcut(ORMap<K, V> other) {
    if (!isDelta() && closed && context.containsAll(other.context)) {
      return this;
    }
    if (!other.isDelta() && other.closed && other.context.containsAll(context)) {
      return other.pending == pending
          ? other
          : new ORMap<>(other.entries, other.context, null, null, true, zero, pending);
    }
    return null;
  }

  @Override
  boolean isDelta() {
    return touched != null;
  }

  @Override
  void collectDots(List<Dot> out) {
    entries.forEach((k, v) -> collectDots(v, out));
  }

  @Override
  ORMap<K, V> joinStores(
      ORMap<K, V> other, CausalContext mine, CausalContext theirs, CausalContext result) {
    if (isDelta() && other.isDelta()) {
      HashTrieMap<K, Boolean> keys = touched;
      for (Map.Entry<K, Boolean> e : other.touched) {
        keys = keys.put(e.getKey(), Boolean.TRUE);
      }
      return new ORMap<>(
          joinKeys(entries, mine, other, theirs),
          result,
          keys,
          deltaDots.union(other.deltaDots),
          false,
          zero,
          null);
    }
    if (other.isDelta()) {
      boolean stillClosed = closed && other.deltaDots.causallyReady(mine);
      return new ORMap<>(
          joinKeys(entries, mine, other, theirs), result, null, null, stillClosed, zero, null);
    }
    if (isDelta()) {
      boolean stillClosed = other.closed && deltaDots.causallyReady(theirs);
      return new ORMap<>(
          joinKeys(other.entries, theirs, this, mine), result, null, null, stillClosed, zero, null);
    }
    HashTrieMap.Builder<K, V> out = entries.toBuilder();
    for (Map.Entry<K, V> e : other.entries) {
      put(out, e.getKey(), entries.get(e.getKey()), mine, e.getValue(), theirs);
    }
    for (Map.Entry<K, V> e : entries) {
      if (!other.entries.containsKey(e.getKey())) {
        put(out, e.getKey(), e.getValue(), mine, null, theirs);
      }
    }
    return new ORMap<>(out.build(), result, null, null, closed && other.closed, zero, null);
  }

  private HashTrieMap<K, V> joinKeys(
      HashTrieMap<K, V> base, CausalContext baseContext, ORMap<K, V> delta, CausalContext dc) {
    HashTrieMap<K, V> out = base;
    for (Map.Entry<K, Boolean> k : delta.touched) {
      K key = k.getKey();
      V a = base.get(key);
      V joined = joinValues(a, baseContext, delta.entries.get(key), dc);
      if (joined == null) {
        out = out.remove(key);
      } else if (joined != a) {
        out = out.put(key, joined);
      }
    }
    return out;
  }

  private void put(
      HashTrieMap.Builder<K, V> out, K key, V a, CausalContext ca, V b, CausalContext cb) {
    V joined = joinValues(a, ca, b, cb);
    if (joined == null) {
      out.remove(key);
    } else if (joined != a) {
      out.put(key, joined);
    }
  }

  /** Joins two bare values under the maps' contexts; null when the result holds no write. */
  private V joinValues(V a, CausalContext ca, V b, CausalContext cb) {
    if (a != null && a == b) {
      return a;
    }
    V joined = joinStores(a == null ? zero : a, ca, b == null ? zero : b, cb);
    return joined.isEmpty() ? null : joined;
  }

  // --- Object ------------------------------------------------------------------------------------

  /** Compares the entries and the context; the pending delta is not part of the state. */
  @Override
  public boolean equals(Object o) {
    return this == o
        || (o instanceof ORMap
            && context.equals(((ORMap<?, ?>) o).context)
            && entries.equals(((ORMap<?, ?>) o).entries));
  }

  @Override
  public int hashCode() {
    return 31 * context.hashCode() + entries.hashCode();
  }

  /** Returns the entries, for example {@code ORMap{apple=CausalCounter[2]}}. */
  @Override
  public String toString() {
    return "ORMap" + entries;
  }

  // --- wire access (see WireParts) ------------------------------------------------------------

  HashTrieMap<K, V> entriesForWire() {
    return entries;
  }

  HashTrieMap<K, Boolean> touchedForWire() {
    return touched;
  }

  DeltaDots deltaDotsForWire() {
    return deltaDots;
  }

  boolean closedForWire() {
    return closed;
  }

  V zeroForWire() {
    return zero;
  }

  static <K, V extends CausalCrdt<V>> ORMap<K, V> fromWire(
      HashTrieMap<K, V> entries,
      CausalContext context,
      HashTrieMap<K, Boolean> touched,
      DeltaDots deltaDots,
      boolean closed,
      V zero) {
    return new ORMap<>(entries, context, touched, deltaDots, closed && touched == null, zero, null);
  }

  /** Returns {@code value} as a bare store (empty context), the form nested values take. */
  static <V extends CausalCrdt<V>> V bare(V value) {
    return rebind(value, CausalContext.empty());
  }

  /** Adds the dots of a causal value's store to {@code out}. */
  static void dotsOf(CausalCrdt<?> value, List<Dot> out) {
    collectDots(value, out);
  }
}
