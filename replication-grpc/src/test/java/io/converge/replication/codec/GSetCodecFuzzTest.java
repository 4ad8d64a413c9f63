package io.converge.replication.codec;

import io.converge.replication.fuzz.Samples;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Fuzzes the decoder of {@link CrdtCodec#gSet(ElementCodec, WireLimits)}, elements of each element
 * codec (see {@link CodecFuzzTarget}).
 */
final class GSetCodecFuzzTest extends CodecFuzzTarget.WithElements {

  @Override
  <E> CrdtCodec<?> codec(ElementCodec<E> elements, WireLimits limits) {
    return CrdtCodec.gSet(elements, limits);
  }

  @Override
  Map<String, byte[]> seeds() {
    Map<String, byte[]> seeds = new LinkedHashMap<>();
    seeds.putAll(
        CodecFuzzing.seeds(
            "strings", 0, Samples.stringGSets(), CrdtCodec.gSet(ElementCodec.strings())::encode));
    seeds.putAll(
        CodecFuzzing.seeds(
            "longs", 2, Samples.longGSets(), CrdtCodec.gSet(ElementCodec.longs())::encode));
    seeds.putAll(
        CodecFuzzing.seeds(
            "bytes", 4, Samples.bytesGSets(), CrdtCodec.gSet(ElementCodec.bytes())::encode));
    return seeds;
  }
}
