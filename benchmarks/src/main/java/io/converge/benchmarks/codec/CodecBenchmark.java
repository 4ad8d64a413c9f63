package io.converge.benchmarks.codec;

import io.converge.benchmarks.crdt.Fixtures;
import io.converge.crdt.GCounter;
import io.converge.crdt.ORSet;
import io.converge.replication.codec.CrdtCodec;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Encoding and decoding Converge states in the protobuf wire format ({@link CrdtCodec}, the codecs
 * {@code Key.orSet(name, ElementCodec.strings())} and {@code Key.gCounter(name)} use): an {@code
 * ORSet<String>} of {@value #SET_ELEMENTS} elements (added round-robin by 3 replicas), the delta of
 * one add to it, and a {@link GCounter} of {@value #COUNTER_REPLICAS} replicas. Converge only.
 */
@State(Scope.Benchmark)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CodecBenchmark {

  /** The number of elements of the encoded set. */
  public static final int SET_ELEMENTS = 10_000;

  /** The number of replicas of the encoded counter. */
  public static final int COUNTER_REPLICAS = 16;

  final CrdtCodec<ORSet<String>> setCodec = Fixtures.orSetCodec();
  final CrdtCodec<GCounter> counterCodec = CrdtCodec.gCounter();

  ORSet<String> set;
  byte[] setBytes;
  ORSet<String> delta;
  byte[] deltaBytes;
  GCounter counter;
  byte[] counterBytes;

  /** Creates the benchmark; JMH instantiates it. */
  public CodecBenchmark() {}

  /** Builds the values and their encodings. */
  @Setup(Level.Trial)
  public void setUp() {
    set = Fixtures.addAll(ORSet.empty(), "e", 0, SET_ELEMENTS, 0, 3);
    setBytes = setCodec.encode(set);
    delta = set.add(Fixtures.replica(5), "delta-element").delta().orElseThrow();
    deltaBytes = setCodec.encode(delta);
    GCounter c = GCounter.empty();
    for (int i = 0; i < COUNTER_REPLICAS; i++) {
      c = c.increment(Fixtures.replica(i), 100 + i);
    }
    counter = c.resetDelta();
    counterBytes = counterCodec.encode(counter);
  }

  /**
   * Encodes the set's full state.
   *
   * @return the bytes
   */
  @Benchmark
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public byte[] encodeORSetState() {
    return setCodec.encode(set);
  }

  /**
   * Decodes the set's full state.
   *
   * @return the set
   */
  @Benchmark
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public ORSet<String> decodeORSetState() {
    return setCodec.decode(setBytes);
  }

  /**
   * Encodes the one-add delta.
   *
   * @return the bytes
   */
  @Benchmark
  public byte[] encodeORSetDelta() {
    return setCodec.encode(delta);
  }

  /**
   * Decodes the one-add delta.
   *
   * @return the delta
   */
  @Benchmark
  public ORSet<String> decodeORSetDelta() {
    return setCodec.decode(deltaBytes);
  }

  /**
   * Encodes the counter.
   *
   * @return the bytes
   */
  @Benchmark
  public byte[] encodeGCounter() {
    return counterCodec.encode(counter);
  }

  /**
   * Decodes the counter.
   *
   * @return the counter
   */
  @Benchmark
  public GCounter decodeGCounter() {
    return counterCodec.decode(counterBytes);
  }
}
