package io.converge.crdt.testkit;

import io.converge.clocks.ReplicaId;
import io.converge.crdt.DeltaCrdt;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * One run of a {@link ConvergenceRunner}: replicas, the messages in flight between them, the
 * history of events and a trace of what happened, as counterexamples show it.
 *
 * <p>Design note. Each replica tracks the ids of the events it knows: those it applied, those whose
 * delta it merged and those known to every replica whose full state it merged. For a correct delta
 * CRDT a replica's state is the join of the initial state and the deltas of the events it knows (by
 * induction: applying an event joins its delta, merging a delta or a state joins the deltas behind
 * it). So two replicas that know the same events must be equal, at every step, whatever was lost,
 * duplicated or reordered. Checking that after every step catches wrong deltas that the final
 * anti-entropy round, which ships full states, would otherwise repair.
 *
 * <p>With causal delivery a delta is merged only by a replica that knows every event its sender
 * knew when it made the delta; until then it waits in flight, and if that never happens (a
 * dependency was lost) it is dropped at quiescence and anti-entropy repairs the gap. Known sets are
 * then causally closed, so the set a replica knows when it applies an event is exactly the event's
 * causal past, which is what {@link Event#seen()} reports to a specification.
 *
 * <p>Not thread-safe; a run is confined to the thread that checks it.
 */
final class Simulation<T extends DeltaCrdt<T>> {

  /**
   * A message in flight: a delta or a full state, the events it carries, and the events the
   * receiver must know before merging it under causal delivery.
   */
  private record Message<T>(
      int from, int to, T payload, BitSet events, BitSet requires, String what) {}

  /** How a run ended: its trace, and the failure if it failed. */
  record Outcome(List<String> trace, AssertionError failure) {}

  private final List<ReplicaId> ids;
  private final boolean causal;
  private final Specification<T, ?> specification;
  private final List<T> states = new ArrayList<>();
  private final List<BitSet> known = new ArrayList<>();
  private final List<Event<T>> events = new ArrayList<>();
  private final List<Message<T>> inFlight = new ArrayList<>();
  private final List<String> trace = new ArrayList<>();

  Simulation(T initial, int replicas, boolean causal, Specification<T, ?> specification) {
    this.ids = Generators.replicaIds(replicas);
    this.causal = causal;
    this.specification = specification;
    T start = initial.resetDelta();
    for (int i = 0; i < replicas; i++) {
      states.add(start);
      known.add(new BitSet());
    }
  }

  /** Runs {@code schedule}, then quiescence, and checks convergence. */
  Outcome run(Schedule<T> schedule) {
    String attempting = "quiescence";
    try {
      for (Schedule.Step<T> step : schedule.steps()) {
        attempting = "step " + (trace.size() + 1) + " (" + raw(step) + ")";
        String line = execute(step);
        if (line == null) {
          continue;
        }
        trace.add((trace.size() + 1) + ". " + line);
        Failure failure = sameKnowledgeSameState();
        if (failure != null) {
          return failed(failure);
        }
      }
      attempting = "quiescence";
      return quiesce();
    } catch (RuntimeException e) {
      return failed(Failure.of(attempting + " threw " + e), e);
    }
  }

  /** A step as generated, before it runs. */
  private String raw(Schedule.Step<T> step) {
    if (step instanceof Schedule.Apply<T> apply) {
      return apply.operation() + "@" + ids.get(apply.replica());
    }
    if (step instanceof Schedule.Send<T> send) {
      return ids.get(send.from()) + " sends its full state to " + ids.get(send.to());
    }
    return "delivery";
  }

  /** Executes one step; returns its trace line, or null if it did nothing. */
  private String execute(Schedule.Step<T> step) {
    if (step instanceof Schedule.Apply<T> apply) {
      return apply(apply);
    }
    if (step instanceof Schedule.Deliver<T> deliver) {
      List<Integer> ready = deliverable();
      return ready.isEmpty() ? null : deliver(ready.get(deliver.index() % ready.size()));
    }
    if (step instanceof Schedule.Send<T> send) {
      return send(send.from(), send.to(), send.fate());
    }
    return null;
  }

  private String apply(Schedule.Apply<T> step) {
    int self = step.replica();
    ReplicaId replica = ids.get(self);
    Operation<T> operation = step.operation();
    int id = events.size() + 1;
    BitSet past = (BitSet) known.get(self).clone();
    T after =
        Objects.requireNonNull(
            operation.apply(replica, states.get(self).resetDelta()),
            () -> operation + "@" + replica + " returned null");
    Optional<T> delta = after.delta();
    states.set(self, after.resetDelta());
    known.get(self).set(id);
    Set<Integer> seen = past.stream().boxed().collect(Collectors.toCollection(TreeSet::new));
    events.add(new Event<>(id, replica, operation, seen));
    StringBuilder line = new StringBuilder("e").append(id).append(' ');
    line.append(operation).append('@').append(replica);
    if (delta.isEmpty()) {
      return line.append(" (no delta)").toString();
    }
    BitSet carried = new BitSet();
    carried.set(id);
    List<String> fates = new ArrayList<>();
    int next = 0;
    for (int to = 0; to < ids.size(); to++) {
      if (to == self) {
        continue;
      }
      Schedule.Fate fate = step.fates().get(next++);
      String what = "delta e" + id + " from " + replica;
      enqueue(new Message<>(self, to, delta.get(), carried, past, what), fate);
      fates.add(ids.get(to) + describe(fate));
    }
    return line.append(", delta to ").append(String.join(", ", fates)).toString();
  }

  /** The indexes of the messages in flight that may be merged now, in send order. */
  private List<Integer> deliverable() {
    List<Integer> ready = new ArrayList<>();
    for (int i = 0; i < inFlight.size(); i++) {
      if (isDeliverable(inFlight.get(i))) {
        ready.add(i);
      }
    }
    return ready;
  }

  private boolean isDeliverable(Message<T> message) {
    if (!causal) {
      return true;
    }
    BitSet missing = (BitSet) message.requires().clone();
    missing.andNot(known.get(message.to()));
    return missing.isEmpty();
  }

  private String deliver(int index) {
    Message<T> message = inFlight.remove(index);
    int to = message.to();
    states.set(to, states.get(to).merge(message.payload()));
    known.get(to).or(message.events());
    return ids.get(to) + " <- " + message.what();
  }

  private String send(int from, int to, Schedule.Fate fate) {
    BitSet carried = (BitSet) known.get(from).clone();
    String what = "full state of " + ids.get(from) + " " + Describe.events(carried);
    enqueue(new Message<>(from, to, states.get(from), carried, new BitSet(), what), fate);
    return ids.get(from) + " sends its full state to " + ids.get(to) + describe(fate);
  }

  private void enqueue(Message<T> message, Schedule.Fate fate) {
    if (fate != Schedule.Fate.LOST) {
      inFlight.add(message);
    }
    if (fate == Schedule.Fate.TWICE) {
      inFlight.add(message);
    }
  }

  private static String describe(Schedule.Fate fate) {
    switch (fate) {
      case LOST:
        return " (lost)";
      case TWICE:
        return " (duplicated)";
      default:
        return "";
    }
  }

  /** Two replicas that know the same events must have equal states; null if they do. */
  private Failure sameKnowledgeSameState() {
    for (int i = 0; i < ids.size(); i++) {
      for (int j = i + 1; j < ids.size(); j++) {
        if (known.get(i).equals(known.get(j)) && !states.get(i).equals(states.get(j))) {
          return Failure.of(
                  ids.get(i)
                      + " and "
                      + ids.get(j)
                      + " have merged the same events "
                      + Describe.events(known.get(i))
                      + " but their states differ (a delta or a merge loses or invents updates)")
              .with(ids.get(i).toString(), states.get(i))
              .with(ids.get(j).toString(), states.get(j));
        }
      }
    }
    return null;
  }

  private Outcome quiesce() {
    int delivered = 0;
    for (List<Integer> ready = deliverable(); !ready.isEmpty(); ready = deliverable()) {
      deliver(ready.get(0));
      delivered++;
    }
    String dropped =
        inFlight.isEmpty()
            ? ""
            : "; " + inFlight.size() + " delta(s) dropped, whose causal past was lost";
    inFlight.clear();
    trace.add(
        "quiescence: "
            + delivered
            + " message(s) still in flight delivered, oldest first"
            + dropped);
    Failure failure = sameKnowledgeSameState();
    if (failure != null) {
      return failed(failure);
    }
    List<T> snapshots = List.copyOf(states);
    List<BitSet> knownSnapshots = new ArrayList<>();
    for (BitSet bits : known) {
      knownSnapshots.add((BitSet) bits.clone());
    }
    for (int to = 0; to < ids.size(); to++) {
      for (int from = 0; from < ids.size(); from++) {
        if (from != to) {
          states.set(to, states.get(to).merge(snapshots.get(from)));
          known.get(to).or(knownSnapshots.get(from));
        }
      }
    }
    trace.add("anti-entropy: every replica merged every other replica's full state");
    T first = states.get(0);
    for (int i = 1; i < ids.size(); i++) {
      if (!states.get(i).equals(first)) {
        return failed(
            withStates(
                Failure.of(
                    "replicas did not converge: they differ after every message was delivered"
                        + " and every replica merged every other's full state")));
      }
      if (states.get(i).hashCode() != first.hashCode()) {
        return failed(
            withStates(Failure.of("converged replicas are equal but have different hash codes")));
      }
    }
    T again = first.merge(first);
    if (!again.equals(first)) {
      return failed(
          Failure.of("merge is not idempotent: a converged state changes when merged with itself")
              .with("converged", first)
              .with("converged.merge(converged)", again));
    }
    return specification == null ? new Outcome(trace, null) : checkSpecification(specification);
  }

  private <V> Outcome checkSpecification(Specification<T, V> spec) {
    List<Event<T>> history = List.copyOf(events);
    V expected = spec.expected(history);
    for (int i = 0; i < ids.size(); i++) {
      V observed = spec.observed(states.get(i));
      if (!Objects.equals(expected, observed)) {
        return failed(
            Failure.of(
                    "the converged state does not match the specification (at "
                        + ids.get(i)
                        + "; all replicas are equal)")
                .with("expected", expected)
                .with("observed", observed)
                .with("converged state", states.get(i))
                .section(
                    "history (what each event's replica had seen):",
                    history.stream().map(String::valueOf).collect(Collectors.toList())));
      }
    }
    return new Outcome(trace, null);
  }

  private Failure withStates(Failure failure) {
    for (int i = 0; i < ids.size(); i++) {
      failure.with(ids.get(i).toString(), states.get(i));
    }
    return failure;
  }

  private Outcome failed(Failure failure) {
    return new Outcome(trace, failure.section("schedule:", trace).error());
  }

  private Outcome failed(Failure failure, Throwable cause) {
    return new Outcome(trace, failure.section("schedule:", trace).error(cause));
  }
}
