package io.converge.replication.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import io.converge.clocks.ReplicaId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

/**
 * Random runs of the network over random seeds and configurations: a workload of sends, replies,
 * timers, steps and advances, and (in some runs) partitions, isolations, crashes and restarts,
 * itself drawn from a seed. Each run checks determinism (the same scenario replays the same trace),
 * the transport contract, the counters' bookkeeping and, where configured, FIFO and exactly-once
 * delivery.
 */
final class InMemoryNetworkProperties {

  @Test
  void run_sameScenarioTwice_replaysIdenticalTrace() {
    qt().forAll(scenarios())
        .checkAssert(s -> assertEquals(new Run(s).execute().trace, new Run(s).execute().trace));
  }

  @Test
  void run_anyScenario_listenersSeeMessagesOnlyBetweenPeerUpAndPeerDown() {
    qt().forAll(scenarios())
        .checkAssert(
            s -> {
              Run run = new Run(s).execute();
              for (RecordingListener listener : run.listeners) {
                assertEquals(List.of(), listener.violations(), run::toString);
              }
            });
  }

  @Test
  void run_anyScenario_everyCopyIsDeliveredDroppedOrInFlightAndLinksAddUpToTotal() {
    qt().forAll(scenarios())
        .checkAssert(
            s -> {
              Run run = new Run(s).execute();
              InMemoryNetwork.Stats total = run.network.stats();
              assertEquals(0, run.network.inFlight(), run::toString);
              assertEquals(0, total.inFlight(), run::toString);
              assertEquals(total, sumOfLinks(run), run::toString);
              assertEquals(total.sent() + total.refused() + total.oversized(), run.sendCalls);
              assertEquals(run.received(), total.delivered(), run::toString);
            });
  }

  @Test
  void run_withoutReorder_deliversEachLinkInSendOrder() {
    qt().forAll(scenarios().map(s -> s.withReorder(false)))
        .checkAssert(
            s -> {
              Run run = new Run(s).execute();
              for (RecordingListener listener : run.listeners) {
                for (ReplicaId from : run.ids) {
                  List<Long> ids = listener.numbersFrom(from).stream().map(Run::idOf).toList();
                  assertEquals(ids.stream().sorted().toList(), ids, run::toString);
                }
              }
            });
  }

  @Test
  void run_withoutFaults_deliversEveryAcceptedMessageExactlyOnce() {
    qt().forAll(scenarios().map(Scenario::withoutFaults))
        .checkAssert(
            s -> {
              Run run = new Run(s).execute();
              List<Long> received = new ArrayList<>();
              for (RecordingListener listener : run.listeners) {
                listener.messages().forEach(m -> received.add(Run.idOf(Messages.number(m))));
              }
              assertEquals(
                  run.acceptedIds, new TreeSet<>(received), "every accepted message arrived");
              assertEquals(run.acceptedIds.size(), received.size(), "and only once");
              assertEquals(0, run.network.stats().refused(), run::toString);
            });
  }

  @Test
  void run_anyScenario_traceTimesNeverGoBack() {
    qt().forAll(scenarios())
        .checkAssert(
            s -> {
              Run run = new Run(s).execute();
              long previous = 0;
              for (String line : run.trace.subList(0, run.trace.size() - 1)) {
                long time = Long.parseLong(line.substring(0, line.indexOf(' ')));
                assertTrue(time >= previous, () -> line + " after " + run);
                previous = time;
              }
            });
  }

  private static InMemoryNetwork.Stats sumOfLinks(Run run) {
    long[] sum = new long[8];
    for (ReplicaId from : run.ids) {
      for (ReplicaId to : run.ids) {
        InMemoryNetwork.Stats s = run.network.stats(from, to);
        long[] fields = {
          s.sent(),
          s.delivered(),
          s.duplicated(),
          s.droppedLoss(),
          s.droppedPartition(),
          s.droppedCrash(),
          s.oversized(),
          s.refused()
        };
        for (int i = 0; i < sum.length; i++) {
          sum[i] += fields[i];
        }
      }
    }
    return new InMemoryNetwork.Stats(
        sum[0], sum[1], sum[2], sum[3], sum[4], sum[5], sum[6], sum[7]);
  }

  // --- Scenarios ------------------------------------------------------------------------------

  /**
   * A network configuration and a workload.
   *
   * @param seed the network's seed
   * @param workload the seed of the workload's choices
   * @param replicas how many replicas, 2 to 5
   * @param minDelayMs the least delay
   * @param spreadMs max delay minus min delay
   * @param lossPercent loss probability, in percent
   * @param duplicationPercent duplication probability, in percent
   * @param reorder whether the network reorders
   * @param topologyFaults whether the workload partitions, isolates, crashes and restarts
   */
  record Scenario(
      long seed,
      long workload,
      int replicas,
      int minDelayMs,
      int spreadMs,
      int lossPercent,
      int duplicationPercent,
      boolean reorder,
      boolean topologyFaults) {

    Scenario withReorder(boolean r) {
      return new Scenario(
          seed,
          workload,
          replicas,
          minDelayMs,
          spreadMs,
          lossPercent,
          duplicationPercent,
          r,
          topologyFaults);
    }

    Scenario withoutFaults() {
      return new Scenario(seed, workload, replicas, minDelayMs, spreadMs, 0, 0, reorder, false);
    }
  }

  static Gen<Scenario> scenarios() {
    Gen<int[]> delays =
        integers()
            .between(0, 20)
            .zip(integers().between(0, 60), (min, spread) -> new int[] {min, spread});
    Gen<int[]> probabilities =
        integers()
            .between(0, 30)
            .zip(integers().between(0, 30), (l, d) -> new int[] {l, d})
            .mix(integers().between(0, 1).map(z -> new int[] {0, 0}), 20);
    Gen<boolean[]> flags = booleans().all().zip(booleans().all(), (r, f) -> new boolean[] {r, f});
    return longs()
        .all()
        .zip(
            longs().all(),
            integers().between(2, 5),
            delays,
            probabilities.zip(flags, (p, f) -> new Object[] {p, f}),
            (seed, workload, replicas, d, pf) -> {
              int[] p = (int[]) pf[0];
              boolean[] f = (boolean[]) pf[1];
              return new Scenario(seed, workload, replicas, d[0], d[1], p[0], p[1], f[0], f[1]);
            });
  }

  /**
   * One run of a scenario. Messages carry {@code id * 4 + ttl}: ids grow in send order across the
   * whole network, and a receiver answers a message whose ttl is above 0 with one of ttl - 1, so
   * that traffic cascades a little but always ends.
   */
  static final class Run {

    private static final int OPERATIONS = 120;

    final Scenario scenario;
    final InMemoryNetwork network;
    final List<ReplicaId> ids = new ArrayList<>();
    final List<String> trace = new ArrayList<>();
    final List<RecordingListener> listeners = new ArrayList<>();
    final Set<Long> acceptedIds = new TreeSet<>();
    long sendCalls;

    private final Random workload;
    private final Map<ReplicaId, Transport> live = new TreeMap<>();
    private final Set<ReplicaId> crashed = new TreeSet<>();
    private long nextId = 1;

    Run(Scenario s) {
      this.scenario = s;
      this.workload = new Random(s.workload());
      this.network =
          InMemoryNetwork.builder()
              .seed(s.seed())
              .delay(
                  Duration.ofMillis(s.minDelayMs()),
                  Duration.ofMillis(s.minDelayMs() + s.spreadMs()))
              .loss(s.lossPercent() / 100.0)
              .duplication(s.duplicationPercent() / 100.0)
              .reorder(s.reorder())
              .build();
      for (int i = 1; i <= s.replicas(); i++) {
        ids.add(ReplicaId.of("r" + i));
      }
    }

    static long idOf(long number) {
      return number >>> 2;
    }

    Run execute() {
      ids.forEach(id -> startNew(id, network.transport(id)));
      for (int op = 0; op < OPERATIONS; op++) {
        int k = workload.nextInt(100);
        if (k < 55) {
          ReplicaId from = pick(ids);
          send(from, pick(others(from)), workload.nextInt(3));
        } else if (k < 65) {
          network.advance(Duration.ofMillis(workload.nextInt(30)));
        } else if (k < 75) {
          network.step();
        } else if (k < 80) {
          scheduleSend();
        } else if (scenario.topologyFaults()) {
          topologyFault(k);
        }
      }
      network.heal();
      for (ReplicaId id : new ArrayList<>(crashed)) {
        restart(id);
      }
      network.runUntilQuiet(1_000_000);
      trace.add(network.toString());
      return this;
    }

    private void topologyFault(int k) {
      if (k < 85) {
        Set<ReplicaId> a = new TreeSet<>();
        Set<ReplicaId> b = new TreeSet<>();
        for (ReplicaId id : ids) {
          (workload.nextBoolean() ? a : b).add(id);
        }
        trace.add(network.now().toNanos() + " partition " + a + " " + b);
        network.partition(a, b);
      } else if (k < 89) {
        trace.add(network.now().toNanos() + " heal");
        network.heal();
      } else if (k < 92) {
        ReplicaId id = pick(ids);
        trace.add(network.now().toNanos() + " isolate " + id);
        network.isolate(id);
      } else if (k < 96) {
        if (!live.isEmpty()) {
          ReplicaId id = pick(new ArrayList<>(live.keySet()));
          trace.add(network.now().toNanos() + " crash " + id);
          network.crash(id);
          live.remove(id);
          crashed.add(id);
        }
      } else if (!crashed.isEmpty()) {
        restart(pick(new ArrayList<>(crashed)));
      }
    }

    private void restart(ReplicaId id) {
      trace.add(network.now().toNanos() + " restart " + id);
      crashed.remove(id);
      startNew(id, network.restart(id));
    }

    private void startNew(ReplicaId id, Transport transport) {
      RecordingListener listener =
          new RecordingListener(id, trace, () -> Long.toString(network.now().toNanos()))
              .reacting(
                  (from, m) -> {
                    long ttl = Messages.number(m) & 3;
                    if (ttl > 0) {
                      send(id, from, ttl - 1);
                    }
                  });
      listeners.add(listener);
      live.put(id, transport);
      transport.start(id, listener);
    }

    private void scheduleSend() {
      ReplicaId from = pick(ids);
      ReplicaId to = pick(others(from));
      long ttl = workload.nextInt(3);
      Duration after = Duration.ofMillis(workload.nextInt(50));
      Transport owner = live.get(from);
      Runnable action = () -> send(from, to, ttl);
      if (owner != null && workload.nextBoolean()) {
        network.schedule(owner, after, action);
      } else {
        network.schedule(after, action);
      }
    }

    private void send(ReplicaId from, ReplicaId to, long ttl) {
      Transport transport = live.get(from);
      if (transport == null) {
        return; // crashed: a dead replica sends nothing
      }
      long id = nextId++;
      sendCalls++;
      boolean accepted = transport.send(to, Messages.numbered(from, id * 4 + ttl));
      if (accepted) {
        acceptedIds.add(id);
      }
      trace.add(network.now().toNanos() + " send " + from + "->" + to + " #" + id + " " + accepted);
    }

    long received() {
      return listeners.stream().mapToLong(l -> l.messages().size()).sum();
    }

    private <T> T pick(List<T> list) {
      return list.get(workload.nextInt(list.size()));
    }

    private List<ReplicaId> others(ReplicaId self) {
      List<ReplicaId> others = new ArrayList<>(ids);
      others.remove(self);
      return others;
    }

    @Override
    public String toString() {
      return scenario + ", " + network;
    }
  }
}
