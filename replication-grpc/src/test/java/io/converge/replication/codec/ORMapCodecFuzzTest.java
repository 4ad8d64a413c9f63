package io.converge.replication.codec;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.converge.crdt.CausalCounter;
import io.converge.crdt.CausalCrdt;
import io.converge.crdt.DWFlag;
import io.converge.crdt.EWFlag;
import io.converge.crdt.MVRegister;
import io.converge.crdt.ORMap;
import io.converge.crdt.ORSet;
import io.converge.replication.fuzz.Corpus;
import io.converge.replication.fuzz.Samples;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes the decoder of {@link CrdtCodec#orMap(ElementCodec, CausalCodec, WireLimits)}, and so the
 * bare-store decoder ({@link CausalCodec#decodeStore}) of every causal type nested in it, maps of
 * maps included (the checks: {@link CodecFuzzing}). Configuration byte: bit 0 the limits, bits 1-2
 * the key codec (strings, longs, byte strings), bits 3-5 the value type (see {@link #VALUES}).
 */
final class ORMapCodecFuzzTest {

  private static final ElementCodec<String> STRINGS = ElementCodec.strings();

  /** The value type of bits 3-5 of the configuration byte, by index. */
  private static final String[] VALUES = {
    "ORSet<String>",
    "MVRegister<String>",
    "EWFlag",
    "DWFlag",
    "CausalCounter",
    "ORMap<String, CausalCounter>",
    "ORMap<String, ORMap<String, CausalCounter>>",
    "ORMap<String, ORSet<String>>",
  };

  @FuzzTest
  void decode(byte[] input) {
    int config = CodecFuzzing.config(input);
    WireLimits limits = CodecFuzzing.limits(config);
    CausalCodec<?> values = values((config >> 3) & 7, limits);
    CodecFuzzing.check(
        map(CodecFuzzing.elements(config), values, limits), CodecFuzzing.payload(input));
  }

  private static CausalCodec<?> values(int index, WireLimits limits) {
    return switch (index) {
      case 0 -> CrdtCodec.orSet(STRINGS, limits);
      case 1 -> CrdtCodec.mvRegister(STRINGS, limits);
      case 2 -> CrdtCodec.ewFlag(limits);
      case 3 -> CrdtCodec.dwFlag(limits);
      case 4 -> CrdtCodec.causalCounter(limits);
      case 5 -> CrdtCodec.orMap(STRINGS, CrdtCodec.causalCounter(limits), limits);
      case 6 ->
          CrdtCodec.orMap(
              STRINGS, CrdtCodec.orMap(STRINGS, CrdtCodec.causalCounter(limits), limits), limits);
      default -> CrdtCodec.orMap(STRINGS, CrdtCodec.orSet(STRINGS, limits), limits);
    };
  }

  private static <V extends CausalCrdt<V>> CrdtCodec<?> map(
      int keys, CausalCodec<V> values, WireLimits limits) {
    return switch (keys) {
      case 0 -> CrdtCodec.orMap(STRINGS, values, limits);
      case 1 -> CrdtCodec.orMap(ElementCodec.longs(), values, limits);
      default -> CrdtCodec.orMap(ElementCodec.bytes(), values, limits);
    };
  }

  @Test
  void writeSeeds() {
    CausalCodec<ORSet<String>> sets = CrdtCodec.orSet(STRINGS);
    CausalCodec<MVRegister<String>> registers = CrdtCodec.mvRegister(STRINGS);
    CausalCodec<EWFlag> ewFlags = CrdtCodec.ewFlag();
    CausalCodec<DWFlag> dwFlags = CrdtCodec.dwFlag();
    CausalCodec<CausalCounter> counters = CrdtCodec.causalCounter();
    CausalCodec<ORMap<String, CausalCounter>> counterMaps = CrdtCodec.orMap(STRINGS, counters);
    Map<String, byte[]> seeds = new LinkedHashMap<>();
    seeds.putAll(
        CodecFuzzing.seeds("sets", 0, Samples.setMaps(), CrdtCodec.orMap(STRINGS, sets)::encode));
    seeds.putAll(
        CodecFuzzing.seeds(
            "registers",
            1 << 3,
            Samples.registerMaps(),
            CrdtCodec.orMap(STRINGS, registers)::encode));
    seeds.putAll(
        CodecFuzzing.seeds(
            "ewflags", 2 << 3, Samples.ewFlagMaps(), CrdtCodec.orMap(STRINGS, ewFlags)::encode));
    seeds.putAll(
        CodecFuzzing.seeds(
            "dwflags", 3 << 3, Samples.dwFlagMaps(), CrdtCodec.orMap(STRINGS, dwFlags)::encode));
    seeds.putAll(
        CodecFuzzing.seeds("counters", 4 << 3, Samples.counterMaps(), counterMaps::encode));
    seeds.putAll(
        CodecFuzzing.seeds(
            "nested", 5 << 3, Samples.nestedMaps(), CrdtCodec.orMap(STRINGS, counterMaps)::encode));
    Corpus.write(getClass(), "decode", seeds);
  }
}
