package io.converge.benchmarks.replication;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.apache.pekko.actor.AbstractActor;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Props;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.UniqueAddress;
import org.apache.pekko.cluster.ddata.DistributedData;
import org.apache.pekko.cluster.ddata.GCounter;
import org.apache.pekko.cluster.ddata.GCounterKey;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.Replicator;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.event.Logging;
import org.apache.pekko.pattern.Patterns;
import org.apache.pekko.remote.OversizedPayloadException;
import scala.Option;
import scala.math.BigInt;

/**
 * The throughput scenario on Apache Pekko Distributed Data, with the same open-loop method as
 * Converge's ({@link OpenLoop}): three cluster nodes (three {@link ActorSystem}s in this JVM) over
 * Artery TCP on 127.0.0.1, each with its {@link Replicator}; {@link GCounter} keys ({@link
 * GCounterKey} {@code k:0} ...), updated with {@link Replicator#writeLocal()}.
 *
 * <p><b>Writes.</b> One writer thread per node sends update {@code i} to its node's replicator at
 * its due time, as an {@link Replicator.Update} carrying {@code i} as its request; the update
 * "returns" when the node's {@code UpdateSuccess} reaches the writer's reply actor (the write is
 * then applied on that node, as when Converge's {@code update} returns).
 *
 * <p><b>Visibility.</b> Each node has one subscriber actor, {@link Replicator.Subscribe}d to every
 * key. A {@link Replicator.Changed} notification carries the key's current value (notifications are
 * batched per {@code notify-subscribers-interval}, and intermediate values are skipped); the
 * subscriber reads each other writer's own count from the counter's per-node state ({@code
 * GCounter.state()}, keyed by the writer's {@link UniqueAddress}) and hands it to {@link
 * OpenLoop#observed}, which makes every update of that writer on that key up to that count visible.
 * Per-writer counts, not the counter's total, because the three writers of a key write it within a
 * millisecond of each other: a total that includes the reader's own write would mark another
 * writer's update visible before it arrived.
 *
 * <p><b>Bytes.</b> Every node's canonical Artery address is a {@link TcpRelay} in front of its bind
 * port, so every byte another node sends it (Artery framing, cluster heartbeats and membership
 * gossip, the replicator's delta propagation and status/gossip digests) is counted on the relay.
 */
final class PekkoScenario {

  private static final String SYSTEM_NAME = "bench";

  private PekkoScenario() {}

  /**
   * A configuration of the replicator.
   *
   * @param system the name in results and tables ({@code pekko-tuned}, {@code pekko-default})
   * @param gossipInterval {@code pekko.cluster.distributed-data.gossip-interval}, or null for the
   *     reference default (2 s); the delta propagation interval is derived from it: a fifth of it,
   *     at least 200 ms
   * @param notifySubscribersInterval {@code
   *     pekko.cluster.distributed-data.notify-subscribers-interval}, or null for the reference
   *     default (500 ms)
   */
  record Settings(String system, Duration gossipInterval, Duration notifySubscribersInterval) {

    /** Pekko's reference configuration: nothing overridden. */
    static final Settings DEFAULTS = new Settings("pekko-default", null, null);

    /**
     * Tuned for lag: a gossip interval of 1 s (the largest whose fifth reaches the 200 ms floor of
     * the delta propagation interval: a smaller one does not propagate deltas sooner, only gossips
     * digests more often) and subscribers notified every 10 ms; delta-CRDT replication on.
     */
    static final Settings TUNED =
        new Settings("pekko-tuned", Duration.ofSeconds(1), Duration.ofMillis(10));

    Settings {
      if (system == null || system.isBlank()) {
        throw new IllegalArgumentException("system must be named: system=" + system);
      }
      if (gossipInterval != null && !isPositive(gossipInterval)) {
        throw new IllegalArgumentException(
            "gossipInterval must be > 0: gossipInterval=" + gossipInterval);
      }
      if (notifySubscribersInterval != null && !isPositive(notifySubscribersInterval)) {
        throw new IllegalArgumentException(
            "notifySubscribersInterval must be > 0: notifySubscribersInterval="
                + notifySubscribersInterval);
      }
    }

    private static boolean isPositive(Duration d) {
      return !d.isNegative() && !d.isZero();
    }

    /** The HOCON lines this configuration overrides (none for the defaults). */
    String hocon() {
      StringBuilder b = new StringBuilder();
      if (gossipInterval != null) {
        b.append("pekko.cluster.distributed-data.gossip-interval = ")
            .append(gossipInterval.toMillis())
            .append(" ms\n");
      }
      if (notifySubscribersInterval != null) {
        b.append("pekko.cluster.distributed-data.notify-subscribers-interval = ")
            .append(notifySubscribersInterval.toMillis())
            .append(" ms\n");
      }
      if (b.length() > 0) {
        // On by default too; said explicitly in a tuned configuration.
        b.append("pekko.cluster.distributed-data.delta-crdt.enabled = on\n");
      }
      return b.toString();
    }
  }

  /**
   * The settings of one run.
   *
   * @param rate updates per second, all nodes together
   * @param keys how many keys the updates spread over
   * @param warmup the load before measuring
   * @param measure the measured load
   * @param drainTimeout how long to wait, after the last update, for every update to be visible
   * @param settings the replicator's configuration
   */
  record RunConfig(
      int rate,
      int keys,
      Duration warmup,
      Duration measure,
      Duration drainTimeout,
      Settings settings) {}

  /**
   * What one run measured; counts and rates are of the measurement window unless named otherwise
   * (the open-loop figures are those of {@link ThroughputScenario.Result}, by the same code).
   *
   * @param system the configuration's name
   * @param targetRate the configured rate, updates per second
   * @param keys the number of keys
   * @param warmupSeconds the warmup
   * @param measureSeconds the measurement window
   * @param gossipIntervalMs the effective {@code gossip-interval}, read from the running system
   * @param notifySubscribersIntervalMs the effective {@code notify-subscribers-interval}
   * @param deltaCrdtEnabled the effective {@code delta-crdt.enabled}
   * @param deltaPropagationIntervalMs the replicator's delta propagation interval derived from
   *     {@code gossipIntervalMs} as Pekko derives it: {@code max(gossip-interval / 5, 200 ms)}
   * @param clusterUpSeconds from creating the first node until all three were Up on every node and
   *     every replicator counted three replicas
   * @param load the open-loop figures: lag, applied throughput, CPU ({@link OpenLoop.Figures}; the
   *     relays' threads are in the CPU time); an update returns when its {@code UpdateSuccess}
   *     reaches the writer's probe
   * @param bytesSent TCP bytes through the three relays in the window, both directions
   * @param bytesPerUpdate {@code bytesSent / updatesIssued}
   * @param bytesMeasuredAs how {@code bytesSent} was measured
   * @param updateFailures updates answered with a failure instead of {@code UpdateSuccess}, whole
   *     run
   * @param maximumFrameSizeBytes the effective {@code
   *     pekko.remote.artery.advanced.maximum-frame-size}
   * @param oversizedDiscarded messages Artery discarded, whole run, for being larger than {@code
   *     maximumFrameSizeBytes} (its {@code OversizedPayloadException} errors on the nodes' event
   *     streams): a discarded {@code DeltaPropagation} leaves its keys to full-state gossip
   */
  record Result(
      String system,
      int targetRate,
      int keys,
      double warmupSeconds,
      double measureSeconds,
      long gossipIntervalMs,
      long notifySubscribersIntervalMs,
      boolean deltaCrdtEnabled,
      long deltaPropagationIntervalMs,
      double clusterUpSeconds,
      OpenLoop.Figures load,
      long bytesSent,
      double bytesPerUpdate,
      String bytesMeasuredAs,
      long updateFailures,
      long maximumFrameSizeBytes,
      long oversizedDiscarded)
      implements ThroughputFigures {}

  static final String BYTES_MEASURED_AS =
      "TCP bytes through a loopback relay in front of each node's Artery port (Artery framing,"
          + " cluster heartbeats and gossip, replicator deltas and digests)";

  /**
   * Pekko's delta propagation interval for a gossip interval: a fifth of it, at least 200 ms
   * ({@code Replicator}'s {@code deltaPropagationInterval}).
   *
   * @param gossipIntervalMs the gossip interval, ms
   * @return the interval at which the replicator sends deltas, ms
   */
  static long deltaPropagationIntervalMs(long gossipIntervalMs) {
    return Math.max(gossipIntervalMs / 5, 200);
  }

  /**
   * The configuration of one node: cluster provider, Artery TCP bound on {@code bindPort} and known
   * to the others as {@code 127.0.0.1:canonicalPort} (the relay), quiet logging, fast teardown,
   * then the replicator's settings, over Pekko's reference configuration.
   */
  static Config nodeConfig(Settings settings, int bindPort, int canonicalPort) {
    String hocon =
        String.join(
                "\n",
                "pekko.actor.provider = cluster",
                "pekko.remote.artery.transport = tcp",
                "pekko.remote.artery.canonical.hostname = \"127.0.0.1\"",
                "pekko.remote.artery.canonical.port = " + canonicalPort,
                "pekko.remote.artery.bind.hostname = \"127.0.0.1\"",
                "pekko.remote.artery.bind.port = " + bindPort,
                "pekko.loglevel = ERROR",
                "pekko.stdout-loglevel = ERROR",
                "pekko.log-dead-letters = off",
                "pekko.log-dead-letters-during-shutdown = off",
                "pekko.cluster.log-info = off",
                "pekko.cluster.jmx.enabled = off",
                "pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off",
                "pekko.coordinated-shutdown.run-by-actor-system-terminate = off",
                "")
            + settings.hocon();
    return ConfigFactory.parseString(hocon)
        .withFallback(ConfigFactory.load(PekkoScenario.class.getClassLoader()));
  }

  /**
   * Runs the scenario once on a new cluster of three nodes.
   *
   * @param config the settings
   * @return the measurements
   * @throws InterruptedException if interrupted
   * @throws IllegalStateException if the cluster does not form within 60 s
   */
  static Result run(RunConfig config) throws InterruptedException {
    OpenLoop run = new OpenLoop(config.rate(), config.keys(), config.warmup(), config.measure());
    ActorSystem[] systems = new ActorSystem[OpenLoop.NODES];
    TcpRelay[] relays = new TcpRelay[OpenLoop.NODES];
    LongAdder failures = new LongAdder();
    LongAdder oversized = new LongAdder();
    try {
      long startedAt = System.nanoTime();
      int[] bindPorts = new int[OpenLoop.NODES];
      for (int n = 0; n < OpenLoop.NODES; n++) {
        bindPorts[n] = freePort();
        relays[n] = new TcpRelay(bindPorts[n]);
        try {
          relays[n].open();
        } catch (IOException e) {
          throw new UncheckedIOException("cannot open the relay of node " + n, e);
        }
      }
      for (int n = 0; n < OpenLoop.NODES; n++) {
        systems[n] =
            ActorSystem.create(
                SYSTEM_NAME, nodeConfig(config.settings(), bindPorts[n], relays[n].port()));
      }
      var seed = Cluster.get(systems[0]).selfAddress();
      for (ActorSystem s : systems) {
        Cluster.get(s).join(seed);
      }
      awaitUp(systems, Duration.ofSeconds(60));
      double clusterUp = (System.nanoTime() - startedAt) / 1e9;

      UniqueAddress[] nodes = new UniqueAddress[OpenLoop.NODES];
      ActorRef[] replicators = new ActorRef[OpenLoop.NODES];
      SelfUniqueAddress[] selves = new SelfUniqueAddress[OpenLoop.NODES];
      for (int n = 0; n < OpenLoop.NODES; n++) {
        DistributedData dd = DistributedData.get(systems[n]);
        replicators[n] = dd.replicator();
        selves[n] = dd.selfUniqueAddress();
        nodes[n] = selves[n].uniqueAddress();
      }
      List<Key<GCounter>> keys = new ArrayList<>(config.keys());
      for (int k = 0; k < config.keys(); k++) {
        keys.add(GCounterKey.create(ThroughputScenario.KEY_PREFIX + k));
      }
      ActorRef[] probes = new ActorRef[OpenLoop.NODES];
      for (int n = 0; n < OpenLoop.NODES; n++) {
        int node = n;
        probes[n] =
            systems[n].actorOf(
                Props.create(Probe.class, () -> new Probe(run, node, nodes, failures, oversized)),
                "bench-probe");
        systems[n].getEventStream().subscribe(probes[n], Logging.Error.class);
        for (Key<GCounter> key : keys) {
          replicators[n].tell(new Replicator.Subscribe<>(key, probes[n]), ActorRef.noSender());
        }
      }
      // Sent after the subscriptions by this thread: answered once they are registered.
      awaitReplicaCount(replicators, Duration.ofSeconds(30));

      OpenLoop.Window<Long> measured =
          run.drive(
              (w, i) ->
                  replicators[w].tell(
                      new Replicator.Update<GCounter>(
                          keys.get(run.keyOf(i)),
                          GCounter.empty(),
                          Replicator.writeLocal(),
                          Optional.<Object>of(i),
                          c -> c.increment(selves[w], 1)),
                      probes[w]),
              () -> relayedBytes(relays),
              config.drainTimeout(),
              "bench-pekko-writer-");
      long bytes = measured.after() - measured.before();

      Config effective = systems[0].settings().config();
      long gossipMs =
          effective.getDuration("pekko.cluster.distributed-data.gossip-interval").toMillis();
      OpenLoop.Figures load = run.figures(config.measure(), measured.cpuNanos());
      return new Result(
          config.settings().system(),
          config.rate(),
          config.keys(),
          config.warmup().toNanos() / 1e9,
          config.measure().toNanos() / 1e9,
          gossipMs,
          effective
              .getDuration("pekko.cluster.distributed-data.notify-subscribers-interval")
              .toMillis(),
          effective.getBoolean("pekko.cluster.distributed-data.delta-crdt.enabled"),
          deltaPropagationIntervalMs(gossipMs),
          clusterUp,
          load,
          bytes,
          ThroughputScenario.perUpdate(bytes, load),
          BYTES_MEASURED_AS,
          failures.sum(),
          effective.getBytes("pekko.remote.artery.advanced.maximum-frame-size"),
          oversized.sum());
    } finally {
      for (ActorSystem s : systems) {
        if (s != null) {
          s.terminate();
        }
      }
      for (ActorSystem s : systems) {
        if (s != null) {
          awaitTerminated(s);
        }
      }
      for (TcpRelay relay : relays) {
        if (relay != null) {
          relay.close();
        }
      }
    }
  }

  private static long relayedBytes(TcpRelay[] relays) {
    long sum = 0;
    for (TcpRelay relay : relays) {
      sum += relay.bytes();
    }
    return sum;
  }

  private static int freePort() {
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return probe.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free loopback port", e);
    }
  }

  private static void awaitUp(ActorSystem[] systems, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      boolean all = true;
      for (ActorSystem s : systems) {
        int up = 0;
        for (Member m : Cluster.get(s).state().getMembers()) {
          if (m.status() == MemberStatus.up()) {
            up++;
          }
        }
        all &= up == systems.length;
      }
      if (all) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the Pekko cluster did not form within " + timeout);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
    }
  }

  private static void awaitReplicaCount(ActorRef[] replicators, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (ActorRef replicator : replicators) {
      while (true) {
        int count;
        try {
          Object reply =
              Patterns.ask(replicator, Replicator.getReplicaCount(), Duration.ofSeconds(5))
                  .toCompletableFuture()
                  .get(10, TimeUnit.SECONDS);
          count = ((Replicator.ReplicaCount) reply).n();
        } catch (ExecutionException | TimeoutException e) {
          count = -1;
        }
        if (count == replicators.length) {
          break;
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "a Pekko replicator counted " + count + " replicas, not 3, after " + timeout);
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
      }
    }
  }

  private static void awaitTerminated(ActorSystem s) throws InterruptedException {
    try {
      s.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("Pekko node " + s + " did not terminate within 30 s", e);
    }
  }

  /** Parses the key number of {@code k:<n>}. */
  static int keyIndex(String id) {
    return Integer.parseInt(id, ThroughputScenario.KEY_PREFIX.length(), id.length(), 10);
  }

  /**
   * One node's probe: subscribed to every key, it hands the other writers' counts in each {@code
   * Changed} to the bookkeeping; the node's writer's reply-to, it records each {@code
   * UpdateSuccess} as its update's return and counts failures; subscribed to the node's error
   * events, it counts the messages Artery discarded as oversized.
   */
  static final class Probe extends AbstractActor {
    private final OpenLoop run;
    private final int node;
    private final UniqueAddress[] nodes;
    private final LongAdder failures;
    private final LongAdder oversized;

    Probe(OpenLoop run, int node, UniqueAddress[] nodes, LongAdder failures, LongAdder oversized) {
      this.run = run;
      this.node = node;
      this.nodes = nodes.clone();
      this.failures = failures;
      this.oversized = oversized;
    }

    @Override
    public Receive createReceive() {
      return receiveBuilder().matchAny(this::onMessage).build();
    }

    private void onMessage(Object message) {
      if (message instanceof Replicator.Changed<?> changed
          && changed.dataValue() instanceof GCounter counter) {
        long now = System.nanoTime();
        int k = keyIndex(changed.key().id());
        for (int w = 0; w < nodes.length; w++) {
          if (w != node) {
            Option<BigInt> count = counter.state().get(nodes[w]);
            run.observed(node, k, w, count.isDefined() ? count.get().longValue() : 0, now);
          }
        }
      } else if (message instanceof Replicator.UpdateSuccess<?> success) {
        run.issued((Long) success.request().get(), System.nanoTime());
      } else if (message instanceof Replicator.UpdateResponse<?>) {
        failures.increment();
      } else if (message instanceof Logging.Error error
          && error.cause() instanceof OversizedPayloadException) {
        oversized.increment();
      }
    }
  }
}
