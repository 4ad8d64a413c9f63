package io.converge.replication;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Delivers value changes to subscribers, in the order the changes were applied, on an executor, and
 * keeps a subscriber's failure to itself.
 *
 * <h2>Threads and order</h2>
 *
 * The engine {@link #enqueue}s a notification while it holds its lock, so notifications queue in
 * the order their changes were applied (per key, and across keys). After releasing the lock it
 * calls {@link #drain}: if no drain is running, one is started on the executor and runs every
 * queued notification, one at a time, until the queue is empty; otherwise the running drain will
 * reach the new ones. So at most one notification runs at a time and none overtakes another,
 * whatever threads applied the changes (a local writer, a transport thread delivering a peer's
 * delta). With a direct executor ({@code Runnable::run}) the drain runs on the thread that found
 * the queue idle, which may then deliver other threads' changes too.
 *
 * <h2>Failures</h2>
 *
 * A subscriber that throws is caught: the exception is counted ({@link #errors()}, the {@code
 * converge.listener.errors} counter) and logged with the key, and the next notification runs. It
 * never reaches the writer that called {@code update} (whose write is applied and would otherwise
 * look failed, and be retried twice) or the transport's thread. An executor that refuses the drain
 * (shut down) drops the queued notifications, counted as errors too.
 *
 * <p>Thread-safe.
 */
final class ListenerDispatcher {

  private static final System.Logger LOG = System.getLogger(ListenerDispatcher.class.getName());

  private final Executor executor;
  private final String owner;
  private final ArrayDeque<Notification> queue = new ArrayDeque<>();
  private final AtomicLong errors = new AtomicLong();

  /** Under {@code this}: whether a drain is scheduled or running. */
  private boolean draining;

  /** One value for one subscriber. */
  private record Notification(String key, Consumer<Object> listener, Object value) {}

  /**
   * @param executor where notifications run
   * @param owner the replica, for log messages
   */
  ListenerDispatcher(Executor executor, String owner) {
    this.executor = executor;
    this.owner = owner;
  }

  /** Queues the delivery of {@code value} (the value of {@code key}) to {@code listener}. */
  synchronized void enqueue(String key, Consumer<Object> listener, Object value) {
    queue.addLast(new Notification(key, listener, value));
  }

  /** Starts delivering what is queued, unless a drain is already running. Not under a lock. */
  void drain() {
    synchronized (this) {
      if (draining || queue.isEmpty()) {
        return;
      }
      draining = true;
    }
    try {
      executor.execute(this::runAll);
    } catch (RejectedExecutionException e) {
      int dropped;
      synchronized (this) {
        dropped = queue.size();
        queue.clear();
        draining = false;
      }
      errors.addAndGet(dropped);
      LOG.log(
          System.Logger.Level.WARNING,
          "replica " + owner + ": listener executor refused; " + dropped + " notifications dropped",
          e);
    }
  }

  private void runAll() {
    while (true) {
      Notification next;
      synchronized (this) {
        next = queue.pollFirst();
        if (next == null) {
          draining = false;
          return;
        }
      }
      try {
        next.listener().accept(next.value());
      } catch (VirtualMachineError fatal) {
        synchronized (this) {
          draining = false; // the next drain delivers the rest
        }
        throw fatal;
      } catch (RuntimeException | Error e) {
        errors.incrementAndGet();
        LOG.log(
            System.Logger.Level.WARNING,
            "replica "
                + owner
                + ": a listener of key "
                + next.key()
                + " threw; the change is applied",
            e);
      }
    }
  }

  /** How many listener calls threw (or were dropped) so far. */
  long errors() {
    return errors.get();
  }
}
