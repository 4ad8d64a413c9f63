package io.converge.replication.transport;

import java.util.ArrayDeque;
import java.util.concurrent.ExecutorService;
import java.util.function.Supplier;

/**
 * Runs tasks one at a time, in submission order, on a shared pool: a peer's listener callbacks, a
 * connection's writes. {@link #execute} never blocks and never runs a task on the caller's thread,
 * so it is safe from gRPC's and Netty's threads. A task that throws is reported to the thread's
 * uncaught-exception handler and the next one runs. Once the pool refuses work (the transport is
 * closing) queued tasks are dropped. Thread-safe.
 */
final class SerialExecutor {

  private final Supplier<ExecutorService> pool;
  private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
  private boolean running;

  /**
   * @param pool the pool to run on, read at the first task (the transport makes it at start)
   */
  SerialExecutor(Supplier<ExecutorService> pool) {
    this.pool = pool;
  }

  void execute(Runnable task) {
    synchronized (tasks) {
      tasks.add(task);
      if (running) {
        return;
      }
      running = true;
    }
    try {
      pool.get().execute(this::run);
    } catch (RuntimeException rejected) {
      synchronized (tasks) {
        tasks.clear();
        running = false;
      }
    }
  }

  private void run() {
    while (true) {
      Runnable task;
      synchronized (tasks) {
        task = tasks.poll();
        if (task == null) {
          running = false;
          return;
        }
      }
      try {
        task.run();
      } catch (RuntimeException e) {
        Thread t = Thread.currentThread();
        t.getUncaughtExceptionHandler().uncaughtException(t, e);
      }
    }
  }
}
