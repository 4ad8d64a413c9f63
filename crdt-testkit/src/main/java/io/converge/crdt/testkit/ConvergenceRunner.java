package io.converge.crdt.testkit;

import static io.converge.crdt.testkit.Theories.qt;

import io.converge.crdt.DeltaCrdt;
import java.util.Objects;
import org.quicktheories.core.Gen;

/**
 * Checks that replicas of a delta CRDT converge, whatever the network does: random runs of {@code
 * N} replicas that apply random operations and exchange deltas and full states over a network that
 * loses, duplicates and reorders messages.
 *
 * <p>A run is a generated schedule of steps. Each step is one of:
 *
 * <ul>
 *   <li>a replica applies an operation and puts its delta ({@code state.resetDelta()}, then the
 *       operation, then {@code delta()}) in flight to every other replica; each copy may be lost or
 *       duplicated;
 *   <li>a message in flight, chosen at random, is delivered and merged: messages are reordered. By
 *       default delivery is causal, as delta-CRDT protocols require (Almeida, Shoker, Baquero,
 *       2018): a replica merges a delta only once it knows every event the delta's sender knew when
 *       it made it; until then the delta waits in flight. {@link Builder#causalDelivery(boolean)
 *       causalDelivery(false)} lets any delta through in any order;
 *   <li>a replica sends its full state to another, which may be lost or duplicated too.
 * </ul>
 *
 * <p>At every step, two replicas that have merged the same events must be equal (for a correct
 * delta CRDT a state is the join of the deltas of the events it has merged). After the last step,
 * quiescence: every message still in flight is delivered (deltas whose causal past was lost are
 * dropped), then, since deltas may have been lost, every replica merges every other replica's full
 * state (anti-entropy). Then all replicas must be equal, with equal hash codes, and, if a {@link
 * Specification} is given, equal to what it expects from the history of events. A failing run
 * shrinks to a minimal schedule, and the {@link AssertionError} shows it step by step with each
 * replica's state and the seed:
 *
 * <pre>{@code
 * @Test
 * void mySet_converges() {
 *   ConvergenceRunner.builder(MySet.empty(), operations)
 *       .replicas(3)
 *       .specification(addWins)
 *       .build()
 *       .check();
 * }
 * }</pre>
 *
 * <p>The number of runs is QuickTheories' {@code QT_EXAMPLES} system property (the build sets it;
 * 1000 when unset); replay a failure with {@code -DQT_SEED=<seed from the report>}. A failure
 * shrinks for at most 10,000 cycles unless {@code QT_SHRINKS} says otherwise. A thousand runs of
 * three replicas and up to 60 steps take well under a second for a small type.
 *
 * <p>This class is immutable and thread-safe if its initial state, generator and specification are;
 * each {@link #check()} is independent.
 *
 * @param <T> the delta CRDT type
 */
public final class ConvergenceRunner<T extends DeltaCrdt<T>> {

  private final T initial;
  private final Gen<Operation<T>> operations;
  private final int replicas;
  private final int steps;
  private final double loss;
  private final double duplication;
  private final boolean causal;
  private final Specification<T, ?> specification;

  private ConvergenceRunner(Builder<T> builder) {
    this.initial = builder.initial;
    this.operations = builder.operations;
    this.replicas = builder.replicas;
    this.steps = builder.steps;
    this.loss = builder.loss;
    this.duplication = builder.duplication;
    this.causal = builder.causal;
    this.specification = builder.specification;
  }

  /**
   * Starts building a runner.
   *
   * @param initial the state every replica starts from, usually the empty value
   * @param operations a generator of the type's operations; put the simplest first, since
   *     counterexamples shrink towards it
   * @param <T> the delta CRDT type
   * @return a builder with 3 replicas, up to 60 steps, 10% loss, 10% duplication, causal delivery
   *     and no specification
   * @throws NullPointerException if an argument is null
   */
  public static <T extends DeltaCrdt<T>> Builder<T> builder(
      T initial, Gen<Operation<T>> operations) {
    return new Builder<>(initial, operations);
  }

  /**
   * Runs random schedules and checks that the replicas converge, and agree with the specification
   * if there is one.
   *
   * @throws AssertionError if a run fails: replicas that merged the same events differ, replicas
   *     differ after quiescence, or the converged state does not match the specification; also if
   *     an operation, a merge or the specification throws. The message shows the smallest failing
   *     schedule found, each replica's state and the seed.
   */
  public void check() {
    Gen<Schedule<T>> schedules =
        Schedule.generator(operations, replicas, steps, loss, duplication)
            .describedAs(this::describe);
    qt().forAll(schedules)
        .checkAssert(
            schedule -> {
              AssertionError failure = simulate(schedule).failure();
              if (failure != null) {
                throw failure;
              }
            });
  }

  private Simulation.Outcome simulate(Schedule<T> schedule) {
    return new Simulation<>(initial, replicas, causal, specification).run(schedule);
  }

  /** One line per run, as QuickTheories lists the falsifying values it found. */
  private String describe(Schedule<T> schedule) {
    return String.join("; ", simulate(schedule).trace());
  }

  /** Returns the runner's settings, for test reports. */
  @Override
  public String toString() {
    return "ConvergenceRunner{replicas="
        + replicas
        + ", steps="
        + steps
        + ", loss="
        + loss
        + ", duplication="
        + duplication
        + ", causalDelivery="
        + causal
        + ", specification="
        + (specification != null)
        + "}";
  }

  /**
   * Configures a {@link ConvergenceRunner}. Not thread-safe; each setter returns this builder.
   *
   * @param <T> the delta CRDT type
   */
  public static final class Builder<T extends DeltaCrdt<T>> {

    /** The most replicas a run may have; more only slows runs without finding more bugs. */
    public static final int MAX_REPLICAS = 8;

    /** The most steps a run may have. */
    public static final int MAX_STEPS = 1000;

    private final T initial;
    private final Gen<Operation<T>> operations;
    private int replicas = 3;
    private int steps = 60;
    private double loss = 0.1;
    private double duplication = 0.1;
    private boolean causal = true;
    private Specification<T, ?> specification;

    private Builder(T initial, Gen<Operation<T>> operations) {
      this.initial = Objects.requireNonNull(initial, "initial");
      this.operations = Objects.requireNonNull(operations, "operations");
    }

    /**
     * Sets how many replicas a run has.
     *
     * @param n from 2 to {@value #MAX_REPLICAS}; 3 by default
     * @return this builder
     * @throws IllegalArgumentException if {@code n} is out of range
     */
    public Builder<T> replicas(int n) {
      if (n < 2 || n > MAX_REPLICAS) {
        throw new IllegalArgumentException(
            "replicas must be 2 to " + MAX_REPLICAS + ": replicas=" + n);
      }
      this.replicas = n;
      return this;
    }

    /**
     * Sets the most steps a generated run has before quiescence; runs have 0 to {@code maxSteps}
     * steps, about half of them operations.
     *
     * @param maxSteps from 1 to {@value #MAX_STEPS}; 60 by default
     * @return this builder
     * @throws IllegalArgumentException if {@code maxSteps} is out of range
     */
    public Builder<T> steps(int maxSteps) {
      if (maxSteps < 1 || maxSteps > MAX_STEPS) {
        throw new IllegalArgumentException(
            "steps must be 1 to " + MAX_STEPS + ": steps=" + maxSteps);
      }
      this.steps = maxSteps;
      return this;
    }

    /**
     * Sets the probability that a message (a delta or a full state) is lost.
     *
     * @param probability from 0 to 1; 0.1 by default. Its sum with the duplication probability must
     *     be at most 1 when {@link #build()} is called.
     * @return this builder
     * @throws IllegalArgumentException if {@code probability} is not from 0 to 1
     */
    public Builder<T> loss(double probability) {
      this.loss = probability("loss", probability);
      return this;
    }

    /**
     * Sets the probability that a message (a delta or a full state) is delivered twice.
     *
     * @param probability from 0 to 1; 0.1 by default. Its sum with the loss probability must be at
     *     most 1 when {@link #build()} is called.
     * @return this builder
     * @throws IllegalArgumentException if {@code probability} is not from 0 to 1
     */
    public Builder<T> duplication(double probability) {
      this.duplication = probability("duplication", probability);
      return this;
    }

    private static double probability(String name, double probability) {
      if (!(probability >= 0 && probability <= 1)) {
        throw new IllegalArgumentException(
            name + " must be a probability from 0 to 1: " + name + "=" + probability);
      }
      return probability;
    }

    /**
     * Sets whether deltas are delivered in causal order.
     *
     * <p>With causal delivery (the default) a replica merges a delta only once it knows every event
     * the sender knew when it made the delta, as delta-CRDT replication protocols guarantee. Then
     * {@link Event#seen()} is exactly each event's causal past, which is what a {@link
     * Specification} of concurrent semantics, such as add-wins, needs.
     *
     * <p>Without it any delta may be merged at any time, as over a transport that only keeps
     * per-peer order; use it to check that a type converges even then. {@link Event#seen()} then
     * holds only the events whose deltas or states the replica merged, which need not be closed
     * under causality, so a specification that reads it can misjudge types whose deltas subsume
     * earlier ones; check specifications with causal delivery.
     *
     * @param causal whether deltas wait for their causal past; true by default
     * @return this builder
     */
    public Builder<T> causalDelivery(boolean causal) {
      this.causal = causal;
      return this;
    }

    /**
     * Sets what the converged state must be, given the history of events. Without one the runner
     * only checks that replicas converge, not to what.
     *
     * @param specification the model to compare converged states with
     * @return this builder
     * @throws NullPointerException if {@code specification} is null
     */
    public Builder<T> specification(Specification<T, ?> specification) {
      this.specification = Objects.requireNonNull(specification, "specification");
      return this;
    }

    /**
     * Builds the runner.
     *
     * @return a runner with this builder's settings; later changes to the builder do not affect it
     * @throws IllegalArgumentException if the loss and duplication probabilities add up to more
     *     than 1
     */
    public ConvergenceRunner<T> build() {
      if (loss + duplication > 1) {
        throw new IllegalArgumentException(
            "loss and duplication must add up to at most 1: loss="
                + loss
                + ", duplication="
                + duplication);
      }
      return new ConvergenceRunner<>(this);
    }
  }
}
