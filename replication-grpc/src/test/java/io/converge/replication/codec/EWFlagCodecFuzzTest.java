package io.converge.replication.codec;

import io.converge.replication.fuzz.Samples;
import java.util.Map;

/** Fuzzes the decoder of {@link CrdtCodec#ewFlag(WireLimits)} (see {@link CodecFuzzTarget}). */
final class EWFlagCodecFuzzTest extends CodecFuzzTarget {

  @Override
  CrdtCodec<?> codec(int config) {
    return CrdtCodec.ewFlag(CodecFuzzing.limits(config));
  }

  @Override
  Map<String, byte[]> seeds() {
    return CodecFuzzing.seeds("ewflag", 0, Samples.ewFlags(), CrdtCodec.ewFlag()::encode);
  }
}
