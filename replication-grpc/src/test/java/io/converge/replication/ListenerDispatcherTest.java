package io.converge.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.GCounter;
import io.converge.replication.transport.InMemoryNetwork;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Subscribers' delivery (issue 14: listeners on an executor, in order, failures contained). */
final class ListenerDispatcherTest {

  private static final Key<GCounter> VISITS = Key.gCounter("visits");
  private static final Duration SECOND = Duration.ofSeconds(1);

  /** An executor that runs tasks only when the test says so. */
  private static final class ManualExecutor implements Executor {
    final ArrayDeque<Runnable> tasks = new ArrayDeque<>();

    @Override
    public void execute(Runnable task) {
      tasks.add(task);
    }

    void runAll() {
      while (!tasks.isEmpty()) {
        tasks.poll().run();
      }
    }
  }

  @Test
  void drain_runsQueuedNotificationsInOrder_onTheExecutor_oneDrainAtATime() {
    ManualExecutor executor = new ManualExecutor();
    ListenerDispatcher dispatcher = new ListenerDispatcher(executor, "r1");
    List<Object> seen = new ArrayList<>();
    Consumer<Object> listener = seen::add;
    dispatcher.enqueue("k", listener, 1);
    dispatcher.drain();
    dispatcher.enqueue("k", listener, 2);
    dispatcher.drain(); // a drain is scheduled: no second one
    assertEquals(1, executor.tasks.size());
    assertEquals(List.of(), seen, "nothing runs on the caller's thread");
    executor.runAll();
    assertEquals(List.of(1, 2), seen);
    dispatcher.enqueue("k", listener, 3);
    dispatcher.drain();
    executor.runAll();
    assertEquals(List.of(1, 2, 3), seen);
  }

  @Test
  void drain_listenerThrows_caughtCountedAndTheNextRuns() {
    ListenerDispatcher dispatcher = new ListenerDispatcher(Runnable::run, "r1");
    List<Object> seen = new ArrayList<>();
    dispatcher.enqueue(
        "k",
        v -> {
          throw new IllegalStateException("listener bug");
        },
        1);
    dispatcher.enqueue("k", seen::add, 2);
    dispatcher.drain();
    assertEquals(List.of(2), seen);
    assertEquals(1, dispatcher.errors());
  }

  @Test
  void drain_executorRefuses_notificationsDroppedAndCounted_laterOnesStillDelivered() {
    boolean[] refuse = {true};
    List<Object> seen = new ArrayList<>();
    ListenerDispatcher dispatcher =
        new ListenerDispatcher(
            task -> {
              if (refuse[0]) {
                throw new RejectedExecutionException("shut down");
              }
              task.run();
            },
            "r1");
    dispatcher.enqueue("k", seen::add, 1);
    dispatcher.drain();
    assertEquals(1, dispatcher.errors());
    refuse[0] = false;
    dispatcher.enqueue("k", seen::add, 2);
    dispatcher.drain();
    assertEquals(List.of(2), seen);
  }

  // --- through the replica ----------------------------------------------------------------------

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
    SimulatedCluster cluster = cluster();
    Replica r1 = cluster.start("r1", b -> b.key(VISITS));
    r1.subscribe(
        VISITS,
        c -> {
          throw new IllegalStateException("listener bug");
        });
    GCounter value = r1.update(VISITS, c -> c.increment(r1.self(), 1));
    assertEquals(1, value.value());
    assertEquals(1, r1.get(VISITS).value());
    assertEquals(1, r1.stats().listenerErrors());
  }

  @Test
  void remoteChanges_listenerThrows_linkCarriesOn() {
    SimulatedCluster cluster = cluster();
    Replica r1 = cluster.start("r1", b -> b.key(VISITS));
    Replica r2 = cluster.start("r2", b -> b.key(VISITS));
    cluster.advance(SECOND);
    r2.subscribe(
        VISITS,
        c -> {
          throw new IllegalStateException("listener bug");
        });
    r1.update(VISITS, c -> c.increment(r1.self(), 1));
    cluster.advance(SECOND);
    r1.update(VISITS, c -> c.increment(r1.self(), 1));
    cluster.advance(SECOND);
    assertEquals(2, r2.get(VISITS).value());
    assertEquals(2, r2.stats().listenerErrors());
    assertEquals(0, r1.peers().get(r2.self()).pendingDeltas());
  }

  @Test
  void listenerExecutor_given_listenersRunThereInOrder() {
    SimulatedCluster cluster = cluster();
    ManualExecutor executor = new ManualExecutor();
    Replica r1 = cluster.start("r1", b -> b.key(VISITS).listenerExecutor(executor));
    List<Long> seen = new ArrayList<>();
    r1.subscribe(VISITS, c -> seen.add(c.value()));
    for (int i = 0; i < 5; i++) {
      r1.update(VISITS, c -> c.increment(r1.self(), 1));
    }
    assertTrue(seen.isEmpty(), "listeners wait for the executor");
    executor.runAll();
    assertEquals(List.of(1L, 2L, 3L, 4L, 5L), seen);
  }
}
