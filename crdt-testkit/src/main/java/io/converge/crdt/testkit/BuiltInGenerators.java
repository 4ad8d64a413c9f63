package io.converge.crdt.testkit;

import io.converge.clocks.HlcTimestamp;
import io.converge.crdt.CausalCounter;
import io.converge.crdt.DWFlag;
import io.converge.crdt.EWFlag;
import io.converge.crdt.GCounter;
import io.converge.crdt.GSet;
import io.converge.crdt.LWWMap;
import io.converge.crdt.LWWRegister;
import io.converge.crdt.MVRegister;
import io.converge.crdt.ORMap;
import io.converge.crdt.ORSet;
import io.converge.crdt.PNCounter;
import io.converge.crdt.Versioned;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/**
 * QuickTheories generators of the operations of every built-in type of {@code crdt-core}, ready for
 * {@link CrdtLaws} and {@link ConvergenceRunner}:
 *
 * <pre>{@code
 * @Test
 * void orSet_obeysLawsAndConverges() {
 *   CrdtLaws.checkAll(ORSet.<String>empty(), BuiltInGenerators.orSet());
 *   ConvergenceRunner.builder(ORSet.<String>empty(), BuiltInGenerators.orSet())
 *       .causalDelivery(false)
 *       .build()
 *       .check();
 * }
 * }</pre>
 *
 * <p>Each operation reads like the call it makes, such as {@code add("b")} or {@code update("a",
 * increment(2))}, and runs on the replica the testkit chooses. Arguments come from small domains
 * (the elements and keys {@code "a"} to {@code "e"} of {@link Generators#smallStrings()}, small
 * amounts, timestamps within the first few milliseconds of the epoch) so that concurrent operations
 * collide often. Every generator shrinks towards its first kind of operation (an add, an increment,
 * a write) and its smallest argument.
 *
 * <p>What a {@link Specification} reads in {@link Event#payload()}:
 *
 * <ul>
 *   <li>an operation with arguments is an {@link Operation.Call} whose argument is a {@code String}
 *       element, an {@code Integer} amount, a {@link Stamped} value, an {@link Update} of a map key
 *       or a {@link Put};
 *   <li>an operation without arguments has its description as payload: {@link #CLEAR}, {@link
 *       #ENABLE}, {@link #DISABLE} or {@link #RESET}.
 * </ul>
 *
 * <p>Timestamps. The registers and {@link LWWMap} take a hybrid-logical-clock timestamp per write.
 * A real replica reads its own clock, which is after everything the replica has seen; a generated
 * timestamp is not. So each write carries a generated timestamp and uses {@link
 * #writeTimestamp(HlcTimestamp, Collection)}: the generated one, or, if the replica already holds a
 * write at that time or later, the next timestamp after the latest it holds. Then a write always
 * wins over what its replica has seen, a replica never writes two values at the same timestamp, and
 * concurrent writes on different replicas still often get equal timestamps, so ties between writers
 * are exercised. A specification computes the same rule from {@link Event#seen()}.
 *
 * <p>This class is stateless and thread-safe; so are the generators and operations it returns.
 */
public final class BuiltInGenerators {

  /** The payload of the operations {@code clear()} of sets, registers and maps. */
  public static final String CLEAR = "clear()";

  /** The payload of the operations {@code enable()} of flags. */
  public static final String ENABLE = "enable()";

  /** The payload of the operations {@code disable()} of flags. */
  public static final String DISABLE = "disable()";

  /** The payload of the operations {@code reset()} of {@link CausalCounter}. */
  public static final String RESET = "reset()";

  /** The largest generated amount of a counter's increment or decrement. */
  private static final int MAX_AMOUNT = 5;

  /** Generated timestamps have a physical part from 0 to this many milliseconds. */
  private static final int MAX_GENERATED_PHYSICAL = 3;

  /** Generated timestamps have a logical counter from 0 to this. */
  private static final int MAX_GENERATED_LOGICAL = 2;

  private BuiltInGenerators() {}

  /**
   * The argument of a write at a generated timestamp: {@code set} of an {@link LWWRegister}, {@code
   * write} of an {@link MVRegister}. The write's actual timestamp is {@link #writeTimestamp} of
   * {@code generated} and the timestamps its replica holds.
   *
   * @param value the value written
   * @param generated the generated timestamp, a lower bound of the actual one
   */
  public record Stamped(String value, HlcTimestamp generated) {

    /**
     * Makes the argument of a write.
     *
     * @param value the value written
     * @param generated the generated timestamp
     * @throws NullPointerException if an argument is null
     */
    public Stamped {
      Objects.requireNonNull(value, "value");
      Objects.requireNonNull(generated, "generated");
    }

    /**
     * Returns the arguments as in the call, for example {@code "b", ts>=2#1}: the value, then the
     * generated timestamp as physical milliseconds and logical counter.
     */
    @Override
    public String toString() {
      return Describe.value(value) + ", ts>=" + shortForm(generated);
    }
  }

  /**
   * The argument of an update of one key of an {@link ORMap}: the key, and the call made on its
   * value, such as {@code increment(2)} or {@code add("b")}.
   *
   * @param key the key
   * @param change the mutation of the key's value, as a call
   */
  public record Update(String key, Operation.Call change) {

    /**
     * Makes the argument of an update.
     *
     * @param key the key
     * @param change the mutation of the key's value
     * @throws NullPointerException if an argument is null
     */
    public Update {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(change, "change");
    }

    /** Returns the arguments as in the call, for example {@code "a", increment(2)}. */
    @Override
    public String toString() {
      return Describe.value(key) + ", " + change;
    }
  }

  /**
   * The argument of a {@code put} of an {@link LWWMap}. The put's actual timestamp is {@link
   * #writeTimestamp} of {@code generated} and the timestamps of the key's versions its replica
   * holds.
   *
   * @param key the key
   * @param value the value
   * @param generated the generated timestamp, a lower bound of the actual one
   */
  public record Put(String key, String value, HlcTimestamp generated) {

    /**
     * Makes the argument of a put.
     *
     * @param key the key
     * @param value the value
     * @param generated the generated timestamp
     * @throws NullPointerException if an argument is null
     */
    public Put {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(value, "value");
      Objects.requireNonNull(generated, "generated");
    }

    /** Returns the arguments as in the call, for example {@code "a", "b", ts>=0#1}. */
    @Override
    public String toString() {
      return Describe.value(key) + ", " + Describe.value(value) + ", ts>=" + shortForm(generated);
    }
  }

  /**
   * Returns the timestamp a generated write uses: {@code generated}, unless one of {@code held}
   * (the timestamps of the writes its replica holds) is at or after it; then the timestamp just
   * after the latest of {@code held} (the logical counter plus one, or the next millisecond if the
   * counter is at {@link HlcTimestamp#MAX_LOGICAL}). Like a hybrid logical clock, the result is
   * after every write the replica holds.
   *
   * @param generated the generated timestamp
   * @param held the timestamps of the writes the replica holds; may be empty
   * @return a timestamp at or after {@code generated} and after every timestamp of {@code held}
   * @throws NullPointerException if an argument or an element of {@code held} is null
   * @throws IllegalArgumentException if the timestamp after the latest of {@code held} would pass
   *     {@link HlcTimestamp#MAX_PHYSICAL}
   */
  public static HlcTimestamp writeTimestamp(HlcTimestamp generated, Collection<HlcTimestamp> held) {
    Objects.requireNonNull(generated, "generated");
    HlcTimestamp latest = null;
    for (HlcTimestamp t : Objects.requireNonNull(held, "held")) {
      Objects.requireNonNull(t, "held timestamp");
      if (latest == null || t.isAfter(latest)) {
        latest = t;
      }
    }
    if (latest == null || generated.isAfter(latest)) {
      return generated;
    }
    return latest.logical() < HlcTimestamp.MAX_LOGICAL
        ? HlcTimestamp.of(latest.physical(), latest.logical() + 1)
        : HlcTimestamp.of(latest.physical() + 1, 0);
  }

  /**
   * Returns a generator of the timestamps from {@code 0#0} (the epoch, logical 0) to {@code 3#2},
   * shrinking towards {@code 0#0}: few enough that concurrent writes often tie.
   *
   * @return a generator of small timestamps
   */
  public static Gen<HlcTimestamp> smallTimestamps() {
    return Generate.range(0, MAX_GENERATED_PHYSICAL, 0)
        .zip(Generate.range(0, MAX_GENERATED_LOGICAL, 0), HlcTimestamp::of);
  }

  /**
   * Returns a generator of {@link GCounter} operations: {@code increment(n)}, {@code n} from 0 to
   * 5, shrinking towards 1. An increment by 0 changes nothing and has no delta.
   *
   * @return a generator of increments; each payload is a call whose argument is the {@code Integer}
   *     amount
   */
  public static Gen<Operation<GCounter>> gCounter() {
    return Generators.calls("increment", amounts(), n -> (r, c) -> c.increment(r, n));
  }

  /**
   * Returns a generator of {@link PNCounter} operations: {@code increment(n)} and {@code
   * decrement(n)}, {@code n} from 0 to 5.
   *
   * @return a generator of increments and decrements; each payload is a call whose argument is the
   *     {@code Integer} amount
   */
  public static Gen<Operation<PNCounter>> pnCounter() {
    return Generators.oneOf(
        Generators.calls("increment", amounts(), n -> (r, c) -> c.increment(r, n)),
        Generators.calls("decrement", amounts(), n -> (r, c) -> c.decrement(r, n)));
  }

  /**
   * Returns a generator of {@link GSet} operations: {@code add(e)}, {@code e} from {@code "a"} to
   * {@code "e"}.
   *
   * @return a generator of adds; each payload is a call whose argument is the {@code String}
   *     element
   */
  public static Gen<Operation<GSet<String>>> gSet() {
    return Generators.calls("add", Generators.smallStrings(), e -> (r, s) -> s.add(e));
  }

  /**
   * Returns a generator of {@link ORSet} operations: {@code add(e)}, {@code remove(e)} and {@code
   * clear()}, {@code e} from {@code "a"} to {@code "e"}.
   *
   * @return a generator of adds, removes and clears; the payload of an add or a remove is a call
   *     whose argument is the {@code String} element, that of a clear is {@link #CLEAR}
   */
  public static Gen<Operation<ORSet<String>>> orSet() {
    return Generators.oneOf(
        Generators.calls("add", Generators.smallStrings(), e -> (r, s) -> s.add(r, e)),
        Generators.calls("remove", Generators.smallStrings(), e -> (r, s) -> s.remove(r, e)),
        Generate.constant(Operation.of(CLEAR, (r, s) -> s.clear(r))));
  }

  /**
   * Returns a generator of {@link LWWRegister} operations: {@code set(v, ts>=t)}, which writes the
   * value {@code v} from {@code "a"} to {@code "e"} at {@link #writeTimestamp} of the generated
   * timestamp {@code t} and the register's current timestamp. Every write therefore takes effect on
   * its replica, and no replica writes two values with the same timestamp.
   *
   * @return a generator of writes; each payload is a call named {@code "set"} whose argument is a
   *     {@link Stamped}
   */
  public static Gen<Operation<LWWRegister<String>>> lwwRegister() {
    return Generators.calls(
        "set",
        stamped(),
        w ->
            (r, reg) ->
                reg.set(
                    w.value(),
                    writeTimestamp(w.generated(), reg.timestamp().map(List::of).orElse(List.of())),
                    r));
  }

  /**
   * Returns a generator of {@link MVRegister} operations: {@code write(v, ts>=t)}, which writes the
   * value {@code v} from {@code "a"} to {@code "e"} at {@link #writeTimestamp} of the generated
   * timestamp {@code t} and the timestamps of the register's siblings, and {@code clear()}.
   *
   * @return a generator of writes and clears; the payload of a write is a call whose argument is a
   *     {@link Stamped}, that of a clear is {@link #CLEAR}
   */
  public static Gen<Operation<MVRegister<String>>> mvRegister() {
    return Generators.oneOf(
        Generators.calls(
            "write",
            stamped(),
            w ->
                (r, reg) ->
                    reg.write(
                        r, w.value(), writeTimestamp(w.generated(), timestamps(reg.siblings())))),
        Generate.constant(Operation.of(CLEAR, (r, reg) -> reg.clear(r))));
  }

  /**
   * Returns a generator of {@link EWFlag} operations: {@code enable()} and {@code disable()}.
   *
   * @return a generator of enables and disables, whose payloads are {@link #ENABLE} and {@link
   *     #DISABLE}
   */
  public static Gen<Operation<EWFlag>> ewFlag() {
    return Generators.oneOf(
        Generate.constant(Operation.of(ENABLE, (r, f) -> f.enable(r))),
        Generate.constant(Operation.of(DISABLE, (r, f) -> f.disable(r))));
  }

  /**
   * Returns a generator of {@link DWFlag} operations: {@code enable()} and {@code disable()}.
   *
   * @return a generator of enables and disables, whose payloads are {@link #ENABLE} and {@link
   *     #DISABLE}
   */
  public static Gen<Operation<DWFlag>> dwFlag() {
    return Generators.oneOf(
        Generate.constant(Operation.of(ENABLE, (r, f) -> f.enable(r))),
        Generate.constant(Operation.of(DISABLE, (r, f) -> f.disable(r))));
  }

  /**
   * Returns a generator of {@link CausalCounter} operations: {@code increment(n)}, {@code
   * decrement(n)}, {@code n} from 0 to 5, and {@code reset()}. A change by 0 changes nothing.
   *
   * @return a generator of increments, decrements and resets; the payload of an increment or a
   *     decrement is a call whose argument is the {@code Integer} amount, that of a reset is {@link
   *     #RESET}
   */
  public static Gen<Operation<CausalCounter>> causalCounter() {
    return Generators.oneOf(
        Generators.calls("increment", amounts(), n -> (r, c) -> c.increment(r, n)),
        Generators.calls("decrement", amounts(), n -> (r, c) -> c.decrement(r, n)),
        Generate.constant(Operation.of(RESET, (r, c) -> c.reset(r))));
  }

  /**
   * Returns a generator of operations of an {@link ORMap} of {@link CausalCounter}s, such as the
   * quantities of a cart: {@code update(k, increment(n))}, {@code remove(k)} and {@code clear()},
   * {@code k} from {@code "a"} to {@code "e"} and {@code n} from 1 to 5 (never 0, so that every
   * update is a write that makes its key present).
   *
   * @return a generator of updates, removes and clears; the payload of an update is a call named
   *     {@code "update"} whose argument is an {@link Update} of an {@code increment} call with an
   *     {@code Integer} amount, that of a remove a call whose argument is the {@code String} key,
   *     that of a clear {@link #CLEAR}
   */
  public static Gen<Operation<ORMap<String, CausalCounter>>> orMapOfCounters() {
    Gen<Operation<ORMap<String, CausalCounter>>> updates =
        Generators.smallStrings()
            .zip(
                Generators.smallPositiveIntegers(),
                (key, n) ->
                    Operation.call(
                        "update",
                        new Update(key, new Operation.Call("increment", n)),
                        (r, m) -> m.update(r, key, c -> c.increment(r, n))));
    return Generators.oneOf(
        updates,
        Generators.calls("remove", Generators.smallStrings(), k -> (r, m) -> m.remove(r, k)),
        Generate.constant(Operation.of(CLEAR, (r, m) -> m.clear(r))));
  }

  /**
   * Returns a generator of operations of an {@link ORMap} of {@link ORSet}s: {@code update(k,
   * add(e))}, {@code update(k, remove(e))}, {@code remove(k)} and {@code clear()}, with keys and
   * elements from {@code "a"} to {@code "e"}.
   *
   * @return a generator of updates, removes and clears; the payload of an update is a call named
   *     {@code "update"} whose argument is an {@link Update} of an {@code add} or {@code remove}
   *     call with a {@code String} element, that of a remove a call whose argument is the {@code
   *     String} key, that of a clear {@link #CLEAR}
   */
  public static Gen<Operation<ORMap<String, ORSet<String>>>> orMapOfSets() {
    Gen<Operation<ORMap<String, ORSet<String>>>> adds =
        Generators.smallStrings()
            .zip(
                Generators.smallStrings(),
                (key, e) ->
                    Operation.call(
                        "update",
                        new Update(key, new Operation.Call("add", e)),
                        (r, m) -> m.update(r, key, s -> s.add(r, e))));
    Gen<Operation<ORMap<String, ORSet<String>>>> removes =
        Generators.smallStrings()
            .zip(
                Generators.smallStrings(),
                (key, e) ->
                    Operation.call(
                        "update",
                        new Update(key, new Operation.Call("remove", e)),
                        (r, m) -> m.update(r, key, s -> s.remove(r, e))));
    return Generators.oneOf(
        adds,
        removes,
        Generators.calls("remove", Generators.smallStrings(), k -> (r, m) -> m.remove(r, k)),
        Generate.constant(Operation.of(CLEAR, (r, m) -> m.clear(r))));
  }

  /**
   * Returns a generator of {@link LWWMap} operations: {@code put(k, v, ts>=t)}, which puts the
   * value {@code v} under the key {@code k} at {@link #writeTimestamp} of the generated timestamp
   * {@code t} and the timestamps of the key's versions, and {@code remove(k)}, with keys and values
   * from {@code "a"} to {@code "e"}.
   *
   * @return a generator of puts and removes; the payload of a put is a call whose argument is a
   *     {@link Put}, that of a remove a call whose argument is the {@code String} key
   */
  public static Gen<Operation<LWWMap<String, String>>> lwwMap() {
    Gen<Put> puts =
        Generators.smallStrings()
            .zip(Generators.smallStrings(), smallTimestamps(), (k, v, t) -> new Put(k, v, t));
    return Generators.oneOf(
        Generators.calls(
            "put",
            puts,
            p ->
                (r, m) ->
                    m.put(
                        r,
                        p.key(),
                        p.value(),
                        writeTimestamp(p.generated(), timestamps(m.versions(p.key()))))),
        Generators.calls("remove", Generators.smallStrings(), k -> (r, m) -> m.remove(r, k)));
  }

  /** Amounts from 0 to {@value #MAX_AMOUNT}, shrinking towards 1. */
  private static Gen<Integer> amounts() {
    return Generate.range(0, MAX_AMOUNT, 1);
  }

  private static Gen<Stamped> stamped() {
    return Generators.smallStrings().zip(smallTimestamps(), Stamped::new);
  }

  private static List<HlcTimestamp> timestamps(List<? extends Versioned<?>> versions) {
    return versions.stream().map(Versioned::timestamp).collect(Collectors.toList());
  }

  /** A timestamp as {@code physical#logical}, for example {@code 2#1}. */
  private static String shortForm(HlcTimestamp t) {
    return t.physical() + "#" + t.logical();
  }
}
