package io.converge.replication.store;

import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What a {@link DurableStore} held when it was opened (see {@link DurableStore#recover()}).
 *
 * <p>To rebuild a replica's state, start from {@link #states()} and apply {@link #log()} in order:
 * the log holds what was appended after the last checkpoint that covers it. A logged record may
 * already be reflected in a checkpointed state (a checkpoint may be written before the log it
 * covers is known to be durable elsewhere), so applying it must be idempotent, as a CRDT merge is.
 *
 * <p>This record is immutable and thread-safe: the constructor copies the map and the list.
 *
 * @param states the last checkpointed full state of each key, by key
 * @param log the records appended after the last checkpoint that covers them, in append order
 * @param hlcBound the largest {@code hlcBound} ever passed to {@link DurableStore#append} or {@link
 *     DurableStore#checkpoint}, 0 for a new store
 * @param created true if opening created the store (then the map and the list are empty)
 */
public record Recovered(
    SortedMap<String, StoredRecord> states,
    List<StoredRecord> log,
    long hlcBound,
    boolean created) {

  /**
   * Makes a recovered view, copying the map and the list.
   *
   * @param states the last checkpointed full state of each key; each value's key must equal its map
   *     key
   * @param log the logged records in append order
   * @param hlcBound the largest hlc bound stored, {@code >= 0}
   * @param created true if opening created the store
   * @throws NullPointerException if {@code states}, {@code log} or an element is null
   * @throws IllegalArgumentException if {@code hlcBound < 0}, a state's key differs from its map
   *     key, or {@code states} is not ordered by the keys' natural order
   */
  public Recovered {
    Objects.requireNonNull(states, "states");
    Objects.requireNonNull(log, "log");
    if (hlcBound < 0) {
      throw new IllegalArgumentException("hlcBound must be >= 0: hlcBound=" + hlcBound);
    }
    if (states.comparator() != null) {
      throw new IllegalArgumentException(
          "states must be sorted by the keys' natural order: comparator=" + states.comparator());
    }
    TreeMap<String, StoredRecord> copy = new TreeMap<>();
    for (var e : states.entrySet()) {
      String k = Objects.requireNonNull(e.getKey(), "states key");
      StoredRecord r = Objects.requireNonNull(e.getValue(), "states value");
      if (!k.equals(r.key())) {
        throw new IllegalArgumentException(
            "state under key \"" + k + "\" belongs to key \"" + r.key() + "\"");
      }
      copy.put(k, r);
    }
    states = Collections.unmodifiableSortedMap(copy);
    log = List.copyOf(log);
  }
}
