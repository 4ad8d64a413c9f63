package io.converge.replication.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.converge.clocks.HlcTimestamp;
import io.converge.clocks.ReplicaId;
import io.converge.crdt.GCounter;
import io.converge.crdt.ORSet;
import io.converge.crdt.PNCounter;
import io.converge.replication.Key;
import io.converge.replication.PeerStatus;
import io.converge.replication.Replica;
import io.converge.replication.codec.Clocks;
import io.converge.replication.codec.CrdtCodec;
import io.converge.replication.codec.ElementCodec;
import io.converge.replication.codec.WireException.Reason;
import io.converge.replication.transport.GrpcTransport;
import io.converge.replication.wire.v1.DeltaBatch;
import io.converge.replication.wire.v1.Envelope;
import io.converge.replication.wire.v1.Handshake;
import io.converge.replication.wire.v1.KeyedDelta;
import io.converge.replication.wire.v1.Reject;
import io.converge.replication.wire.v1.ReplicationGrpc;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.ClientInterceptors;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Replicas over real gRPC/Netty on loopback. */
final class GrpcTransportIT {

  private static final Key<GCounter> VISITS = Key.gCounter("visits");
  private static final Key<ORSet<String>> TAGS = Key.orSet("tags", ElementCodec.strings());
  private static final Duration CONVERGE = Duration.ofSeconds(20);
  private static final int SMALL_LIMIT = 64 * 1024;

  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  private Replica replica(String id, GrpcTransport transport) {
    return replica(id, transport, b -> b);
  }

  private Replica replica(
      String id, GrpcTransport transport, UnaryOperator<Replica.Builder> configure) {
    Replica r =
        configure
            .apply(
                Replica.builder()
                    .replicaId(id)
                    .transport(transport)
                    .key(VISITS)
                    .key(TAGS)
                    .resendInterval(Duration.ofMillis(100))
                    .antiEntropyInterval(Duration.ofMillis(300)))
            .start();
    closeables.add(r);
    return r;
  }

  private static GrpcTransport.Builder plaintext(int port) {
    return GrpcTransport.builder()
        .listen("127.0.0.1", port)
        .plaintext()
        .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(500));
  }

  /** Starts r3, r2, r1 (greatest id first: each dials only greater ids, already listening). */
  private Replica[] threeReplicas(UnaryOperator<GrpcTransport.Builder> common) {
    GrpcTransport t3 = common.apply(plaintext(0)).acceptFrom("r1").acceptFrom("r2").build();
    Replica r3 = replica("r3", t3);
    GrpcTransport t2 =
        common.apply(plaintext(0)).acceptFrom("r1").peer("r3", "127.0.0.1:" + t3.port()).build();
    Replica r2 = replica("r2", t2);
    GrpcTransport t1 =
        common
            .apply(plaintext(0))
            .peer("r2", "127.0.0.1:" + t2.port())
            .peer("r3", "127.0.0.1:" + t3.port())
            .build();
    Replica r1 = replica("r1", t1);
    return new Replica[] {r1, r2, r3};
  }

  private static void awaitConverged(long visits, Set<String> tags, Replica... replicas) {
    Await.until(
        CONVERGE,
        () -> describe(replicas),
        () -> {
          for (Replica r : replicas) {
            if (r.get(VISITS).value() != visits || !r.get(TAGS).elements().equals(tags)) {
              return false;
            }
          }
          return true;
        });
  }

  private static String describe(Replica... replicas) {
    StringBuilder sb = new StringBuilder();
    for (Replica r : replicas) {
      sb.append(r.self())
          .append(": visits=")
          .append(r.get(VISITS).value())
          .append(" tags=")
          .append(r.get(TAGS).elements())
          .append(" peers=")
          .append(r.peers())
          .append('\n');
    }
    return sb.toString();
  }

  private static void awaitConnected(Replica r, String peer) {
    Await.until(
        CONVERGE,
        () -> r.self() + " not connected to " + peer + ": " + r.peers(),
        () -> {
          PeerStatus s = r.peers().get(ReplicaId.of(peer));
          return s != null && s.connected();
        });
  }

  private ManagedChannel channel(int port, ChannelCredentials creds) {
    ManagedChannel channel = Grpc.newChannelBuilderForAddress("localhost", port, creds).build();
    closeables.add(
        () -> {
          channel.shutdownNow();
          channel.awaitTermination(5, TimeUnit.SECONDS);
        });
    return channel;
  }

  @Test
  void threeReplicas_plaintext_converge() {
    Replica[] rs = threeReplicas(b -> b);
    for (Replica r : rs) {
      r.update(VISITS, c -> c.increment(r.self(), 2));
      r.update(TAGS, s -> s.add(r.self(), "from-" + r.self()));
    }
    awaitConverged(6, Set.of("from-r1", "from-r2", "from-r3"), rs);
    rs[1].update(TAGS, s -> s.remove(rs[1].self(), "from-r1"));
    awaitConverged(6, Set.of("from-r2", "from-r3"), rs);
  }

  @Test
  void stoppedReplica_restartsOnSamePort_catchesUp() throws Exception {
    GrpcTransport t2 = plaintext(0).acceptFrom("r1").build();
    Replica r2 = replica("r2", t2);
    int port2 = t2.port();
    GrpcTransport t1 = plaintext(0).peer("r2", "127.0.0.1:" + port2).build();
    Replica r1 = replica("r1", t1);
    r1.update(VISITS, c -> c.increment(r1.self(), 1));
    awaitConverged(1, Set.of(), r1, r2);

    r2.close();
    Await.until(
        CONVERGE,
        () -> "r1 still sees r2 up",
        () -> !r1.peers().get(ReplicaId.of("r2")).connected());
    r1.update(VISITS, c -> c.increment(r1.self(), 4));
    r1.update(TAGS, s -> s.add(r1.self(), "while-r2-down"));

    Replica r2again = replica("r2", plaintext(port2).acceptFrom("r1").build());
    awaitConverged(5, Set.of("while-r2-down"), r1, r2again);
    r2again.update(VISITS, c -> c.increment(r2again.self(), 1));
    awaitConverged(6, Set.of("while-r2-down"), r1, r2again);
  }

  @Test
  void close_drainsUnacknowledgedDeltas_peerHasEveryUpdateWhenCloseReturns() throws Exception {
    GrpcTransport t2 = plaintext(0).acceptFrom("r1").build();
    Replica r2 = replica("r2", t2, b -> b.antiEntropyInterval(Duration.ofHours(1)));
    Replica r1 =
        replica(
            "r1",
            plaintext(0).peer("r2", "127.0.0.1:" + t2.port()).build(),
            b -> b.antiEntropyInterval(Duration.ofHours(1)).drainTimeout(Duration.ofSeconds(20)));
    awaitConnected(r1, "r2");
    for (int i = 0; i < 300; i++) {
      r1.update(VISITS, c -> c.increment(r1.self(), 1));
    }
    r1.close();
    // No anti-entropy (an hour away) and r1 is gone: only drained deltas can have arrived.
    assertEquals(300, r2.get(VISITS).value(), () -> describe(r2));
    assertTrue(r2.drain(Duration.ZERO), "nothing of r2's own to drain");
  }

  @Test
  void peerDownAtStart_comesLater_connects() {
    // r1 dials r2's port before anyone listens there; backoff retries until r2 starts.
    GrpcTransport probe = plaintext(0).acceptFrom("r0").build();
    Replica placeholder = replica("r9", probe);
    int port = probe.port();
    placeholder.close();
    Replica r1 = replica("r1", plaintext(0).peer("r2", "127.0.0.1:" + port).build());
    r1.update(VISITS, c -> c.increment(r1.self(), 3));
    Replica r2 = replica("r2", plaintext(port).acceptFrom("r1").build());
    awaitConverged(3, Set.of(), r1, r2);
  }

  @Test
  void oversizedMessage_rejectedWithStatus_serverKeepsServing() throws Exception {
    GrpcTransport t2 =
        plaintext(0).maxMessageBytes(SMALL_LIMIT).acceptFrom("r0").acceptFrom("r1").build();
    Replica r2 = replica("r2", t2);
    Replica r1 =
        replica(
            "r1",
            plaintext(0).maxMessageBytes(SMALL_LIMIT).peer("r2", "127.0.0.1:" + t2.port()).build());
    awaitConnected(r1, "r2");
    assertFalse(
        t2.send(ReplicaId.of("r1"), oversized("r2", SMALL_LIMIT + 1)),
        "send refuses an envelope over the limit");

    Metadata headers = new Metadata();
    headers.put(
        Metadata.Key.of(GrpcTransport.REPLICA_HEADER, Metadata.ASCII_STRING_MARSHALLER), "r0");
    ReplicationGrpc.ReplicationStub raw =
        ReplicationGrpc.newStub(channel(t2.port(), InsecureChannelCredentials.create()))
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    CompletableFuture<Status> closed = new CompletableFuture<>();
    raw.exchange(observer(closed)).onNext(oversized("r0", SMALL_LIMIT + 1024));
    Status status = closed.get(20, TimeUnit.SECONDS);
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, status.getCode(), status.toString());
    Await.until(
        CONVERGE,
        () -> "oversized not counted: " + r2.stats(),
        () -> r2.stats().rejected(Reason.OVERSIZED) == 1);
    // Far beyond the limit gRPC itself resets the stream, before the message is in memory.
    CompletableFuture<Status> reset = new CompletableFuture<>();
    raw.exchange(observer(reset)).onNext(oversized("r0", SMALL_LIMIT * 3));
    assertFalse(reset.get(20, TimeUnit.SECONDS).isOk());

    r1.update(VISITS, c -> c.increment(r1.self(), 7));
    r2.update(TAGS, s -> s.add(r2.self(), "still-serving"));
    awaitConverged(7, Set.of("still-serving"), r1, r2);
  }

  /** A client stream to {@code port} that names itself {@code caller} and sends raw bytes. */
  private StreamObserver<byte[]> rawStream(
      int port, String caller, StreamObserver<byte[]> responses) {
    Metadata headers = new Metadata();
    headers.put(
        Metadata.Key.of(GrpcTransport.REPLICA_HEADER, Metadata.ASCII_STRING_MARSHALLER), caller);
    Channel channel =
        ClientInterceptors.intercept(
            channel(port, InsecureChannelCredentials.create()),
            MetadataUtils.newAttachHeadersInterceptor(headers));
    MethodDescriptor<byte[], byte[]> bytes =
        ReplicationGrpc.getExchangeMethod().toBuilder(BYTES, BYTES).build();
    return ClientCalls.asyncBidiStreamingCall(
        channel.newCall(bytes, CallOptions.DEFAULT), responses);
  }

  private static final MethodDescriptor.Marshaller<byte[]> BYTES =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  /** Collects what a raw stream receives, parsed as envelopes, and how it ends. */
  private static final class RawResponses implements StreamObserver<byte[]> {
    final List<Envelope> received = new CopyOnWriteArrayList<>();
    final CompletableFuture<Status> closed = new CompletableFuture<>();

    @Override
    public void onNext(byte[] value) {
      try {
        received.add(Envelope.parseFrom(value));
      } catch (InvalidProtocolBufferException e) {
        closed.completeExceptionally(e);
      }
    }

    @Override
    public void onError(Throwable t) {
      closed.complete(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
      closed.complete(Status.OK);
    }
  }

  /** A one-delta batch from r0 for the key "visits", as type {@code type}. */
  private static Envelope visitsDelta(long sequence, String type, byte[] payload) {
    return envelopeFrom("r0")
        .setDeltas(
            DeltaBatch.newBuilder()
                .setFirstSequence(sequence)
                .addDeltas(
                    KeyedDelta.newBuilder()
                        .setKey("visits")
                        .setType(type)
                        .setPayload(ByteString.copyFrom(payload))))
        .build();
  }

  private static Envelope.Builder envelopeFrom(String sender) {
    return Envelope.newBuilder()
        .setProtocolVersion(1)
        .setSender(sender)
        .setSentAt(Clocks.toWire(HlcTimestamp.of(System.currentTimeMillis(), 0)));
  }

  @Test
  void garbageBytes_streamClosedInvalidArgument_countedReplicaKeepsServing() throws Exception {
    GrpcTransport t2 = plaintext(0).acceptFrom("r0").acceptFrom("r1").build();
    Replica r2 = replica("r2", t2);
    Replica r1 = replica("r1", plaintext(0).peer("r2", "127.0.0.1:" + t2.port()).build());
    awaitConnected(r1, "r2");

    RawResponses responses = new RawResponses();
    rawStream(t2.port(), "r0", responses).onNext(new byte[] {(byte) 0xff, (byte) 0xff, 0x0f});

    assertClosedWith(responses, Status.Code.INVALID_ARGUMENT, "MALFORMED: message of 3 bytes");
    Await.until(
        CONVERGE,
        () -> "garbage not counted: " + r2.stats(),
        () -> r2.stats().rejected(Reason.MALFORMED) == 1);
    r1.update(VISITS, c -> c.increment(r1.self(), 3));
    r2.update(TAGS, s -> s.add(r2.self(), "after-garbage"));
    awaitConverged(3, Set.of("after-garbage"), r1, r2);
  }

  @Test
  void unknownProtocolVersion_streamClosedFailedPrecondition() throws Exception {
    GrpcTransport t2 = plaintext(0).acceptFrom("r0").build();
    Replica r2 = replica("r2", t2);

    RawResponses responses = new RawResponses();
    rawStream(t2.port(), "r0", responses)
        .onNext(
            envelopeFrom("r0")
                .setProtocolVersion(7)
                .setHandshake(Handshake.getDefaultInstance())
                .build()
                .toByteArray());

    Status status = responses.closed.get(20, TimeUnit.SECONDS);
    assertEquals(Status.Code.FAILED_PRECONDITION, status.getCode(), status.toString());
    assertEquals(
        "UNKNOWN_VERSION: protocol version 7, expected 1",
        status.getDescription(),
        status::toString);
    assertEquals(1, r2.stats().rejected(Reason.UNKNOWN_VERSION));
  }

  @Test
  void wrongTypeDelta_refusedWithReject_valueUntouched_streamKept() throws Exception {
    GrpcTransport t2 = plaintext(0).acceptFrom("r0").acceptFrom("r1").build();
    Replica r2 = replica("r2", t2);
    r2.update(VISITS, c -> c.increment(r2.self(), 4));

    RawResponses responses = new RawResponses();
    StreamObserver<byte[]> requests = rawStream(t2.port(), "r0", responses);
    requests.onNext(handshake("r0", incarnation(1)));
    Envelope wrongType =
        visitsDelta(
            1,
            "PNCounter",
            CrdtCodec.pnCounter()
                .encode(PNCounter.empty().decrement(ReplicaId.of("r0"), 100).resetDelta()));
    requests.onNext(wrongType.toByteArray());

    Await.until(
        CONVERGE,
        () -> "no reject received: " + responses.received,
        () ->
            responses.received.stream()
                .anyMatch(
                    e ->
                        e.hasReject() && e.getReject().getReason() == Reject.Reason.TYPE_MISMATCH));
    assertEquals(1, r2.stats().rejected(Reason.TYPE_MISMATCH));
    assertEquals(4, r2.get(VISITS).value());
    assertFalse(responses.closed.isDone(), "a wrong-type delta does not close the stream");
    // The same stream still carries good deltas.
    requests.onNext(
        visitsDelta(
                2,
                "GCounter",
                CrdtCodec.gCounter()
                    .encode(GCounter.empty().increment(ReplicaId.of("r0"), 5).resetDelta()))
            .toByteArray());
    Await.until(
        CONVERGE,
        () -> "good delta not applied: " + r2.get(VISITS),
        () -> r2.get(VISITS).value() == 9);
    requests.onCompleted();
  }

  /** Waits until the raw stream is closed, and checks its status code and description. */
  private static void assertClosedWith(RawResponses responses, Status.Code code, String prefix)
      throws Exception {
    Status status = responses.closed.get(20, TimeUnit.SECONDS);
    assertEquals(code, status.getCode(), status.toString());
    assertTrue(status.getDescription().startsWith(prefix), status::toString);
  }

  /** A handshake envelope from {@code sender}, as a raw stream sends it. */
  private static byte[] handshake(String sender, long incarnation) {
    return envelopeFrom(sender)
        .setHandshake(
            Handshake.newBuilder()
                .setMinProtocolVersion(1)
                .setMaxProtocolVersion(1)
                .setReplica(sender)
                .setIncarnation(incarnation))
        .build()
        .toByteArray();
  }

  /** An incarnation (a start time, as a packed HLC timestamp) {@code minutesAgo} minutes ago. */
  private static long incarnation(int minutesAgo) {
    return HlcTimestamp.of(System.currentTimeMillis() - minutesAgo * 60_000L, 0).packed();
  }

  /** r0's GCounter delta for "visits" with sequence {@code sequence} and r0's count {@code n}. */
  private static byte[] r0Visits(long sequence, long n) {
    return visitsDelta(
            sequence,
            "GCounter",
            CrdtCodec.gCounter()
                .encode(GCounter.empty().increment(ReplicaId.of("r0"), n).resetDelta()))
        .toByteArray();
  }

  /** Two connected replicas and their transports. */
  private record Pair(Replica r1, GrpcTransport t1, Replica r2, GrpcTransport t2) {}

  /** r1 dials r2, with no anti-entropy: only deltas can carry a write, within the test. */
  private Pair pairWithoutAntiEntropy() {
    GrpcTransport t2 = plaintext(0).acceptFrom("r0").acceptFrom("r1").build();
    Replica r2 = replica("r2", t2, b -> b.antiEntropyInterval(Duration.ofHours(1)));
    GrpcTransport t1 = plaintext(0).peer("r2", "127.0.0.1:" + t2.port()).build();
    Replica r1 = replica("r1", t1, b -> b.antiEntropyInterval(Duration.ofHours(1)));
    awaitConnected(r1, "r2");
    awaitConnected(r2, "r1");
    return new Pair(r1, t1, r2, t2);
  }

  /** Both replicas' writes still reach the other as deltas (no anti-entropy runs). */
  private static void awaitDeltasFlowBothWays(Replica r1, Replica r2, long visits, String tag) {
    r1.update(VISITS, c -> c.increment(r1.self(), 1));
    r2.update(TAGS, s -> s.add(r2.self(), tag));
    awaitConverged(visits, Set.of(tag), r1, r2);
  }

  @Test
  void streamFromWrongSide_permissionDenied_counted_sessionKept() throws Exception {
    Pair p = pairWithoutAntiEntropy();
    Replica[] rs = {p.r1(), p.r2()};
    int port1 = p.t1().port();
    // r2 never dials r1 (r1 has the smaller id): a stream to r1 claiming to be r2 is an impostor.
    RawResponses responses = new RawResponses();
    rawStream(port1, "r2", responses).onNext(handshake("r2", incarnation(0)));

    assertClosedWith(
        responses, Status.Code.PERMISSION_DENIED, "WRONG_DIALLER: r2 does not dial r1");
    Await.until(
        CONVERGE,
        () -> "not counted: " + rs[0].stats(),
        () -> rs[0].stats().rejected(Reason.WRONG_DIALLER) == 1);
    awaitDeltasFlowBothWays(rs[0], rs[1], 1, "after-wrong-side");
  }

  @Test
  void duplicateStreamWithFabricatedHandshake_refused_sessionKeepsReplicating() throws Exception {
    Pair p = pairWithoutAntiEntropy();
    Replica[] rs = {p.r1(), p.r2()};
    awaitDeltasFlowBothWays(rs[0], rs[1], 1, "before");
    int port2 = p.t2().port();
    // An impostor of r1, on its own connection, with a made-up (newer) incarnation.
    RawResponses responses = new RawResponses();
    rawStream(port2, "r1", responses).onNext(handshake("r1", incarnation(0)));

    assertClosedWith(responses, Status.Code.ALREADY_EXISTS, "DUPLICATE_STREAM: r1 already has");
    assertEquals(1, rs[1].stats().rejected(Reason.DUPLICATE_STREAM), () -> describe(rs));
    rs[0].update(VISITS, c -> c.increment(rs[0].self(), 1));
    rs[1].update(TAGS, s -> s.add(rs[1].self(), "after"));
    awaitConverged(2, Set.of("before", "after"), rs);
    assertTrue(rs[0].peers().get(ReplicaId.of("r2")).connected(), () -> describe(rs));
  }

  /** r2 (accepting r0, no anti-entropy) and a raw stream from r0 that applied its delta 1. */
  private record R0Stream(GrpcTransport t2, Replica r2, StreamObserver<byte[]> requests) {}

  /**
   * Starts r2, opens a raw stream as r0 with a handshake of {@code incarnation} and sends delta 1
   * (r0's count 5); returns once r2 applied it.
   */
  private R0Stream r0AppliedDelta1(RawResponses responses, long incarnation) {
    GrpcTransport t2 = plaintext(0).acceptFrom("r0").build();
    Replica r2 = replica("r2", t2, b -> b.antiEntropyInterval(Duration.ofHours(1)));
    StreamObserver<byte[]> requests = rawStream(t2.port(), "r0", responses);
    requests.onNext(handshake("r0", incarnation));
    requests.onNext(r0Visits(1, 5));
    Await.until(CONVERGE, () -> "delta 1 not applied", () -> r2.get(VISITS).value() == 5);
    return new R0Stream(t2, r2, requests);
  }

  @Test
  void repeatedHandshake_refusedWithoutReset_deltasKeepApplying() throws Exception {
    RawResponses responses = new RawResponses();
    R0Stream r0 = r0AppliedDelta1(responses, incarnation(2));
    Replica r2 = r0.r2();
    StreamObserver<byte[]> requests = r0.requests();

    requests.onNext(handshake("r0", incarnation(1))); // "I restarted", on the same stream
    Await.until(
        CONVERGE,
        () -> "no reject: " + responses.received,
        () ->
            responses.received.stream()
                .anyMatch(
                    e ->
                        e.hasReject()
                            && e.getReject().getReason() == Reject.Reason.REPEATED_HANDSHAKE));
    // Nothing was reset: r2 still expects sequence 2 from r0 (a reset would wait for 1 again).
    requests.onNext(r0Visits(2, 7));
    Await.until(CONVERGE, () -> "delta 2 not applied", () -> r2.get(VISITS).value() == 7);
    assertEquals(1, r2.stats().rejected(Reason.REPEATED_HANDSHAKE));
    assertFalse(responses.closed.isDone(), "a repeated handshake does not close the stream");
    requests.onCompleted();
  }

  @Test
  void staleIncarnation_refused_streamClosedFailedPrecondition() throws Exception {
    R0Stream r0 = r0AppliedDelta1(new RawResponses(), incarnation(1));
    GrpcTransport t2 = r0.t2();
    Replica r2 = r0.r2();
    r0.requests().onCompleted();
    Await.until(
        CONVERGE,
        () -> "r0 still up: " + r2.peers(),
        () -> !r2.peers().get(ReplicaId.of("r0")).connected());

    RawResponses second = new RawResponses();
    rawStream(t2.port(), "r0", second).onNext(handshake("r0", incarnation(2)));
    assertClosedWith(second, Status.Code.FAILED_PRECONDITION, "STALE_INCARNATION: ");
    assertEquals(1, r2.stats().rejected(Reason.STALE_INCARNATION));
    assertEquals(5, r2.get(VISITS).value());
  }

  @Test
  void streamWithoutHandshake_closedAfterHandshakeTimeout_counted() throws Exception {
    GrpcTransport t2 =
        plaintext(0).handshakeTimeout(Duration.ofSeconds(1)).acceptFrom("r0").build();
    Replica r2 = replica("r2", t2);
    RawResponses responses = new RawResponses();
    rawStream(t2.port(), "r0", responses); // opens the stream, sends nothing

    assertClosedWith(responses, Status.Code.DEADLINE_EXCEEDED, "HANDSHAKE_TIMEOUT: ");
    Await.until(
        CONVERGE,
        () -> "not counted: " + r2.stats(),
        () -> r2.stats().rejected(Reason.HANDSHAKE_TIMEOUT) == 1);
  }

  @Test
  void firstEnvelopeNotHandshake_streamClosedInvalidArgument_notApplied() throws Exception {
    GrpcTransport t2 = plaintext(0).acceptFrom("r0").build();
    Replica r2 = replica("r2", t2);
    RawResponses responses = new RawResponses();
    rawStream(t2.port(), "r0", responses).onNext(r0Visits(1, 5));

    assertClosedWith(responses, Status.Code.INVALID_ARGUMENT, "NO_HANDSHAKE: ");
    Await.until(
        CONVERGE,
        () -> "not counted: " + r2.stats(),
        () -> r2.stats().rejected(Reason.NO_HANDSHAKE) == 1);
    assertEquals(0, r2.get(VISITS).value());
  }

  @Test
  void unknownCaller_plaintext_permissionDenied() throws Exception {
    GrpcTransport t2 = plaintext(0).acceptFrom("r1").build();
    Replica r2 = replica("r2", t2);
    Metadata headers = new Metadata();
    headers.put(
        Metadata.Key.of(GrpcTransport.REPLICA_HEADER, Metadata.ASCII_STRING_MARSHALLER), "mallory");
    CompletableFuture<Status> closed = new CompletableFuture<>();
    ReplicationGrpc.newStub(channel(t2.port(), InsecureChannelCredentials.create()))
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
        .exchange(observer(closed));
    assertEquals(Status.Code.PERMISSION_DENIED, closed.get(20, TimeUnit.SECONDS).getCode());
    Await.until(
        CONVERGE,
        () -> "not counted: " + r2.stats(),
        () -> r2.stats().rejected(Reason.UNTRUSTED_PEER) == 1);
  }

  @Test
  void healthCheck_running_serving() {
    GrpcTransport t = plaintext(0).acceptFrom("r1").build();
    replica("r2", t);
    HealthGrpc.HealthBlockingStub health =
        HealthGrpc.newBlockingStub(channel(t.port(), InsecureChannelCredentials.create()))
            .withDeadlineAfter(10, TimeUnit.SECONDS);
    assertEquals(
        HealthCheckResponse.ServingStatus.SERVING,
        health.check(HealthCheckRequest.getDefaultInstance()).getStatus());
    assertEquals(
        HealthCheckResponse.ServingStatus.SERVING,
        health
            .check(HealthCheckRequest.newBuilder().setService(GrpcTransport.SERVICE_NAME).build())
            .getStatus());
  }

  /** Starts r2 listening with {@code l2}'s certificate, then r1 dialling it with {@code l1}'s. */
  private Replica[] mtlsPair(
      TestCertificates ca, TestCertificates.Leaf l1, TestCertificates.Leaf l2) {
    GrpcTransport t2 =
        GrpcTransport.builder()
            .listen("127.0.0.1", 0)
            .tls(l2.certPem(), l2.keyPem(), ca.caPem())
            .acceptFrom("r1")
            .build();
    Replica r2 = replica("r2", t2);
    Replica r1 =
        replica(
            "r1",
            GrpcTransport.builder()
                .listen("127.0.0.1", 0)
                .tls(l1.certPem(), l1.keyPem(), ca.caPem())
                .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(500))
                .peer("r2", "localhost:" + t2.port())
                .build());
    return new Replica[] {r1, r2};
  }

  @Test
  void mtls_certificatesFromTrustedCa_converge() {
    TestCertificates ca = new TestCertificates("converge-test-ca");
    Replica[] rs = mtlsPair(ca, ca.leaf("r1"), ca.leaf("r2"));
    rs[0].update(VISITS, c -> c.increment(rs[0].self(), 1));
    rs[1].update(TAGS, s -> s.add(rs[1].self(), "secure"));
    awaitConverged(1, Set.of("secure"), rs);
  }

  @Test
  void mtls_certificateFromOtherCa_refused() throws Exception {
    TestCertificates ca = new TestCertificates("converge-test-ca");
    TestCertificates other = new TestCertificates("someone-else");
    TestCertificates.Leaf l2 = ca.leaf("r2");
    TestCertificates.Leaf foreign = other.leaf("r1");
    GrpcTransport t2 =
        GrpcTransport.builder()
            .listen("127.0.0.1", 0)
            .tls(l2.certPem(), l2.keyPem(), ca.caPem())
            .acceptFrom("r1")
            .build();
    replica("r2", t2);
    ChannelCredentials creds = tlsCredentials(foreign.certPem(), foreign.keyPem(), ca.caPem());
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                HealthGrpc.newBlockingStub(channel(t2.port(), creds))
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .check(HealthCheckRequest.getDefaultInstance()));
    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.toString());
  }

  @Test
  void mtls_trustedCertificateNamingAnotherReplica_permissionDenied() throws Exception {
    TestCertificates ca = new TestCertificates("converge-test-ca");
    TestCertificates.Leaf l2 = ca.leaf("r2");
    TestCertificates.Leaf mallory = ca.leaf("mallory");
    GrpcTransport t2 =
        GrpcTransport.builder()
            .listen("127.0.0.1", 0)
            .tls(l2.certPem(), l2.keyPem(), ca.caPem())
            .acceptFrom("r1")
            .build();
    replica("r2", t2);
    Metadata headers = new Metadata();
    headers.put(
        Metadata.Key.of(GrpcTransport.REPLICA_HEADER, Metadata.ASCII_STRING_MARSHALLER), "r1");
    CompletableFuture<Status> closed = new CompletableFuture<>();
    ReplicationGrpc.newStub(
            channel(t2.port(), tlsCredentials(mallory.certPem(), mallory.keyPem(), ca.caPem())))
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
        .exchange(observer(closed));
    assertEquals(Status.Code.PERMISSION_DENIED, closed.get(20, TimeUnit.SECONDS).getCode());
  }

  @Test
  void mtls_serverCertificateNamingAnotherReplica_clientRefusesIt() {
    TestCertificates ca = new TestCertificates("converge-test-ca");
    // r2's address serves a certificate of the same CA, but for "mallory".
    Replica r1 = mtlsPair(ca, ca.leaf("r1"), ca.leaf("mallory"))[0];
    Await.until(
        CONVERGE,
        () -> "impostor not refused: " + r1.stats(),
        () -> r1.stats().rejected(Reason.UNTRUSTED_PEER) >= 1);
    PeerStatus s = r1.peers().get(ReplicaId.of("r2"));
    assertTrue(s == null || !s.connected(), r1.peers()::toString);
  }

  @Test
  void mtls_fromPemFiles_converge(@TempDir Path dir) throws Exception {
    TestCertificates ca = new TestCertificates("converge-test-ca");
    Path caFile = Files.write(dir.resolve("ca.pem"), ca.caPem());
    Path[] cert = new Path[3];
    Path[] key = new Path[3];
    for (int i = 1; i <= 2; i++) {
      TestCertificates.Leaf leaf = ca.leaf("r" + i);
      cert[i] = Files.write(dir.resolve("r" + i + ".pem"), leaf.certPem());
      key[i] = Files.write(dir.resolve("r" + i + ".key"), leaf.keyPem());
    }
    GrpcTransport t2 =
        GrpcTransport.builder()
            .listen("127.0.0.1", 0)
            .tls(cert[2], key[2], caFile)
            .acceptFrom("r1")
            .build();
    Replica r2 = replica("r2", t2);
    Replica r1 =
        replica(
            "r1",
            GrpcTransport.builder()
                .listen("127.0.0.1", 0)
                .tls(cert[1], key[1], caFile)
                .peer("r2", "127.0.0.1:" + t2.port())
                .build());
    r1.update(VISITS, c -> c.increment(r1.self(), 2));
    r2.update(TAGS, s -> s.add(r2.self(), "from-files"));
    awaitConverged(2, Set.of("from-files"), r1, r2);

    Path missing = dir.resolve("missing.pem");
    UncheckedIOException e =
        assertThrows(
            UncheckedIOException.class, () -> GrpcTransport.builder().tls(missing, key[1], caFile));
    assertTrue(e.getMessage().contains(missing.toString()), e::getMessage);
    IllegalArgumentException bad =
        assertThrows(
            IllegalArgumentException.class,
            () -> GrpcTransport.builder().tls(caFile, caFile, caFile).build());
    assertTrue(bad.getMessage().startsWith("invalid TLS material"), bad::getMessage);
  }

  private static ChannelCredentials tlsCredentials(byte[] cert, byte[] key, byte[] ca)
      throws IOException {
    return TlsChannelCredentials.newBuilder()
        .keyManager(new ByteArrayInputStream(cert), new ByteArrayInputStream(key))
        .trustManager(new ByteArrayInputStream(ca))
        .build();
  }

  private static Envelope oversized(String sender, int bytes) {
    return Envelope.newBuilder()
        .setSender(sender)
        .setHandshake(
            Handshake.newBuilder().setCluster(ByteString.copyFrom(new byte[bytes]).toStringUtf8()))
        .build();
  }

  private static StreamObserver<Envelope> observer(CompletableFuture<Status> closed) {
    return new StreamObserver<>() {
      @Override
      public void onNext(Envelope value) {}

      @Override
      public void onError(Throwable t) {
        closed.complete(Status.fromThrowable(t));
      }

      @Override
      public void onCompleted() {
        closed.complete(Status.OK);
      }
    };
  }
}
