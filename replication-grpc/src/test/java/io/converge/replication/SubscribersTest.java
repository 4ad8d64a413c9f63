package io.converge.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.converge.clocks.ReplicaId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;

/** {@link Subscribers} alone, with an executor the test runs by hand. */
final class SubscribersTest {

  private static final ReplicaId SELF = ReplicaId.of("r1");

  /** Holds what it is given until {@link #runAll()}. */
  private static final class ManualExecutor implements Executor {
    final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
    boolean refuse;

    @Override
    public void execute(Runnable task) {
      if (refuse) {
        throw new RejectedExecutionException("shut down");
      }
      tasks.add(task);
    }

    void runAll() {
      for (Runnable task = tasks.poll(); task != null; task = tasks.poll()) {
        task.run();
      }
    }
  }

  private final ManualExecutor executor = new ManualExecutor();
  private final Subscribers subscribers = new Subscribers(SELF, executor);
  private final List<String> seen = new ArrayList<>();

  @Test
  void changed_noListener_nothingToNotify() {
    assertNull(subscribers.changed("a", 1));
  }

  @Test
  void handedOverOutOfOrder_runsInTheOrderTheChangesWereMade() {
    subscribers.add("a", v -> seen.add("a" + v));
    Subscribers.Notification first = subscribers.changed("a", 1);
    Subscribers.Notification second = subscribers.changed("a", 2);
    Subscribers.Notification third = subscribers.changed("a", 3);
    third.deliver(); // its thread got there first
    second.deliver();
    executor.runAll();
    assertEquals(List.of(), seen, "ran before the first change");
    first.deliver();
    executor.runAll();
    assertEquals(List.of("a1", "a2", "a3"), seen);
  }

  @Test
  void skippedChange_doesNotStallTheKey() {
    subscribers.add("a", v -> seen.add("a" + v));
    Subscribers.Notification first = subscribers.changed("a", 1);
    Subscribers.Notification second = subscribers.changed("a", 2);
    second.deliver();
    first.skip(); // its thread failed before handing it over
    first.deliver(); // and a late deliver does nothing
    executor.runAll();
    assertEquals(List.of("a2"), seen);
  }

  @Test
  void keys_haveQueuesOfTheirOwn() {
    subscribers.add("a", v -> seen.add("a" + v));
    subscribers.add("b", v -> seen.add("b" + v));
    Subscribers.Notification a1 = subscribers.changed("a", 1);
    subscribers.changed("b", 1).deliver(); // b does not wait for a's first change
    executor.runAll();
    assertEquals(List.of("b1"), seen);
    a1.deliver();
    executor.runAll();
    assertEquals(List.of("b1", "a1"), seen);
  }

  @Test
  void oneRunPerKey_untilItsQueueIsEmpty() {
    subscribers.add("a", v -> seen.add("a" + v));
    subscribers.changed("a", 1).deliver();
    subscribers.changed("a", 2).deliver();
    assertEquals(1, executor.tasks.size(), "the second change joins the queue's run");
    executor.runAll();
    assertEquals(List.of("a1", "a2"), seen);
    subscribers.changed("a", 3).deliver();
    assertEquals(1, executor.tasks.size(), "a new run once the last one ended");
  }

  @Test
  void listenerThatThrows_counted_otherListenersStillCalled() {
    subscribers.add(
        "a",
        v -> {
          throw new IllegalStateException("bug");
        });
    subscribers.add("a", v -> seen.add("a" + v));
    subscribers.changed("a", 1).deliver();
    subscribers.changed("a", 2).deliver();
    executor.runAll();
    assertEquals(List.of("a1", "a2"), seen);
    assertEquals(2, subscribers.errors());
  }

  @Test
  void executorThatRefuses_changesCountedAndDropped_keyCarriesOnLater() {
    subscribers.add("a", v -> seen.add("a" + v));
    executor.refuse = true;
    subscribers.changed("a", 1).deliver();
    assertEquals(1, subscribers.errors());
    executor.refuse = false;
    subscribers.changed("a", 2).deliver();
    executor.runAll();
    assertEquals(List.of("a2"), seen);
  }

  @Test
  void closedSubscription_notCalled() {
    Subscription s = subscribers.add("a", v -> seen.add("a" + v));
    Subscribers.Notification change = subscribers.changed("a", 1);
    s.close();
    change.deliver();
    executor.runAll();
    assertEquals(List.of(), seen);
    assertNull(subscribers.changed("a", 2), "no listener left");
  }

  @Test
  void direct_runsOnTheCallingThread_atDeliver() {
    Subscribers direct = new Subscribers(SELF, null);
    direct.add("a", v -> seen.add(Thread.currentThread().getName() + ":" + v));
    Subscribers.Notification change = direct.changed("a", 1);
    assertEquals(List.of(), seen);
    change.deliver();
    change.deliver();
    assertEquals(List.of(Thread.currentThread().getName() + ":1"), seen);
  }
}
