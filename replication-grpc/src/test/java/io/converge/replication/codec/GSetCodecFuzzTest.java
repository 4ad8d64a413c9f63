package io.converge.replication.codec;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.converge.replication.fuzz.Corpus;
import io.converge.replication.fuzz.Samples;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Fuzzes the decoder of {@link CrdtCodec#gSet(ElementCodec, WireLimits)}, with strings, longs or
 * byte strings as elements on untrusted bytes (the checks and the input layout: {@link
 * CodecFuzzing}). The corpus, replayed by {@code mvn verify}, is in {@code
 * GSetCodecFuzzTestInputs/decode} among the test resources.
 */
final class GSetCodecFuzzTest {

  @FuzzTest
  void decode(byte[] input) {
    int config = CodecFuzzing.config(input);
    CodecFuzzing.check(codec(config), CodecFuzzing.payload(input));
  }

  @Test
  @EnabledIfSystemProperty(named = Corpus.WRITE_SEEDS, matches = "true")
  void writeSeeds() {
    Map<String, byte[]> seeds = new LinkedHashMap<>();
    seeds.putAll(
        CodecFuzzing.seeds(
            "strings", 0, Samples.stringGSets(), CrdtCodec.gSet(ElementCodec.strings())::encode));
    seeds.putAll(
        CodecFuzzing.seeds(
            "longs", 2, Samples.longGSets(), CrdtCodec.gSet(ElementCodec.longs())::encode));
    seeds.putAll(
        CodecFuzzing.seeds(
            "bytes", 4, Samples.bytesGSets(), CrdtCodec.gSet(ElementCodec.bytes())::encode));
    Corpus.write(getClass(), "decode", seeds);
  }

  /** The codec the configuration byte chooses. */
  private static CrdtCodec<?> codec(int config) {
    WireLimits limits = CodecFuzzing.limits(config);
    return switch (CodecFuzzing.elements(config)) {
      case 0 -> CrdtCodec.gSet(ElementCodec.strings(), limits);
      case 1 -> CrdtCodec.gSet(ElementCodec.longs(), limits);
      default -> CrdtCodec.gSet(ElementCodec.bytes(), limits);
    };
  }
}
