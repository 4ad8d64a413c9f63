package io.converge.replication.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.converge.replication.antientropy.KeyDigestTree;
import io.converge.replication.antientropy.Reconciler;
import io.converge.replication.codec.Clocks;
import io.converge.replication.codec.CrdtCodec;
import io.converge.replication.fuzz.Allocations;
import io.converge.replication.fuzz.Corpus;
import io.converge.replication.fuzz.Samples;
import io.converge.replication.wire.v1.Ack;
import io.converge.replication.wire.v1.DeltaBatch;
import io.converge.replication.wire.v1.DigestRequest;
import io.converge.replication.wire.v1.Envelope;
import io.converge.replication.wire.v1.FullStateAck;
import io.converge.replication.wire.v1.FullStateChunk;
import io.converge.replication.wire.v1.Handshake;
import io.converge.replication.wire.v1.KeyedDelta;
import io.converge.replication.wire.v1.Reject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes how {@link GrpcTransport} reads the bytes of an inbound message ({@code
 * GrpcTransport.inbound}): an {@link Envelope}, or a refusal with a reason (OVERSIZED before
 * parsing, MALFORMED if the bytes do not parse), nothing else, within {@link Allocations}' bound;
 * an envelope re-serializes to bytes that parse to an equal envelope. The first byte chooses the
 * limit (bit 0: the default 4 MiB or {@link #SMALL}); the rest is the message. What the engine then
 * makes of an envelope is {@code ReplicationEngineFuzzTest}'s.
 */
final class EnvelopeFuzzTest {

  /** A message limit that a fuzzer's inputs exceed. */
  private static final int SMALL = 256;

  @FuzzTest
  void inbound(byte[] input) throws InvalidProtocolBufferException {
    int limit = input.length > 0 && (input[0] & 1) == 1 ? SMALL : 4 * 1024 * 1024;
    byte[] bytes = input.length == 0 ? input : Arrays.copyOfRange(input, 1, input.length);
    List<GrpcTransport.Inbound> read = new ArrayList<>(1);
    Allocations.assertBounded(
        () -> {
          read.clear();
          read.add(GrpcTransport.inbound(bytes, limit));
        },
        bytes.length,
        Allocations.BASE,
        "GrpcTransport.inbound");
    GrpcTransport.Inbound in = read.get(0);
    if (in.envelope() == null) {
      assertNotNull(in.refused(), "reason");
      assertNotNull(in.detail(), "detail");
      assertTrue(
          in.refused() == Reject.Reason.MALFORMED || in.refused() == Reject.Reason.OVERSIZED,
          () -> "reason " + in.refused());
      return;
    }
    assertNull(in.refused(), "reason of an envelope");
    assertTrue(bytes.length <= limit, "parsed past the limit");
    Envelope e = in.envelope();
    assertEquals(e, Envelope.parseFrom(e.toByteArray()), "parse(serialize(envelope))");
  }

  @Test
  void writeSeeds() {
    Map<String, Envelope> envelopes = new LinkedHashMap<>();
    envelopes.put(
        "handshake",
        envelope()
            .setHandshake(
                Handshake.newBuilder()
                    .setMinProtocolVersion(1)
                    .setMaxProtocolVersion(1)
                    .setReplica("b")
                    .setIncarnation(7))
            .build());
    envelopes.put(
        "deltas",
        envelope()
            .setDeltas(
                DeltaBatch.newBuilder()
                    .setFirstSequence(1)
                    .addDeltas(
                        KeyedDelta.newBuilder()
                            .setKey("visits")
                            .setType("GCounter")
                            .setPayload(
                                ByteString.copyFrom(
                                    CrdtCodec.gCounter()
                                        .encode(Samples.gCounters().get("delta-0"))))
                            .setOriginTime(Clocks.toWire(Samples.at(0)))))
            .build());
    envelopes.put("ack", envelope().setAck(Ack.newBuilder().setUpToSequence(3)).build());
    // A real first request (fixed salt) and the answer of a replica that holds other keys.
    KeyDigestTree a = new KeyDigestTree();
    KeyDigestTree b = new KeyDigestTree();
    for (int i = 0; i < 12; i++) {
      a.put("cart:" + i, "GCounter", new byte[32]);
      b.put("cart:" + (i + 3), "GCounter", new byte[32]);
    }
    DigestRequest request = Reconciler.defaults().start(a, 1).nextRequest();
    envelopes.put("digest-request", envelope().setDigestRequest(request).build());
    envelopes.put(
        "digest-response",
        envelope().setDigestResponse(Reconciler.defaults().respond(b, request)).build());
    byte[] merged = CrdtCodec.gCounter().encode(Samples.gCounters().get("merged"));
    envelopes.put(
        "full-state",
        envelope()
            .setFullState(
                FullStateChunk.newBuilder()
                    .setKey("visits")
                    .setType("GCounter")
                    .setChunkIndex(0)
                    .setChunkCount(1)
                    .setTransfer(1)
                    .setTotalBytes(merged.length)
                    .setPayload(ByteString.copyFrom(merged)))
            .build());
    envelopes.put(
        "full-state-ack",
        envelope()
            .setFullStateAck(
                FullStateAck.newBuilder().setKey("visits").setTransfer(1).setReceivedChunks(1))
            .build());
    envelopes.put(
        "reject",
        envelope()
            .setReject(
                Reject.newBuilder()
                    .setReason(Reject.Reason.TYPE_MISMATCH)
                    .setDetail("key visits is declared as GCounter, not ORSet")
                    .setSequence(4))
            .build());
    envelopes.put("hello", Envelope.newBuilder().setSender("b").build());
    Map<String, byte[]> seeds = new LinkedHashMap<>();
    envelopes.forEach(
        (name, e) -> {
          byte[] bytes = e.toByteArray();
          byte[] seed = new byte[bytes.length + 1];
          System.arraycopy(bytes, 0, seed, 1, bytes.length);
          seeds.put(name, seed);
        });
    Corpus.write(getClass(), "inbound", seeds);
  }

  private static Envelope.Builder envelope() {
    return Envelope.newBuilder()
        .setProtocolVersion(1)
        .setSender("b")
        .setSentAt(Clocks.toWire(Samples.at(0)));
  }
}
