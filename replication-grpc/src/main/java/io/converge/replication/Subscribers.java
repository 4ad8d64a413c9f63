package io.converge.replication;

import io.converge.clocks.ReplicaId;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The subscribers of a replica's keys ({@link Replica#subscribe}), and how they are called.
 *
 * <p><b>Direct</b> (no executor, the default): a change's listeners run on the thread that made the
 * change, once the engine's lock is released and the change is durable: the writer's thread, or the
 * transport's for a change from a peer. Changes of a key made by one thread are notified in order;
 * changes of the same key made at once by several threads are notified by each thread, in whichever
 * order those threads get there.
 *
 * <p><b>On an executor</b>: each key has a serial queue over the executor, so that a key's
 * listeners see its changes one at a time and in the order the engine applied them, while different
 * keys run in parallel (one queue per replica serialized every key and, with a listener as the
 * visibility probe, cost ReplicationBenchmark's median lag 9 ms to 150-370 ms). The order is
 * decided under the engine's lock ({@link #changed} numbers the key's change); the change is handed
 * to the queue once it is durable, possibly out of that order by the threads that made the changes,
 * and the queue runs it only after every earlier change of the key (a change whose thread failed
 * before handing it over is {@linkplain Notification#skip skipped}, so that it never stalls the
 * key). The writer never waits for a listener: at most it hands the queue's run to the executor.
 *
 * <p>Either way a listener that throws is caught, counted ({@link #errors()}) and logged, and the
 * other listeners still run. Thread-safe.
 */
final class Subscribers {

  private static final System.Logger LOG = System.getLogger(Subscribers.class.getName());

  /** A change whose thread failed before handing it over: the queue steps over it. */
  private static final Object SKIPPED = new Object();

  private final ReplicaId self;
  private final Executor executor;
  private final Map<String, KeyListeners> byKey = new ConcurrentHashMap<>();
  private final AtomicLong errors = new AtomicLong();

  /**
   * @param executor where listeners run; null runs them on the thread that made the change
   */
  Subscribers(ReplicaId self, Executor executor) {
    this.self = Objects.requireNonNull(self, "self");
    this.executor = executor;
  }

  /** Adds a listener of a key; closing the subscription removes it. */
  Subscription add(String key, Consumer<Object> listener) {
    Objects.requireNonNull(listener, "listener");
    KeyListeners listeners = byKey.computeIfAbsent(key, KeyListeners::new);
    listeners.list.add(listener);
    return () -> listeners.list.remove(listener);
  }

  /** Listener calls that threw, and changes an executor refused to run. */
  long errors() {
    return errors.get();
  }

  /**
   * A key changed to {@code value}: returns what notifies its listeners, to run once the engine's
   * lock is released and the change is durable, or null if the key has no listener. Under the
   * engine's lock, which orders a key's changes.
   */
  Notification changed(String key, Object value) {
    KeyListeners listeners = byKey.get(key);
    if (listeners == null || listeners.list.isEmpty()) {
      return null;
    }
    return new Notification(listeners, executor == null ? -1 : listeners.assigned++, value);
  }

  /** One change of a key, to notify. */
  final class Notification {
    private final KeyListeners listeners;
    private final long number;
    private final Object value;
    private boolean handed;

    private Notification(KeyListeners listeners, long number, Object value) {
      this.listeners = listeners;
      this.number = number;
      this.value = value;
    }

    /** Calls the listeners, here or through the key's queue. Once; then a no-op. */
    void deliver() {
      if (handed) {
        return;
      }
      handed = true;
      if (executor == null) {
        call(listeners, value);
      } else {
        listeners.offer(number, value);
      }
    }

    /**
     * The change will not be delivered (its thread failed before): the key's later changes must not
     * wait for it. A no-op once delivered or skipped.
     */
    void skip() {
      if (handed) {
        return;
      }
      handed = true;
      if (executor != null) {
        listeners.offer(number, SKIPPED);
      }
    }
  }

  private void call(KeyListeners listeners, Object value) {
    for (Consumer<Object> listener : listeners.list) {
      try {
        listener.accept(value);
      } catch (RuntimeException e) {
        // The change is applied: a listener's failure must not reach the writer (who would
        // retry, and count twice), the transport's thread or the other listeners.
        errors.incrementAndGet();
        LOG.log(
            System.Logger.Level.WARNING,
            "replica " + self + ": a listener of key " + listeners.key + " threw; change applied",
            e);
      }
    }
  }

  /** One key's listeners, and its serial queue when they run on an executor. */
  private final class KeyListeners implements Runnable {
    final String key;
    final CopyOnWriteArrayList<Consumer<Object>> list = new CopyOnWriteArrayList<>();

    /** The number of the key's next change; under the engine's lock. */
    long assigned;

    /** Changes handed over and not run yet, by number; under this. */
    private final Map<Long, Object> waiting = new HashMap<>();

    /** The number of the next change to run; under this. */
    private long next;

    /** Whether a run of this queue is on the executor (or being handed to it); under this. */
    private boolean running;

    KeyListeners(String key) {
      this.key = key;
    }

    void offer(long number, Object value) {
      synchronized (this) {
        waiting.put(number, value);
        if (running || !waiting.containsKey(next)) {
          return; // the running queue takes it, or it waits for an earlier change
        }
        running = true;
      }
      try {
        executor.execute(this);
      } catch (RejectedExecutionException e) {
        int dropped = dropReady();
        errors.addAndGet(dropped);
        LOG.log(
            System.Logger.Level.WARNING,
            "replica "
                + self
                + ": the listener executor refused to run "
                + dropped
                + " change(s) of key "
                + key
                + "; they are applied, not notified",
            e);
      }
    }

    /** After the executor refused: drops the changes that were ready to run. */
    private synchronized int dropReady() {
      running = false;
      int dropped = 0;
      for (Object value = waiting.remove(next); value != null; value = waiting.remove(next)) {
        next++;
        if (value != SKIPPED) {
          dropped++;
        }
      }
      return dropped;
    }

    /** Runs the key's changes in order, until the next one is not there yet. On the executor. */
    @Override
    public void run() {
      boolean stopped = false;
      try {
        while (true) {
          Object value;
          synchronized (this) {
            value = waiting.remove(next);
            if (value == null) {
              running = false;
              stopped = true;
              return;
            }
            next++;
          }
          if (value != SKIPPED) {
            call(this, value);
          }
        }
      } finally {
        if (!stopped) {
          synchronized (this) {
            running = false; // an Error escaped a listener: the next change starts the queue again
          }
        }
      }
    }
  }
}
