package io.converge.clocks;

import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A version vector: for each replica, how many of its events have been seen (Parker et al.,
 * "Detection of Mutual Inconsistency in Distributed Systems", 1983). A replica that is absent has
 * counter 0.
 *
 * <p>Version vectors form a join-semilattice: {@link #merge} is the least upper bound (the
 * entry-wise maximum) and {@link #compare} is the partial order.
 *
 * <p>Design note: entries live in two parallel arrays sorted by replica id, with no boxed values,
 * so comparing and merging walk both vectors once, in O(n + m), and stop as soon as the answer is
 * known. {@code get} is a binary search. The replica-id array is never mutated after construction,
 * so vectors that differ only in counters share it. Operations that change nothing return {@code
 * this} instead of a copy.
 *
 * <p>This class is immutable and thread-safe.
 */
public final class VersionVector {

  private static final ReplicaId[] NO_REPLICAS = {};
  private static final long[] NO_COUNTERS = {};
  private static final VersionVector EMPTY = new VersionVector(NO_REPLICAS, NO_COUNTERS);

  /** Sorted ascending and unique; never mutated, so it may be shared between vectors. */
  private final ReplicaId[] replicas;

  /** {@code counters[i]} belongs to {@code replicas[i]}; every counter is at least 1. */
  private final long[] counters;

  private int hash;

  private VersionVector(ReplicaId[] replicas, long[] counters) {
    this.replicas = replicas;
    this.counters = counters;
  }

  /**
   * Returns the empty version vector, which has seen nothing.
   *
   * @return the empty vector
   */
  public static VersionVector empty() {
    return EMPTY;
  }

  /**
   * Returns a vector with one entry.
   *
   * @param replica the replica
   * @param counter the number of its events seen, at least 0 (0 gives the empty vector)
   * @return the vector
   * @throws NullPointerException if {@code replica} is null
   * @throws IllegalArgumentException if {@code counter} is negative
   */
  public static VersionVector of(ReplicaId replica, long counter) {
    return EMPTY.with(replica, counter);
  }

  /**
   * Returns a vector with the given entries. Entries with counter 0 are left out.
   *
   * @param entries counters by replica
   * @return the vector
   * @throws NullPointerException if {@code entries}, a key or a value is null
   * @throws IllegalArgumentException if a counter is negative; the message names it
   */
  public static VersionVector of(Map<ReplicaId, Long> entries) {
    Objects.requireNonNull(entries, "entries");
    TreeMap<ReplicaId, Long> sorted = new TreeMap<>();
    for (Map.Entry<ReplicaId, Long> e : entries.entrySet()) {
      ReplicaId replica = Objects.requireNonNull(e.getKey(), "replica");
      long counter = Objects.requireNonNull(e.getValue(), "counter");
      checkCounter(replica, counter);
      if (counter > 0) {
        sorted.put(replica, counter);
      }
    }
    if (sorted.isEmpty()) {
      return EMPTY;
    }
    ReplicaId[] ids = sorted.keySet().toArray(NO_REPLICAS);
    long[] values = new long[ids.length];
    int i = 0;
    for (long v : sorted.values()) {
      values[i++] = v;
    }
    return new VersionVector(ids, values);
  }

  private static void checkCounter(ReplicaId replica, long counter) {
    if (counter < 0) {
      throw new IllegalArgumentException(
          "version vector counter must be >= 0: counter=" + counter + ", replica=" + replica);
    }
  }

  /**
   * Returns how many events of {@code replica} this vector has seen.
   *
   * @param replica the replica
   * @return its counter, 0 if absent
   * @throws NullPointerException if {@code replica} is null
   */
  public long get(ReplicaId replica) {
    int i = indexOf(Objects.requireNonNull(replica, "replica"));
    return i >= 0 ? counters[i] : 0L;
  }

  /**
   * Returns whether this vector has seen {@code dot}, that is whether {@code dot.counter() <=
   * get(dot.replica())}.
   *
   * @param dot the event
   * @return true if seen
   * @throws NullPointerException if {@code dot} is null
   */
  public boolean contains(Dot dot) {
    return dot.counter() <= get(dot.replica());
  }

  /**
   * Returns the number of replicas with a counter above 0.
   *
   * @return the number of entries
   */
  public int size() {
    return replicas.length;
  }

  /**
   * Returns whether this is the empty vector.
   *
   * @return true if no replica has a counter above 0
   */
  public boolean isEmpty() {
    return replicas.length == 0;
  }

  /**
   * Returns the replica of the entry at {@code index}, in ascending replica order. With {@link
   * #counter(int)} and {@link #size()} this walks the entries without allocating.
   *
   * @param index from 0 to {@code size() - 1}
   * @return the replica
   * @throws IndexOutOfBoundsException if {@code index} is out of range
   */
  public ReplicaId replica(int index) {
    Objects.checkIndex(index, replicas.length);
    return replicas[index];
  }

  /**
   * Returns the counter of the entry at {@code index}, in ascending replica order.
   *
   * @param index from 0 to {@code size() - 1}
   * @return the counter, at least 1
   * @throws IndexOutOfBoundsException if {@code index} is out of range
   */
  public long counter(int index) {
    Objects.checkIndex(index, counters.length);
    return counters[index];
  }

  /**
   * Returns the entries as an unmodifiable map sorted by replica.
   *
   * @return a new map view of the entries
   */
  public Map<ReplicaId, Long> toMap() {
    TreeMap<ReplicaId, Long> map = new TreeMap<>();
    for (int i = 0; i < replicas.length; i++) {
      map.put(replicas[i], counters[i]);
    }
    return Collections.unmodifiableMap(map);
  }

  /**
   * Returns this vector with one more event of {@code replica}.
   *
   * @param replica the replica whose counter goes up by one
   * @return the new vector
   * @throws NullPointerException if {@code replica} is null
   * @throws ArithmeticException if the counter is already {@link Long#MAX_VALUE}
   */
  public VersionVector increment(ReplicaId replica) {
    int i = indexOf(Objects.requireNonNull(replica, "replica"));
    if (i >= 0) {
      if (counters[i] == Long.MAX_VALUE) {
        throw new ArithmeticException(
            "version vector counter overflow: replica=" + replica + ", counter=" + counters[i]);
      }
      long[] next = counters.clone();
      next[i]++;
      return new VersionVector(replicas, next);
    }
    return insert(-i - 1, replica, 1L);
  }

  /**
   * Returns this vector with {@code replica}'s counter set to {@code counter}, which may be lower
   * than the current one. Use {@link #merge} to only ever move forward.
   *
   * @param replica the replica
   * @param counter the new counter, at least 0; 0 removes the entry
   * @return the new vector, or {@code this} if nothing changes
   * @throws NullPointerException if {@code replica} is null
   * @throws IllegalArgumentException if {@code counter} is negative
   */
  public VersionVector with(ReplicaId replica, long counter) {
    Objects.requireNonNull(replica, "replica");
    checkCounter(replica, counter);
    int i = indexOf(replica);
    if (i >= 0) {
      if (counters[i] == counter) {
        return this;
      }
      if (counter == 0) {
        return remove(i);
      }
      long[] next = counters.clone();
      next[i] = counter;
      return new VersionVector(replicas, next);
    }
    return counter == 0 ? this : insert(-i - 1, replica, counter);
  }

  private VersionVector insert(int at, ReplicaId replica, long counter) {
    int n = replicas.length;
    ReplicaId[] ids = new ReplicaId[n + 1];
    long[] values = new long[n + 1];
    System.arraycopy(replicas, 0, ids, 0, at);
    System.arraycopy(counters, 0, values, 0, at);
    ids[at] = replica;
    values[at] = counter;
    System.arraycopy(replicas, at, ids, at + 1, n - at);
    System.arraycopy(counters, at, values, at + 1, n - at);
    return new VersionVector(ids, values);
  }

  private VersionVector remove(int at) {
    int n = replicas.length;
    if (n == 1) {
      return EMPTY;
    }
    ReplicaId[] ids = new ReplicaId[n - 1];
    long[] values = new long[n - 1];
    System.arraycopy(replicas, 0, ids, 0, at);
    System.arraycopy(counters, 0, values, 0, at);
    System.arraycopy(replicas, at + 1, ids, at, n - at - 1);
    System.arraycopy(counters, at + 1, values, at, n - at - 1);
    return new VersionVector(ids, values);
  }

  /**
   * Returns the least upper bound of this vector and {@code other}: for each replica, the larger
   * counter. Merge is commutative, associative and idempotent.
   *
   * <p>When one vector already dominates the other, that vector itself is returned and nothing is
   * allocated.
   *
   * @param other the vector to merge with
   * @return the merged vector
   * @throws NullPointerException if {@code other} is null
   */
  public VersionVector merge(VersionVector other) {
    switch (compare(other)) {
      case AFTER:
      case EQUAL:
        return this;
      case BEFORE:
        return other;
      default:
        return mergeConcurrent(other);
    }
  }

  private VersionVector mergeConcurrent(VersionVector other) {
    ReplicaId[] a = replicas;
    ReplicaId[] b = other.replicas;
    if (sameIds(a, b)) {
      // The common case (the same replicas on both sides): one pass, the ids array shared.
      long[] values = new long[a.length];
      for (int i = 0; i < values.length; i++) {
        values[i] = Math.max(counters[i], other.counters[i]);
      }
      return new VersionVector(a, values);
    }
    int size = 0;
    for (int i = 0, j = 0; i < a.length || j < b.length; size++) {
      int c = i == a.length ? 1 : j == b.length ? -1 : compareIds(a[i], b[j]);
      if (c <= 0) {
        i++;
      }
      if (c >= 0) {
        j++;
      }
    }
    ReplicaId[] ids = new ReplicaId[size];
    long[] values = new long[size];
    for (int i = 0, j = 0, k = 0; k < size; k++) {
      int c = i == a.length ? 1 : j == b.length ? -1 : compareIds(a[i], b[j]);
      if (c == 0) {
        ids[k] = a[i];
        values[k] = Math.max(counters[i++], other.counters[j++]);
      } else if (c < 0) {
        ids[k] = a[i];
        values[k] = counters[i++];
      } else {
        ids[k] = b[j];
        values[k] = other.counters[j++];
      }
    }
    return new VersionVector(ids, values);
  }

  /** Whether both arrays hold the same ids in the same order (interned ids: by identity). */
  private static boolean sameIds(ReplicaId[] a, ReplicaId[] b) {
    if (a == b) {
      return true;
    }
    if (a.length != b.length) {
      return false;
    }
    for (int i = 0; i < a.length; i++) {
      if (!a[i].equals(b[i])) {
        return false;
      }
    }
    return true;
  }

  /**
   * Compares this vector with {@code other} in the causal partial order. The walk stops as soon as
   * each side is known to have seen something the other has not.
   *
   * @param other the vector to compare with
   * @return {@link CausalOrder#BEFORE} if this has seen strictly less, {@link CausalOrder#AFTER} if
   *     strictly more, {@link CausalOrder#EQUAL} if the same, and {@link CausalOrder#CONCURRENT}
   *     otherwise
   * @throws NullPointerException if {@code other} is null
   */
  public CausalOrder compare(VersionVector other) {
    if (other == this) {
      return CausalOrder.EQUAL;
    }
    ReplicaId[] a = replicas;
    ReplicaId[] b = other.replicas;
    long[] ca = counters;
    long[] cb = other.counters;
    if (a.length == 1 && b.length == 1 && a[0].equals(b[0])) {
      return order(Long.compare(ca[0], cb[0]));
    }
    boolean thisAhead = false;
    boolean otherAhead = false;
    int i = 0;
    int j = 0;
    while (i < a.length && j < b.length) {
      int c = compareIds(a[i], b[j]);
      if (c == 0) {
        if (ca[i] > cb[j]) {
          thisAhead = true;
        } else if (ca[i] < cb[j]) {
          otherAhead = true;
        }
        i++;
        j++;
      } else if (c < 0) {
        thisAhead = true;
        i++;
      } else {
        otherAhead = true;
        j++;
      }
      if (thisAhead && otherAhead) {
        return CausalOrder.CONCURRENT;
      }
    }
    thisAhead |= i < a.length;
    otherAhead |= j < b.length;
    if (thisAhead) {
      return otherAhead ? CausalOrder.CONCURRENT : CausalOrder.AFTER;
    }
    return otherAhead ? CausalOrder.BEFORE : CausalOrder.EQUAL;
  }

  private static CausalOrder order(int c) {
    return c < 0 ? CausalOrder.BEFORE : c > 0 ? CausalOrder.AFTER : CausalOrder.EQUAL;
  }

  /**
   * Returns whether this vector has seen everything {@code other} has (it is {@link
   * CausalOrder#AFTER} or {@link CausalOrder#EQUAL}).
   *
   * @param other the vector to compare with
   * @return true if {@code other <= this}
   * @throws NullPointerException if {@code other} is null
   */
  public boolean dominates(VersionVector other) {
    CausalOrder order = compare(other);
    return order == CausalOrder.AFTER || order == CausalOrder.EQUAL;
  }

  private int indexOf(ReplicaId replica) {
    return Arrays.binarySearch(replicas, replica);
  }

  private static int compareIds(ReplicaId x, ReplicaId y) {
    return x == y ? 0 : x.compareTo(y);
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof VersionVector)) {
      return false;
    }
    VersionVector that = (VersionVector) o;
    return Arrays.equals(counters, that.counters) && Arrays.equals(replicas, that.replicas);
  }

  @Override
  public int hashCode() {
    int h = hash;
    if (h == 0) {
      h = 31 * Arrays.hashCode(replicas) + Arrays.hashCode(counters);
      hash = h;
    }
    return h;
  }

  /** Returns the entries in replica order, for example {@code {eu-west=3, us-east=5}}. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("{");
    for (int i = 0; i < replicas.length; i++) {
      if (i > 0) {
        sb.append(", ");
      }
      sb.append(replicas[i]).append('=').append(counters[i]);
    }
    return sb.append('}').toString();
  }
}
