package io.converge.replication;

import io.converge.replication.transport.InMemoryNetwork;
import io.converge.replication.transport.Transport;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs the replication engine's timers (resends, anti-entropy rounds, the timeouts of waiting
 * writes, reads and drains), and says which clock they run on: its {@link #ticker()}, the clock of
 * every wait of the replica. A production replica uses {@link #of(ScheduledExecutorService)}, on
 * the system ticker; a simulation uses {@link #virtual(InMemoryNetwork, Transport)}, whose timers
 * and ticker are the in-memory network's virtual time, so that a test is deterministic, waits
 * included, and never sleeps.
 *
 * <p>Implementations must be thread-safe. A task may run on any thread; the engine serialises its
 * own work. The engine never calls {@link #schedule} while it holds its own lock, so a scheduler
 * may take a lock of its own that a thread holding it calls the engine back under.
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
   * Returns the clock this scheduler's delays elapse on: a task scheduled with {@code delay} runs
   * once this ticker advanced by at least about {@code delay}. The default is {@link
   * Ticker#system()}; a scheduler on another time (virtual time in a simulation) must override it.
   *
   * @return the ticker, thread-safe
   */
  default Ticker ticker() {
    return Ticker.system();
  }

  /**
   * Returns a scheduler that runs its timers as this one does and reads {@code ticker}: for a
   * scheduler written as a lambda, whose ticker is the system's.
   *
   * @param ticker the clock the timers run on
   * @return a scheduler, thread-safe as this one is
   * @throws NullPointerException if {@code ticker} is null
   */
  default EngineScheduler withTicker(Ticker ticker) {
    Objects.requireNonNull(ticker, "ticker");
    EngineScheduler timers = this;
    return new EngineScheduler() {
      @Override
      public void schedule(Duration delay, Runnable task) {
        timers.schedule(delay, task);
      }

      @Override
      public Ticker ticker() {
        return ticker;
      }
    };
  }

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

  /**
   * Returns a scheduler on an in-memory network's virtual time, for a simulated replica: its timers
   * are {@linkplain InMemoryNetwork#schedule(Transport, Duration, Runnable) actions of the network}
   * that die with {@code owner}'s transport (a crash cancels them, as a process's timers die with
   * it: a write still waiting in a crashed replica never completes), and its ticker reads the
   * network's {@linkplain InMemoryNetwork#now() virtual time}. A replica's waits on it end only
   * when something drives the network ({@link InMemoryNetwork#advance}, {@code step}, {@code
   * runUntilQuiet}): a blocking call waits until then, so call it on another thread than the one
   * that drives, or use the async API.
   *
   * @param network the network
   * @param owner the transport of the replica whose timers these are, made by {@code network}
   * @return a scheduler, thread-safe
   * @throws NullPointerException if an argument is null
   */
  static EngineScheduler virtual(InMemoryNetwork network, Transport owner) {
    Objects.requireNonNull(network, "network");
    Objects.requireNonNull(owner, "owner");
    Ticker virtualTime = () -> network.now().toNanos();
    return new EngineScheduler() {
      @Override
      public void schedule(Duration delay, Runnable task) {
        network.schedule(owner, delay, task);
      }

      @Override
      public Ticker ticker() {
        return virtualTime;
      }
    };
  }
}
