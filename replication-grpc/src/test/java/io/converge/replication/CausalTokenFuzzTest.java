package io.converge.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.ByteString;
import io.converge.replication.codec.Clocks;
import io.converge.replication.codec.CrdtCodec;
import io.converge.replication.codec.ElementCodec;
import io.converge.replication.fuzz.Allocations;
import io.converge.replication.fuzz.Corpus;
import io.converge.replication.fuzz.Samples;
import io.converge.replication.wire.v1.KeyedDelta;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes the parsers of {@link CausalToken}, which read tokens back from clients (an HTTP header, a
 * cookie): {@link CausalToken#fromBytes} if the first byte is even, else {@link CausalToken#parse}
 * of the rest read as ISO-8859-1 text. Each returns a token or throws {@link
 * IllegalArgumentException}, nothing else, within {@link Allocations}' bound; a token that parses
 * converts back, in binary and as text, to a token equal to it.
 */
final class CausalTokenFuzzTest {

  @FuzzTest
  void parse(byte[] input) {
    boolean text = input.length > 0 && (input[0] & 1) == 1;
    byte[] rest = input.length == 0 ? input : Arrays.copyOfRange(input, 1, input.length);
    String chars = new String(rest, StandardCharsets.ISO_8859_1);
    List<CausalToken> parsed = new ArrayList<>(1);
    Allocations.assertBounded(
        () -> {
          parsed.clear();
          try {
            parsed.add(text ? CausalToken.parse(chars) : CausalToken.fromBytes(rest));
          } catch (IllegalArgumentException e) {
            assertNotNull(e.getMessage(), "message");
          }
        },
        rest.length,
        Allocations.BASE,
        text ? "CausalToken.parse" : "CausalToken.fromBytes");
    if (parsed.isEmpty()) {
      return;
    }
    CausalToken token = parsed.get(0);
    assertEquals(token, CausalToken.fromBytes(token.toByteArray()), "binary round trip");
    assertEquals(token, CausalToken.parse(token.toString()), "text round trip");
  }

  @Test
  void writeSeeds() {
    CausalToken counter =
        CausalToken.of(
            KeyedDelta.newBuilder()
                .setKey("visits")
                .setType("GCounter")
                .setPayload(
                    ByteString.copyFrom(
                        CrdtCodec.gCounter().encode(Samples.gCounters().get("delta-1"))))
                .setOriginTime(Clocks.toWire(Samples.at(1)))
                .build());
    CausalToken set =
        CausalToken.of(
            KeyedDelta.newBuilder()
                .setKey("cart")
                .setType("ORSet")
                .setPayload(
                    ByteString.copyFrom(
                        CrdtCodec.orSet(ElementCodec.strings())
                            .encode(Samples.orSets().get("delta-3"))))
                .build());
    Map<String, byte[]> seeds = new LinkedHashMap<>();
    seeds.put("binary-one", prefixed(0, counter.toByteArray()));
    seeds.put("binary-joined", prefixed(0, counter.and(set).toByteArray()));
    seeds.put(
        "text-joined",
        prefixed(1, counter.and(set).toString().getBytes(StandardCharsets.US_ASCII)));
    seeds.put("binary-empty", prefixed(0, CausalToken.empty().toByteArray()));
    Corpus.write(getClass(), "parse", seeds);
  }

  private static byte[] prefixed(int mode, byte[] bytes) {
    byte[] seed = new byte[bytes.length + 1];
    seed[0] = (byte) mode;
    System.arraycopy(bytes, 0, seed, 1, bytes.length);
    return seed;
  }
}
