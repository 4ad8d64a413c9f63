package io.converge.crdt;

import io.converge.clocks.HlcTimestamp;
import io.converge.clocks.HybridLogicalClock;
import io.converge.clocks.ReplicaId;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A map whose values are last-writer-wins registers: concurrent puts to one key resolve to the put
 * with the greatest (hybrid logical clock timestamp, writer replica id), the same on every replica.
 *
 * <p>Built as an {@link ORMap} of {@link MVRegister}s, so the rules are exact and keep no
 * tombstones:
 *
 * <ul>
 *   <li>{@link #put} replaces every version of the key its replica has seen; versions written
 *       concurrently are kept underneath and {@link #get} returns the last writer's.
 *   <li>{@link #remove} removes the versions its replica has seen. A put made concurrently
 *       elsewhere survives the remove (observed-remove, like Pekko's {@code LWWMap}); a remove
 *       never loses to an older put it has seen.
 * </ul>
 *
 * <p>Timestamps should come from each writer's {@link HybridLogicalClock} (see {@link
 * #put(ReplicaId, Object, Object, HybridLogicalClock)}), so that a write made after seeing another
 * always has the greater timestamp, whatever the wall clocks say.
 *
 * <p>Costs as {@link ORMap}. This class is immutable and thread-safe if keys and values are.
 *
 * @param <K> the key type; keys must be immutable with value-based {@code equals}
 * @param <V> the value type; values must be immutable
 */
public final class LWWMap<K, V> implements DeltaCrdt<LWWMap<K, V>> {

  private static final LWWMap<?, ?> EMPTY = new LWWMap<>(ORMap.empty(MVRegister.empty()));

  private final ORMap<K, MVRegister<V>> map;

  private LWWMap(ORMap<K, MVRegister<V>> map) {
    this.map = map;
  }

  /**
   * Returns the empty map.
   *
   * @param <K> the key type
   * @param <V> the value type
   * @return the empty map
   */
  @SuppressWarnings("unchecked")
  public static <K, V> LWWMap<K, V> empty() {
    return (LWWMap<K, V>) EMPTY;
  }

  /**
   * Returns this map after {@code replica} puts {@code value} under {@code key} at {@code
   * timestamp}.
   *
   * @param replica the writing replica
   * @param key the key
   * @param value the value
   * @param timestamp the write's time
   * @return the new map
   * @throws NullPointerException if an argument is null
   */
  public LWWMap<K, V> put(ReplicaId replica, K key, V value, HlcTimestamp timestamp) {
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(timestamp, "timestamp");
    return new LWWMap<>(map.update(replica, key, r -> r.write(replica, value, timestamp)));
  }

  /**
   * Returns this map after {@code replica} puts {@code value} under {@code key}, stamped with
   * {@code clock.now()}.
   *
   * @param replica the writing replica
   * @param key the key
   * @param value the value
   * @param clock the writer's hybrid logical clock
   * @return the new map
   * @throws NullPointerException if an argument is null
   */
  public LWWMap<K, V> put(ReplicaId replica, K key, V value, HybridLogicalClock clock) {
    return put(replica, key, value, Objects.requireNonNull(clock, "clock").now());
  }

  /**
   * Returns this map with the versions of {@code key} that {@code replica} has seen removed.
   *
   * @param replica the replica making the change
   * @param key the key
   * @return the new map, or {@code this} if the key is absent
   * @throws NullPointerException if an argument is null
   */
  public LWWMap<K, V> remove(ReplicaId replica, K key) {
    ORMap<K, MVRegister<V>> next = map.remove(replica, key);
    return next == map ? this : new LWWMap<>(next);
  }

  /**
   * Returns the value of {@code key}: the last writer's among concurrent versions.
   *
   * @param key the key
   * @return the value, or empty if absent
   */
  public Optional<V> get(Object key) {
    return map.get(key).flatMap(r -> r.resolve(ConflictResolver.lastWriterWins()));
  }

  /**
   * Returns the concurrent versions of {@code key}, in {@link Versioned#ORDER}; the last one wins.
   *
   * @param key the key
   * @return the versions, empty if the key is absent
   */
  public List<Versioned<V>> versions(Object key) {
    return map.get(key).map(MVRegister::siblings).orElse(List.of());
  }

  /**
   * Returns whether {@code key} is present.
   *
   * @param key the key
   * @return true if present
   */
  public boolean containsKey(Object key) {
    return map.containsKey(key);
  }

  /**
   * Returns the number of keys.
   *
   * @return the size
   */
  public int size() {
    return map.size();
  }

  /**
   * Returns whether the map is empty.
   *
   * @return true if no key is present
   */
  public boolean isEmpty() {
    return map.isEmpty();
  }

  /**
   * Returns the keys as an unmodifiable view.
   *
   * @return the keys
   */
  public Set<K> keys() {
    return map.keys();
  }

  /**
   * Returns a snapshot of the resolved entries; O(size).
   *
   * @return an unmodifiable map from key to the winning value
   */
  public Map<K, V> toMap() {
    Map<K, V> out = new LinkedHashMap<>();
    for (K key : map.keys()) {
      get(key).ifPresent(v -> out.put(key, v));
    }
    return Collections.unmodifiableMap(out);
  }

  /**
   * Returns the underlying map of registers, for example to read every concurrent version.
   *
   * @return the observed-remove map
   */
  public ORMap<K, MVRegister<V>> asORMap() {
    return map;
  }

  @Override
  public LWWMap<K, V> merge(LWWMap<K, V> other) {
    ORMap<K, MVRegister<V>> merged = map.merge(Objects.requireNonNull(other, "other").map);
    return merged == map ? this : merged == other.map ? other : new LWWMap<>(merged);
  }

  @Override
  public Optional<LWWMap<K, V>> delta() {
    return map.delta().map(LWWMap::new);
  }

  @Override
  public LWWMap<K, V> resetDelta() {
    ORMap<K, MVRegister<V>> reset = map.resetDelta();
    return reset == map ? this : new LWWMap<>(reset);
  }

  /** Compares the underlying states; the pending delta is not part of the state. */
  @Override
  public boolean equals(Object o) {
    return this == o || (o instanceof LWWMap && map.equals(((LWWMap<?, ?>) o).map));
  }

  @Override
  public int hashCode() {
    return map.hashCode();
  }

  /** Returns the resolved entries, for example {@code LWWMap{a=1}}. */
  @Override
  public String toString() {
    return "LWWMap" + toMap();
  }
}
