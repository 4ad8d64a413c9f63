package io.converge.replication.codec;

import io.converge.replication.fuzz.Samples;
import java.util.Map;

/** Fuzzes the decoder of {@link CrdtCodec#dwFlag(WireLimits)} (see {@link CodecFuzzTarget}). */
final class DWFlagCodecFuzzTest extends CodecFuzzTarget {

  @Override
  CrdtCodec<?> codec(int config) {
    return CrdtCodec.dwFlag(CodecFuzzing.limits(config));
  }

  @Override
  Map<String, byte[]> seeds() {
    return CodecFuzzing.seeds("dwflag", 0, Samples.dwFlags(), CrdtCodec.dwFlag()::encode);
  }
}
