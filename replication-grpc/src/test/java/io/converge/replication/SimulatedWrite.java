package io.converge.replication;

import io.converge.clocks.ReplicaId;
import io.converge.crdt.DeltaCrdt;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A write of a simulated run that produced a delta: who made it, its delta and token, and what
 * became of it; with the lattice arithmetic the run's oracle needs. Mutable only in {@link
 * #survived}, set when the writer restarts after the write's fsync failed.
 */
final class SimulatedWrite {

  /** What became of a write. */
  enum Outcome {
    /** It returned, or its QUORUM wait timed out: durable on its writer, it must never be lost. */
    ACKNOWLEDGED,
    /** Its fsync failed, it threw; whether it survived the crash that followed is noted. */
    FAILED_FSYNC
  }

  final int index;
  final ReplicaId writer;

  /** How many times the writer had restarted when it wrote. */
  final int incarnation;

  final Key<?> key;
  final Object delta;
  final CausalToken token;
  final Outcome outcome;

  /** For FAILED_FSYNC: whether the restarted writer still held it; null until it restarted. */
  Boolean survived;

  SimulatedWrite(
      int index,
      ReplicaId writer,
      int incarnation,
      Key<?> key,
      Object delta,
      CausalToken token,
      Outcome outcome) {
    this.index = index;
    this.writer = writer;
    this.incarnation = incarnation;
    this.key = key;
    this.delta = delta;
    this.token = token;
    this.outcome = outcome;
  }

  /** Whether the write exists: acknowledged, or not but it survived its writer's crash. */
  boolean exists() {
    return outcome == Outcome.ACKNOWLEDGED || Boolean.TRUE.equals(survived);
  }

  /** Per key of {@code keys}, the merge of every write that {@linkplain #exists() exists}. */
  static Map<Key<?>, Object> expected(List<Key<?>> keys, List<SimulatedWrite> writes) {
    Map<Key<?>, Object> expected = new LinkedHashMap<>();
    for (Key<?> key : keys) {
      expected.put(key, key.zero());
    }
    for (SimulatedWrite w : writes) {
      if (w.exists()) {
        expected.put(w.key, merge(expected.get(w.key), w.delta));
      }
    }
    return expected;
  }

  /** Whether merging {@code delta} into {@code state} (of one CRDT type) changes nothing. */
  @SuppressWarnings("unchecked")
  static <T extends DeltaCrdt<T>> boolean includes(Object state, Object delta) {
    T s = ((T) state).resetDelta();
    return s.merge((T) delta).resetDelta().equals(s);
  }

  @SuppressWarnings("unchecked")
  private static <T extends DeltaCrdt<T>> Object merge(Object state, Object delta) {
    return ((T) state).merge((T) delta).resetDelta();
  }

  @Override
  public String toString() {
    return "write#"
        + index
        + "("
        + writer
        + "@"
        + incarnation
        + " "
        + key.name()
        + " "
        + outcome
        + ")";
  }
}
