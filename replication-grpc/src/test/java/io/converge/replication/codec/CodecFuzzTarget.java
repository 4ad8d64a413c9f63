package io.converge.replication.codec;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.converge.replication.fuzz.Corpus;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A fuzz target for the decoder of one {@link CrdtCodec} (the checks and the input layout: {@link
 * CodecFuzzing}). Each subclass, {@code <Type>CodecFuzzTest}, is one target with its own corpus,
 * {@code <Type>CodecFuzzTestInputs/decode} among the test resources, replayed by {@code mvn
 * verify}; one target per class, because Jazzer fuzzes one fuzz test per JVM and the {@code fuzz}
 * profile forks one JVM per class.
 */
abstract class CodecFuzzTarget {

  /** Returns the codec the configuration byte chooses (see {@link CodecFuzzing}). */
  abstract CrdtCodec<?> codec(int config);

  /** Returns the seed inputs, configuration byte included, by name. */
  abstract Map<String, byte[]> seeds();

  @FuzzTest
  void decode(byte[] input) {
    CodecFuzzing.check(codec(CodecFuzzing.config(input)), CodecFuzzing.payload(input));
  }

  @Test
  void writeSeeds() {
    Corpus.write(getClass(), "decode", seeds());
  }

  /**
   * A target whose type has elements or values: bits 1 and 2 of the configuration byte choose their
   * codec (strings, longs, byte strings).
   */
  abstract static class WithElements extends CodecFuzzTarget {

    /** Returns the codec of the type over {@code elements}. */
    abstract <E> CrdtCodec<?> codec(ElementCodec<E> elements, WireLimits limits);

    @Override
    final CrdtCodec<?> codec(int config) {
      WireLimits limits = CodecFuzzing.limits(config);
      return switch (CodecFuzzing.elements(config)) {
        case 0 -> codec(ElementCodec.strings(), limits);
        case 1 -> codec(ElementCodec.longs(), limits);
        default -> codec(ElementCodec.bytes(), limits);
      };
    }
  }
}
