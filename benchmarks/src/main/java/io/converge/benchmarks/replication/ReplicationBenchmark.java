package io.converge.benchmarks.replication;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The replication benchmark program: three replicas over real gRPC on loopback under a sustained
 * update rate (throughput, convergence lag percentiles, CPU and bytes per update), side by side
 * with three Apache Pekko Distributed Data nodes under the same load if asked ({@code --systems}),
 * and anti-entropy after a partition (time and bytes to reconcile a small divergent part of a large
 * key space). Not a JMH benchmark: it runs its own schedule and measures exactly per update. Run it
 * from the shaded jar:
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.converge.benchmarks.replication.ReplicationBenchmark --help
 * </pre>
 *
 * <p>It prints a summary on standard output and writes every figure as JSON (by default to {@code
 * benchmarks/results/replication.json}). See {@code benchmarks/README.md}.
 */
@Command(
    name = "ReplicationBenchmark",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Converge replication benchmark over real gRPC on loopback.",
      "throughput: 3 replicas, open-loop updates at a fixed rate on GCounter keys; convergence lag"
          + " (return on the writer -> visible on both other replicas) p50/p99/p99.9, applied"
          + " throughput, CPU-seconds and bytes on the wire per update; with --systems, the same"
          + " load on Pekko Distributed Data (3 cluster nodes over Artery TCP) side by side.",
      "antientropy: 2 replicas with the same keys, a fraction divergent, partitioned then healed;"
          + " time and bytes to reconcile vs. the size of the divergent state."
    })
public final class ReplicationBenchmark implements Callable<Integer> {

  @Option(
      names = {"-s", "--scenario"},
      split = ",",
      description = "Scenarios to run: throughput, antientropy (default: both).")
  private List<String> scenarios = new ArrayList<>(List.of("throughput", "antientropy"));

  @Option(
      names = "--systems",
      split = ",",
      description =
          "Systems of the throughput scenario: converge, pekko-tuned, pekko-default; pekko for both"
              + " Pekko configurations, all for the three (default: converge).")
  private List<String> systems = new ArrayList<>(List.of(CONVERGE));

  @Option(
      names = "--runs",
      description =
          "Throughput runs of each system, each on a fresh cluster; the systems take turns within"
              + " a run (default: ${DEFAULT-VALUE}).")
  private int runs = 1;

  @Option(
      names = "--pekko-gossip-interval-ms",
      description =
          "pekko-tuned's distributed-data gossip-interval, ms (default: 1000; its delta"
              + " propagation interval is max(gossip / 5, 200 ms)).")
  private Long pekkoGossipIntervalMs;

  @Option(
      names = "--pekko-notify-interval-ms",
      description = "pekko-tuned's distributed-data notify-subscribers-interval, ms (default: 10).")
  private Long pekkoNotifyIntervalMs;

  @Option(
      names = "--quick",
      description =
          "Short run: warmup 2 s, measure 5 s, steps 1 s + 3 s, antientropy 100 000 keys (each"
              + " unless given explicitly).")
  private boolean quick;

  @Option(
      names = "--rate",
      description = "Target updates/s, all replicas together (default: ${DEFAULT-VALUE}).")
  private int rate = 20_000;

  @Option(names = "--keys", description = "Keys of the throughput run (default: ${DEFAULT-VALUE}).")
  private int keys = 10_000;

  @Option(names = "--warmup", description = "Warmup seconds (default: 10; --quick: 2).")
  private Double warmup;

  @Option(names = "--duration", description = "Measured seconds (default: 30; --quick: 5).")
  private Double duration;

  @Option(
      names = "--step-rates",
      split = ",",
      description =
          "Rates tried after the main run, in order, stopping at the first where lag explodes (p99"
              + " from the due time over 1 s, updates not converged, or under 90 %% of the rate"
              + " applied); 0 for none. Default: automatic, doubling the rate until lag explodes"
              + " if the main run held (at most 3 steps), else halving it until one holds (at"
              + " most 4 steps, not below 500/s).")
  private List<Integer> stepRates;

  @Option(
      names = "--resend-interval-ms",
      description =
          "The replicas' resend interval of unacknowledged deltas, ms (default: the library's,"
              + " 500).")
  private Long resendIntervalMs;

  @Option(
      names = "--linger-ms",
      description =
          "Converge's batch linger (Replica.Builder#batchLinger), ms: how long a write may wait for"
              + " more writes to the same peer (default: the library's, 0).")
  private Double lingerMs;

  @Option(
      names = "--step-warmup",
      description = "Warmup seconds of a step (default: 3; --quick: 1).")
  private Double stepWarmup;

  @Option(
      names = "--step-duration",
      description = "Measured seconds of a step (default: 10; --quick: 3).")
  private Double stepDuration;

  @Option(
      names = "--drain-timeout",
      description =
          "Seconds to wait after the last update for every update to be visible"
              + " (default: ${DEFAULT-VALUE}).")
  private double drainTimeout = 30;

  @Option(
      names = "--durable",
      description = "Durable replicas (RocksDB in temporary directories, fsync on every write).")
  private boolean durable;

  @Option(
      names = "--ae-keys",
      description = "Keys of the antientropy run (default: 1000000; --quick: 100000).")
  private Integer aeKeys;

  @Option(
      names = "--ae-divergent",
      description = "Fraction of those keys that diverge (default: ${DEFAULT-VALUE}).")
  private double aeDivergent = 0.001;

  @Option(
      names = "--ae-interval-ms",
      description = "Anti-entropy interval of the antientropy run, ms (default: ${DEFAULT-VALUE}).")
  private long aeIntervalMs = 200;

  @Option(
      names = "--ae-timeout",
      description = "Seconds to wait for reconciliation at most (default: ${DEFAULT-VALUE}).")
  private double aeTimeout = 120;

  @Option(
      names = "--ae-settle",
      description =
          "Seconds of traffic watched after reconciliation (idle digest rounds) (default:"
              + " ${DEFAULT-VALUE}).")
  private double aeSettle = 2;

  @Option(
      names = {"-o", "--output"},
      description = "JSON results file (default: ${DEFAULT-VALUE}); '-' for none.")
  private String output = "benchmarks/results/replication.json";

  static final String CONVERGE = ThroughputScenario.SYSTEM;
  static final String PEKKO_TUNED = "pekko-tuned";
  static final String PEKKO_DEFAULT = "pekko-default";

  @CommandLine.Spec private CommandLine.Model.CommandSpec spec;

  private final PrintStream out;

  /** A program that prints to standard output. */
  public ReplicationBenchmark() {
    this(System.out);
  }

  ReplicationBenchmark(PrintStream out) {
    this.out = out;
  }

  /**
   * Runs the program and exits with its status (0 when every scenario ran).
   *
   * @param args the options; {@code --help} lists them
   */
  public static void main(String[] args) {
    System.exit(new CommandLine(new ReplicationBenchmark()).execute(args));
  }

  /**
   * Runs the selected scenarios, prints the summary and writes the JSON.
   *
   * @return the exit status: 0
   * @throws Exception if a scenario fails
   */
  @Override
  public Integer call() throws Exception {
    double w = orDefault(warmup, 10, 2);
    double m = orDefault(duration, 30, 5);
    double sw = orDefault(stepWarmup, 3, 1);
    double sm = orDefault(stepDuration, 10, 3);
    int aeN = aeKeys != null ? aeKeys : quick ? 100_000 : 1_000_000;
    for (String s : scenarios) {
      if (!s.equals("throughput") && !s.equals("antientropy")) {
        throw usageError("unknown scenario: " + s + " (throughput, antientropy)");
      }
    }
    List<String> systemList;
    try {
      systemList = systems(systems);
    } catch (IllegalArgumentException e) {
      throw usageError(e.getMessage(), e);
    }
    PekkoScenario.Settings tuned = pekkoTuned();
    requirePositive("--rate", rate);
    requirePositive("--keys", keys);
    requirePositive("--runs", runs);
    requirePositive("--duration", m);
    requirePositive("--step-duration", sm);
    requireNotNegative("--warmup", w);
    requireNotNegative("--step-warmup", sw);
    requireNotNegative("--drain-timeout", drainTimeout);
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("benchmark", "ReplicationBenchmark");
    json.put("startedAt", Instant.now().toString());
    json.put("environment", environment());
    long started = System.nanoTime();
    out.println("Converge ReplicationBenchmark");
    out.printf(
        "JDK %s (%s), %d cores, max heap %d MiB%n",
        System.getProperty("java.runtime.version"),
        System.getProperty("java.vm.name"),
        Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory() >> 20);

    if (scenarios.contains("throughput")) {
      Map<String, Object> tp = new LinkedHashMap<>();
      tp.put("systems", systemList);
      tp.put("runs", runs);
      out.printf("%n== throughput: %,d GCounter keys, open loop, 3 writers ==%n", keys);
      for (String system : systemList) {
        out.println("  " + system + ": " + describe(system, tuned));
      }
      List<Map<String, Object>> results = new ArrayList<>();
      List<ComparisonTable.Row> rows = new ArrayList<>();
      for (int run = 1; run <= runs; run++) {
        for (String system : systemList) {
          ThroughputFigures main = throughput(system, tuned, run, rate, w, m);
          results.add(entry(system, run, "main", main));
          rows.add(new ComparisonTable.Row(run, main));
          for (ThroughputFigures step : steps(system, tuned, run, main, sw, sm)) {
            results.add(entry(system, run, "step", step));
            rows.add(new ComparisonTable.Row(run, step));
          }
        }
      }
      tp.put("results", results);
      json.put("throughput", tp);
      ComparisonTable table = new ComparisonTable(rows);
      out.printf(
          "%n== throughput side by side (lag from the return on the writer; CPU: the process's"
              + " CPU time per update issued; bytes: %s) ==%n",
          bytesNote(systemList));
      out.print(table.text());
      out.printf("%nThe same in Markdown:%n%n");
      out.print(table.markdown());
    }

    if (scenarios.contains("antientropy")) {
      int divergent = (int) Math.max(1, Math.round(aeN * aeDivergent));
      out.printf(
          "%n== antientropy: 2 replicas (r1, r2), %,d GCounter keys, %,d divergent (%.2f %%),"
              + " anti-entropy every %d ms, delta log of 1 entry ==%n",
          aeN, divergent, 100.0 * divergent / aeN, aeIntervalMs);
      AntiEntropyScenario.Result r =
          AntiEntropyScenario.run(
              new AntiEntropyScenario.Config(
                  aeN,
                  divergent,
                  Duration.ofMillis(aeIntervalMs),
                  seconds(aeTimeout),
                  seconds(aeSettle)),
              out::println);
      printAntiEntropy(r);
      json.put("antiEntropy", r);
    }

    double wall = (System.nanoTime() - started) / 1e9;
    json.put("wallSeconds", wall);
    out.printf("%nwall time %.1f s%n", wall);
    if (!output.equals("-")) {
      Path file = Path.of(output);
      if (file.toAbsolutePath().getParent() != null) {
        Files.createDirectories(file.toAbsolutePath().getParent());
      }
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), json);
      out.println("results written to " + file);
    }
    return 0;
  }

  private double orDefault(Double given, double normal, double quickValue) {
    return given != null ? given : quick ? quickValue : normal;
  }

  private static Duration seconds(double s) {
    return Duration.ofNanos((long) (s * 1e9));
  }

  private ThroughputFigures throughput(
      String system, PekkoScenario.Settings tuned, int run, int targetRate, double w, double m)
      throws Exception {
    out.printf(
        "%n-- %s, run %d/%d, %,d updates/s: warmup %.0f s, measure %.0f s --%n",
        system, run, runs, targetRate, w, m);
    // Garbage of the previous run is not charged to this one's window.
    System.gc();
    if (system.equals(CONVERGE)) {
      ThroughputScenario.Result r =
          ThroughputScenario.run(
              new ThroughputScenario.Config(
                  targetRate,
                  keys,
                  seconds(w),
                  seconds(m),
                  seconds(drainTimeout),
                  durable,
                  resendIntervalMs == null ? null : Duration.ofMillis(resendIntervalMs),
                  lingerMs == null ? null : Duration.ofNanos((long) (lingerMs * 1_000_000))));
      printThroughput(r);
      out.printf(
          "  bytes on the wire: %,d envelope bytes sent = %.1f bytes/update; %,d deltas sent ="
              + " %.2f per update (2 without resends), %,d digest rounds, %,d full states%n",
          r.bytesSent(),
          r.bytesPerUpdate(),
          r.deltasSent(),
          ThroughputScenario.perUpdate(r.deltasSent(), r.load()),
          r.digestRounds(),
          r.fullStatesSent());
      return r;
    }
    PekkoScenario.Result r =
        PekkoScenario.run(
            new PekkoScenario.RunConfig(
                targetRate,
                keys,
                seconds(w),
                seconds(m),
                seconds(drainTimeout),
                system.equals(PEKKO_TUNED) ? tuned : PekkoScenario.Settings.DEFAULTS));
    out.printf(
        "  cluster of 3 Up in %.1f s; gossip-interval %d ms (delta propagation every %d ms),"
            + " notify-subscribers-interval %d ms, delta-crdt %s; update failures: %,d;"
            + " messages discarded as over the %,d-byte maximum frame: %,d%n",
        r.clusterUpSeconds(),
        r.gossipIntervalMs(),
        r.deltaPropagationIntervalMs(),
        r.notifySubscribersIntervalMs(),
        r.deltaCrdtEnabled() ? "on" : "off",
        r.updateFailures(),
        r.maximumFrameSizeBytes(),
        r.oversizedDiscarded());
    printThroughput(r);
    out.printf(
        "  bytes on the wire: %,d TCP bytes through the relays = %.1f bytes/update%n",
        r.bytesSent(), r.bytesPerUpdate());
    return r;
  }

  private List<ThroughputFigures> steps(
      String system,
      PekkoScenario.Settings tuned,
      int run,
      ThroughputFigures main,
      double sw,
      double sm)
      throws Exception {
    List<ThroughputFigures> steps = new ArrayList<>();
    if (stepRates != null) {
      for (int stepRate : stepRates) {
        if (stepRate <= 0) {
          continue;
        }
        ThroughputFigures step = throughput(system, tuned, run, stepRate, sw, sm);
        steps.add(step);
        if (exploded(step)) {
          out.printf("  lag exploded at %,d updates/s: no further step%n", stepRate);
          break;
        }
      }
    } else if (!exploded(main)) {
      out.printf("%n  held at %,d updates/s: doubling the rate until lag explodes%n", rate);
      for (int i = 1, r = rate * 2; i <= 3; i++, r *= 2) {
        ThroughputFigures step = throughput(system, tuned, run, r, sw, sm);
        steps.add(step);
        if (exploded(step)) {
          out.printf("  lag exploded at %,d updates/s%n", r);
          break;
        }
      }
    } else {
      out.printf("%n  lag exploded at %,d updates/s: halving the rate until it holds%n", rate);
      for (int i = 1, r = rate / 2; i <= 4 && r >= 500; i++, r /= 2) {
        ThroughputFigures step = throughput(system, tuned, run, r, sw, sm);
        steps.add(step);
        if (!exploded(step)) {
          out.printf("  held at %,d updates/s%n", r);
          break;
        }
      }
    }
    return steps;
  }

  private static Map<String, Object> entry(
      String system, int run, String kind, ThroughputFigures result) {
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("system", system);
    e.put("run", run);
    e.put("kind", kind);
    e.put("rate", result.targetRate());
    e.put("result", result);
    return e;
  }

  static boolean exploded(ThroughputFigures r) {
    OpenLoop.Figures f = r.load();
    return f.lagFromSchedule().p99Ms() > 1000
        || f.updatesUnconverged() > 0
        || f.convergedInWindowPerSecond() < 0.9 * r.targetRate();
  }

  private void printThroughput(ThroughputFigures r) {
    OpenLoop.Figures f = r.load();
    out.printf(
        "  issued %,d updates in the window (%,.0f/s); applied on all 3: %,.0f/s; not converged"
            + " at the drain timeout: %,d%n",
        f.updatesIssued(),
        f.issuedPerSecond(),
        f.convergedInWindowPerSecond(),
        f.updatesUnconverged());
    out.println(
        "  convergence lag (ms)        count       p50       p90       p99     p99.9       max");
    printLag("from return on writer", f.lagFromReturn());
    printLag("from due time (open loop)", f.lagFromSchedule());
    printLag("writer lateness", f.issueDelay());
    out.printf(
        "  CPU: %.1f s of process CPU time in the window = %.1f µs per update issued%n",
        f.cpuSeconds(), f.cpuSecondsPerUpdate() * 1e6);
  }

  /**
   * The systems named on the command line, expanded and without repeats, in the order given.
   *
   * @param names converge, pekko-tuned, pekko-default, pekko or all
   * @return the systems to run
   * @throws IllegalArgumentException naming an unknown system, or if none is given
   */
  static List<String> systems(List<String> names) {
    List<String> out = new ArrayList<>();
    for (String name : names) {
      List<String> expanded =
          switch (name) {
            case CONVERGE, PEKKO_TUNED, PEKKO_DEFAULT -> List.of(name);
            case "pekko" -> List.of(PEKKO_TUNED, PEKKO_DEFAULT);
            case "all" -> List.of(CONVERGE, PEKKO_TUNED, PEKKO_DEFAULT);
            default ->
                throw new IllegalArgumentException(
                    "unknown system: "
                        + name
                        + " (converge, pekko-tuned, pekko-default, pekko, all)");
          };
      for (String s : expanded) {
        if (!out.contains(s)) {
          out.add(s);
        }
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("no system: --systems is empty");
    }
    return out;
  }

  private PekkoScenario.Settings pekkoTuned() {
    if (pekkoGossipIntervalMs != null) {
      requirePositive("--pekko-gossip-interval-ms", pekkoGossipIntervalMs);
    }
    if (pekkoNotifyIntervalMs != null) {
      requirePositive("--pekko-notify-interval-ms", pekkoNotifyIntervalMs);
    }
    PekkoScenario.Settings t = PekkoScenario.Settings.TUNED;
    return new PekkoScenario.Settings(
        PEKKO_TUNED,
        pekkoGossipIntervalMs == null
            ? t.gossipInterval()
            : Duration.ofMillis(pekkoGossipIntervalMs),
        pekkoNotifyIntervalMs == null
            ? t.notifySubscribersInterval()
            : Duration.ofMillis(pekkoNotifyIntervalMs));
  }

  private String describe(String system, PekkoScenario.Settings tuned) {
    return switch (system) {
      case CONVERGE ->
          "3 replicas (r1, r2, r3), gRPC plaintext on 127.0.0.1, "
              + (durable ? "durable (RocksDB, fsync always)" : "in memory")
              + ", writeAsync() + subscribe()"
              + (lingerMs == null ? "" : ", batch linger " + lingerMs + " ms");
      case PEKKO_TUNED ->
          "Pekko Distributed Data 1.7.0, 3 cluster nodes over Artery TCP on 127.0.0.1 (each"
              + " behind a byte-counting relay), in memory, WriteLocal, Subscribe; gossip-interval "
              + tuned.gossipInterval().toMillis()
              + " ms (delta propagation every "
              + PekkoScenario.deltaPropagationIntervalMs(tuned.gossipInterval().toMillis())
              + " ms), notify-subscribers-interval "
              + tuned.notifySubscribersInterval().toMillis()
              + " ms, delta-crdt on";
      default ->
          "Pekko Distributed Data as above with Pekko's reference settings (gossip-interval 2 s,"
              + " delta propagation every 400 ms, notify-subscribers-interval 500 ms, delta-crdt"
              + " on)";
    };
  }

  private static String bytesNote(List<String> systems) {
    List<String> notes = new ArrayList<>();
    if (systems.contains(CONVERGE)) {
      notes.add("Converge: serialized envelopes, converge.bytes.sent, without gRPC/HTTP2 framing");
    }
    if (systems.contains(PEKKO_TUNED) || systems.contains(PEKKO_DEFAULT)) {
      notes.add("Pekko: " + PekkoScenario.BYTES_MEASURED_AS);
    }
    return String.join("; ", notes);
  }

  /** A usage error (exit status 2, the message on the command line's error stream). */
  private CommandLine.ParameterException usageError(String message) {
    return new CommandLine.ParameterException(
        spec != null ? spec.commandLine() : new CommandLine(this), message);
  }

  private CommandLine.ParameterException usageError(String message, Exception cause) {
    return new CommandLine.ParameterException(
        spec != null ? spec.commandLine() : new CommandLine(this), message, cause);
  }

  private void requirePositive(String option, long value) {
    if (value <= 0) {
      throw usageError(option + " must be > 0: " + option + "=" + value);
    }
  }

  private void requirePositive(String option, double value) {
    if (!(value > 0)) {
      throw usageError(option + " must be > 0: " + option + "=" + value);
    }
  }

  private void requireNotNegative(String option, double value) {
    if (!(value >= 0)) {
      throw usageError(option + " must be >= 0: " + option + "=" + value);
    }
  }

  private void printLag(String label, OpenLoop.Lag l) {
    out.printf(
        "  %-26s %,10d %9.2f %9.2f %9.2f %9.2f %9.2f%n",
        label, l.count(), l.p50Ms(), l.p90Ms(), l.p99Ms(), l.p999Ms(), l.maxMs());
  }

  private void printAntiEntropy(AntiEntropyScenario.Result r) {
    out.printf(
        "  load: r1 %.1f s, r2 %.1f s (%,.0f updates/s); heap used after load %,d MiB (both"
            + " replicas)%n",
        r.loadSecondsR1(), r.loadSecondsR2(), r.loadUpdatesPerSecond(), r.heapUsedMbAfterLoad());
    out.printf("  stream up %.0f ms after the heal%n", r.connectMs());
    if (!r.converged()) {
      out.printf("  NOT CONVERGED within the timeout (%.0f ms)%n", r.convergeMs());
    } else {
      out.printf(
          "  reconciled %,d divergent keys %.0f ms after the heal, %.0f ms after the stream came"
              + " up%n",
          r.divergentKeys(), r.convergeMs(), r.convergeAfterConnectMs());
    }
    out.printf(
        "  bytes to reconcile: %,d envelope bytes (%,d TCP bytes through the relay); %,d digest"
            + " rounds, %,d full states, %,d deltas%n",
        r.bytesSentToConverge(),
        r.tcpBytesToConverge(),
        r.digestRoundsToConverge(),
        r.fullStatesSentToConverge(),
        r.deltasSentToConverge());
    out.printf(
        "  divergent state: %,d bytes encoded (%,d with key names) -> %.1f bytes sent per"
            + " divergent state byte, %.0f bytes per divergent key%n",
        r.divergentStateBytes(),
        r.divergentStateAndNameBytes(),
        r.bytesPerDivergentStateByte(),
        r.bytesPerDivergentKey());
    out.printf(
        "  whole state (every key, encoded, with names): %,d bytes = %.0f x the bytes sent%n",
        r.totalStateBytes(), (double) r.totalStateBytes() / Math.max(1, r.bytesSentToConverge()));
    out.printf(
        "  after reconciling, %.1f s of traffic: %,d bytes, %,d digest rounds, %,d full states%n",
        r.settleSeconds(), r.bytesSentSettle(), r.digestRoundsSettle(), r.fullStatesSentSettle());
    out.printf("  every key equal on both replicas: %s%n", r.allKeysEqual());
  }

  private static Map<String, Object> environment() {
    Map<String, Object> env = new LinkedHashMap<>();
    env.put("javaVersion", System.getProperty("java.runtime.version"));
    env.put("javaVm", System.getProperty("java.vm.name"));
    env.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
    env.put("arch", System.getProperty("os.arch"));
    env.put("cores", Runtime.getRuntime().availableProcessors());
    env.put("maxHeapMb", Runtime.getRuntime().maxMemory() >> 20);
    return env;
  }
}
