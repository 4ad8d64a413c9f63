package io.converge.replication.fuzz;

import com.google.protobuf.ByteString;
import io.converge.clocks.HlcTimestamp;
import io.converge.clocks.ReplicaId;
import io.converge.crdt.CausalCounter;
import io.converge.crdt.DWFlag;
import io.converge.crdt.DeltaCrdt;
import io.converge.crdt.EWFlag;
import io.converge.crdt.GCounter;
import io.converge.crdt.GSet;
import io.converge.crdt.LWWRegister;
import io.converge.crdt.MVRegister;
import io.converge.crdt.ORMap;
import io.converge.crdt.ORSet;
import io.converge.crdt.PNCounter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Real states and deltas of every CRDT type, written by replicas {@link #B} and {@link #C}, for the
 * seeds of the fuzz corpora and for the valid payloads the engine fuzz target mutates. Each sample
 * has a name (letters, digits, '-'), used as the seed's file name. Each method returns a new map in
 * a fixed order; the values are immutable.
 */
public final class Samples {

  /** The peer whose messages the engine fuzz target forges. */
  public static final ReplicaId B = ReplicaId.of("b");

  /** A third replica, whose writes reach the engine through {@link #B}. */
  public static final ReplicaId C = ReplicaId.of("c");

  private Samples() {}

  /**
   * Returns a timestamp {@code millis} after 2025-01-01T00:00Z.
   *
   * @param millis the offset
   * @return the timestamp, logical part 0
   */
  public static HlcTimestamp at(long millis) {
    return HlcTimestamp.of(1_735_689_600_000L + millis, 0);
  }

  /**
   * Applies {@code steps} in turn from {@code zero}: each step's delta and the state after it,
   * named {@code delta-i} and {@code state-i}; then the merge of the last state with {@code
   * concurrent} (made from {@code zero} elsewhere), named {@code merged}.
   */
  private static <T extends DeltaCrdt<T>> Map<String, T> walk(
      T zero, List<UnaryOperator<T>> steps, UnaryOperator<T> concurrent) {
    Map<String, T> out = new LinkedHashMap<>();
    out.put("zero", zero);
    T state = zero;
    for (int i = 0; i < steps.size(); i++) {
      T next = steps.get(i).apply(state.resetDelta());
      int n = i;
      next.delta().ifPresent(d -> out.put("delta-" + n, d));
      state = next.resetDelta();
      out.put("state-" + i, state);
    }
    T other = concurrent.apply(zero).resetDelta();
    out.put("merged", state.merge(other).resetDelta());
    return out;
  }

  /**
   * Returns G-counter samples.
   *
   * @return the samples, by name
   */
  public static Map<String, GCounter> gCounters() {
    return walk(
        GCounter.empty(),
        List.of(c -> c.increment(B, 1), c -> c.increment(C, 41), c -> c.increment(B, 1L << 40)),
        c -> c.increment(ReplicaId.of("d"), 7));
  }

  /**
   * Returns PN-counter samples.
   *
   * @return the samples, by name
   */
  public static Map<String, PNCounter> pnCounters() {
    return walk(
        PNCounter.empty(),
        List.of(c -> c.increment(B, 3), c -> c.decrement(C, 5), c -> c.add(B, -2)),
        c -> c.increment(ReplicaId.of("d"), 7));
  }

  /**
   * Returns G-set samples of strings.
   *
   * @return the samples, by name
   */
  public static Map<String, GSet<String>> stringGSets() {
    return walk(
        GSet.empty(),
        List.of(s -> s.add("apple"), s -> s.add(""), s -> s.add("\u00e9t\u00e9 \ud83c\udf4e")),
        s -> s.add("pear"));
  }

  /**
   * Returns G-set samples of longs.
   *
   * @return the samples, by name
   */
  public static Map<String, GSet<Long>> longGSets() {
    return walk(
        GSet.empty(),
        List.of(s -> s.add(0L), s -> s.add(-1L), s -> s.add(Long.MAX_VALUE)),
        s -> s.add(42L));
  }

  /**
   * Returns G-set samples of byte strings.
   *
   * @return the samples, by name
   */
  public static Map<String, GSet<ByteString>> bytesGSets() {
    return walk(
        GSet.empty(),
        List.of(
            s -> s.add(ByteString.EMPTY),
            s -> s.add(ByteString.copyFrom(new byte[] {0, -1, 127})),
            s -> s.add(ByteString.copyFromUtf8("x"))),
        s -> s.add(ByteString.copyFromUtf8("y")));
  }

  /**
   * Returns LWW-register samples of strings.
   *
   * @return the samples, by name
   */
  public static Map<String, LWWRegister<String>> lwwRegisters() {
    return walk(
        LWWRegister.empty(),
        List.of(r -> r.set("first", at(1), B), r -> r.set("second", at(2), C)),
        r -> r.set("concurrent", at(2), B));
  }

  /**
   * Returns OR-set samples of strings: adds, a remove, a clear.
   *
   * @return the samples, by name
   */
  public static Map<String, ORSet<String>> orSets() {
    return walk(
        ORSet.empty(),
        List.of(
            s -> s.add(B, "apple"),
            s -> s.add(C, "pear"),
            s -> s.add(B, "apple"),
            s -> s.remove(C, "apple"),
            s -> s.add(B, "fig"),
            s -> s.clear(C),
            s -> s.add(C, "kiwi")),
        s -> s.add(ReplicaId.of("d"), "apple").add(ReplicaId.of("d"), "plum"));
  }

  /**
   * Returns MV-register samples of strings, siblings included.
   *
   * @return the samples, by name
   */
  public static Map<String, MVRegister<String>> mvRegisters() {
    return walk(
        MVRegister.empty(),
        List.of(r -> r.write(B, "one", at(1)), r -> r.write(C, "two", at(2)), r -> r.clear(B)),
        r -> r.write(ReplicaId.of("d"), "sibling", at(3)));
  }

  /**
   * Returns enable-wins flag samples.
   *
   * @return the samples, by name
   */
  public static Map<String, EWFlag> ewFlags() {
    return walk(
        EWFlag.disabled(),
        List.of(f -> f.enable(B), f -> f.enable(C), f -> f.disable(B), f -> f.enable(B)),
        f -> f.enable(ReplicaId.of("d")));
  }

  /**
   * Returns disable-wins flag samples.
   *
   * @return the samples, by name
   */
  public static Map<String, DWFlag> dwFlags() {
    return walk(
        DWFlag.disabled(),
        List.of(f -> f.enable(B), f -> f.disable(C), f -> f.enable(B)),
        f -> f.disable(ReplicaId.of("d")));
  }

  /**
   * Returns causal counter samples.
   *
   * @return the samples, by name
   */
  public static Map<String, CausalCounter> causalCounters() {
    return walk(
        CausalCounter.zero(),
        List.of(c -> c.increment(B, 5), c -> c.decrement(C, 2), c -> c.reset(B), c -> c.add(C, 9)),
        c -> c.increment(ReplicaId.of("d"), 1));
  }

  /**
   * Returns samples of maps of causal counters.
   *
   * @return the samples, by name
   */
  public static Map<String, ORMap<String, CausalCounter>> counterMaps() {
    return walk(
        ORMap.empty(CausalCounter.zero()),
        List.of(
            m -> m.update(B, "shoes", c -> c.increment(B, 2)),
            m -> m.update(C, "socks", c -> c.increment(C, 1)),
            m -> m.remove(B, "shoes"),
            m -> m.update(C, "socks", c -> c.decrement(C, 1))),
        m -> m.update(ReplicaId.of("d"), "shoes", c -> c.increment(ReplicaId.of("d"), 1)));
  }

  /**
   * Returns samples of maps of OR-sets.
   *
   * @return the samples, by name
   */
  public static Map<String, ORMap<String, ORSet<String>>> setMaps() {
    return walk(
        ORMap.empty(ORSet.empty()),
        List.of(
            m -> m.update(B, "tags", s -> s.add(B, "red")),
            m -> m.update(C, "tags", s -> s.remove(C, "red")),
            m -> m.update(B, "other", s -> s.add(B, "blue"))),
        m -> m.update(ReplicaId.of("d"), "tags", s -> s.add(ReplicaId.of("d"), "green")));
  }

  /**
   * Returns samples of maps of MV-registers.
   *
   * @return the samples, by name
   */
  public static Map<String, ORMap<String, MVRegister<String>>> registerMaps() {
    return walk(
        ORMap.empty(MVRegister.empty()),
        List.of(
            m -> m.update(B, "name", r -> r.write(B, "ann", at(1))),
            m -> m.update(C, "name", r -> r.write(C, "bob", at(2))),
            m -> m.clear(B)),
        m -> m.update(ReplicaId.of("d"), "name", r -> r.write(ReplicaId.of("d"), "cy", at(3))));
  }

  /**
   * Returns samples of maps of enable-wins flags.
   *
   * @return the samples, by name
   */
  public static Map<String, ORMap<String, EWFlag>> ewFlagMaps() {
    return walk(
        ORMap.empty(EWFlag.disabled()),
        List.of(m -> m.update(B, "on", f -> f.enable(B)), m -> m.remove(C, "on")),
        m -> m.update(ReplicaId.of("d"), "on", f -> f.enable(ReplicaId.of("d"))));
  }

  /**
   * Returns samples of maps of disable-wins flags.
   *
   * @return the samples, by name
   */
  public static Map<String, ORMap<String, DWFlag>> dwFlagMaps() {
    return walk(
        ORMap.empty(DWFlag.disabled()),
        List.of(
            m -> m.update(B, "off", f -> f.disable(B)), m -> m.update(C, "off", f -> f.enable(C))),
        m -> m.update(ReplicaId.of("d"), "off", f -> f.enable(ReplicaId.of("d"))));
  }

  /**
   * Returns samples of maps of maps of causal counters (nested maps).
   *
   * @return the samples, by name
   */
  public static Map<String, ORMap<String, ORMap<String, CausalCounter>>> nestedMaps() {
    return walk(
        ORMap.empty(ORMap.empty(CausalCounter.zero())),
        List.of(
            m -> m.update(B, "cart", c -> c.update(B, "shoes", n -> n.increment(B, 1))),
            m -> m.update(C, "cart", c -> c.remove(C, "shoes")),
            m -> m.update(C, "wish", c -> c.update(C, "hat", n -> n.increment(C, 2)))),
        m ->
            m.update(
                ReplicaId.of("d"),
                "cart",
                c -> c.update(ReplicaId.of("d"), "shoes", n -> n.increment(ReplicaId.of("d"), 3))));
  }
}
