package io.converge.crdt;

import io.converge.clocks.CausalContext;
import io.converge.clocks.Dot;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The bridge between the causal CRDTs and Converge's wire codecs: the parts a serializer needs
 * (dots, causal context, and for deltas of sets and maps the keys they concern and their causal
 * dependencies), and validated rebuilding from parts that came from an untrusted peer.
 *
 * <p>This is not an application API: applications read values through the types' own methods. The
 * parts expose representation details (which dots are live, whether a state is a delta) that only a
 * serializer should depend on, and they may change between versions.
 *
 * <p>Every {@code from...} method checks the invariants a merge relies on and throws {@link
 * IllegalArgumentException} naming the offending value: every live dot lies in the causal context
 * that scopes it, no dot is live twice, no entry of a set or map is empty, and a delta lists every
 * key it holds. A value nested in an {@link ORMap} is a bare store (empty context) whose dots are
 * scoped by the map's context, so the rebuilding methods take the scope explicitly.
 *
 * <p>This class is stateless and thread-safe.
 */
public final class WireParts {

  private WireParts() {}

  /**
   * What makes an {@link ORSet} or {@link ORMap} value a delta.
   *
   * @param touched the keys the delta's context concerns
   * @param events the delta's own events
   * @param dependencies the dots its events overwrote that are not its own events
   * @param <K> the key type
   */
  public record DeltaParts<K>(Set<K> touched, CausalContext events, CausalContext dependencies) {
    /**
     * Checks the parts.
     *
     * @param touched the keys the delta's context concerns
     * @param events the delta's own events
     * @param dependencies the dots its events overwrote that are not its own events
     * @throws NullPointerException if an argument is null
     */
    public DeltaParts {
      touched = Collections.unmodifiableSet(new LinkedHashSet<>(touched));
      Objects.requireNonNull(events, "events");
      Objects.requireNonNull(dependencies, "dependencies");
    }
  }

  /**
   * The parts of an {@link ORSet}.
   *
   * @param entries each element with its live dots, sorted
   * @param context the causal context
   * @param delta the delta parts, or null for a full state
   * @param closed for a full state, whether it reflects exactly the writes its context names
   * @param <E> the element type
   */
  public record ORSetParts<E>(
      Map<E, List<Dot>> entries, CausalContext context, DeltaParts<E> delta, boolean closed) {}

  /**
   * The parts of an {@link ORMap}.
   *
   * @param values each key with its value as a bare store (empty context)
   * @param context the causal context, which scopes the values' dots
   * @param delta the delta parts, or null for a full state
   * @param closed for a full state, whether it reflects exactly the writes its context names
   * @param <K> the key type
   * @param <V> the value type
   */
  public record ORMapParts<K, V extends CausalCrdt<V>>(
      Map<K, V> values, CausalContext context, DeltaParts<K> delta, boolean closed) {}

  /**
   * The parts of an {@link MVRegister}.
   *
   * @param siblings the live versions, sorted by dot
   * @param context the causal context
   * @param <V> the value type
   */
  public record MVRegisterParts<V>(List<Versioned<V>> siblings, CausalContext context) {}

  /**
   * The parts of an {@link EWFlag} (no disables) or a {@link DWFlag}.
   *
   * @param enables the live enables, sorted
   * @param disables the live disables, sorted
   * @param context the causal context
   */
  public record FlagParts(List<Dot> enables, List<Dot> disables, CausalContext context) {}

  /**
   * One live change of a {@link CausalCounter}.
   *
   * @param dot the change's write
   * @param amount the signed amount, not 0
   */
  public record Change(Dot dot, long amount) {}

  /**
   * The parts of a {@link CausalCounter}.
   *
   * @param changes the live changes, sorted by dot
   * @param context the causal context
   */
  public record CounterParts(List<Change> changes, CausalContext context) {}

  // --- ORSet -------------------------------------------------------------------------------------

  /**
   * Returns the parts of a set.
   *
   * @param set the set
   * @param <E> the element type
   * @return its parts
   */
  public static <E> ORSetParts<E> of(ORSet<E> set) {
    Map<E, List<Dot>> entries = new LinkedHashMap<>();
    set.entriesForWire().forEach((e, dots) -> entries.put(e, List.of(dots)));
    return new ORSetParts<>(
        Collections.unmodifiableMap(entries),
        set.context(),
        deltaParts(set.touchedForWire(), set.deltaDotsForWire()),
        set.closedForWire());
  }

  /**
   * Rebuilds a set from parts, checking them.
   *
   * @param parts the parts
   * @param scope the context the live dots must lie in: {@code parts.context()} for a top-level
   *     value, the enclosing map's context for a nested one
   * @param <E> the element type
   * @return the set, with no pending delta
   * @throws IllegalArgumentException if the parts break an invariant; the message names it
   */
  public static <E> ORSet<E> toORSet(ORSetParts<E> parts, CausalContext scope) {
    Set<Dot> seen = new HashSet<>();
    HashTrieMap.Builder<E, Dot[]> entries = HashTrieMap.builder();
    for (Map.Entry<E, List<Dot>> e : parts.entries().entrySet()) {
      Objects.requireNonNull(e.getKey(), "element");
      if (e.getValue().isEmpty()) {
        throw new IllegalArgumentException("element " + e.getKey() + " has no dots");
      }
      entries.put(e.getKey(), sortedChecked("element " + e.getKey(), e.getValue(), scope, seen));
    }
    HashTrieMap<E, Dot[]> built = entries.build();
    DeltaParts<E> delta = parts.delta();
    HashTrieMap<E, Boolean> touched = touched(delta, built.keys(), parts.context());
    return ORSet.fromWire(built, parts.context(), touched, deltaDots(delta), parts.closed());
  }

  // --- ORMap -------------------------------------------------------------------------------------

  /**
   * Returns the parts of a map; its values are bare stores.
   *
   * @param map the map
   * @param <K> the key type
   * @param <V> the value type
   * @return its parts
   */
  public static <K, V extends CausalCrdt<V>> ORMapParts<K, V> of(ORMap<K, V> map) {
    Map<K, V> values = new LinkedHashMap<>();
    map.entriesForWire().forEach(values::put);
    return new ORMapParts<>(
        Collections.unmodifiableMap(values),
        map.context(),
        deltaParts(map.touchedForWire(), map.deltaDotsForWire()),
        map.closedForWire());
  }

  /**
   * Returns the value of absent keys of {@code map}, such as {@code ORSet.empty()}.
   *
   * @param map the map
   * @param <V> the value type
   * @return the zero value
   */
  public static <V extends CausalCrdt<V>> V zeroOf(ORMap<?, V> map) {
    return map.zeroForWire();
  }

  /**
   * Rebuilds a map from parts, checking them. The values must be bare stores, rebuilt with this
   * map's context as their scope.
   *
   * @param parts the parts
   * @param zero the value of absent keys; it must be empty
   * @param scope the context the live dots must lie in ({@code parts.context()} at top level)
   * @param <K> the key type
   * @param <V> the value type
   * @return the map, with no pending delta
   * @throws IllegalArgumentException if the parts break an invariant; the message names it
   */
  public static <K, V extends CausalCrdt<V>> ORMap<K, V> toORMap(
      ORMapParts<K, V> parts, V zero, CausalContext scope) {
    ORMap<K, V> empty = ORMap.empty(zero);
    Set<Dot> seen = new HashSet<>();
    HashTrieMap.Builder<K, V> values = HashTrieMap.builder();
    for (Map.Entry<K, V> e : parts.values().entrySet()) {
      K key = Objects.requireNonNull(e.getKey(), "key");
      V value = Objects.requireNonNull(e.getValue(), "value");
      if (value.isEmpty()) {
        throw new IllegalArgumentException("key " + key + " has an empty value");
      }
      if (!value.context().equals(CausalContext.empty())) {
        throw new IllegalArgumentException(
            "value of key " + key + " must be a bare store: context=" + value.context());
      }
      List<Dot> dots = new ArrayList<>();
      ORMap.dotsOf(value, dots);
      sortedChecked("key " + key, dots, scope, seen);
      values.put(key, ORMap.bare(value));
    }
    HashTrieMap<K, V> built = values.build();
    DeltaParts<K> delta = parts.delta();
    return ORMap.fromWire(
        built,
        parts.context(),
        touched(delta, built.keys(), parts.context()),
        deltaDots(delta),
        parts.closed(),
        zeroOf(empty));
  }

  // --- small causal types ------------------------------------------------------------------------

  /**
   * Returns the parts of a register.
   *
   * @param register the register
   * @param <V> the value type
   * @return its parts
   */
  public static <V> MVRegisterParts<V> of(MVRegister<V> register) {
    return new MVRegisterParts<>(List.of(register.siblingsForWire()), register.context());
  }

  /**
   * Rebuilds a register from parts, checking them.
   *
   * @param parts the parts
   * @param scope the context the live dots must lie in
   * @param <V> the value type
   * @return the register
   * @throws IllegalArgumentException if the parts break an invariant
   */
  public static <V> MVRegister<V> toMVRegister(MVRegisterParts<V> parts, CausalContext scope) {
    List<Dot> dots = new ArrayList<>();
    for (Versioned<V> v : parts.siblings()) {
      dots.add(Objects.requireNonNull(v, "sibling").dot());
    }
    sortedChecked("register", dots, scope, new HashSet<>());
    return MVRegister.fromWire(parts.siblings(), parts.context());
  }

  /**
   * Returns the parts of an enable-wins flag.
   *
   * @param flag the flag
   * @return its parts, with no disables
   */
  public static FlagParts of(EWFlag flag) {
    return new FlagParts(List.of(flag.enablesForWire()), List.of(), flag.context());
  }

  /**
   * Returns the parts of a disable-wins flag.
   *
   * @param flag the flag
   * @return its parts
   */
  public static FlagParts of(DWFlag flag) {
    return new FlagParts(
        List.of(flag.enablesForWire()), List.of(flag.disablesForWire()), flag.context());
  }

  /**
   * Rebuilds an enable-wins flag from parts, checking them.
   *
   * @param parts the parts; disables must be empty
   * @param scope the context the live dots must lie in
   * @return the flag
   * @throws IllegalArgumentException if the parts break an invariant
   */
  public static EWFlag toEWFlag(FlagParts parts, CausalContext scope) {
    if (!parts.disables().isEmpty()) {
      throw new IllegalArgumentException(
          "an enable-wins flag has no disables: disables=" + parts.disables());
    }
    return EWFlag.fromWire(
        sortedChecked("flag", parts.enables(), scope, new HashSet<>()), parts.context());
  }

  /**
   * Rebuilds a disable-wins flag from parts, checking them.
   *
   * @param parts the parts
   * @param scope the context the live dots must lie in
   * @return the flag
   * @throws IllegalArgumentException if the parts break an invariant
   */
  public static DWFlag toDWFlag(FlagParts parts, CausalContext scope) {
    Set<Dot> seen = new HashSet<>();
    return DWFlag.fromWire(
        sortedChecked("flag enables", parts.enables(), scope, seen),
        sortedChecked("flag disables", parts.disables(), scope, seen),
        parts.context());
  }

  /**
   * Returns the parts of a counter.
   *
   * @param counter the counter
   * @return its parts
   */
  public static CounterParts of(CausalCounter counter) {
    List<Change> changes = new ArrayList<>();
    for (CausalCounter.Change c : counter.changesForWire()) {
      changes.add(new Change(c.dot(), c.amount()));
    }
    return new CounterParts(List.copyOf(changes), counter.context());
  }

  /**
   * Rebuilds a counter from parts, checking them.
   *
   * @param parts the parts
   * @param scope the context the live dots must lie in
   * @return the counter
   * @throws IllegalArgumentException if the parts break an invariant, or an amount is 0
   */
  public static CausalCounter toCausalCounter(CounterParts parts, CausalContext scope) {
    List<Change> sorted = new ArrayList<>(parts.changes());
    sorted.sort((a, b) -> a.dot().compareTo(b.dot()));
    List<Dot> dots = new ArrayList<>();
    CausalCounter.Change[] changes = new CausalCounter.Change[sorted.size()];
    for (int i = 0; i < changes.length; i++) {
      Change c = Objects.requireNonNull(sorted.get(i), "change");
      if (c.amount() == 0) {
        throw new IllegalArgumentException("counter change " + c.dot() + " has amount 0");
      }
      dots.add(c.dot());
      changes[i] = new CausalCounter.Change(c.dot(), c.amount());
    }
    sortedChecked("counter", dots, scope, new HashSet<>());
    return CausalCounter.fromWire(changes, parts.context());
  }

  // --- shared ------------------------------------------------------------------------------------

  private static <K> DeltaParts<K> deltaParts(HashTrieMap<K, Boolean> touched, DeltaDots dots) {
    if (touched == null) {
      return null;
    }
    return new DeltaParts<>(touched.keys(), dots.events(), dots.deps());
  }

  private static <K> HashTrieMap<K, Boolean> touched(
      DeltaParts<K> delta, Collection<K> keys, CausalContext context) {
    if (delta == null) {
      return null;
    }
    HashTrieMap.Builder<K, Boolean> out = HashTrieMap.builder();
    for (K k : delta.touched()) {
      out.put(Objects.requireNonNull(k, "touched key"), Boolean.TRUE);
    }
    HashTrieMap<K, Boolean> built = out.build();
    for (K k : keys) {
      if (!built.containsKey(k)) {
        throw new IllegalArgumentException("delta holds key " + k + " but does not list it");
      }
    }
    if (!context.containsAll(delta.events()) || !context.containsAll(delta.dependencies())) {
      throw new IllegalArgumentException(
          "delta events and dependencies must lie in its context: events="
              + delta.events()
              + ", dependencies="
              + delta.dependencies()
              + ", context="
              + context);
    }
    return built;
  }

  private static DeltaDots deltaDots(DeltaParts<?> delta) {
    return delta == null ? null : new DeltaDots(delta.events(), delta.dependencies());
  }

  /**
   * Checks that every dot lies in {@code scope} and is new to {@code seen}; returns them sorted.
   */
  private static Dot[] sortedChecked(
      String what, Collection<Dot> dots, CausalContext scope, Set<Dot> seen) {
    Dot[] out = dots.toArray(new Dot[0]);
    for (Dot d : out) {
      Objects.requireNonNull(d, "dot");
      if (!scope.contains(d)) {
        throw new IllegalArgumentException(
            what + ": live dot " + d + " is not in the causal context " + scope);
      }
      if (!seen.add(d)) {
        throw new IllegalArgumentException(what + ": dot " + d + " is live twice");
      }
    }
    Arrays.sort(out);
    return out;
  }
}
