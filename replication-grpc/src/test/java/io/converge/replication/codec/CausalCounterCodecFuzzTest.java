package io.converge.replication.codec;

import io.converge.replication.fuzz.Samples;
import java.util.Map;

/**
 * Fuzzes the decoder of {@link CrdtCodec#causalCounter(WireLimits)} (see {@link CodecFuzzTarget}).
 */
final class CausalCounterCodecFuzzTest extends CodecFuzzTarget {

  @Override
  CrdtCodec<?> codec(int config) {
    return CrdtCodec.causalCounter(CodecFuzzing.limits(config));
  }

  @Override
  Map<String, byte[]> seeds() {
    return CodecFuzzing.seeds(
        "causalcounter", 0, Samples.causalCounters(), CrdtCodec.causalCounter()::encode);
  }
}
