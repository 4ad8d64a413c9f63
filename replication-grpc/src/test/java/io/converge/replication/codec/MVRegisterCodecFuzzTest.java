package io.converge.replication.codec;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.converge.replication.fuzz.Corpus;
import io.converge.replication.fuzz.Samples;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Fuzzes the decoder of {@link CrdtCodec#mvRegister(ElementCodec, WireLimits)}, with strings, longs
 * or byte strings as values on untrusted bytes (the checks and the input layout: {@link
 * CodecFuzzing}). The corpus, replayed by {@code mvn verify}, is in {@code
 * MVRegisterCodecFuzzTestInputs/decode} among the test resources.
 */
final class MVRegisterCodecFuzzTest {

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
            "strings",
            0,
            Samples.mvRegisters(),
            CrdtCodec.mvRegister(ElementCodec.strings())::encode));
    Corpus.write(getClass(), "decode", seeds);
  }

  /** The codec the configuration byte chooses. */
  private static CrdtCodec<?> codec(int config) {
    WireLimits limits = CodecFuzzing.limits(config);
    return switch (CodecFuzzing.elements(config)) {
      case 0 -> CrdtCodec.mvRegister(ElementCodec.strings(), limits);
      case 1 -> CrdtCodec.mvRegister(ElementCodec.longs(), limits);
      default -> CrdtCodec.mvRegister(ElementCodec.bytes(), limits);
    };
  }
}
