package io.converge.examples.cart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.clocks.HybridLogicalClock;
import io.converge.clocks.ReplicaId;
import io.converge.replication.Consistency;
import io.converge.replication.EngineScheduler;
import io.converge.replication.Replica;
import io.converge.replication.transport.InMemoryNetwork;
import io.converge.replication.transport.Transport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The cart's documented merge rules, on two replicas of a simulated network: writes made while the
 * two are partitioned are concurrent, and healing merges them.
 */
class CartsTest {

  private static final Consistency LOCAL = Consistency.LOCAL;

  private InMemoryNetwork network;
  private final List<Replica> replicas = new ArrayList<>();
  private Carts us;
  private Carts eu;
  private ReplicaId usId;
  private ReplicaId euId;

  @BeforeEach
  void start() {
    network = InMemoryNetwork.builder().seed(7).build();
    usId = ReplicaId.of("us-east");
    euId = ReplicaId.of("eu-west");
    us = new Carts(replica(usId), Duration.ofSeconds(1));
    eu = new Carts(replica(euId), Duration.ofSeconds(1));
    network.advance(Duration.ofSeconds(1));
  }

  private Replica replica(ReplicaId id) {
    Transport transport = network.transport(id);
    Replica replica =
        Carts.declare(Replica.builder())
            .replicaId(id)
            .transport(transport)
            .clock(
                HybridLogicalClock.builder()
                    .physicalClock(network.clock(id, Duration.ZERO))
                    .build())
            .scheduler(EngineScheduler.virtual(network, transport))
            .resendInterval(Duration.ofMillis(50))
            .antiEntropyInterval(Duration.ofMillis(200))
            .drainTimeout(Duration.ZERO)
            .start();
    replicas.add(replica);
    return replica;
  }

  @AfterEach
  void stop() {
    replicas.forEach(Replica::close);
  }

  /** Runs {@code writes} on both sides of a partition, then heals and lets them converge. */
  private void concurrently(Runnable writes) {
    network.partition(Set.of(usId), Set.of(euId));
    network.advance(Duration.ofMillis(100));
    writes.run();
    network.heal();
    network.advance(Duration.ofSeconds(2));
  }

  private void converge() {
    network.advance(Duration.ofSeconds(2));
  }

  @Test
  void concurrentAdds_bothCount() {
    us.add("alice", "apple", 2, LOCAL);
    converge();
    concurrently(
        () -> {
          assertEquals(3, us.add("alice", "apple", 1, LOCAL).cart().quantity("apple"));
          assertEquals(5, eu.add("alice", "apple", 3, LOCAL).cart().quantity("apple"));
        });
    assertEquals(Map.of("apple", 6L), us.view("alice").items());
    assertEquals(us.view("alice"), eu.view("alice"));
  }

  @Test
  void remove_takesOnlyWhatItSaw_concurrentAddSurvivesWithItsOwnQuantity() {
    us.add("alice", "banana", 1, LOCAL);
    converge();
    concurrently(
        () -> {
          us.remove("alice", "banana", LOCAL);
          eu.add("alice", "banana", 2, LOCAL);
        });
    assertEquals(Map.of("banana", 2L), us.view("alice").items());
    assertEquals(us.view("alice"), eu.view("alice"));
  }

  @Test
  void clear_removesWhatTheRegionSaw_keepsAConcurrentAdd() {
    us.add("alice", "apple", 2, LOCAL);
    us.add("alice", "banana", 1, LOCAL);
    converge();
    concurrently(
        () -> {
          assertTrue(eu.clear("alice", LOCAL).cart().items().isEmpty());
          us.add("alice", "cherry", 1, LOCAL);
        });
    assertEquals(Map.of("cherry", 1L), eu.view("alice").items());
    assertEquals(us.view("alice"), eu.view("alice"));
  }

  @Test
  void setQuantity_recordsTheDifference_concurrentChangesAddUp_zeroRemoves() {
    us.add("alice", "apple", 2, LOCAL);
    converge();
    concurrently(
        () -> {
          us.setQuantity("alice", "apple", 3, LOCAL);
          eu.setQuantity("alice", "apple", 3, LOCAL);
        });
    assertEquals(4, us.view("alice").quantity("apple"));
    us.setQuantity("alice", "apple", 0, LOCAL);
    converge();
    assertEquals(Map.of(), eu.view("alice").items());
  }

  @Test
  void itemRemovedToBelowZero_isAbsent_andAddingStartsFromZero() {
    us.add("alice", "apple", 3, LOCAL);
    converge();
    concurrently(
        () -> {
          us.setQuantity("alice", "apple", 1, LOCAL); // -2
          eu.setQuantity("alice", "apple", 1, LOCAL); // -2: merged 3 - 4 = -1
        });
    assertEquals(Map.of(), us.view("alice").items());
    assertEquals(2, us.add("alice", "apple", 2, LOCAL).cart().quantity("apple"));
    converge();
    assertEquals(Map.of("apple", 2L), eu.view("alice").items());
  }

  @Test
  void address_laterWriteWinsEverywhere_evenAfterConcurrentWrites() {
    concurrently(
        () -> {
          us.setAddress("alice", "1 Main St", LOCAL);
          network.advance(Duration.ofMillis(10));
          eu.setAddress("alice", "2 High St", LOCAL);
        });
    CartView view = us.view("alice");
    assertEquals(Optional.of("2 High St"), view.address());
    assertEquals(Optional.of("eu-west"), view.addressWriter());
    assertEquals(view, eu.view("alice"));
    us.setAddress("alice", "3 Low St", LOCAL);
    converge();
    assertEquals(Optional.of("3 Low St"), eu.view("alice").address());
  }

  @Test
  void invalidInput_refusedNamingTheValue_nothingWritten() {
    assertInvalid("user id", () -> us.add("al ice", "apple", 1, LOCAL), "\"al ice\"");
    assertInvalid("user id", () -> us.view(""), "\"\"");
    assertInvalid("user id", () -> us.add(null, "apple", 1, LOCAL), "missing");
    assertInvalid("item id", () -> us.add("alice", "a/b", 1, LOCAL), "\"a/b\"");
    assertInvalid("item id", () -> us.add("alice", "x".repeat(65), 1, LOCAL), "xxxx");
    assertInvalid("quantity", () -> us.add("alice", "apple", 0, LOCAL), ": 0");
    assertInvalid("quantity", () -> us.add("alice", "apple", -5, LOCAL), ": -5");
    assertInvalid("quantity", () -> us.add("alice", "apple", 1001, LOCAL), ": 1001");
    assertInvalid("quantity", () -> us.setQuantity("alice", "apple", -1, LOCAL), ": -1");
    assertInvalid("address", () -> us.setAddress("alice", "  ", LOCAL), "empty");
    assertInvalid("address", () -> us.setAddress("alice", "x".repeat(301), LOCAL), "301");
    assertInvalid("address", () -> us.setAddress("alice", "a\u0000b", LOCAL), "U+0000");
    us.add("alice", "apple", 999, LOCAL);
    assertInvalid("quantity of apple", () -> us.add("alice", "apple", 2, LOCAL), "1001");
    assertEquals(Map.of("apple", 999L), us.view("alice").items());
    assertEquals(Optional.empty(), us.view("alice").address());
  }

  @Test
  void fullCart_refusedAsConflict_existingItemsStillChange() {
    for (int i = 0; i < Carts.MAX_ITEMS; i++) {
      us.add("bob", "item-" + i, 1, LOCAL);
    }
    CartException full =
        assertThrows(CartException.class, () -> us.add("bob", "one-more", 1, LOCAL));
    assertEquals(CartException.Kind.CONFLICT, full.kind());
    assertTrue(full.getMessage().contains("one-more"), full.getMessage());
    assertEquals(2, us.add("bob", "item-0", 1, LOCAL).cart().quantity("item-0"));
    us.remove("bob", "item-1", LOCAL);
    assertEquals(1, us.add("bob", "one-more", 1, LOCAL).cart().quantity("one-more"));
  }

  @Test
  void peerKeys_ofAnotherShape_areNotCartKeys() {
    assertThrows(CartException.class, () -> Carts.itemsKey("a b"));
    assertEquals("cart/alice/items", Carts.itemsKey("alice").name());
    assertEquals("cart/alice/address", Carts.addressKey("alice").name());
  }

  private static void assertInvalid(String what, Runnable call, String named) {
    CartException e = assertThrows(CartException.class, call::run);
    assertEquals(CartException.Kind.INVALID, e.kind());
    assertTrue(e.getMessage().contains(what), e.getMessage());
    assertTrue(e.getMessage().contains(named), e.getMessage());
  }
}
