package io.converge.replication.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import io.converge.clocks.CausalContext;
import io.converge.clocks.Dot;
import io.converge.clocks.ReplicaId;
import io.converge.clocks.VersionVector;
import io.converge.replication.fuzz.Allocations;
import io.converge.replication.fuzz.Corpus;
import io.converge.replication.fuzz.Samples;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes {@link Clocks}' decoders: version vectors, causal contexts, dots, HLC timestamps and
 * replica ids, from the bytes of their messages. The first byte chooses the message (bits 0-2, see
 * {@link #decode}) and the limits (bit 3: {@link WireLimits#defaults()} or {@link
 * CodecFuzzing#SMALL}); the rest is the message. Bytes that are not a protocol buffer are the
 * transport's to refuse and end the input; a message either decodes or is refused with a {@link
 * WireException}, within {@link Allocations}' bound, and what decodes converts back to a message
 * that decodes to an equal value.
 */
final class ClocksFuzzTest {

  @FuzzTest
  void decode(byte[] input) throws InvalidProtocolBufferException {
    int config = CodecFuzzing.config(input);
    WireLimits limits = (config & 8) == 0 ? WireLimits.defaults() : CodecFuzzing.SMALL;
    byte[] bytes = CodecFuzzing.payload(input);
    switch ((config & 7) % 5) {
      case 0 ->
          check(
              parse(io.converge.replication.wire.v1.VersionVector::parseFrom, bytes),
              m -> Clocks.fromWire(m, limits),
              Clocks::toWire,
              bytes.length);
      case 1 ->
          check(
              parse(io.converge.replication.wire.v1.CausalContext::parseFrom, bytes),
              m -> Clocks.fromWire(m, limits),
              Clocks::toWire,
              bytes.length);
      case 2 ->
          check(
              parse(io.converge.replication.wire.v1.Dot::parseFrom, bytes),
              Clocks::fromWire,
              Clocks::toWire,
              bytes.length);
      case 3 ->
          check(
              parse(io.converge.replication.wire.v1.HlcTimestamp::parseFrom, bytes),
              Clocks::fromWire,
              Clocks::toWire,
              bytes.length);
      default ->
          check(
              new String(bytes, StandardCharsets.UTF_8),
              Clocks::replicaIdFromWire,
              Clocks::toWire,
              bytes.length);
    }
  }

  /** What a message parser does; bytes that do not parse give null. */
  private interface Parser<M> {
    M parse(byte[] bytes) throws InvalidProtocolBufferException;
  }

  private static <M> M parse(Parser<M> parser, byte[] bytes) {
    try {
      return parser.parse(bytes);
    } catch (InvalidProtocolBufferException e) {
      return null;
    }
  }

  private static <M, V> void check(
      M message, Function<M, V> fromWire, Function<V, M> toWire, int inputBytes) {
    if (message == null) {
      return;
    }
    List<V> decoded = new ArrayList<>(1);
    Allocations.assertBounded(
        () -> {
          decoded.clear();
          try {
            decoded.add(fromWire.apply(message));
          } catch (WireException e) {
            assertNotNull(e.reason(), "reason");
          }
        },
        inputBytes,
        Allocations.BASE,
        "Clocks.fromWire");
    if (decoded.isEmpty()) {
      return;
    }
    V value = decoded.get(0);
    M back = toWire.apply(value);
    assertEquals(value, fromWire.apply(back), "fromWire(toWire(fromWire(input)))");
    if (back instanceof MessageLite m) {
      assertEquals(m, toWire.apply(fromWire.apply(back)), "re-encoding " + value);
    }
  }

  @Test
  void writeSeeds() {
    VersionVector vector = VersionVector.of(Map.of(Samples.B, 3L, Samples.C, Clocks.MAX_COUNTER));
    CausalContext context =
        CausalContext.of(vector, List.of(Dot.of(Samples.B, 5), Dot.of(ReplicaId.of("d"), 2)));
    Map<String, byte[]> seeds = new LinkedHashMap<>();
    seeds.put("vector", seed(0, Clocks.toWire(vector).toByteArray()));
    seeds.put("context", seed(1, Clocks.toWire(context).toByteArray()));
    seeds.put("dot", seed(2, Clocks.toWire(Dot.of(Samples.B, 7)).toByteArray()));
    seeds.put("timestamp", seed(3, Clocks.toWire(Samples.at(5)).toByteArray()));
    seeds.put("replica", seed(4, "us-east-1.a_b".getBytes(StandardCharsets.UTF_8)));
    Corpus.write(getClass(), "decode", seeds);
  }

  private static byte[] seed(int config, byte[] message) {
    byte[] seed = new byte[message.length + 1];
    seed[0] = (byte) config;
    System.arraycopy(message, 0, seed, 1, message.length);
    return seed;
  }
}
