package io.converge.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import io.converge.clocks.ReplicaId;
import io.converge.crdt.CausalCounter;
import io.converge.crdt.DeltaCrdt;
import io.converge.crdt.GCounter;
import io.converge.crdt.MVRegister;
import io.converge.crdt.ORMap;
import io.converge.crdt.ORSet;
import io.converge.replication.codec.CrdtCodec;
import io.converge.replication.codec.ElementCodec;
import io.converge.replication.transport.InMemoryNetwork;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Random runs of three replicas over the in-memory network: random updates of several keys and
 * types, random partitions and heals, message loss, duplication and reordering, clock skews within
 * the maximum offset, and (in some runs) an outbound log so small that lagging peers must catch up
 * through anti-entropy. After the last heal, virtual time advances until the replicas agree (within
 * a bound), and every replica must hold, per key, the merge of every delta any update produced (the
 * oracle), and must have seen the causal token of every write (the writer at once). A run is a
 * function of its seed, which every assertion message prints; replay with that seed.
 *
 * <p>Each example simulates seconds of virtual time in a few milliseconds of real time, so the
 * default {@code QT_EXAMPLES} of the build (1000) takes a few seconds.
 */
final class ReplicationProperties {

  private static final Key<GCounter> HITS = Key.gCounter("hits");
  private static final Key<GCounter> VIEWS = Key.gCounter("views");
  private static final Key<ORSet<String>> TAGS = Key.orSet("tags", ElementCodec.strings());
  private static final Key<ORMap<String, CausalCounter>> STOCK =
      Key.orMap("stock", ElementCodec.strings(), CrdtCodec.causalCounter());
  private static final Key<MVRegister<String>> TITLE =
      Key.mvRegister("title", ElementCodec.strings());

  /** Declared by a key family ("n:" prefix), numerous enough for multi-round reconciliation. */
  private static final List<Key<GCounter>> FAMILY =
      IntStream.range(0, 40).mapToObj(i -> Key.gCounter("n:" + i)).toList();

  private static final List<Key<?>> KEYS =
      Stream.concat(Stream.of(HITS, VIEWS, TAGS, STOCK, TITLE), FAMILY.stream()).toList();
  private static final List<String> ELEMENTS = List.of("a", "b", "c", "d");

  private static final Duration TICK = Duration.ofMillis(100);
  private static final int MAX_SETTLE_TICKS = 600;

  @Test
  void randomRun_afterHealAndQuiescence_allReplicasEqualMergeOfEveryUpdate() {
    qt().forAll(longs().all(), integers().between(5, 60))
        .checkAssert((seed, steps) -> new Run(seed, steps).execute());
  }

  @Test
  void randomRun_sameSeedTwice_replaysIdentically() {
    qt().withExamples(Math.max(1, Integer.getInteger("QT_EXAMPLES", 1000) / 10))
        .forAll(longs().all(), integers().between(5, 60))
        .checkAssert(
            (seed, steps) -> {
              Run first = new Run(seed, steps);
              first.execute();
              Run second = new Run(seed, steps);
              second.execute();
              assertEquals(
                  first.snapshot(), second.snapshot(), "seed=" + seed + ", steps=" + steps);
            });
  }

  /** One simulated scenario, all of it drawn from its seed. */
  private static final class Run {
    private final long seed;
    private final int steps;
    private final Random random;
    private final SimulatedCluster cluster;
    private final List<Replica> replicas = new ArrayList<>();
    private final Map<Key<?>, Object> oracle = new LinkedHashMap<>();

    /** The causal token of every write: once converged, every replica must have seen each. */
    private final List<CausalToken> tokens = new ArrayList<>();

    Run(long seed, int steps) {
      this.seed = seed;
      this.steps = steps;
      this.random = new Random(seed);
      this.cluster =
          new SimulatedCluster(
              InMemoryNetwork.builder()
                  .seed(seed)
                  .delay(Duration.ofMillis(1), Duration.ofMillis(1 + random.nextInt(40)))
                  .loss(random.nextInt(4) * 0.05)
                  .duplication(random.nextInt(3) * 0.05)
                  .reorder(random.nextBoolean())
                  .build());
      int maxLog = random.nextInt(3) == 0 ? 1 + random.nextInt(4) : 100_000;
      for (String name : List.of("r1", "r2", "r3")) {
        // Skews within the clocks' maximum offset (500 ms): nothing may be rejected.
        Duration skew = Duration.ofMillis(random.nextInt(401) - 200);
        replicas.add(
            cluster.start(
                name,
                skew,
                b -> {
                  List.of(HITS, VIEWS, TAGS, STOCK, TITLE).forEach(b::key);
                  return b.keyFamily("n:", Key::gCounter).maxLogEntries(maxLog);
                }));
      }
      for (Key<?> key : KEYS) {
        oracle.put(key, key.zero());
      }
    }

    void execute() {
      for (int i = 0; i < steps; i++) {
        int choice = random.nextInt(100);
        if (choice < 75) {
          randomUpdate(replicas.get(random.nextInt(replicas.size())));
        } else if (choice < 88) {
          randomPartition();
        } else {
          cluster.network.heal();
        }
        cluster.advance(Duration.ofMillis(random.nextInt(60)));
      }
      cluster.network.heal();
      for (int tick = 0; tick < MAX_SETTLE_TICKS; tick++) {
        cluster.advance(TICK);
        if (converged()) {
          assertQuiescent();
          assertEveryTokenSeen();
          return;
        }
      }
      for (Key<?> key : KEYS) {
        for (Replica replica : replicas) {
          assertEquals(oracle.get(key), replica.get(key), message(key, replica));
        }
      }
      fail("converged only in the final check: " + this);
    }

    /** Once equal, anti-entropy settles: after one more exchange, no full state travels. */
    private void assertQuiescent() {
      cluster.advance(Duration.ofSeconds(2));
      long before = fullStatesSent();
      cluster.advance(Duration.ofSeconds(2));
      assertEquals(before, fullStatesSent(), "full states still sent after convergence: " + this);
      assertEquals(true, converged(), "diverged after convergence: " + this);
      for (Replica replica : replicas) {
        assertEquals(
            0L,
            replica.stats().rejected().values().stream().mapToLong(Long::longValue).sum(),
            "rejections in an honest run: " + replica.stats() + ", " + this);
      }
    }

    private void assertEveryTokenSeen() {
      for (Replica replica : replicas) {
        for (CausalToken token : tokens) {
          assertTrue(
              replica.hasSeen(token),
              () ->
                  replica + " has the oracle's values but not seen " + token.keys() + ": " + this);
        }
      }
    }

    private long fullStatesSent() {
      long sum = 0;
      for (Replica replica : replicas) {
        sum += replica.stats().fullStatesSent();
      }
      return sum;
    }

    private boolean converged() {
      for (Key<?> key : KEYS) {
        for (Replica replica : replicas) {
          if (!oracle.get(key).equals(replica.get(key))) {
            return false;
          }
        }
      }
      return true;
    }

    private String message(Key<?> key, Replica replica) {
      return "seed=" + seed + ", steps=" + steps + ", key=" + key.name() + ", replica=" + replica;
    }

    private void randomPartition() {
      List<ReplicaId> ids = new ArrayList<>();
      for (Replica replica : replicas) {
        ids.add(replica.self());
      }
      ReplicaId alone = ids.remove(random.nextInt(ids.size()));
      if (random.nextBoolean()) {
        cluster.network.partition(Set.of(alone), new HashSet<>(ids));
      } else {
        cluster.network.partition(Set.of(alone), Set.of(ids.get(random.nextInt(ids.size()))));
      }
    }

    private void randomUpdate(Replica replica) {
      ReplicaId me = replica.self();
      String element = ELEMENTS.get(random.nextInt(ELEMENTS.size()));
      int amount = 1 + random.nextInt(5);
      Key<GCounter> numbered = FAMILY.get(random.nextInt(FAMILY.size()));
      switch (random.nextInt(11)) {
        case 0 -> update(replica, HITS, c -> c.increment(me, amount));
        case 1 -> update(replica, VIEWS, c -> c.increment(me, amount));
        case 2 -> update(replica, TAGS, s -> s.add(me, element));
        case 3 -> update(replica, TAGS, s -> s.remove(me, element));
        case 4 -> update(replica, STOCK, m -> m.update(me, element, c -> c.increment(me, amount)));
        case 5 -> update(replica, STOCK, m -> m.update(me, element, c -> c.decrement(me, amount)));
        case 6 -> update(replica, STOCK, m -> m.remove(me, element));
        case 7 -> update(replica, TITLE, r -> r.write(me, element, replica.clock()));
        case 8, 9 -> update(replica, numbered, c -> c.increment(me, amount));
        default -> update(replica, TITLE, r -> r.clear(me));
      }
    }

    /** Updates through the replica, folding the delta the update produced into the oracle. */
    private <T extends DeltaCrdt<T>> void update(Replica replica, Key<T> key, UnaryOperator<T> op) {
      Written<T> written =
          replica.write(
              key,
              state -> {
                T next = op.apply(state);
                next.delta()
                    .ifPresent(
                        delta -> {
                          @SuppressWarnings("unchecked")
                          T folded = (T) oracle.get(key);
                          oracle.put(key, folded.merge(delta).resetDelta());
                        });
                return next;
              });
      tokens.add(written.token());
      assertTrue(replica.hasSeen(written.token()), "the writer has not seen its write: " + this);
    }

    /** What a replay must reproduce: every replica's counters and values, and the network's. */
    String snapshot() {
      StringBuilder out = new StringBuilder(cluster.network.stats().toString());
      for (Replica replica : replicas) {
        out.append('\n').append(replica).append(' ').append(replica.stats());
        for (Key<?> key : KEYS) {
          out.append(' ').append(replica.get(key));
        }
      }
      return out.toString();
    }

    @Override
    public String toString() {
      return "Run[seed=" + seed + ", steps=" + steps + ", network=" + cluster.network + "]";
    }
  }
}
