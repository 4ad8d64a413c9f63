package io.converge.replication.transport;

import io.converge.clocks.ReplicaId;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What a {@link GrpcTransport.Builder} configured, frozen by {@link GrpcTransport.Builder#build()}:
 * an immutable value that every part of a running transport reads. The builder validated each
 * value; this record only holds them.
 *
 * @param host the address the server binds
 * @param port the port, 0 for an ephemeral one
 * @param peers every peer, in the order given, with its address or null for one that dials us
 * @param tls the TLS material, or null for plaintext
 * @param plaintextRemote whether plaintext may use non-loopback addresses
 * @param maxMessageBytes the largest envelope sent or received, serialized
 * @param outboundBufferMessages how many envelopes may wait to be written to one peer
 * @param outboundBufferBytes how many serialized bytes may wait to be written to one peer
 */
record TransportSettings(
    String host,
    int port,
    Map<ReplicaId, String> peers,
    TlsMaterial tls,
    boolean plaintextRemote,
    int maxMessageBytes,
    int outboundBufferMessages,
    long outboundBufferBytes,
    Duration keepAliveTime,
    Duration keepAliveTimeout,
    Duration handshakeTimeout,
    Duration initialBackoff,
    Duration maxBackoff,
    int maxConnections,
    int maxStreamsPerConnection,
    Duration maxConnectionIdle,
    Duration maxConnectionAge,
    Duration maxConnectionAgeGrace) {

  TransportSettings {
    // Map.copyOf would lose the order and refuses the null addresses of acceptFrom peers.
    peers = Collections.unmodifiableMap(new LinkedHashMap<>(peers));
  }

  /** What {@code b} configured; the default listen address is the one of the security chosen. */
  static TransportSettings of(GrpcTransport.Builder b) {
    return new TransportSettings(
        b.host != null ? b.host : b.plaintext ? "127.0.0.1" : "0.0.0.0",
        b.port,
        b.peers,
        b.tls,
        b.plaintextRemote,
        b.maxMessageBytes,
        b.outboundBufferMessages,
        b.outboundBufferBytes,
        b.keepAliveTime,
        b.keepAliveTimeout,
        b.handshakeTimeout,
        b.initialBackoff,
        b.maxBackoff,
        b.maxConnections,
        b.maxStreamsPerConnection,
        b.maxConnectionIdle,
        b.maxConnectionAge,
        b.maxConnectionAgeGrace);
  }

  /**
   * gRPC's own inbound limit, the memory bound. It resets a stream whose message exceeds it, and
   * the sender then sees only {@code CANCELLED}; so it is set above {@link #maxMessageBytes}, and
   * an envelope between the two is refused by {@link Connection} with a proper {@code
   * RESOURCE_EXHAUSTED} status that the sender receives.
   */
  int hardInboundLimit() {
    return (int) Math.min(Integer.MAX_VALUE, 2L * maxMessageBytes);
  }

  /**
   * Checks that a transport with these settings can start as {@code self}: {@code self} is not its
   * own peer, every peer it dials has an address, and plaintext addresses are loopback (resolves
   * names: I/O).
   *
   * @throws IllegalArgumentException naming the peer otherwise
   * @throws IllegalStateException naming the address that plaintext may not use
   */
  void checkStart(ReplicaId self) {
    if (peers.containsKey(self)) {
      throw new IllegalArgumentException("a replica is not its own peer: self=" + self);
    }
    for (Map.Entry<ReplicaId, String> e : peers.entrySet()) {
      if (dials(self, e.getKey()) && e.getValue() == null) {
        throw new IllegalArgumentException(
            "peer " + e.getKey() + " has a greater id than " + self + ": give its address");
      }
    }
    if (tls == null && !plaintextRemote) {
      PlaintextRules.requireLoopback(this, self);
    }
  }

  /**
   * Whether {@code self} dials {@code peer}: of each pair only the replica with the smaller id
   * dials, so a pair never has two streams.
   */
  static boolean dials(ReplicaId self, ReplicaId peer) {
    return self.compareTo(peer) < 0;
  }

  /**
   * Returns {@code d} if it is positive.
   *
   * @throws IllegalArgumentException naming {@code name} and the value otherwise
   */
  static Duration positive(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException("must be positive: " + name + "=" + d);
    }
    return d;
  }
}
