package io.converge.replication.codec;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.converge.replication.fuzz.Corpus;
import io.converge.replication.fuzz.Samples;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Fuzzes the decoder of {@link CrdtCodec#dwFlag(WireLimits)} on untrusted bytes (the checks and the
 * input layout: {@link CodecFuzzing}). The corpus, replayed by {@code mvn verify}, is in {@code
 * DWFlagCodecFuzzTestInputs/decode} among the test resources.
 */
final class DWFlagCodecFuzzTest {

  @FuzzTest
  void decode(byte[] input) {
    int config = CodecFuzzing.config(input);
    CodecFuzzing.check(CrdtCodec.dwFlag(CodecFuzzing.limits(config)), CodecFuzzing.payload(input));
  }

  @Test
  @EnabledIfSystemProperty(named = Corpus.WRITE_SEEDS, matches = "true")
  void writeSeeds() {
    Map<String, byte[]> seeds = new LinkedHashMap<>();
    seeds.putAll(CodecFuzzing.seeds("dwflag", 0, Samples.dwFlags(), CrdtCodec.dwFlag()::encode));
    Corpus.write(getClass(), "decode", seeds);
  }
}
