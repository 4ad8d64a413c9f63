package io.converge.replication.transport;

import io.converge.clocks.ReplicaId;
import io.converge.replication.wire.v1.Envelope;
import io.converge.replication.wire.v1.Reject;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * A listener that records what it receives, as readable lines ({@code "r2 <- r1 #5"}, {@code "r2 up
 * r1"}, {@code "r2 down r1 partitioned"}), prefixed with a time when given a clock. It also checks
 * the transport contract as it goes: peer events alternate, starting with up, and messages come
 * only from peers that are up; {@link #violations()} lists every breach. Thread-safe.
 */
final class RecordingListener implements Transport.Listener {

  private final ReplicaId self;
  private final List<String> trace;
  private final Supplier<String> clock;
  private final List<String> events = new ArrayList<>();
  private final List<Envelope> messages = new ArrayList<>();
  private final List<ReplicaId> senders = new ArrayList<>();
  private final List<String> violations = new ArrayList<>();
  private final List<ReplicaId> up = new ArrayList<>();
  private final List<Reject.Reason> refusals = new ArrayList<>();
  private BiConsumer<ReplicaId, Envelope> reaction = (from, message) -> {};

  /** Records into its own lists only. */
  RecordingListener(ReplicaId self) {
    this(self, new ArrayList<>(), () -> "");
  }

  /** Also appends each line, prefixed by {@code clock}, to a trace shared with other listeners. */
  RecordingListener(ReplicaId self, List<String> trace, Supplier<String> clock) {
    this.self = self;
    this.trace = trace;
    this.clock = clock;
  }

  /** Runs {@code reaction} after recording each message, for example to answer it. */
  synchronized RecordingListener reacting(BiConsumer<ReplicaId, Envelope> reaction) {
    this.reaction = reaction;
    return this;
  }

  @Override
  public void onMessage(ReplicaId from, Envelope message) {
    BiConsumer<ReplicaId, Envelope> r;
    synchronized (this) {
      if (!up.contains(from)) {
        violations.add("message from " + from + " while not up: #" + Messages.number(message));
      }
      messages.add(message);
      senders.add(from);
      record(self + " <- " + from + " #" + Messages.number(message));
      r = reaction;
    }
    r.accept(from, message);
  }

  @Override
  public synchronized void onPeerUp(ReplicaId peer) {
    if (up.contains(peer)) {
      violations.add("up twice: " + peer);
    }
    up.add(peer);
    record(self + " up " + peer);
  }

  @Override
  public synchronized void onPeerDown(ReplicaId peer, String reason) {
    if (!up.remove(peer)) {
      violations.add("down while not up: " + peer);
    }
    record(self + " down " + peer + " " + reason);
  }

  @Override
  public synchronized void onRefused(ReplicaId peer, Reject.Reason reason, String detail) {
    refusals.add(reason);
    record(self + " refused " + peer + " " + reason);
  }

  @Override
  public synchronized void onConnectionRefused(Reject.Reason reason, String detail) {
    refusals.add(reason);
    record(self + " refused " + reason + ": " + detail);
  }

  /** How many refusals for {@code reason} were reported, with or without a peer. */
  synchronized long refusals(Reject.Reason reason) {
    return refusals.stream().filter(reason::equals).count();
  }

  private void record(String line) {
    events.add(line);
    String time = clock.get();
    synchronized (trace) {
      trace.add(time.isEmpty() ? line : time + " " + line);
    }
  }

  /** Every line recorded, in order, without times. */
  synchronized List<String> events() {
    return List.copyOf(events);
  }

  /** The numbers of the messages received from {@code from}, in arrival order. */
  synchronized List<Long> numbersFrom(ReplicaId from) {
    List<Long> numbers = new ArrayList<>();
    for (int i = 0; i < messages.size(); i++) {
      if (senders.get(i).equals(from)) {
        numbers.add(Messages.number(messages.get(i)));
      }
    }
    return numbers;
  }

  /** The messages received from anyone, in arrival order. */
  synchronized List<Envelope> messages() {
    return List.copyOf(messages);
  }

  /** Whether {@code peer} is up now, as far as this listener heard. */
  synchronized boolean isUp(ReplicaId peer) {
    return up.contains(peer);
  }

  /** Breaches of the transport contract seen so far. */
  synchronized List<String> violations() {
    return List.copyOf(violations);
  }
}
