package io.converge.crdt;

import io.converge.clocks.CausalContext;
import io.converge.clocks.Dot;
import io.converge.clocks.ReplicaId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * The engine shared by the causal CRDTs: a dot store, the causal context, and the pending delta.
 *
 * <p>Design note. Every mutator is written as a delta-mutator (Almeida et al. 2018): it builds the
 * delta {@code d} (the new writes, plus a context holding the dots they overwrite and one new dot
 * for the event) and returns {@code this.merge(d)} with {@code d} joined into the pending delta. So
 * "merging the delta equals applying the mutation" holds by construction.
 *
 * <p>Merge has three paths, chosen by the types that hold many entries ({@link ORSet}, {@link
 * ORMap}). (1) {@link #shortcut}: when a <em>closed</em> state's context includes the other's, it
 * is the join: O(replicas). (2) If one side is a <em>delta</em> (made by a mutator, or a join of
 * such), its context only concerns the keys it lists, so only those keys are visited: O(delta). A
 * delta records this in {@link #isDelta()}; the join of a delta and a full state is a full state.
 * (3) Otherwise the stores are joined in full: O(size).
 *
 * <p>Values nested in an {@link ORMap} are kept as bare stores (empty context) and are joined under
 * the map's contexts through {@link #joinStores}.
 *
 * @param <T> the concrete type
 */
abstract sealed class Causal<T extends Causal<T>> implements CausalCrdt<T>
    permits ORSet, MVRegister, EWFlag, DWFlag, CausalCounter, ORMap {

  static final Dot[] NO_DOTS = {};

  final CausalContext context;

  /** The join of the deltas since the last reset, or null. */
  final T pending;

  Causal(CausalContext context, T pending) {
    this.context = Objects.requireNonNull(context, "context");
    this.pending = pending;
  }

  // --- what each type provides -------------------------------------------------------------

  /**
   * Returns a value with this store, the given context and pending delta. With {@code keepDelta}
   * false a delta is read as a bare full state (as values nested in a map are); a full state keeps
   * its flags either way.
   */
  abstract T with(CausalContext context, boolean keepDelta, T pending);

  /** Whether this value is a delta (its context concerns only the keys or entries it lists). */
  abstract boolean isDelta();

  /** Adds every dot of the store to {@code out}. */
  abstract void collectDots(List<Dot> out);

  /**
   * Joins this store, seen under {@code mine}, with {@code other}'s store, seen under {@code
   * theirs}. The result has context {@code result} and no pending delta; it is a delta iff both
   * inputs are.
   */
  abstract T joinStores(T other, CausalContext mine, CausalContext theirs, CausalContext result);

  // --- shared behaviour ----------------------------------------------------------------------

  @SuppressWarnings("unchecked")
  final T self() {
    return (T) this;
  }

  @Override
  public final CausalContext context() {
    return context;
  }

  @Override
  public final Optional<T> delta() {
    return Optional.ofNullable(pending);
  }

  @Override
  public final T resetDelta() {
    return pending == null ? self() : with(context, isDelta(), null);
  }

  @Override
  public final T merge(T other) {
    Objects.requireNonNull(other, "other");
    if (other == this) {
      return self();
    }
    T shortcut = shortcut(other);
    if (shortcut != null) {
      return shortcut;
    }
    return joinStores(other, context, other.context, context.merge(other.context))
        .withPending(pending);
  }

  /**
   * Returns the join without visiting the stores when it is known from the contexts alone, or null.
   * Only sound for a side that is <em>closed</em> (see {@link ORSet}); the default knows no
   * shortcut.
   */
  T shortcut(T other) {
    return null;
  }

  /**
   * Returns whether every dot of {@code deps} is in {@code context} or in {@code events}: whether a
   * delta with these dependencies and events can be merged into a state of that context without the
   * state learning of a write whose own effects it lacks.
   */
  static boolean covers(CausalContext deps, CausalContext context, CausalContext events) {
    if (context.containsAll(deps)) {
      return true;
    }
    for (Dot d : allDots(deps)) {
      if (!context.contains(d) && !events.contains(d)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Every dot of {@code context}, compact part included; meant for the small contexts of deltas.
   */
  static List<Dot> allDots(CausalContext context) {
    List<Dot> out = new ArrayList<>(context.cloud());
    io.converge.clocks.VersionVector v = context.versionVector();
    for (int i = 0; i < v.size(); i++) {
      for (long c = 1; c <= v.counter(i); c++) {
        out.add(Dot.of(v.replica(i), c));
      }
    }
    return out;
  }

  /** Returns this value with the given pending delta. */
  final T withPending(T newPending) {
    return newPending == pending ? self() : with(context, isDelta(), newPending);
  }

  /** Applies a delta made by a mutator of this value: the join, with the delta remembered. */
  final T apply(T delta) {
    T next = merge(delta);
    return next.withPending(pending == null ? delta : pending.merge(delta));
  }

  /** Returns the context of a mutation: the dots it overwrites plus its own new dot. */
  static CausalContext eventContext(List<Dot> overwritten, Dot event) {
    List<Dot> all = new ArrayList<>(overwritten);
    all.add(event);
    return CausalContext.of(io.converge.clocks.VersionVector.empty(), all);
  }

  /** Returns a context of exactly the given dots. */
  static CausalContext dotsContext(List<Dot> dots) {
    return CausalContext.of(io.converge.clocks.VersionVector.empty(), dots);
  }

  /** Returns the dots of this store, in a fresh list the caller may extend. */
  final List<Dot> dots() {
    List<Dot> out = new ArrayList<>();
    collectDots(out);
    return out;
  }

  static ReplicaId requireReplica(ReplicaId replica) {
    return Objects.requireNonNull(replica, "replica");
  }

  /**
   * Joins two sorted dot sets: a dot survives if both have it, or if the side that lacks it has not
   * seen it. Returns {@code a} itself when the result equals it.
   */
  static Dot[] joinDots(Dot[] a, CausalContext ca, Dot[] b, CausalContext cb) {
    if (a == b || Arrays.equals(a, b)) {
      return a;
    }
    Dot[] out = new Dot[a.length + b.length];
    int n = 0;
    int i = 0;
    int j = 0;
    while (i < a.length || j < b.length) {
      int c = i == a.length ? 1 : j == b.length ? -1 : a[i].compareTo(b[j]);
      if (c == 0) {
        out[n++] = a[i];
        i++;
        j++;
      } else if (c < 0) {
        if (!cb.contains(a[i])) {
          out[n++] = a[i];
        }
        i++;
      } else {
        if (!ca.contains(b[j])) {
          out[n++] = b[j];
        }
        j++;
      }
    }
    if (n == a.length && Arrays.equals(a, 0, n, out, 0, n)) {
      return a;
    }
    return n == 0 ? NO_DOTS : Arrays.copyOf(out, n);
  }

  /**
   * Joins two arrays of dot-keyed entries sorted by dot, with the rule of {@link #joinDots}; an
   * entry present on both sides is taken from {@code a}. Returns {@code a} itself when unchanged.
   */
  static <X> X[] joinByDot(
      X[] a, CausalContext ca, X[] b, CausalContext cb, Function<X, Dot> dotOf) {
    if (a == b) {
      return a;
    }
    X[] out = Arrays.copyOf(a, a.length + b.length);
    int n = 0;
    int i = 0;
    int j = 0;
    boolean changed = false;
    while (i < a.length || j < b.length) {
      int c =
          i == a.length ? 1 : j == b.length ? -1 : dotOf.apply(a[i]).compareTo(dotOf.apply(b[j]));
      if (c == 0) {
        out[n++] = a[i];
        i++;
        j++;
      } else if (c < 0) {
        if (!cb.contains(dotOf.apply(a[i]))) {
          out[n++] = a[i];
        } else {
          changed = true;
        }
        i++;
      } else {
        if (!ca.contains(dotOf.apply(b[j]))) {
          out[n++] = b[j];
          changed = true;
        }
        j++;
      }
    }
    return changed ? Arrays.copyOf(out, n) : a;
  }
}
