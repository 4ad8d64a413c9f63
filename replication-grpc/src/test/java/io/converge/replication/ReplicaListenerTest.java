package io.converge.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.GCounter;
import io.converge.replication.transport.InMemoryNetwork;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * A subscriber that throws never reaches the writer or the transport, and subscribers on a listener
 * executor run per key in order, keys in parallel, without holding up the writer (issue 14).
 */
final class ReplicaListenerTest {

  private static final Key<GCounter> VISITS = Key.gCounter("visits");
  private static final Duration SECOND = Duration.ofSeconds(1);

  private static SimulatedCluster cluster() {
    return new SimulatedCluster(
        InMemoryNetwork.builder()
            .seed(5)
            .delay(Duration.ofMillis(1), Duration.ofMillis(5))
            .build());
  }

  @Test
  void update_listenerThrows_updateReturnsNormally_writeAppliedOnce_errorCounted() {
    // Before: the listener's exception escaped update() after the write was applied, so a caller
    // that retried counted twice.
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    SimulatedCluster cluster = cluster();
    Replica r1 = cluster.start("r1", b -> b.key(VISITS).meterRegistry(registry));
    r1.subscribe(
        VISITS,
        c -> {
          throw new IllegalStateException("listener bug");
        });
    GCounter value = r1.update(VISITS, c -> c.increment(r1.self(), 1));
    assertEquals(1, value.value());
    assertEquals(1, r1.get(VISITS).value());
    assertEquals(1, r1.stats().listenerErrors());
    assertEquals(1.0, registry.get(EngineMeters.LISTENER_ERRORS).functionCounter().count());
  }

  @Test
  void remoteChanges_listenerThrows_linkCarriesOn_otherListenersStillCalled() {
    SimulatedCluster cluster = cluster();
    Replica r1 = cluster.start("r1", b -> b.key(VISITS));
    Replica r2 = cluster.start("r2", b -> b.key(VISITS));
    cluster.advance(SECOND);
    r2.subscribe(
        VISITS,
        c -> {
          throw new IllegalStateException("listener bug");
        });
    long[] seen = {0};
    r2.subscribe(VISITS, c -> seen[0] = c.value());
    r1.update(VISITS, c -> c.increment(r1.self(), 1));
    cluster.advance(SECOND);
    r1.update(VISITS, c -> c.increment(r1.self(), 1));
    cluster.advance(SECOND);
    assertEquals(2, r2.get(VISITS).value());
    assertEquals(2, seen[0]);
    assertEquals(2, r2.stats().listenerErrors());
    assertEquals(0, r1.peers().get(r2.self()).pendingDeltas());
  }

  @Test
  void listenerExecutor_severalThreads_eachKeysChangesInTheOrderApplied() throws Exception {
    int keys = 8;
    int writers = 2;
    int perWriter = 150;
    ExecutorService executor = Executors.newFixedThreadPool(4);
    try {
      SimulatedCluster cluster = cluster();
      Replica r1 = cluster.start("r1", b -> b.listenerExecutor(executor));
      List<Key<GCounter>> counters = new ArrayList<>();
      List<List<Long>> seen = new ArrayList<>();
      CountDownLatch all = new CountDownLatch(keys * writers * perWriter);
      for (int k = 0; k < keys; k++) {
        Key<GCounter> key = Key.gCounter("k" + k);
        List<Long> values = Collections.synchronizedList(new ArrayList<>());
        r1.subscribe(
            key,
            c -> {
              values.add(c.value());
              all.countDown();
            });
        counters.add(key);
        seen.add(values);
      }
      List<Thread> threads = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        Thread writer =
            new Thread(
                () -> {
                  for (int i = 0; i < perWriter; i++) {
                    for (Key<GCounter> key : counters) {
                      r1.update(key, c -> c.increment(r1.self(), 1));
                    }
                  }
                });
        writer.start();
        threads.add(writer);
      }
      for (Thread writer : threads) {
        writer.join();
      }
      assertTrue(all.await(GUARD_SECONDS, TimeUnit.SECONDS), "listeners not all called");
      List<Long> expected = LongStream.rangeClosed(1, writers * perWriter).boxed().toList();
      for (int k = 0; k < keys; k++) {
        assertEquals(expected, seen.get(k), "key k" + k);
      }
      assertEquals(0, r1.stats().listenerErrors());
    } finally {
      executor.shutdownNow();
    }
  }

  @Test
  void listenerExecutor_aKeyWhoseListenerIsBusy_doesNotHoldUpAnotherKey() throws Exception {
    ExecutorService executor = Executors.newFixedThreadPool(2);
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch otherKeyCalled = new CountDownLatch(1);
    try {
      SimulatedCluster cluster = cluster();
      Replica r1 = cluster.start("r1", b -> b.listenerExecutor(executor));
      Key<GCounter> busy = Key.gCounter("busy");
      r1.subscribe(
          busy,
          c -> {
            try {
              release.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          });
      r1.subscribe(VISITS, c -> otherKeyCalled.countDown());
      r1.update(busy, c -> c.increment(r1.self(), 1));
      r1.update(busy, c -> c.increment(r1.self(), 1)); // queued behind the first, same key
      r1.update(VISITS, c -> c.increment(r1.self(), 1));
      assertTrue(
          otherKeyCalled.await(GUARD_SECONDS, TimeUnit.SECONDS),
          "visits waited for the busy key's listener: one queue for every key");
    } finally {
      release.countDown();
      executor.shutdownNow();
    }
  }

  @Test
  void listenerExecutor_slowExecutor_writeReturnsWithoutWaitingForTheListener() {
    ManualExecutor executor = new ManualExecutor();
    SimulatedCluster cluster = cluster();
    Replica r1 = cluster.start("r1", b -> b.key(VISITS).listenerExecutor(executor));
    List<Long> seen = new ArrayList<>();
    r1.subscribe(VISITS, c -> seen.add(c.value()));
    assertEquals(1, r1.update(VISITS, c -> c.increment(r1.self(), 1)).value());
    assertEquals(2, r1.update(VISITS, c -> c.increment(r1.self(), 1)).value());
    assertEquals(List.of(), seen, "the listener ran on the writer's thread");
    executor.runAll();
    assertEquals(List.of(1L, 2L), seen);
  }

  @Test
  void listenerExecutor_listenerThrows_countedAndLogged_neverReachesTheWriter() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    ManualExecutor executor = new ManualExecutor();
    SimulatedCluster cluster = cluster();
    Replica r1 =
        cluster.start("r1", b -> b.key(VISITS).meterRegistry(registry).listenerExecutor(executor));
    r1.subscribe(
        VISITS,
        c -> {
          throw new IllegalStateException("listener bug");
        });
    List<Long> seen = new ArrayList<>();
    r1.subscribe(VISITS, c -> seen.add(c.value()));
    r1.update(VISITS, c -> c.increment(r1.self(), 1));
    executor.runAll();
    assertEquals(1, r1.get(VISITS).value(), "applied once");
    assertEquals(List.of(1L), seen, "the other listener still ran");
    assertEquals(1, r1.stats().listenerErrors());
    assertEquals(1.0, registry.get(EngineMeters.LISTENER_ERRORS).functionCounter().count());
  }

  private static final long GUARD_SECONDS = 60;

  /** Holds the tasks it is given until {@link #runAll()}. */
  private static final class ManualExecutor implements Executor {
    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();

    @Override
    public void execute(Runnable task) {
      tasks.add(task);
    }

    void runAll() {
      for (Runnable task = tasks.poll(); task != null; task = tasks.poll()) {
        task.run();
      }
    }
  }
}
