package io.converge.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.clocks.ReplicaId;
import io.converge.crdt.GCounter;
import io.converge.replication.codec.WireException;
import io.converge.replication.transport.InMemoryNetwork;
import io.converge.replication.transport.Transport;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A replica over the in-memory network receives bytes, as over gRPC: what is not an envelope is
 * refused by the transport (counted as {@code MALFORMED}), the link goes down and comes back, and
 * replication goes on.
 */
final class WireBytesTest {

  private static final Key<GCounter> VISITS = Key.gCounter("visits");
  private static final ReplicaId R1 = ReplicaId.of("r1");

  private final SimulatedCluster cluster =
      new SimulatedCluster(
          InMemoryNetwork.builder()
              .seed(17)
              .delay(Duration.ofMillis(1), Duration.ofMillis(5))
              .reconnectDelay(Duration.ofMillis(100))
              .build());

  @Test
  void bytesThatAreNotAnEnvelope_refusedMalformed_linkRecovers() {
    Replica r1 = cluster.start("r1", b -> b.key(VISITS));
    Transport mallory = cluster.rawPeer("mallory");
    Replica r2 = cluster.start("r2", b -> b.key(VISITS));
    cluster.advance(Duration.ofSeconds(1));

    cluster.network.sendBytes(mallory, R1, new byte[] {0x0a, (byte) 0xff, 0x7f});
    cluster.advance(Duration.ofSeconds(1));

    assertEquals(
        1L, r1.stats().rejected().get(WireException.Reason.MALFORMED), r1.stats()::toString);
    assertTrue(
        cluster.rawPeerEvents.stream()
            .anyMatch(e -> e.startsWith("mallory down r1: refused by r1: MALFORMED: message of 3")),
        cluster.rawPeerEvents::toString);
    assertTrue(cluster.network.isConnected(R1, ReplicaId.of("mallory")), "reconnected");
    r1.update(VISITS, c -> c.increment(R1, 2));
    cluster.advance(Duration.ofSeconds(1));
    assertEquals(2, r2.get(VISITS).value());
    assertEquals(0L, r2.stats().rejected().values().stream().mapToLong(Long::longValue).sum());
  }
}
