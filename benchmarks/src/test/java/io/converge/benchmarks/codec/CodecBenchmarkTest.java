package io.converge.benchmarks.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Checks that CodecBenchmark's values survive the round trip it measures. */
class CodecBenchmarkTest {

  @Test
  void everyValueRoundTrips() {
    CodecBenchmark b = new CodecBenchmark();
    b.setUp();
    assertEquals(CodecBenchmark.SET_ELEMENTS, b.set.size());
    assertEquals(b.set, b.decodeORSetState());
    assertArrayEquals(b.setBytes, b.encodeORSetState());
    assertEquals(1, b.delta.size());
    assertEquals(b.delta, b.decodeORSetDelta());
    assertArrayEquals(b.deltaBytes, b.encodeORSetDelta());
    assertEquals(b.counter, b.decodeGCounter());
    assertArrayEquals(b.counterBytes, b.encodeGCounter());
  }
}
