package io.converge.replication.codec;

import io.converge.replication.fuzz.Samples;
import java.util.Map;

/** Fuzzes the decoder of {@link CrdtCodec#pnCounter(WireLimits)} (see {@link CodecFuzzTarget}). */
final class PNCounterCodecFuzzTest extends CodecFuzzTarget {

  @Override
  CrdtCodec<?> codec(int config) {
    return CrdtCodec.pnCounter(CodecFuzzing.limits(config));
  }

  @Override
  Map<String, byte[]> seeds() {
    return CodecFuzzing.seeds("pncounter", 0, Samples.pnCounters(), CrdtCodec.pnCounter()::encode);
  }
}
