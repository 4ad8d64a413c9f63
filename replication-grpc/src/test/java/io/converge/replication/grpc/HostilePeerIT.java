package io.converge.replication.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.converge.clocks.HlcTimestamp;
import io.converge.clocks.ReplicaId;
import io.converge.crdt.GCounter;
import io.converge.crdt.LWWRegister;
import io.converge.crdt.ORSet;
import io.converge.replication.Key;
import io.converge.replication.Replica;
import io.converge.replication.codec.Clocks;
import io.converge.replication.codec.ElementCodec;
import io.converge.replication.codec.WireException.Reason;
import io.converge.replication.transport.GrpcTransport;
import io.converge.replication.transport.Transport;
import io.converge.replication.wire.v1.DeltaBatch;
import io.converge.replication.wire.v1.Envelope;
import io.converge.replication.wire.v1.FullStateChunk;
import io.converge.replication.wire.v1.GCounterState;
import io.converge.replication.wire.v1.Handshake;
import io.converge.replication.wire.v1.KeyedDelta;
import io.converge.replication.wire.v1.Reject;
import io.converge.replication.wire.v1.VersionVector;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 13, findings 1, 2 and 6 over real gRPC with mutual TLS: a peer whose certificate is valid
 * (authenticated) sends well-formed messages that mean something it may not say. The replica
 * refuses each with its reason, counts it, keeps every value untouched and writable, and keeps the
 * connection.
 */
final class HostilePeerIT {

  private static final Key<GCounter> VISITS = Key.gCounter("visits");
  private static final Key<ORSet<String>> TAGS = Key.orSet("tags", ElementCodec.strings());
  private static final Key<LWWRegister<String>> ADDRESS =
      Key.lwwRegister("address", ElementCodec.strings());
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final ReplicaId R1 = ReplicaId.of("r1");
  private static final ReplicaId R2 = ReplicaId.of("r2");

  private final List<AutoCloseable> closeables = new CopyOnWriteArrayList<>();
  private final List<String> rejects = new CopyOnWriteArrayList<>();
  private final AtomicBoolean up = new AtomicBoolean();
  private long sequence;

  @AfterEach
  void tearDown() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  @Test
  void authenticatedPeer_meaningfulLies_refusedCountedConnectionKept() throws Exception {
    TestCertificates ca = new TestCertificates("hostile-test-ca");
    TestCertificates.Leaf l1 = ca.leaf("r1");
    TestCertificates.Leaf l2 = ca.leaf("r2");
    GrpcTransport t2 =
        GrpcTransport.builder()
            .listen("127.0.0.1", 0)
            .tls(l2.certPem(), l2.keyPem(), ca.caPem())
            .acceptFrom("r1")
            .build();
    Replica r2 =
        Replica.builder()
            .replicaId(R2)
            .transport(t2)
            .key(VISITS)
            .key(TAGS)
            .key(ADDRESS)
            .antiEntropyInterval(Duration.ofSeconds(30))
            .start();
    closeables.add(r2);

    // "r1" is a raw transport with r1's valid certificate: it speaks the protocol by hand.
    GrpcTransport rogue =
        GrpcTransport.builder()
            .listen("127.0.0.1", 0)
            .tls(l1.certPem(), l1.keyPem(), ca.caPem())
            .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(500))
            .peer("r2", "localhost:" + t2.port())
            .build();
    rogue.start(
        R1,
        new Transport.Listener() {
          @Override
          public void onMessage(ReplicaId from, Envelope message) {
            if (message.hasReject()) {
              rejects.add(
                  message.getReject().getReason() + " " + message.getReject().getSequence());
            }
            if (message.hasFullStateAck()
                && message.getFullStateAck().getRefused() != Reject.Reason.REASON_UNSPECIFIED) {
              rejects.add(message.getFullStateAck().getRefused() + " full state");
            }
          }

          @Override
          public void onPeerUp(ReplicaId peer) {
            up.set(true);
          }

          @Override
          public void onPeerDown(ReplicaId peer, String reason) {
            up.set(false);
          }

          @Override
          public void onRefused(ReplicaId peer, Reject.Reason reason, String detail) {}
        });
    closeables.add(rogue);
    Await.until(WAIT, () -> "the rogue's stream is up", up::get);
    rogue.send(
        R2,
        envelope()
            .setHandshake(
                Handshake.newBuilder()
                    .setMinProtocolVersion(1)
                    .setMaxProtocolVersion(1)
                    .setReplica("r1")
                    .setIncarnation(1))
            .build());

    // 1. A dot at Long.MAX_VALUE (r1's own event, so only the counter is wrong).
    ORSet<String> set = ORSet.<String>empty().add(R1, "x");
    ByteString delta = ByteString.copyFrom(TAGS.codec().encode(set.delta().orElseThrow()));
    String text = io.converge.replication.wire.v1.ORSetState.parseFrom(delta).toString();
    io.converge.replication.wire.v1.ORSetState.Builder huge =
        io.converge.replication.wire.v1.ORSetState.newBuilder();
    com.google.protobuf.TextFormat.merge(
        text.replace("counter: 1", "counter: " + Long.MAX_VALUE), huge);
    sendDelta(rogue, TAGS, huge.build().toByteString());
    // 2. A register stamped in the year 2200, as an anti-entropy full state.
    HlcTimestamp year2200 =
        HlcTimestamp.of(Instant.parse("2200-01-01T00:00:00Z").toEpochMilli(), 0);
    byte[] pinned = ADDRESS.codec().encode(LWWRegister.of("pinned", year2200, R1));
    rogue.send(
        R2,
        envelope()
            .setFullState(
                FullStateChunk.newBuilder()
                    .setKey(ADDRESS.name())
                    .setType(ADDRESS.typeName())
                    .setChunkCount(1)
                    .setTransfer(1)
                    .setTotalBytes(pinned.length)
                    .setPayload(ByteString.copyFrom(pinned)))
            .build());
    // 3. A delta that forges r3's increments.
    sendDelta(
        rogue,
        VISITS,
        GCounterState.newBuilder()
            .setCounts(
                VersionVector.newBuilder()
                    .addEntries(VersionVector.Entry.newBuilder().setReplica("r3").setCounter(1000)))
            .build()
            .toByteString());
    // 4. An honest delta after them still applies: the link was not stalled.
    sendDelta(
        rogue,
        VISITS,
        ByteString.copyFrom(
            VISITS.codec().encode(GCounter.empty().increment(R1, 2).delta().orElseThrow())));

    Await.until(
        WAIT,
        () -> "the honest delta after the lies, " + r2.stats(),
        () -> r2.get(VISITS).value() == 2);
    assertEquals(1, r2.stats().rejected(Reason.COUNTER_RANGE), r2.stats()::toString);
    assertEquals(1, r2.stats().rejected(Reason.CLOCK_OFFSET), r2.stats()::toString);
    assertEquals(1, r2.stats().rejected(Reason.FORGED_EVENT), r2.stats()::toString);
    assertEquals(ORSet.empty(), r2.get(TAGS));
    assertTrue(r2.get(ADDRESS).value().isEmpty());
    Await.until(WAIT, () -> "three rejects back, got " + rejects, () -> rejects.size() == 3);
    assertTrue(rejects.contains("COUNTER_RANGE 1"), rejects::toString);
    assertTrue(rejects.contains("FORGED_EVENT 2"), rejects::toString);
    assertTrue(rejects.contains("CLOCK_OFFSET full state"), rejects::toString);
    assertTrue(r2.peers().get(R1).connected(), r2.peers()::toString);

    // Every value is still writable: before the fix the Long.MAX_VALUE dot (had it been r2's)
    // made writes throw, and the 2200 register hid every later write.
    r2.update(TAGS, s -> s.add(R2, "mine"));
    r2.update(ADDRESS, a -> a.set("later write", r2.clock(), R2));
    assertTrue(r2.get(TAGS).contains("mine"));
    assertEquals("later write", r2.get(ADDRESS).value().orElseThrow());
  }

  private Envelope.Builder envelope() {
    return Envelope.newBuilder()
        .setProtocolVersion(1)
        .setSender("r1")
        .setSentAt(Clocks.toWire(HlcTimestamp.of(System.currentTimeMillis(), 0)));
  }

  private void sendDelta(Transport rogue, Key<?> key, ByteString payload) {
    sequence++;
    rogue.send(
        R2,
        envelope()
            .setDeltas(
                DeltaBatch.newBuilder()
                    .setFirstSequence(sequence)
                    .addDeltas(
                        KeyedDelta.newBuilder()
                            .setKey(key.name())
                            .setType(key.typeName())
                            .setPayload(payload)
                            .setOriginTime(
                                Clocks.toWire(HlcTimestamp.of(System.currentTimeMillis(), 0)))))
            .build());
  }
}
