package io.converge.replication;

import io.converge.clocks.ReplicaId;
import io.converge.crdt.CausalCounter;
import io.converge.crdt.DeltaCrdt;
import io.converge.crdt.GCounter;
import io.converge.crdt.LWWRegister;
import io.converge.crdt.MVRegister;
import io.converge.crdt.ORMap;
import io.converge.crdt.ORSet;
import io.converge.crdt.PNCounter;
import io.converge.replication.codec.CrdtCodec;
import io.converge.replication.codec.ElementCodec;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * The keys of {@link DurableReplicationProperties}, one of each kind of CRDT a replica replicates
 * (counters, sets, a map of counters, registers) plus a key family numerous enough for anti-entropy
 * to reconcile in several rounds, and the mutations a run draws for them.
 */
final class SimulationKeys {

  static final Key<GCounter> HITS = Key.gCounter("hits");
  static final Key<PNCounter> BALANCE = Key.pnCounter("balance");
  static final Key<ORSet<String>> TAGS = Key.orSet("tags", ElementCodec.strings());
  static final Key<ORMap<String, CausalCounter>> STOCK =
      Key.orMap("stock", ElementCodec.strings(), CrdtCodec.causalCounter());
  static final Key<MVRegister<String>> TITLE = Key.mvRegister("title", ElementCodec.strings());
  static final Key<LWWRegister<String>> OWNER = Key.lwwRegister("owner", ElementCodec.strings());

  /** Declared by a key family ("n:" prefix). */
  static final List<Key<GCounter>> FAMILY =
      IntStream.range(0, 12).mapToObj(i -> Key.gCounter("n:" + i)).toList();

  /** Every key, in a fixed order. */
  static final List<Key<?>> KEYS =
      Stream.concat(Stream.of(HITS, BALANCE, TAGS, STOCK, TITLE, OWNER), FAMILY.stream()).toList();

  /** The elements of sets and maps, and the values of registers. */
  static final List<String> ELEMENTS = List.of("a", "b", "c");

  /** How many mutations {@link #mutation} knows. */
  static final int MUTATIONS = 13;

  private SimulationKeys() {}

  /** Declares the keys on a replica's builder. */
  static Replica.Builder declare(Replica.Builder b) {
    List.of(HITS, BALANCE, TAGS, STOCK, TITLE, OWNER).forEach(b::key);
    return b.keyFamily("n:", Key::gCounter);
  }

  /** A mutation of one key, as {@link Replica#write} takes it. */
  record Mutation<T extends DeltaCrdt<T>>(Key<T> key, UnaryOperator<T> op) {}

  /**
   * The mutation numbered {@code choice}, from 0 to {@link #MUTATIONS} - 1, made by {@code replica}
   * with {@code element} and {@code amount}; the last ones increment {@code numbered}.
   */
  static Mutation<?> mutation(
      int choice, Replica replica, String element, int amount, Key<GCounter> numbered) {
    ReplicaId me = replica.self();
    return switch (choice) {
      case 0 -> new Mutation<>(HITS, c -> c.increment(me, amount));
      case 1 -> new Mutation<>(BALANCE, c -> c.increment(me, amount));
      case 2 -> new Mutation<>(BALANCE, c -> c.decrement(me, amount));
      case 3 -> new Mutation<>(TAGS, s -> s.add(me, element));
      case 4 -> new Mutation<>(TAGS, s -> s.remove(me, element));
      case 5 -> new Mutation<>(STOCK, m -> m.update(me, element, c -> c.increment(me, amount)));
      case 6 -> new Mutation<>(STOCK, m -> m.remove(me, element));
      case 7 -> new Mutation<>(TITLE, r -> r.write(me, element, replica.clock()));
      case 8 -> new Mutation<>(TITLE, r -> r.clear(me));
      case 9 -> new Mutation<>(OWNER, r -> r.set(element, replica.clock(), me));
      default -> new Mutation<>(numbered, c -> c.increment(me, amount));
    };
  }
}
