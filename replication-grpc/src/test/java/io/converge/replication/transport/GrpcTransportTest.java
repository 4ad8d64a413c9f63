package io.converge.replication.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.clocks.ReplicaId;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Configuration checks that need no network; the transport itself is proven by the *IT tests. */
final class GrpcTransportTest {

  private final ReplicaId r1 = ReplicaId.of("r1");

  @Test
  void build_neitherTlsNorPlaintext_throwsIllegalState() {
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> GrpcTransport.builder().build());
    assertEquals("choose tls(...) or, for loopback demos only, plaintext()", e.getMessage());
  }

  @Test
  void maxMessageBytes_default_is4MiB() {
    assertEquals(4 * 1024 * 1024, GrpcTransport.builder().plaintext().build().maxMessageBytes());
  }

  @Test
  void builder_invalidValues_throwIllegalArgument() {
    GrpcTransport.Builder b = GrpcTransport.builder();
    assertThrows(IllegalArgumentException.class, () -> b.maxMessageBytes(1023));
    assertThrows(IllegalArgumentException.class, () -> b.outboundBufferMessages(0));
    assertThrows(IllegalArgumentException.class, () -> b.listen("127.0.0.1", 65536));
    assertThrows(IllegalArgumentException.class, () -> b.keepAlive(Duration.ZERO, Duration.ZERO));
    assertThrows(
        IllegalArgumentException.class,
        () -> b.reconnectBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)));
  }

  @Test
  void outboundBufferBytes_notPositive_throwsNamingValue() {
    GrpcTransport.Builder b = GrpcTransport.builder();
    assertEquals(
        "must be >= 1: bytes=0",
        assertThrows(IllegalArgumentException.class, () -> b.outboundBufferBytes(0)).getMessage());
    assertEquals(
        "must be >= 1: bytes=-5",
        assertThrows(IllegalArgumentException.class, () -> b.outboundBufferBytes(-5)).getMessage());
    b.outboundBufferBytes(1);
    assertEquals(8L << 20, GrpcTransport.Builder.DEFAULT_OUTBOUND_BUFFER_BYTES);
  }

  @Test
  void start_greaterPeerWithoutAddress_throwsIllegalArgument() {
    GrpcTransport t = GrpcTransport.builder().plaintext().acceptFrom("r2").build();
    assertThrows(IllegalArgumentException.class, () -> t.start(r1, new RecordingListener(r1)));
    t.close();
  }

  @Test
  void start_selfAsPeer_throwsIllegalArgument() {
    GrpcTransport t = GrpcTransport.builder().plaintext().peer("r1", "127.0.0.1:1").build();
    assertThrows(IllegalArgumentException.class, () -> t.start(r1, new RecordingListener(r1)));
    t.close();
  }

  @Test
  void build_plaintextOnAllInterfaces_throwsNamingAddress() {
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () -> GrpcTransport.builder().listen("0.0.0.0", 7001).plaintext().build());
    assertTrue(e.getMessage().contains("listen address 0.0.0.0 is not loopback"), e::getMessage);
    assertTrue(e.getMessage().contains("plaintextInsecureAllowRemote()"), e::getMessage);
    assertThrows(
        IllegalStateException.class,
        () -> GrpcTransport.builder().plaintext().listen("10.1.2.3", 7001).build());
  }

  @Test
  void build_plaintextOnLoopbackOrInsecureRemote_builds() {
    GrpcTransport.builder().listen("127.0.0.1", 0).plaintext().build();
    GrpcTransport.builder().listen("::1", 0).plaintext().build();
    GrpcTransport.builder().listen("0.0.0.0", 0).plaintextInsecureAllowRemote().build();
  }

  @Test
  void start_plaintextPeerNotOnLoopback_throwsNamingAddress() {
    GrpcTransport t = GrpcTransport.builder().plaintext().peer("r2", "10.1.2.3:7001").build();
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> t.start(r1, new RecordingListener(r1)));
    assertTrue(
        e.getMessage().contains("address 10.1.2.3:7001 of peer r2 is not loopback"), e::getMessage);
    t.close();
  }

  @Test
  void hostOf_targets_host() {
    assertEquals("eu-west.internal", GrpcTransport.hostOf("eu-west.internal:7001"));
    assertEquals("127.0.0.1", GrpcTransport.hostOf("dns:///127.0.0.1:7001"));
    assertEquals("::1", GrpcTransport.hostOf("[::1]:7001"));
  }

  @Test
  void limits_invalidValues_throwIllegalArgument() {
    GrpcTransport.Builder b = GrpcTransport.builder();
    assertThrows(IllegalArgumentException.class, () -> b.maxConnections(0));
    assertThrows(IllegalArgumentException.class, () -> b.maxStreamsPerConnection(0));
    assertThrows(IllegalArgumentException.class, () -> b.maxConnectionIdle(Duration.ZERO));
    assertThrows(
        IllegalArgumentException.class,
        () -> b.maxConnectionAge(Duration.ofHours(1), Duration.ZERO));
  }

  @Test
  void sendAndPort_beforeStart_throwIllegalState() {
    GrpcTransport t = GrpcTransport.builder().plaintext().build();
    assertThrows(IllegalStateException.class, () -> t.send(r1, Messages.numbered(r1, 1)));
    assertThrows(IllegalStateException.class, t::port);
  }
}
