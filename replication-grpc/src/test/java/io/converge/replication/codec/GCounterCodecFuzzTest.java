package io.converge.replication.codec;

import io.converge.replication.fuzz.Samples;
import java.util.Map;

/** Fuzzes the decoder of {@link CrdtCodec#gCounter(WireLimits)} (see {@link CodecFuzzTarget}). */
final class GCounterCodecFuzzTest extends CodecFuzzTarget {

  @Override
  CrdtCodec<?> codec(int config) {
    return CrdtCodec.gCounter(CodecFuzzing.limits(config));
  }

  @Override
  Map<String, byte[]> seeds() {
    return CodecFuzzing.seeds("gcounter", 0, Samples.gCounters(), CrdtCodec.gCounter()::encode);
  }
}
