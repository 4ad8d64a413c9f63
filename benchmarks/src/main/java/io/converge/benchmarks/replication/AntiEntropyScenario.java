package io.converge.benchmarks.replication;

import io.converge.clocks.ReplicaId;
import io.converge.crdt.GCounter;
import io.converge.replication.Key;
import io.converge.replication.PeerStatus;
import io.converge.replication.Replica;
import io.converge.replication.Stats;
import io.converge.replication.Subscription;
import io.converge.replication.transport.GrpcTransport;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Anti-entropy after a partition, over gRPC: two replicas hold the same {@code keys} {@link
 * GCounter} keys, a small fraction of which differ (each divergent key has one extra increment, on
 * one side, alternately r1 and r2); then the partition heals and the replicas reconcile.
 *
 * <p><b>The partition.</b> r1 has the smaller id, so r1 dials r2. r1 is given the port of a closed
 * {@link TcpRelay} instead of r2's: its connection attempts are refused while both replicas are
 * loaded (each alone, with {@code update}: every common key incremented once by the same fake
 * writer {@code seed}, so that their states and digests are equal on both sides; then the divergent
 * writes). Opening the relay heals the partition; every byte of the reconciliation still travels
 * over gRPC, through the relay, which counts the TCP bytes as well.
 *
 * <p><b>Anti-entropy only.</b> The replicas keep an outbound delta log of one entry ({@code
 * maxLogEntries(1)}), as after a partition long enough to overflow the log, and each side's last
 * write is a common one: the divergent writes reach the other side only through anti-entropy
 * (digest rounds, then the full states of the keys that differ).
 *
 * <p><b>Measured.</b> From the heal: the time until the stream is up, and until every divergent key
 * holds both sides' writes on both replicas (exactly: subscribers on the side missing a write see
 * the counter reach 2); the bytes both replicas sent by then ({@code converge.bytes.sent}, and the
 * relay's TCP count), against the size of the divergent state (the merged states of the divergent
 * keys, encoded by the key's codec); and the digest rounds and full states that took.
 */
final class AntiEntropyScenario {

  private static final ReplicaId SEED = ReplicaId.of("seed");
  private static final String PREFIX = "k:";

  private AntiEntropyScenario() {}

  /**
   * The settings of one run.
   *
   * @param keys keys on each replica
   * @param divergentKeys how many of them differ
   * @param antiEntropyInterval the replicas' anti-entropy interval
   * @param timeout how long to wait for convergence at most
   * @param settle how long to watch the traffic after convergence (idle digest rounds)
   */
  record Config(
      int keys,
      int divergentKeys,
      Duration antiEntropyInterval,
      Duration timeout,
      Duration settle) {}

  /**
   * What one run measured.
   *
   * @param keys keys on each replica
   * @param divergentKeys keys that differed
   * @param antiEntropyIntervalMs the anti-entropy interval
   * @param loadSecondsR1 time to load r1 (its divergent writes, then the common keys), one thread
   * @param loadSecondsR2 the same for r2
   * @param loadUpdatesPerSecond updates per second of the loads, both replicas together
   * @param heapUsedMbAfterLoad heap used after both loads and a GC, in MiB (both replicas)
   * @param connectMs from the heal to the stream being up on r1
   * @param converged whether every divergent key converged within the timeout
   * @param convergeMs from the heal to the last divergent key holding both writes on both sides
   * @param convergeAfterConnectMs from the stream being up to that moment
   * @param bytesSentToConverge {@code converge.bytes.sent} of both replicas from the heal to
   *     convergence
   * @param tcpBytesToConverge TCP payload bytes through the relay, both directions, by then
   * @param digestRoundsToConverge digest requests both replicas sent by then
   * @param fullStatesSentToConverge full states both replicas sent by then
   * @param deltasSentToConverge deltas both replicas sent by then (the log's last entries)
   * @param divergentStateBytes the divergent keys' merged states, encoded by the key's codec
   * @param divergentStateAndNameBytes the same plus the keys' names in UTF-8
   * @param bytesPerDivergentStateByte {@code bytesSentToConverge / divergentStateBytes}
   * @param bytesPerDivergentKey {@code bytesSentToConverge / divergentKeys}
   * @param totalStateBytes every key's encoded state on r1 plus names: what shipping everything
   *     would at least cost
   * @param settleSeconds how long traffic was watched after convergence
   * @param bytesSentSettle {@code converge.bytes.sent} during that time (rounds that find no
   *     difference, plus any late full states)
   * @param digestRoundsSettle digest requests during that time
   * @param fullStatesSentSettle full states sent during that time
   * @param allKeysEqual whether, at the end, every key has the same value on both replicas
   */
  record Result(
      int keys,
      int divergentKeys,
      long antiEntropyIntervalMs,
      double loadSecondsR1,
      double loadSecondsR2,
      double loadUpdatesPerSecond,
      long heapUsedMbAfterLoad,
      double connectMs,
      boolean converged,
      double convergeMs,
      double convergeAfterConnectMs,
      long bytesSentToConverge,
      long tcpBytesToConverge,
      long digestRoundsToConverge,
      long fullStatesSentToConverge,
      long deltasSentToConverge,
      long divergentStateBytes,
      long divergentStateAndNameBytes,
      double bytesPerDivergentStateByte,
      double bytesPerDivergentKey,
      long totalStateBytes,
      double settleSeconds,
      long bytesSentSettle,
      long digestRoundsSettle,
      long fullStatesSentSettle,
      boolean allKeysEqual) {}

  static Key<GCounter> key(int i) {
    return Key.gCounter(PREFIX + i);
  }

  /**
   * Runs the scenario once.
   *
   * @param config the settings
   * @param progress where to report what it is doing (one line at a time)
   * @return the measurements
   * @throws InterruptedException if interrupted
   * @throws IOException if the relay cannot listen
   */
  static Result run(Config config, java.util.function.Consumer<String> progress)
      throws InterruptedException, IOException {
    int n = config.keys();
    int d = config.divergentKeys();
    if (d < 1 || d > n) {
      throw new IllegalArgumentException("divergent keys must be in [1, keys]: " + d);
    }
    int[] divergent = pickDivergent(n, d);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();

    GrpcTransport t2 =
        GrpcTransport.builder().listen("127.0.0.1", 0).acceptFrom("r1").plaintext().build();
    try (Replica r2 = start("r2", t2, registry, config);
        TcpRelay relay = new TcpRelay(t2.port())) {
      GrpcTransport t1 =
          GrpcTransport.builder()
              .listen("127.0.0.1", 0)
              .peer("r2", "127.0.0.1:" + relay.port())
              .reconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(50))
              .plaintext()
              .build();
      try (Replica r1 = start("r1", t1, registry, config)) {
        Replica[] sides = {r1, r2};
        progress.accept(String.format("  loading %,d keys on r1 ...", n));
        double load1 = load(r1, n, divergent, 0);
        progress.accept(String.format("  loaded r1 in %.1f s; loading r2 ...", load1));
        double load2 = load(r2, n, divergent, 1);
        progress.accept(String.format("  loaded r2 in %.1f s", load2));
        System.gc();
        Runtime rt = Runtime.getRuntime();
        long heapMb = (rt.totalMemory() - rt.freeMemory()) >> 20;

        // Subscribers on the side that misses each divergent key's write.
        CountDownLatch done = new CountDownLatch(d);
        AtomicLong lastAt = new AtomicLong();
        AtomicIntegerArray counted = new AtomicIntegerArray(d);
        List<Subscription> subscriptions = new ArrayList<>();
        for (int j = 0; j < d; j++) {
          int index = j;
          Replica missing = sides[1 - (j % 2)];
          subscriptions.add(
              missing.subscribe(
                  key(divergent[j]),
                  c -> {
                    if (c.value() >= 2 && counted.compareAndSet(index, 0, 1)) {
                      lastAt.accumulateAndGet(System.nanoTime(), Math::max);
                      done.countDown();
                    }
                  }));
        }

        Meters before = Meters.read(registry);
        progress.accept("  healing the partition ...");
        long healedAt = System.nanoTime();
        relay.open();
        long connectedAt = 0;
        long connectDeadline = healedAt + TimeUnit.SECONDS.toNanos(30);
        while (connectedAt == 0 && System.nanoTime() < connectDeadline) {
          PeerStatus s = r1.peers().get(ReplicaId.of("r2"));
          if (s != null && s.connected()) {
            connectedAt = System.nanoTime();
          } else {
            Thread.onSpinWait();
          }
        }
        boolean converged = done.await(config.timeout().toNanos(), TimeUnit.NANOSECONDS);
        long convergedAt = converged ? lastAt.get() : System.nanoTime();
        Meters atConvergence = Meters.read(registry);
        long tcpAtConvergence = relay.bytes();
        Stats s1 = r1.stats();
        Stats s2 = r2.stats();

        long settleStart = System.nanoTime();
        OpenLoop.parkUntil(settleStart + config.settle().toNanos());
        Meters afterSettle = Meters.read(registry);
        double settleSeconds = (System.nanoTime() - settleStart) / 1e9;
        subscriptions.forEach(Subscription::close);

        long divergentBytes = 0;
        long divergentWithNames = 0;
        for (int j = 0; j < d; j++) {
          Key<GCounter> k = key(divergent[j]);
          int size = k.codec().encode(r1.get(k)).length;
          divergentBytes += size;
          divergentWithNames +=
              size + k.name().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        }
        progress.accept("  comparing every key on both replicas ...");
        boolean allEqual = true;
        long totalState = 0;
        for (int i = 0; i < n; i++) {
          Key<GCounter> k = key(i);
          GCounter a = r1.get(k);
          totalState += k.codec().encode(a).length + k.name().length();
          if (!a.equals(r2.get(k))) {
            allEqual = false;
          }
        }
        Meters toConverge = atConvergence.minus(before);
        Meters settle = afterSettle.minus(atConvergence);
        if (s1.rejected().values().stream().anyMatch(v -> v > 0)
            || s2.rejected().values().stream().anyMatch(v -> v > 0)) {
          progress.accept("  WARNING: rejects: r1 " + s1.rejected() + ", r2 " + s2.rejected());
        }
        return new Result(
            n,
            d,
            config.antiEntropyInterval().toMillis(),
            load1,
            load2,
            2.0 * (n + d / 2.0) / (load1 + load2),
            heapMb,
            connectedAt == 0 ? -1 : (connectedAt - healedAt) / 1e6,
            converged,
            (convergedAt - healedAt) / 1e6,
            connectedAt == 0 ? -1 : (convergedAt - connectedAt) / 1e6,
            toConverge.bytesSent(),
            tcpAtConvergence,
            toConverge.digestRounds(),
            toConverge.fullStatesSent(),
            toConverge.deltasSent(),
            divergentBytes,
            divergentWithNames,
            (double) toConverge.bytesSent() / divergentBytes,
            (double) toConverge.bytesSent() / d,
            totalState,
            settleSeconds,
            settle.bytesSent(),
            settle.digestRounds(),
            settle.fullStatesSent(),
            allEqual);
      }
    }
  }

  private static Replica start(
      String id, GrpcTransport transport, SimpleMeterRegistry registry, Config config) {
    return Replica.builder()
        .replicaId(id)
        .transport(transport)
        .keyFamily(PREFIX, Key::gCounter)
        .meterRegistry(registry)
        .antiEntropyInterval(config.antiEntropyInterval())
        .maxLogEntries(1)
        .drainTimeout(Duration.ZERO)
        .start();
  }

  /** {@code d} distinct key indexes in [0, n), at random (fixed seed), in increasing order. */
  static int[] pickDivergent(int n, int d) {
    SplittableRandom random = new SplittableRandom(7);
    BitSet chosen = new BitSet(n);
    int picked = 0;
    while (picked < d) {
      int i = random.nextInt(n);
      if (!chosen.get(i)) {
        chosen.set(i);
        picked++;
      }
    }
    return chosen.stream().toArray();
  }

  /**
   * Loads one side: its half of the divergent writes, then every key once by {@code seed} (last, so
   * that the one delta each side's log keeps is a common write, which changes nothing).
   */
  private static double load(Replica replica, int n, int[] divergent, int side) {
    long start = System.nanoTime();
    ReplicaId self = replica.self();
    for (int j = side; j < divergent.length; j += 2) {
      replica.update(key(divergent[j]), c -> c.increment(self, 1));
    }
    for (int i = 0; i < n; i++) {
      replica.update(key(i), c -> c.increment(SEED, 1));
    }
    return (System.nanoTime() - start) / 1e9;
  }
}
