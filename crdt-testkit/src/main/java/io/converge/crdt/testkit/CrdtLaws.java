package io.converge.crdt.testkit;

import static io.converge.crdt.testkit.Theories.qt;

import io.converge.clocks.ReplicaId;
import io.converge.crdt.Crdt;
import io.converge.crdt.DeltaCrdt;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/**
 * Property checks of the laws every CRDT must obey, for any type, from any JUnit 5 test.
 *
 * <p>A state-based CRDT's {@code merge} must be a join: commutative, associative and idempotent,
 * and its result an upper bound of both arguments. A delta-state CRDT's deltas must be states of
 * the same lattice whose merge has the same effect as the mutation they come from. Each method here
 * generates examples with QuickTheories, checks the laws on each, and on a violation shrinks to a
 * minimal counterexample and throws an {@link AssertionError} that names the law, shows the states
 * involved and the seed:
 *
 * <pre>{@code
 * @Test
 * void myCounter_obeysLaws() {
 *   Gen<Operation<MyCounter>> ops =
 *       Generators.calls("increment", Generators.smallPositiveIntegers(),
 *           n -> (r, c) -> c.increment(r, n));
 *   CrdtLaws.checkAll(MyCounter.empty(), ops);
 * }
 * }</pre>
 *
 * <p>The number of examples is QuickTheories' {@code QT_EXAMPLES} system property (the build sets
 * it; 1000 when unset); replay a failure with {@code -DQT_SEED=<seed from the report>}. A failure
 * shrinks for at most 10,000 cycles unless {@code QT_SHRINKS} says otherwise. States are compared
 * with {@code equals}, so it must compare states (and {@code hashCode} agree with it).
 *
 * <p>This class is stateless; its methods are thread-safe if the generators and types are.
 */
public final class CrdtLaws {

  /** How many recent deltas a new delta is checked against, to keep examples cheap. */
  private static final int RECENT_DELTAS = 8;

  private CrdtLaws() {}

  /**
   * Checks that {@code merge} is a join on states drawn from {@code states}: for all {@code a},
   * {@code b}, {@code c}, {@code a.merge(b)} equals {@code b.merge(a)} (commutative) with the same
   * hash code, {@code a.merge(b).merge(c)} equals {@code a.merge(b.merge(c))} (associative), {@code
   * a.merge(a)} equals {@code a} (idempotent), and {@code a.merge(b).merge(a)} and {@code
   * a.merge(b).merge(b)} equal {@code a.merge(b)} (an upper bound).
   *
   * <p>The three states are drawn independently, so the generator must only produce states that
   * could exist together in one system. For types that name events by replica and sequence number
   * (dots), two independently built states can disagree on what {@code r1:1} was; use {@link
   * #checkLattice(DeltaCrdt, Gen)} for those, which draws the three states from one history.
   *
   * @param states a generator of states
   * @param <T> the CRDT type
   * @throws AssertionError if a law fails, with the smallest counterexample found and the seed
   * @throws NullPointerException if {@code states} is null
   */
  public static <T extends Crdt<T>> void checkLattice(Gen<T> states) {
    Objects.requireNonNull(states, "states");
    qt().forAll(states, states, states).checkAssert((a, b, c) -> lattice(a, b, c, ""));
  }

  /**
   * Checks that {@code merge} is a join, as {@link #checkLattice(Gen)} does, on the states of three
   * replicas after a random history: each replica applies random operations from {@code operations}
   * to {@code initial}, and replicas merge each other's full states at random. The states are
   * therefore reachable, and consistent with each other.
   *
   * @param initial the state every replica starts from, usually the empty value
   * @param operations a generator of the type's operations
   * @param <T> the CRDT type
   * @throws AssertionError if a law fails, with the smallest history found and the seed
   * @throws NullPointerException if an argument is null
   */
  public static <T extends DeltaCrdt<T>> void checkLattice(
      T initial, Gen<Operation<T>> operations) {
    Objects.requireNonNull(initial, "initial");
    Gen<History<T>> histories = History.generator(Objects.requireNonNull(operations));
    qt().forAll(histories)
        .checkAssert(
            history -> {
              List<T> s = History.replay(initial, history);
              lattice(
                  s.get(0),
                  s.get(1),
                  s.get(2),
                  "a, b, c are the states of r1, r2, r3 after " + history);
            });
  }

  /**
   * Checks the delta laws on random histories of three replicas that apply operations from {@code
   * operations} to {@code initial} and merge each other's full states. At each operation, with
   * {@code before} the replica's state without a pending delta, {@code after = op.apply(replica,
   * before)} and {@code delta = after.delta()}:
   *
   * <ul>
   *   <li>{@code before.merge(delta)} equals {@code after}, and if there is no delta {@code after}
   *       equals {@code before};
   *   <li>{@code after.merge(delta)} equals {@code after}: a duplicated delta changes nothing;
   *   <li>for every other replica's concurrent state {@code other}, {@code other.merge(after)}
   *       equals {@code other.merge(before).merge(delta)}: shipping the delta has the effect of
   *       shipping the state;
   *   <li>deltas commute with recent deltas and are idempotent under merge;
   *   <li>the result of an operation does not depend on a pending delta.
   * </ul>
   *
   * <p>Replicas also apply batches of up to three operations without a reset; then {@code
   * start.merge(end.delta())} must equal {@code end}, and the accumulated delta must equal the join
   * of the individual deltas. A merge into a state without a pending delta must leave none, and
   * {@code resetDelta()} must leave an equal state with no pending delta.
   *
   * @param initial the state every replica starts from, usually the empty value
   * @param operations a generator of the type's operations
   * @param <T> the delta CRDT type
   * @throws AssertionError if a law fails, with the smallest history found and the seed
   * @throws NullPointerException if an argument is null
   */
  public static <T extends DeltaCrdt<T>> void checkDeltas(T initial, Gen<Operation<T>> operations) {
    Objects.requireNonNull(initial, "initial");
    Gen<History<T>> histories = History.generator(Objects.requireNonNull(operations));
    qt().forAll(histories).checkAssert(history -> deltas(initial, history));
  }

  /**
   * Runs {@link #checkLattice(DeltaCrdt, Gen)} then {@link #checkDeltas}.
   *
   * @param initial the state every replica starts from, usually the empty value
   * @param operations a generator of the type's operations
   * @param <T> the delta CRDT type
   * @throws AssertionError if a law fails, with the smallest history found and the seed
   * @throws NullPointerException if an argument is null
   */
  public static <T extends DeltaCrdt<T>> void checkAll(T initial, Gen<Operation<T>> operations) {
    checkLattice(initial, operations);
    checkDeltas(initial, operations);
  }

  /**
   * Returns a generator of reachable states: three replicas apply random operations to {@code
   * initial} and merge each other's full states at random, and the generator yields one replica's
   * final state. Use it wherever a test needs realistic states of one type, such as a serialization
   * round trip.
   *
   * <p>Each generated state comes from its own history, so two states drawn separately may disagree
   * on events of the same replica; to check laws between states, use {@link
   * #checkLattice(DeltaCrdt, Gen)}.
   *
   * @param initial the state every replica starts from
   * @param operations a generator of the type's operations
   * @param <T> the delta CRDT type
   * @return a generator of states without a pending delta
   * @throws NullPointerException if an argument is null
   */
  public static <T extends DeltaCrdt<T>> Gen<T> states(T initial, Gen<Operation<T>> operations) {
    Objects.requireNonNull(initial, "initial");
    Gen<History<T>> histories = History.generator(Objects.requireNonNull(operations));
    Gen<Integer> replica = Generate.range(0, History.REPLICAS - 1, 0);
    return histories.zip(replica, (history, r) -> History.replay(initial, history).get(r));
  }

  /** Checks the join laws on three states; {@code context} says where they come from. */
  static <T extends Crdt<T>> void lattice(T a, T b, T c, String context) {
    T ab = a.merge(b);
    T ba = b.merge(a);
    if (!ab.equals(ba)) {
      throw failure("merge is not commutative: a.merge(b) != b.merge(a)", context)
          .with("a", a)
          .with("b", b)
          .with("a.merge(b)", ab)
          .with("b.merge(a)", ba)
          .error();
    }
    if (ab.hashCode() != ba.hashCode()) {
      throw failure("equal states have different hash codes: a.merge(b), b.merge(a)", context)
          .with("a", a)
          .with("b", b)
          .with("a.merge(b)", ab + " hashCode " + ab.hashCode())
          .with("b.merge(a)", ba + " hashCode " + ba.hashCode())
          .error();
    }
    for (T x : List.of(a, b)) {
      T xx = x.merge(x);
      if (!xx.equals(x)) {
        throw failure("merge is not idempotent: x.merge(x) != x", context)
            .with("x", x)
            .with("x.merge(x)", xx)
            .error();
      }
    }
    T left = ab.merge(c);
    T bc = b.merge(c);
    T right = a.merge(bc);
    if (!left.equals(right)) {
      throw failure("merge is not associative: a.merge(b).merge(c) != a.merge(b.merge(c))", context)
          .with("a", a)
          .with("b", b)
          .with("c", c)
          .with("a.merge(b)", ab)
          .with("b.merge(c)", bc)
          .with("a.merge(b).merge(c)", left)
          .with("a.merge(b.merge(c))", right)
          .error();
    }
    T aba = ab.merge(a);
    T abb = ab.merge(b);
    if (!aba.equals(ab) || !abb.equals(ab)) {
      throw failure(
              "a.merge(b) is not an upper bound of a and b: merging a or b into it changed it",
              context)
          .with("a", a)
          .with("b", b)
          .with("a.merge(b)", ab)
          .with("a.merge(b).merge(a)", aba)
          .with("a.merge(b).merge(b)", abb)
          .error();
    }
  }

  /** Replays {@code history} from {@code initial}, checking the delta laws at every step. */
  static <T extends DeltaCrdt<T>> void deltas(T initial, History<T> history) {
    T start = initial.resetDelta();
    if (start.delta().isPresent() || !start.equals(initial)) {
      throw Failure.of("resetDelta() must return an equal state with no pending delta")
          .with("initial", initial)
          .with("initial.resetDelta()", start)
          .with("its delta", start.delta())
          .error();
    }
    List<T> states = new ArrayList<>(List.of(start, start, start));
    List<T> recent = new ArrayList<>();
    List<History.Action<T>> actions = history.actions();
    for (int k = 0; k < actions.size(); k++) {
      History.Action<T> action = actions.get(k);
      String context = k == 0 ? "from the initial state" : "after " + history.prefix(k);
      if (action instanceof History.Merge<T> merge) {
        T merged = states.get(merge.to()).merge(states.get(merge.from()));
        if (merged.delta().isPresent()) {
          throw Failure.of(
                  "merge into a state without a pending delta produced one"
                      + " (merge must keep the delta of this)")
              .with("this", states.get(merge.to()))
              .with("other", states.get(merge.from()))
              .with("merged", merged)
              .with("merged.delta()", merged.delta().get())
              .section("where:", List.of(action + " " + context))
              .error();
        }
        states.set(merge.to(), merged);
      } else if (action instanceof History.Apply<T> apply) {
        applyBatch(apply, states, recent, context);
      }
    }
  }

  private static <T extends DeltaCrdt<T>> void applyBatch(
      History.Apply<T> apply, List<T> states, List<T> recent, String context) {
    int self = apply.replica();
    ReplicaId replica = History.IDS.get(self);
    T start = states.get(self);
    T accumulated = start;
    T joined = null;
    for (Operation<T> op : apply.operations()) {
      String where =
          "applying "
              + op
              + "@"
              + replica
              + (apply.operations().size() > 1 ? " in the batch " + apply : "")
              + " "
              + context;
      T before = accumulated.resetDelta();
      T after = Objects.requireNonNull(op.apply(replica, before), () -> op + " returned null");
      T withPending = op.apply(replica, accumulated);
      if (!after.equals(withPending)) {
        throw Failure.of("the result of an operation depends on the pending delta")
            .with("state", before)
            .with("after, from the state with no pending delta", after)
            .with("after, from the state with a pending delta", withPending)
            .section("where:", List.of(where))
            .error();
      }
      Optional<T> delta = after.delta();
      if (delta.isEmpty()) {
        if (!after.equals(before)) {
          throw Failure.of("an operation changed the state but yielded no delta")
              .with("before", before)
              .with("after", after)
              .section("where:", List.of(where))
              .error();
        }
      } else {
        T d = delta.get();
        checkDelta(before, after, d, states, self, recent, where);
        joined = joined == null ? d : joined.merge(d);
        recent.add(d);
        if (recent.size() > RECENT_DELTAS) {
          recent.remove(0);
        }
      }
      accumulated = withPending;
    }
    Optional<T> total = accumulated.delta();
    String where = "applying " + apply + " " + context;
    if (total.isEmpty()) {
      if (!accumulated.equals(start)) {
        throw Failure.of("several operations changed the state but accumulated no delta")
            .with("start", start)
            .with("end", accumulated)
            .section("where:", List.of(where))
            .error();
      }
    } else {
      T merged = start.merge(total.get());
      if (!merged.equals(accumulated)) {
        throw Failure.of(
                "the accumulated delta of several operations, merged into the start state,"
                    + " is not the end state")
            .with("start", start)
            .with("end", accumulated)
            .with("accumulated delta", total.get())
            .with("start.merge(delta)", merged)
            .section("where:", List.of(where))
            .error();
      }
      if (joined != null && !joined.equals(total.get())) {
        throw Failure.of("the accumulated delta is not the join of the operations' deltas")
            .with("accumulated delta", total.get())
            .with("join of the deltas", joined)
            .section("where:", List.of(where))
            .error();
      }
    }
    T reset = accumulated.resetDelta();
    if (reset.delta().isPresent() || !reset.equals(accumulated)) {
      throw Failure.of("resetDelta() must return an equal state with no pending delta")
          .with("state", accumulated)
          .with("state.resetDelta()", reset)
          .with("its delta", reset.delta())
          .section("where:", List.of(where))
          .error();
    }
    states.set(self, reset);
  }

  private static <T extends DeltaCrdt<T>> void checkDelta(
      T before, T after, T delta, List<T> states, int self, List<T> recent, String where) {
    T applied = before.merge(delta);
    if (!applied.equals(after)) {
      throw Failure.of("before.merge(delta) != after: the delta does not reproduce the operation")
          .with("before", before)
          .with("after", after)
          .with("delta", delta)
          .with("before.merge(delta)", applied)
          .section("where:", List.of(where))
          .error();
    }
    T again = after.merge(delta);
    if (!again.equals(after)) {
      throw Failure.of("after.merge(delta) != after: a duplicated delta changes the state")
          .with("after", after)
          .with("delta", delta)
          .with("after.merge(delta)", again)
          .section("where:", List.of(where))
          .error();
    }
    for (int o = 0; o < states.size(); o++) {
      if (o == self) {
        continue;
      }
      T other = states.get(o);
      T viaState = other.merge(after);
      T viaDelta = other.merge(before).merge(delta);
      if (!viaState.equals(viaDelta)) {
        throw Failure.of(
                "merging the delta into another replica differs from merging the full state:"
                    + " other.merge(after) != other.merge(before).merge(delta)")
            .with("other (" + History.IDS.get(o) + ")", other)
            .with("before", before)
            .with("after", after)
            .with("delta", delta)
            .with("other.merge(after)", viaState)
            .with("other.merge(before).merge(delta)", viaDelta)
            .section("where:", List.of(where))
            .error();
      }
    }
    T twice = delta.merge(delta);
    if (!twice.equals(delta)) {
      throw Failure.of("merge of deltas is not idempotent: delta.merge(delta) != delta")
          .with("delta", delta)
          .with("delta.merge(delta)", twice)
          .section("where:", List.of(where))
          .error();
    }
    for (T previous : recent) {
      T pd = previous.merge(delta);
      T dp = delta.merge(previous);
      if (!pd.equals(dp)) {
        throw Failure.of("merge of deltas is not commutative: p.merge(d) != d.merge(p)")
            .with("p (an earlier delta)", previous)
            .with("d (this delta)", delta)
            .with("p.merge(d)", pd)
            .with("d.merge(p)", dp)
            .section("where:", List.of(where))
            .error();
      }
    }
  }

  private static Failure failure(String headline, String context) {
    Failure failure = Failure.of(headline);
    return context.isEmpty() ? failure : failure.section("where:", List.of(context));
  }
}
