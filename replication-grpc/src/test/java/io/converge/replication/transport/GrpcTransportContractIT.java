package io.converge.replication.transport;

import io.converge.clocks.ReplicaId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * The {@link TransportContract} over {@link GrpcTransport} on loopback, plaintext. Transports are
 * made before their peers listen, so each test reserves a port per replica up front (a free
 * ephemeral port, released just before the transport binds it); the dialler's backoff covers peers
 * that start later.
 */
final class GrpcTransportContractIT extends TransportContract {

  private static final Duration DEADLINE = Duration.ofSeconds(20);

  private final Map<ReplicaId, Integer> ports = new HashMap<>();

  GrpcTransportContractIT() {
    for (ReplicaId id : List.of(r1, r2, r3)) {
      ports.put(id, freePort());
    }
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  Transport newTransport(ReplicaId id) {
    GrpcTransport.Builder b =
        GrpcTransport.builder()
            .listen("127.0.0.1", ports.get(id))
            .plaintext()
            .reconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(200));
    for (ReplicaId peer : List.of(r1, r2, r3)) {
      if (!peer.equals(id)) {
        b.peer(peer, "127.0.0.1:" + ports.get(peer));
      }
    }
    return b.build();
  }

  @Override
  void awaitUntil(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out after " + DEADLINE + ": " + what);
      }
      LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
    }
  }
}
