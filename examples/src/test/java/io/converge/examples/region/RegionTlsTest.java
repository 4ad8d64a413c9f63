package io.converge.examples.region;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.clocks.ReplicaId;
import io.converge.examples.region.RegionHttp.Answer;
import io.converge.replication.PeerStatus;
import io.converge.replication.transport.GrpcTransport;
import io.converge.replication.wire.v1.Envelope;
import io.converge.replication.wire.v1.ReplicationGrpc;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regions replicate over mutual TLS with the example's own certificate authority, over real gRPC on
 * loopback: a caller without a certificate of that authority naming the peer it claims to be gets
 * no replication stream.
 */
class RegionTlsTest {

  @TempDir Path dir;
  private final RegionCertificates authority = RegionCertificates.create("test cart CA");
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  private Region region(String name, Map<String, String> peers) throws IOException {
    Region region = RegionHttp.startTls(authority, dir, name, peers);
    closeables.add(region);
    return region;
  }

  /** us-east, expecting eu-west to dial it (the smaller id dials; eu-west is nowhere yet). */
  private Region usEastAwaitingEuWest() throws IOException {
    return region("us-east", Map.of("eu-west", "127.0.0.1:9"));
  }

  @Test
  void tls_regionsWithTheExamplesCertificates_replicate() throws IOException {
    Region us = usEastAwaitingEuWest();
    Region eu = region("eu-west", Map.of("us-east", "127.0.0.1:" + us.grpcPort()));
    Answer added =
        RegionHttp.call(eu, "POST", "/carts/ada/items", "{\"item\":\"fig\",\"quantity\":2}");
    assertEquals(200, added.status(), added.body()::toString);
    // Once the TLS session is up (however long the handshakes take), the write replicates.
    RegionHttp.await(
        "us-east holds eu-west's write",
        () -> RegionHttp.call(us, "GET", "/carts/ada", null).body().at("/items/fig").asLong() == 2);
    Answer read =
        RegionHttp.call(
            us, "GET", "/carts/ada", null, Region.AFTER_HEADER, added.body().get("token").asText());
    assertEquals(200, read.status(), read.body()::toString);
    assertTrue(
        RegionHttp.call(us, "GET", "/health", null)
            .body()
            .at("/peers/eu-west/connected")
            .asBoolean());
  }

  @Test
  void tls_callerWithoutTheExamplesCertificate_getsNoReplicationStream() throws Exception {
    Region us = usEastAwaitingEuWest();
    RegionCertificates mallory = RegionCertificates.create("Mallory's CA");
    RegionCertificates.Issued forged = mallory.issue("eu-west");
    RegionCertificates.Issued misnamed = authority.issue("mallory");
    RegionCertificates.Issued genuine = authority.issue("eu-west");

    // No TLS at all: the TLS server cannot even read the request.
    assertEquals(
        Status.Code.UNAVAILABLE,
        exchangeAsEuWest(us, InsecureChannelCredentials.create()).getCode());
    // A certificate naming eu-west, from another CA: the TLS handshake fails.
    assertEquals(Status.Code.UNAVAILABLE, exchangeAsEuWest(us, credentials(forged)).getCode());
    // The example's CA, but the certificate names another replica than the one claimed.
    Status wrongName = exchangeAsEuWest(us, credentials(misnamed));
    assertEquals(Status.Code.PERMISSION_DENIED, wrongName.getCode(), wrongName::toString);
    assertTrue(
        wrongName.getDescription().contains("does not name replica eu-west"), wrongName::toString);
    PeerStatus euWest = us.replica().peers().get(ReplicaId.of("eu-west"));
    assertTrue(euWest == null || !euWest.connected(), () -> "eu-west connected: " + euWest);

    // The control: the example's certificate for eu-west gets the region's hello.
    assertEquals(Status.Code.OK, exchangeAsEuWest(us, credentials(genuine)).getCode());
  }

  /**
   * Opens the replication stream of {@code us} claiming to be eu-west; returns OK once the region
   * answers with its hello (then cancels), else the status the stream failed with.
   */
  private Status exchangeAsEuWest(Region us, ChannelCredentials credentials) throws Exception {
    ManagedChannel channel =
        Grpc.newChannelBuilderForAddress("127.0.0.1", us.grpcPort(), credentials).build();
    try {
      Metadata headers = new Metadata();
      headers.put(
          Metadata.Key.of(GrpcTransport.REPLICA_HEADER, Metadata.ASCII_STRING_MARSHALLER),
          "eu-west");
      CompletableFuture<Status> outcome = new CompletableFuture<>();
      StreamObserver<Envelope> requests =
          ReplicationGrpc.newStub(channel)
              .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
              .exchange(
                  new StreamObserver<>() {
                    @Override
                    public void onNext(Envelope hello) {
                      outcome.complete(
                          hello.getSender().equals("us-east")
                              ? Status.OK
                              : Status.UNKNOWN.withDescription("hello from " + hello.getSender()));
                    }

                    @Override
                    public void onError(Throwable t) {
                      outcome.complete(Status.fromThrowable(t));
                    }

                    @Override
                    public void onCompleted() {
                      outcome.complete(Status.UNKNOWN.withDescription("completed without hello"));
                    }
                  });
      Status status = outcome.get(30, TimeUnit.SECONDS);
      requests.onError(Status.CANCELLED.asRuntimeException());
      return status;
    } finally {
      channel.shutdownNow();
      channel.awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  /** TLS trusting the example's CA (so only the region can refuse), presenting {@code cert}. */
  private ChannelCredentials credentials(RegionCertificates.Issued cert) throws IOException {
    return TlsChannelCredentials.newBuilder()
        .keyManager(
            new ByteArrayInputStream(cert.certificatePem()),
            new ByteArrayInputStream(cert.privateKeyPem()))
        .trustManager(new ByteArrayInputStream(authority.caPem()))
        .build();
  }
}
