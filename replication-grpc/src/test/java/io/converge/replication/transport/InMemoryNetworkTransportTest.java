package io.converge.replication.transport;

import static org.junit.jupiter.api.Assertions.fail;

import io.converge.clocks.ReplicaId;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * The {@link TransportContract} over an {@link InMemoryNetwork} with random delays but no faults
 * (no loss, duplication or reordering), which is what the contract calls a healthy network.
 */
final class InMemoryNetworkTransportTest extends TransportContract {

  private final InMemoryNetwork network =
      InMemoryNetwork.builder()
          .seed(20250101)
          .delay(Duration.ofMillis(1), Duration.ofMillis(30))
          .maxMessageBytes(1024)
          .build();

  @Override
  Transport newTransport(ReplicaId id) {
    return network.transport(id);
  }

  @Override
  void awaitUntil(String what, BooleanSupplier condition) {
    while (!condition.getAsBoolean()) {
      if (!network.step()) {
        fail("never happened, and no event is left: " + what + "; " + network);
      }
    }
  }
}
