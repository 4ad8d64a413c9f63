package io.converge.replication.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.DeltaCrdt;
import io.converge.replication.fuzz.Allocations;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The checks every codec fuzz target ({@code *CodecFuzzTest}) makes on one input, and the layout of
 * its input: one configuration byte, then the bytes to decode. The configuration byte chooses the
 * limits (bit 0: {@link WireLimits#defaults()} or {@link #SMALL}, whose bounds a fuzzer reaches
 * with a few bytes) and, for types with elements, the {@link ElementCodec} (bits 1 and 2: strings,
 * longs, byte strings).
 *
 * <p>The contract checked: decoding untrusted bytes returns a value or throws {@link WireException}
 * with a reason, nothing else (no other runtime exception, no error); it allocates at most {@link
 * Allocations#PER_INPUT_BYTE} bytes per input byte plus {@link Allocations#BASE}; and a value that
 * decodes re-encodes (under the same limits) to bytes that decode to an equal value with no pending
 * delta and re-encode to the same bytes, so that digests of what a replica received are
 * deterministic.
 */
final class CodecFuzzing {

  /** Limits a fuzzer exceeds with a few bytes. */
  static final WireLimits SMALL = new WireLimits(512, 8, 4);

  private CodecFuzzing() {}

  /** The limits the configuration byte chooses. */
  static WireLimits limits(int config) {
    return (config & 1) == 0 ? WireLimits.defaults() : SMALL;
  }

  /** Which element codec the configuration byte chooses: 0 strings, 1 longs, 2 byte strings. */
  static int elements(int config) {
    return ((config >> 1) & 3) % 3;
  }

  /** The input without its configuration byte. */
  static byte[] payload(byte[] input) {
    return input.length == 0 ? input : Arrays.copyOfRange(input, 1, input.length);
  }

  /** The configuration byte, 0 for an empty input. */
  static int config(byte[] input) {
    return input.length == 0 ? 0 : input[0] & 0xff;
  }

  /** Decodes {@code bytes} with {@code codec} and checks the contract (see the class doc). */
  static <T> void check(CrdtCodec<T> codec, byte[] bytes) {
    List<T> decoded = new ArrayList<>(1);
    Allocations.assertBounded(
        () -> {
          decoded.clear();
          try {
            decoded.add(codec.decode(bytes));
          } catch (WireException e) {
            assertNotNull(e.reason(), "reason");
          }
        },
        bytes.length,
        Allocations.BASE,
        "decode");
    if (!decoded.isEmpty()) {
      assertRoundTrip(codec, decoded.get(0));
    }
  }

  /** {@code value} (decoded from untrusted bytes) re-encodes canonically. */
  static <T> void assertRoundTrip(CrdtCodec<T> codec, T value) {
    byte[] encoded = codec.encode(value);
    T back = codec.decode(encoded);
    assertEquals(value, back, "decode(encode(decode(input)))");
    assertArrayEquals(encoded, codec.encode(back), () -> "re-encoding " + back);
    if (back instanceof DeltaCrdt<?> d) {
      assertTrue(d.delta().isEmpty(), () -> "pending delta in " + back);
    }
  }

  /**
   * Seeds for a target: each sample encoded with the default limits (configuration byte {@code
   * config}), named {@code prefix-<sample>}.
   */
  static <T> Map<String, byte[]> seeds(
      String prefix, int config, Map<String, T> samples, Function<T, byte[]> encode) {
    Map<String, byte[]> seeds = new LinkedHashMap<>();
    for (Map.Entry<String, T> sample : samples.entrySet()) {
      byte[] encoded = encode.apply(sample.getValue());
      byte[] seed = new byte[encoded.length + 1];
      seed[0] = (byte) config;
      System.arraycopy(encoded, 0, seed, 1, encoded.length);
      seeds.put(prefix + "-" + sample.getKey(), seed);
    }
    return seeds;
  }
}
