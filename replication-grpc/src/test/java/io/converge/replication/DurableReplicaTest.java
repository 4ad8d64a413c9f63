package io.converge.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.clocks.HlcTimestamp;
import io.converge.clocks.HybridLogicalClock;
import io.converge.clocks.ReplicaId;
import io.converge.crdt.GCounter;
import io.converge.crdt.LWWRegister;
import io.converge.crdt.ORSet;
import io.converge.replication.codec.CrdtCodec;
import io.converge.replication.codec.ElementCodec;
import io.converge.replication.store.FsyncPolicy;
import io.converge.replication.store.StoreException;
import io.converge.replication.transport.InMemoryNetwork;
import io.converge.replication.transport.Transport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A replica with a data directory: what survives a restart, and what it refuses to open. */
final class DurableReplicaTest {

  private static final Key<GCounter> VISITS = Key.gCounter("visits");
  private static final Key<ORSet<String>> TAGS = Key.orSet("tags", ElementCodec.strings());
  private static final Key<LWWRegister<String>> ADDRESS =
      Key.lwwRegister("address", ElementCodec.strings());

  /** Only a guard against a hang: no test here waits for time to pass. */
  private static final long GUARD_SECONDS = 30;

  @TempDir Path dir;

  private final InMemoryNetwork network = InMemoryNetwork.builder().seed(5).build();

  /** A replica on {@code network} with the usual keys, stopped with {@code close()}. */
  private Replica replica(
      InMemoryNetwork net, String id, Path data, UnaryOperator<Replica.Builder> configure) {
    ReplicaId rid = ReplicaId.of(id);
    Transport transport = net.transport(rid);
    return configure
        .apply(
            Replica.builder()
                .replicaId(rid)
                .transport(transport)
                .scheduler(SimulatedCluster.scheduler(net, transport))
                .drainTimeout(Duration.ZERO)
                .dataDirectory(data)
                .key(VISITS)
                .key(TAGS)
                .key(ADDRESS))
        .start();
  }

  @Test
  void restart_recoversEveryAcknowledgedUpdate() {
    try (Replica r = replica(network, "r1", dir, b -> b)) {
      r.update(VISITS, c -> c.increment(r.self(), 3));
      r.update(TAGS, s -> s.add(r.self(), "a").add(r.self(), "b"));
      r.update(TAGS, s -> s.remove(r.self(), "a"));
      r.update(ADDRESS, a -> a.set("1 Main St", r.clock(), r.self()));
    }
    InMemoryNetwork later = InMemoryNetwork.builder().seed(6).build();
    try (Replica r = replica(later, "r1", dir, b -> b)) {
      assertEquals(3, r.get(VISITS).value());
      assertEquals(Set.of("b"), r.get(TAGS).elements());
      assertEquals("1 Main St", r.get(ADDRESS).value().orElseThrow());
      // Dots keep counting after the restart: a new add is not confused with an old one.
      r.update(TAGS, s -> s.add(r.self(), "a"));
      assertEquals(Set.of("a", "b"), r.get(TAGS).elements());
    }
  }

  /**
   * A replica on the system's time, whose store is written by a thread of its own ({@link
   * Persistence}).
   */
  private Replica onSystemTime(InMemoryNetwork net, String id, Path data) {
    ReplicaId rid = ReplicaId.of(id);
    return Replica.builder()
        .replicaId(rid)
        .transport(net.transport(rid))
        .drainTimeout(Duration.ZERO)
        .dataDirectory(data)
        .key(VISITS)
        .key(TAGS)
        .key(ADDRESS)
        .start();
  }

  @Test
  void storesOwnThread_asyncWritesThenClose_restartRecoversThemAll() throws Exception {
    int n = Durability.CHECKPOINT_EVERY + 500; // a checkpoint on the store's thread too
    CompletableFuture<Written<GCounter>> last = null;
    try (Replica r = onSystemTime(network, "r1", dir)) {
      for (int i = 0; i < n; i++) {
        last = r.writeAsync(VISITS, c -> c.increment(r.self(), 1));
      }
      assertEquals(n, last.get(GUARD_SECONDS, TimeUnit.SECONDS).value().value());
    }
    try (Replica r = onSystemTime(InMemoryNetwork.builder().seed(6).build(), "r1", dir)) {
      assertEquals(n, r.get(VISITS).value());
    }
  }

  @Test
  void storesOwnThread_listenerThatWritesAndWaits_runsItsWriteThere() throws Exception {
    try (Replica r = onSystemTime(network, "r1", dir)) {
      AtomicReference<String> listenerThread = new AtomicReference<>();
      r.subscribe(
          VISITS,
          c -> {
            listenerThread.set(Thread.currentThread().getName());
            r.update(TAGS, s -> s.add(r.self(), "seen " + c.value())); // waits for its commit
          });
      // Runs on a test thread with a guard: before the store's thread wrote a group re-entered
      // from a completion, the listener waited for itself forever.
      CompletableFuture.runAsync(() -> r.update(VISITS, c -> c.increment(r.self(), 1)))
          .get(GUARD_SECONDS, TimeUnit.SECONDS);

      assertEquals("converge-store-r1", listenerThread.get(), "listeners run once committed");
      assertEquals(Set.of("seen 1"), r.get(TAGS).elements());
    }
    try (Replica r = onSystemTime(InMemoryNetwork.builder().seed(6).build(), "r1", dir)) {
      assertEquals(Set.of("seen 1"), r.get(TAGS).elements(), "the listener's write is durable");
    }
  }

  @Test
  void checkpointAtClose_reusesTheEncodingItsDigestMade() {
    List<Object> encoded = Collections.synchronizedList(new ArrayList<>());
    CrdtCodec<ORSet<String>> counting = CountingCodec.orSetOfStrings(encoded);
    Key<ORSet<String>> counted = Key.of("counted", counting, ORSet.empty());
    ORSet<String> state;
    try (Replica r =
        replica(
            network, "r1", dir, b -> b.key(counted).antiEntropyInterval(Duration.ofMillis(100)))) {
      r.update(counted, s -> s.add(r.self(), "a"));
      r.update(counted, s -> s.add(r.self(), "b"));
      network.advance(Duration.ofMillis(150)); // one anti-entropy round: its digest encodes it
      state = r.get(counted);
      assertEquals(1, encoded.stream().filter(state::equals).count(), "the digest's encoding");
    } // closing writes a last checkpoint, of this version
    assertEquals(1, encoded.stream().filter(state::equals).count(), "the checkpoint shared it");
    try (Replica r =
        replica(InMemoryNetwork.builder().seed(6).build(), "r1", dir, b -> b.key(counted))) {
      assertEquals(Set.of("a", "b"), r.get(counted).elements());
    }
  }

  @Test
  void restart_afterMoreUpdatesThanACheckpointHolds_recoversThemAll() {
    int n = Durability.CHECKPOINT_EVERY + 1_234;
    try (Replica r = replica(network, "r1", dir, b -> b.fsyncPolicy(FsyncPolicy.none()))) {
      for (int i = 0; i < n; i++) {
        r.update(VISITS, c -> c.increment(r.self(), 1));
      }
    }
    try (Replica r = replica(InMemoryNetwork.builder().build(), "r1", dir, b -> b)) {
      assertEquals(n, r.get(VISITS).value());
    }
  }

  @Test
  void deltasFromAPeer_areDurableOnceAcknowledged() {
    Path d1 = dir.resolve("r1");
    Path d2 = dir.resolve("r2");
    Replica r1 = replica(network, "r1", d1, b -> b);
    Replica r2 = replica(network, "r2", d2, b -> b);
    network.advance(Duration.ofSeconds(1));
    r1.update(VISITS, c -> c.increment(r1.self(), 7));
    network.advance(Duration.ofSeconds(1));
    assertEquals(0, r1.peers().get(r2.self()).pendingDeltas(), "r2 acknowledged r1's delta");
    r2.close();
    r1.close();
    // r2 alone, on another network: what it acknowledged is on its disk.
    try (Replica again = replica(InMemoryNetwork.builder().build(), "r2", d2, b -> b)) {
      assertEquals(7, again.get(VISITS).value());
    }
  }

  @Test
  void restart_wallClockBehind_timestampsStillIncrease() {
    AtomicLong wall = new AtomicLong(1_800_000_000_000L);
    HlcTimestamp last;
    try (Replica r = replica(network, "r1", dir, b -> b.physicalClock(wall::get))) {
      r.update(ADDRESS, a -> a.set("before", r.clock(), r.self()));
      last = r.get(ADDRESS).timestamp().orElseThrow();
    }
    wall.addAndGet(-Duration.ofMinutes(10).toMillis()); // the machine restarts 10 min behind
    try (Replica r = replica(network, "r1", dir, b -> b.physicalClock(wall::get))) {
      HlcTimestamp now = r.clock().now();
      assertTrue(now.compareTo(last) > 0, () -> now + " after " + last);
      r.update(ADDRESS, a -> a.set("after", r.clock(), r.self()));
      assertEquals("after", r.get(ADDRESS).value().orElseThrow(), "the later write wins");
    }
  }

  @Test
  void givenClockBehindWhatWasIssued_refusedClearly() {
    AtomicLong wall = new AtomicLong(1_800_000_000_000L);
    try (Replica r = replica(network, "r1", dir, b -> b.physicalClock(wall::get))) {
      r.update(VISITS, c -> c.increment(r.self(), 1));
    }
    HybridLogicalClock behind =
        HybridLogicalClock.builder().physicalClock(() -> 1_700_000_000_000L).build();
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class, () -> replica(network, "r1", dir, b -> b.clock(behind)));
    assertTrue(e.getMessage().contains("startAfter"), e::getMessage);
    // The failed start released the directory.
    try (Replica r = replica(InMemoryNetwork.builder().build(), "r1", dir, b -> b)) {
      assertEquals(1, r.get(VISITS).value());
    }
  }

  @Test
  void dataDirectory_withAKeyNoLongerDeclared_refusedClearly() {
    Key<GCounter> legacy = Key.gCounter("legacy");
    try (Replica r = replica(network, "r1", dir, b -> b)) {
      r.update(legacy, c -> c.increment(r.self(), 1));
    }
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () -> replica(InMemoryNetwork.builder().build(), "r1", dir, b -> b));
    assertTrue(e.getMessage().contains("holds key legacy of type GCounter"), e::getMessage);
    assertTrue(e.getMessage().contains(dir.toString()), e::getMessage);
  }

  @Test
  void dataDirectory_ofAnotherReplica_refused() {
    try (Replica r = replica(network, "r1", dir, b -> b)) {
      r.update(VISITS, c -> c.increment(r.self(), 1));
    }
    StoreException e =
        assertThrows(
            StoreException.class,
            () -> replica(InMemoryNetwork.builder().build(), "r9", dir, b -> b));
    assertEquals(StoreException.Reason.OTHER_REPLICA, e.reason());
  }
}
