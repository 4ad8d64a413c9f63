package io.converge.replication.codec;

import io.converge.replication.fuzz.Samples;
import java.util.Map;

/**
 * Fuzzes the decoder of {@link CrdtCodec#lwwRegister(ElementCodec, WireLimits)}, values of each
 * element codec (see {@link CodecFuzzTarget}).
 */
final class LWWRegisterCodecFuzzTest extends CodecFuzzTarget.WithElements {

  @Override
  <E> CrdtCodec<?> codec(ElementCodec<E> elements, WireLimits limits) {
    return CrdtCodec.lwwRegister(elements, limits);
  }

  @Override
  Map<String, byte[]> seeds() {
    return CodecFuzzing.seeds(
        "strings",
        0,
        Samples.lwwRegisters(),
        CrdtCodec.lwwRegister(ElementCodec.strings())::encode);
  }
}
