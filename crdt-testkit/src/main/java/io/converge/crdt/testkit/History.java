package io.converge.crdt.testkit;

import io.converge.clocks.ReplicaId;
import io.converge.crdt.DeltaCrdt;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/**
 * A generated history of {@value #REPLICAS} replicas: batches of operations on one replica and
 * full-state merges from one replica into another. Replaying it from an initial value yields states
 * that a real system can reach together, which is what law checks need: two states built
 * independently could both hold a different event under the same replica and sequence number, which
 * no real system produces.
 */
final class History<T> {

  static final int REPLICAS = 3;
  static final List<ReplicaId> IDS = Generators.replicaIds(REPLICAS);

  private static final int MAX_ACTIONS = 12;
  private static final int MAX_BATCH = 3;

  /** One step of a history. */
  sealed interface Action<T> permits Apply, Merge {}

  /** Replica {@code replica} applies {@code operations} one after the other, without a reset. */
  record Apply<T>(int replica, List<Operation<T>> operations) implements Action<T> {
    @Override
    public String toString() {
      String ops =
          operations.size() == 1
              ? operations.get(0).toString()
              : operations.stream()
                  .map(String::valueOf)
                  .collect(Collectors.joining(", ", "[", "]"));
      return ops + "@" + IDS.get(replica);
    }
  }

  /** Replica {@code to} merges the full state of replica {@code from}. */
  record Merge<T>(int from, int to) implements Action<T> {
    @Override
    public String toString() {
      return IDS.get(to) + " <- " + IDS.get(from);
    }
  }

  private final List<Action<T>> actions;

  private History(List<Action<T>> actions) {
    this.actions = List.copyOf(actions);
  }

  List<Action<T>> actions() {
    return actions;
  }

  static <T> Gen<History<T>> generator(Gen<Operation<T>> operations) {
    Gen<Integer> sizes = Generate.range(0, MAX_ACTIONS, 0);
    Gen<Integer> kinds = Generate.range(0, 3, 0);
    Gen<Integer> replicas = Generate.range(0, REPLICAS - 1, 0);
    Gen<Integer> offsets = Generate.range(1, REPLICAS - 1, 1);
    Gen<Integer> batches = Generate.range(1, MAX_BATCH, 1);
    // Every action draws the same values whatever its kind, so that when the shrinker changes one
    // action the draws of the actions after it stay where they were.
    Gen<History<T>> histories =
        source -> {
          int size = sizes.generate(source);
          List<Action<T>> actions = new ArrayList<>(size);
          for (int i = 0; i < size; i++) {
            int kind = kinds.generate(source);
            int replica = replicas.generate(source);
            int other = (replica + offsets.generate(source)) % REPLICAS;
            int batch = batches.generate(source);
            List<Operation<T>> ops = new ArrayList<>(MAX_BATCH);
            for (int j = 0; j < MAX_BATCH; j++) {
              ops.add(operations.generate(source));
            }
            actions.add(
                kind < 3
                    ? new Apply<>(replica, List.copyOf(ops.subList(0, batch)))
                    : new Merge<>(replica, other));
          }
          return new History<>(actions);
        };
    return histories.describedAs(History::toString);
  }

  /** Replays the history from {@code initial}; returns the final state of every replica. */
  static <T extends DeltaCrdt<T>> List<T> replay(T initial, History<T> history) {
    List<T> states = new ArrayList<>(REPLICAS);
    for (int i = 0; i < REPLICAS; i++) {
      states.add(initial.resetDelta());
    }
    for (Action<T> action : history.actions) {
      if (action instanceof Apply<T> apply) {
        T state = states.get(apply.replica());
        for (Operation<T> operation : apply.operations()) {
          state = operation.apply(IDS.get(apply.replica()), state);
        }
        states.set(apply.replica(), state.resetDelta());
      } else if (action instanceof Merge<T> merge) {
        states.set(merge.to(), states.get(merge.to()).merge(states.get(merge.from())));
      }
    }
    return states;
  }

  /** The actions before index {@code end}, as counterexamples show them. */
  String prefix(int end) {
    return actions.subList(0, end).stream()
        .map(String::valueOf)
        .collect(Collectors.joining(", ", "[", "]"));
  }

  @Override
  public String toString() {
    return prefix(actions.size());
  }
}
