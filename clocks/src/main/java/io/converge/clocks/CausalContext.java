package io.converge.clocks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * The set of events (dots) a replica has seen: a compact {@link VersionVector} for the contiguous
 * prefix of each replica's events, plus a <em>dot cloud</em> of events seen out of order (Almeida,
 * Shoker, Baquero, "Delta State Replicated Data Types", 2018, section 7).
 *
 * <p>A dot {@code (r, n)} is in the context when {@code n <= versionVector().get(r)} or when it is
 * in the cloud. Every context is kept compacted: a cloud dot that continues the vector's prefix is
 * folded into the vector, and a dot the vector already covers is dropped. So the representation is
 * canonical, two contexts with the same dots are {@link #equals equal}, and with in-order delivery
 * the cloud stays empty.
 *
 * <p>Design note: the cloud is a sorted array of dots (by replica, then counter), searched by
 * binary search. It is expected to be small, because it only holds dots received out of order, and
 * it shrinks as gaps fill.
 *
 * <p>This class is immutable and thread-safe.
 */
public final class CausalContext {

  private static final Dot[] NO_DOTS = {};
  private static final CausalContext EMPTY = new CausalContext(VersionVector.empty(), NO_DOTS);

  private final VersionVector compact;

  /** Sorted, unique, none covered by {@code compact}, none equal to compact's next dot. */
  private final Dot[] cloud;

  private CausalContext(VersionVector compact, Dot[] cloud) {
    this.compact = compact;
    this.cloud = cloud;
  }

  /**
   * Returns the empty context, which has seen nothing.
   *
   * @return the empty context
   */
  public static CausalContext empty() {
    return EMPTY;
  }

  /**
   * Returns the context of every dot that {@code versionVector} covers.
   *
   * @param versionVector the contiguous events seen
   * @return the context
   * @throws NullPointerException if {@code versionVector} is null
   */
  public static CausalContext of(VersionVector versionVector) {
    Objects.requireNonNull(versionVector, "versionVector");
    return versionVector.isEmpty() ? EMPTY : new CausalContext(versionVector, NO_DOTS);
  }

  /**
   * Returns the context of the dots {@code versionVector} covers plus {@code dots}, compacted.
   *
   * @param versionVector the contiguous events seen
   * @param dots further events seen, in any order, duplicates allowed
   * @return the compacted context
   * @throws NullPointerException if an argument or a dot is null
   */
  public static CausalContext of(VersionVector versionVector, Collection<Dot> dots) {
    Objects.requireNonNull(versionVector, "versionVector");
    Dot[] array = dots.toArray(NO_DOTS);
    for (Dot d : array) {
      Objects.requireNonNull(d, "dot");
    }
    return compact(versionVector, array);
  }

  /** Folds {@code dots} into {@code vector}: the one place where compaction happens. */
  private static CausalContext compact(VersionVector vector, Dot[] dots) {
    if (dots.length == 0) {
      return of(vector);
    }
    Dot[] sorted = dots.clone();
    Arrays.sort(sorted);
    VersionVector out = vector;
    List<Dot> kept = new ArrayList<>();
    int i = 0;
    while (i < sorted.length) {
      ReplicaId replica = sorted[i].replica();
      long start = out.get(replica);
      long base = start;
      Dot last = null;
      for (; i < sorted.length && sorted[i].replica().equals(replica); i++) {
        Dot d = sorted[i];
        long c = d.counter();
        if (c <= base) {
          continue;
        }
        if (c == base + 1) {
          // Dots are sorted, so once one is kept (a gap) none after it can be contiguous.
          base = c;
        } else if (!d.equals(last)) {
          kept.add(d);
          last = d;
        }
      }
      if (base != start) {
        out = out.with(replica, base);
      }
    }
    return new CausalContext(out, kept.toArray(NO_DOTS));
  }

  /**
   * Returns the compact part: for each replica, the length of the prefix of its events seen without
   * a gap.
   *
   * @return the version vector
   */
  public VersionVector versionVector() {
    return compact;
  }

  /**
   * Returns the dots seen beyond a gap in their replica's sequence, sorted by replica then counter.
   *
   * @return an unmodifiable list, empty when the context is a plain version vector
   */
  public List<Dot> cloud() {
    return List.of(cloud);
  }

  /**
   * Returns whether the context is a plain version vector (no dot was seen out of order).
   *
   * @return true if the cloud is empty
   */
  public boolean isCompact() {
    return cloud.length == 0;
  }

  /**
   * Returns whether this context has seen {@code dot}.
   *
   * @param dot the event
   * @return true if seen
   * @throws NullPointerException if {@code dot} is null
   */
  public boolean contains(Dot dot) {
    return compact.contains(dot) || (cloud.length > 0 && Arrays.binarySearch(cloud, dot) >= 0);
  }

  /**
   * Returns whether every dot of {@code other} is in this context.
   *
   * @param other the context to test
   * @return true if this context includes {@code other}
   * @throws NullPointerException if {@code other} is null
   */
  public boolean containsAll(CausalContext other) {
    if (other == this) {
      return true;
    }
    VersionVector v = other.compact;
    for (int i = 0; i < v.size(); i++) {
      ReplicaId r = v.replica(i);
      long n = v.counter(i);
      // The prefix 1..n is in this context only if the compact part covers it: a cloud never
      // holds the dot right after the compact part, so it cannot fill the prefix.
      if (compact.get(r) < n) {
        return false;
      }
    }
    for (Dot d : other.cloud) {
      if (!contains(d)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Returns the largest counter of {@code replica} in this context.
   *
   * @param replica the replica
   * @return the largest counter seen, 0 if none
   * @throws NullPointerException if {@code replica} is null
   */
  public long max(ReplicaId replica) {
    long max = compact.get(replica);
    if (cloud.length > 0) {
      int i = Arrays.binarySearch(cloud, new Dot(replica, Long.MAX_VALUE));
      int last = i >= 0 ? i : -i - 2;
      if (last >= 0 && cloud[last].replica().equals(replica)) {
        max = Math.max(max, cloud[last].counter());
      }
    }
    return max;
  }

  /**
   * Returns the next dot {@code replica} should use for a new event: one past the largest counter
   * of {@code replica} in this context. The dot is not added; call {@link #add} with it.
   *
   * @param replica the replica making the event
   * @return the new dot
   * @throws NullPointerException if {@code replica} is null
   * @throws ArithmeticException if the counter would overflow
   */
  public Dot nextDot(ReplicaId replica) {
    long max = max(replica);
    if (max == Long.MAX_VALUE) {
      throw new ArithmeticException(
          "dot counter overflow: replica=" + replica + ", counter=" + max);
    }
    return new Dot(replica, max + 1);
  }

  /**
   * Returns this context with {@code dot} added.
   *
   * @param dot the event seen
   * @return the new context, or {@code this} if the dot was already in it
   * @throws NullPointerException if {@code dot} is null
   */
  public CausalContext add(Dot dot) {
    if (contains(dot)) {
      return this;
    }
    if (cloud.length == 0 && dot.counter() == compact.get(dot.replica()) + 1) {
      return new CausalContext(compact.with(dot.replica(), dot.counter()), NO_DOTS);
    }
    Dot[] dots = Arrays.copyOf(cloud, cloud.length + 1);
    dots[cloud.length] = dot;
    return compact(compact, dots);
  }

  /**
   * Returns the union of this context and {@code other}, compacted. Merge is commutative,
   * associative and idempotent.
   *
   * @param other the context to merge with
   * @return the union, or one of the arguments when it already includes the other
   * @throws NullPointerException if {@code other} is null
   */
  public CausalContext merge(CausalContext other) {
    if (containsAll(other)) {
      return this;
    }
    if (other.containsAll(this)) {
      return other;
    }
    VersionVector vector = compact.merge(other.compact);
    if (cloud.length == 0 && other.cloud.length == 0) {
      return new CausalContext(vector, NO_DOTS);
    }
    Dot[] dots = Arrays.copyOf(cloud, cloud.length + other.cloud.length);
    System.arraycopy(other.cloud, 0, dots, cloud.length, other.cloud.length);
    return compact(vector, dots);
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof CausalContext)) {
      return false;
    }
    CausalContext that = (CausalContext) o;
    return compact.equals(that.compact) && Arrays.equals(cloud, that.cloud);
  }

  @Override
  public int hashCode() {
    return 31 * compact.hashCode() + Arrays.hashCode(cloud);
  }

  /** Returns the vector and the cloud, for example {@code {us-east=3} + [eu-west:5]}. */
  @Override
  public String toString() {
    return cloud.length == 0 ? compact.toString() : compact + " + " + Arrays.toString(cloud);
  }
}
