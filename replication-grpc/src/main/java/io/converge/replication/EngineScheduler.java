package io.converge.replication;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs the replication engine's timers (resends, anti-entropy rounds). A production replica uses
 * {@link #of(ScheduledExecutorService)}; a simulation runs timers on the virtual time of the
 * in-memory network, so that a test is deterministic and never sleeps.
 *
 * <p>Implementations must be thread-safe. A task may run on any thread; the engine serialises its
 * own work.
 */
@FunctionalInterface
public interface EngineScheduler {

  /**
   * Runs {@code task} once, after {@code delay}. The engine reschedules periodic work itself and
   * ignores tasks that run after it closed.
   *
   * @param delay the delay, zero or more
   * @param task what to run
   * @throws NullPointerException if an argument is null
   */
  void schedule(Duration delay, Runnable task);

  /**
   * Returns a scheduler on an executor service. The service is not shut down by the replica.
   *
   * @param executor the executor
   * @return a scheduler, thread-safe
   * @throws NullPointerException if {@code executor} is null
   */
  static EngineScheduler of(ScheduledExecutorService executor) {
    Objects.requireNonNull(executor, "executor");
    return (delay, task) -> {
      Objects.requireNonNull(task, "task");
      if (!executor.isShutdown()) {
        executor.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
      }
    };
  }
}
