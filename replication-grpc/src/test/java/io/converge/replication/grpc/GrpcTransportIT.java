package io.converge.replication.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import io.converge.clocks.ReplicaId;
import io.converge.crdt.GCounter;
import io.converge.crdt.ORSet;
import io.converge.replication.Key;
import io.converge.replication.PeerStatus;
import io.converge.replication.Replica;
import io.converge.replication.codec.ElementCodec;
import io.converge.replication.transport.GrpcTransport;
import io.converge.replication.wire.v1.Envelope;
import io.converge.replication.wire.v1.Handshake;
import io.converge.replication.wire.v1.ReplicationGrpc;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

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
    Replica r =
        Replica.builder()
            .replicaId(id)
            .transport(transport)
            .key(VISITS)
            .key(TAGS)
            .resendInterval(Duration.ofMillis(100))
            .antiEntropyInterval(Duration.ofMillis(300))
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
    // Far beyond the limit gRPC itself resets the stream, before the message is in memory.
    CompletableFuture<Status> reset = new CompletableFuture<>();
    raw.exchange(observer(reset)).onNext(oversized("r0", SMALL_LIMIT * 3));
    assertFalse(reset.get(20, TimeUnit.SECONDS).isOk());

    r1.update(VISITS, c -> c.increment(r1.self(), 7));
    r2.update(TAGS, s -> s.add(r2.self(), "still-serving"));
    awaitConverged(7, Set.of("still-serving"), r1, r2);
  }

  @Test
  void unknownCaller_plaintext_permissionDenied() throws Exception {
    GrpcTransport t2 = plaintext(0).acceptFrom("r1").build();
    replica("r2", t2);
    Metadata headers = new Metadata();
    headers.put(
        Metadata.Key.of(GrpcTransport.REPLICA_HEADER, Metadata.ASCII_STRING_MARSHALLER), "mallory");
    CompletableFuture<Status> closed = new CompletableFuture<>();
    ReplicationGrpc.newStub(channel(t2.port(), InsecureChannelCredentials.create()))
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
        .exchange(observer(closed));
    assertEquals(Status.Code.PERMISSION_DENIED, closed.get(20, TimeUnit.SECONDS).getCode());
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

  @Test
  void mtls_certificatesFromTrustedCa_converge() {
    TestCertificates ca = new TestCertificates("converge-test-ca");
    TestCertificates.Leaf l1 = ca.leaf("r1");
    TestCertificates.Leaf l2 = ca.leaf("r2");
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
    r1.update(VISITS, c -> c.increment(r1.self(), 1));
    r2.update(TAGS, s -> s.add(r2.self(), "secure"));
    awaitConverged(1, Set.of("secure"), r1, r2);
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
