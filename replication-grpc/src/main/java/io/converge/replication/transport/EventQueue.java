package io.converge.replication.transport;

import java.time.Duration;
import java.util.Comparator;
import java.util.PriorityQueue;
import java.util.function.Predicate;

/**
 * The virtual time of an {@link InMemoryNetwork} and the events due in it: message deliveries, peer
 * events and scheduled actions, run one at a time in the order of (virtual time, sequence number).
 *
 * <p>Design: one priority queue, where the sequence number is a global counter taken when an event
 * is created. Ties at one instant therefore run in creation order, which makes a peer's {@code
 * onPeerUp} precede every message of the connection it announces (those are sent later), and makes
 * FIFO links FIFO even at equal delivery times. The queue counts the messages and peer events it
 * holds, so that {@link #runUntilQuiet} knows when nothing is in flight; events removed before they
 * fall due (the messages of a link that went down) leave the count at once.
 *
 * <p>Guarded by the network's lock, except {@link #nowNanos()}, which the replicas' clocks read
 * without it.
 */
final class EventQueue {

  /** What an event is, for the counts of {@link #runUntilQuiet}. */
  enum Kind {
    MESSAGE,
    PEER_EVENT,
    ACTION
  }

  /** Something that happens at a virtual time; runs on the thread that drives the network. */
  abstract static class Event {
    final long time;
    final long sequence;
    final Kind kind;

    Event(long time, long sequence, Kind kind) {
      this.time = time;
      this.sequence = sequence;
      this.kind = kind;
    }

    abstract void run();
  }

  /** A scheduled action: a timer of a replica (cancelled when its owner dies) or of the network. */
  final class Action extends Event implements InMemoryNetwork.ScheduledAction {
    final InMemoryTransport owner;
    private final Runnable action;
    boolean done;

    Action(long time, InMemoryTransport owner, Runnable action) {
      super(time, nextSequence++, Kind.ACTION);
      this.owner = owner;
      this.action = action;
    }

    @Override
    void run() {
      done = true;
      action.run();
    }

    @Override
    public boolean cancel() {
      synchronized (lock) {
        if (done) {
          return false;
        }
        done = true;
        remove(this);
        return true;
      }
    }
  }

  private static final Comparator<Event> ORDER =
      Comparator.comparingLong((Event e) -> e.time).thenComparingLong(e -> e.sequence);

  private final Object lock;
  private final long seed;
  private final PriorityQueue<Event> queue = new PriorityQueue<>(ORDER);

  /** Written under the lock, read without it: the clocks must not take the network's lock. */
  private volatile long nowNanos;

  private long nextSequence;
  private boolean running;
  private int messages;
  private int peerEvents;

  EventQueue(Object lock, long seed) {
    this.lock = lock;
    this.seed = seed;
  }

  long nowNanos() {
    return nowNanos;
  }

  /** The next sequence number: events made in this order run in this order at equal times. */
  long nextSequence() {
    return nextSequence++;
  }

  int messagesInFlight() {
    return messages;
  }

  void add(Event event) {
    queue.add(event);
    count(event, 1);
  }

  /**
   * Schedules {@code action} at {@code time}, cancelled if {@code owner} (null for the network's
   * own) dies first; an action of an owner already dead is done at once and never runs.
   */
  Action schedule(long time, InMemoryTransport owner, Runnable action) {
    Action scheduled = new Action(time, owner, action);
    if (owner != null && !owner.isAlive()) {
      scheduled.done = true;
    } else {
      add(scheduled);
    }
    return scheduled;
  }

  boolean remove(Event event) {
    if (!queue.remove(event)) {
      return false;
    }
    count(event, -1);
    return true;
  }

  /** Removes every event that {@code filter} accepts (it may count what it removes). */
  void removeIf(Predicate<Event> filter) {
    queue.removeIf(
        e -> {
          if (!filter.test(e)) {
            return false;
          }
          count(e, -1);
          return true;
        });
  }

  /** See {@link InMemoryNetwork#step()}. */
  boolean step() {
    enter("step");
    try {
      Event next = queue.poll();
      if (next == null) {
        return false;
      }
      run(next);
      return true;
    } finally {
      running = false;
    }
  }

  /** See {@link InMemoryNetwork#advance(Duration)}. */
  void advance(long nanos) {
    enter("advance");
    try {
      long deadline = Math.addExact(nowNanos, nanos);
      while (!queue.isEmpty() && queue.peek().time <= deadline) {
        run(queue.poll());
      }
      nowNanos = deadline;
    } finally {
      running = false;
    }
  }

  /** See {@link InMemoryNetwork#runUntilQuiet(int)}. */
  int runUntilQuiet(int maxMessages) {
    enter("runUntilQuiet");
    try {
      int delivered = 0;
      while (messages + peerEvents > 0) {
        Event next = queue.peek();
        if (next.kind == Kind.MESSAGE) {
          if (delivered == maxMessages) {
            throw new IllegalStateException(
                "network not quiet after delivering maxMessages="
                    + maxMessages
                    + " messages (livelock?): inFlight="
                    + messages
                    + ", pendingPeerEvents="
                    + peerEvents
                    + ", now="
                    + Duration.ofNanos(nowNanos)
                    + ", seed="
                    + seed);
          }
          delivered++;
        }
        run(queue.poll());
      }
      return delivered;
    } finally {
      running = false;
    }
  }

  private void enter(String method) {
    if (running) {
      throw new IllegalStateException(
          method + "() may not be called from inside a listener callback or a scheduled action");
    }
    running = true;
  }

  private void run(Event event) {
    count(event, -1);
    nowNanos = event.time;
    event.run();
  }

  private void count(Event event, int delta) {
    if (event.kind == Kind.MESSAGE) {
      messages += delta;
    } else if (event.kind == Kind.PEER_EVENT) {
      peerEvents += delta;
    }
  }
}
