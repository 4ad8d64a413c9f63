package io.converge.replication.codec;

import io.converge.replication.fuzz.Samples;
import java.util.Map;

/**
 * Fuzzes the decoder of {@link CrdtCodec#mvRegister(ElementCodec, WireLimits)}, values of each
 * element codec (see {@link CodecFuzzTarget}).
 */
final class MVRegisterCodecFuzzTest extends CodecFuzzTarget.WithElements {

  @Override
  <E> CrdtCodec<?> codec(ElementCodec<E> elements, WireLimits limits) {
    return CrdtCodec.mvRegister(elements, limits);
  }

  @Override
  Map<String, byte[]> seeds() {
    return CodecFuzzing.seeds(
        "strings", 0, Samples.mvRegisters(), CrdtCodec.mvRegister(ElementCodec.strings())::encode);
  }
}
