package io.converge.replication.codec;

import static org.quicktheories.generators.SourceDSL.lists;

import com.google.protobuf.ByteString;
import io.converge.clocks.CausalContext;
import io.converge.clocks.Dot;
import io.converge.clocks.HlcTimestamp;
import io.converge.clocks.ReplicaId;
import io.converge.clocks.VersionVector;
import io.converge.crdt.testkit.Generators;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/**
 * Generators of wire-level values: wide ranges (any valid replica id, counters up to {@link
 * Clocks#MAX_COUNTER}, any Unicode string) mixed with small pools, so that values both collide
 * often and reach the edges of the encoding.
 */
final class WireGenerators {

  private static final String ID_ALPHABET =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-";

  private WireGenerators() {}

  /** The testkit's r1..r4, or any valid replica id up to the maximum length. */
  static Gen<ReplicaId> replicaIds() {
    Gen<ReplicaId> any =
        lists()
            .of(Generate.range(0, ID_ALPHABET.length() - 1))
            .ofSizeBetween(1, ReplicaId.MAX_LENGTH)
            .map(
                indexes -> {
                  StringBuilder sb = new StringBuilder();
                  indexes.forEach(i -> sb.append(ID_ALPHABET.charAt(i)));
                  return ReplicaId.of(sb.toString());
                });
    return Generators.replicas(4).mix(any, 30);
  }

  /** Counters from 1: mostly small, sometimes anything up to {@link Clocks#MAX_COUNTER}. */
  static Gen<Long> counters() {
    return Generate.longRange(1, 5).mix(Generate.longRange(1, Clocks.MAX_COUNTER), 30);
  }

  static Gen<HlcTimestamp> timestamps() {
    return Generate.longRange(0, HlcTimestamp.MAX_PHYSICAL)
        .zip(Generate.range(0, HlcTimestamp.MAX_LOGICAL), HlcTimestamp::of)
        .mix(Generate.constant(HlcTimestamp.ZERO), 5)
        .mix(Generate.constant(HlcTimestamp.of(HlcTimestamp.MAX_PHYSICAL, 65535)), 5);
  }

  static Gen<Dot> dots() {
    return replicaIds().zip(counters(), Dot::of);
  }

  static Gen<VersionVector> versionVectors() {
    return lists()
        .of(replicaIds().zip(counters(), Map::entry))
        .ofSizeBetween(0, 8)
        .map(
            entries -> {
              Map<ReplicaId, Long> map = new HashMap<>();
              entries.forEach(e -> map.put(e.getKey(), e.getValue()));
              return VersionVector.of(map);
            });
  }

  /** Contexts whose clouds often have gaps, so that they are not compact. */
  static Gen<CausalContext> causalContexts() {
    Gen<Dot> nearDots =
        Generators.replicas(4).zip(Generate.longRange(1, 12), Dot::of).mix(dots(), 20);
    return versionVectors()
        .zip(lists().of(nearDots).ofSizeBetween(0, 10), CausalContext::of)
        .mix(Generate.constant(CausalContext.empty()), 5);
  }

  /**
   * Any string of Unicode scalar values (no unpaired surrogate), mostly from a small pool so that
   * sets repeat elements.
   */
  static Gen<String> strings() {
    Gen<Integer> codePoints =
        Generate.range(0, Character.MAX_CODE_POINT)
            .assuming(cp -> cp < Character.MIN_SURROGATE || cp > Character.MAX_SURROGATE)
            .mix(Generate.range('a', 'e'), 50);
    Gen<String> any =
        lists()
            .of(codePoints)
            .ofSizeBetween(0, 8)
            .map(
                cps -> {
                  StringBuilder sb = new StringBuilder();
                  cps.forEach(sb::appendCodePoint);
                  return sb.toString();
                });
    return Generators.smallStrings().mix(any, 60);
  }

  static Gen<Long> longs() {
    return Generate.longRange(-3, 3).mix(Generate.longRange(Long.MIN_VALUE, Long.MAX_VALUE), 60);
  }

  static Gen<ByteString> byteStrings() {
    return Generate.byteArrays(
            Generate.range(0, 6), Generate.bytes((byte) -128, (byte) 127, (byte) 0))
        .map(b -> ByteString.copyFrom(b));
  }

  /** Lists of {@code gen}'s values, up to {@code max} long. */
  static <T> Gen<List<T>> listsOf(Gen<T> gen, int max) {
    return lists().of(gen).ofSizeBetween(0, max);
  }
}
