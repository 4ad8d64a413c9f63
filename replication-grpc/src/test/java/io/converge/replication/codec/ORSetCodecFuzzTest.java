package io.converge.replication.codec;

import io.converge.replication.fuzz.Samples;
import java.util.Map;

/**
 * Fuzzes the decoder of {@link CrdtCodec#orSet(ElementCodec, WireLimits)}, elements of each element
 * codec (see {@link CodecFuzzTarget}).
 */
final class ORSetCodecFuzzTest extends CodecFuzzTarget.WithElements {

  @Override
  <E> CrdtCodec<?> codec(ElementCodec<E> elements, WireLimits limits) {
    return CrdtCodec.orSet(elements, limits);
  }

  @Override
  Map<String, byte[]> seeds() {
    return CodecFuzzing.seeds(
        "strings", 0, Samples.orSets(), CrdtCodec.orSet(ElementCodec.strings())::encode);
  }
}
