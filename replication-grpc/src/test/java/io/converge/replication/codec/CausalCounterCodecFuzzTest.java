package io.converge.replication.codec;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.converge.replication.fuzz.Corpus;
import io.converge.replication.fuzz.Samples;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Fuzzes the decoder of {@link CrdtCodec#causalCounter(WireLimits)} on untrusted bytes (the checks
 * and the input layout: {@link CodecFuzzing}). The corpus, replayed by {@code mvn verify}, is in
 * {@code CausalCounterCodecFuzzTestInputs/decode} among the test resources.
 */
final class CausalCounterCodecFuzzTest {

  @FuzzTest
  void decode(byte[] input) {
    int config = CodecFuzzing.config(input);
    CodecFuzzing.check(
        CrdtCodec.causalCounter(CodecFuzzing.limits(config)), CodecFuzzing.payload(input));
  }

  @Test
  @EnabledIfSystemProperty(named = Corpus.WRITE_SEEDS, matches = "true")
  void writeSeeds() {
    Map<String, byte[]> seeds = new LinkedHashMap<>();
    seeds.putAll(
        CodecFuzzing.seeds(
            "causalcounter", 0, Samples.causalCounters(), CrdtCodec.causalCounter()::encode));
    Corpus.write(getClass(), "decode", seeds);
  }
}
