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
 * update rate (throughput, convergence lag percentiles, bytes per update), and anti-entropy after a
 * partition (time and bytes to reconcile a small divergent part of a large key space). Not a JMH
 * benchmark: it runs its own schedule and measures exactly per update. Run it from the shaded jar:
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
          + " throughput, bytes on the wire per update.",
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
              + " from the due time over 1 s, updates not converged, or under 90 % of the rate"
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
        throw new CommandLine.ParameterException(
            new CommandLine(this), "unknown scenario: " + s + " (throughput, antientropy)");
      }
    }
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
      out.printf(
          "%n== throughput: 3 replicas (r1, r2, r3), gRPC plaintext on 127.0.0.1, %s, %,d GCounter"
              + " keys ==%n",
          durable ? "durable (RocksDB, fsync always)" : "in memory", keys);
      ThroughputScenario.Result main = throughput(rate, w, m);
      tp.put("main", main);
      List<ThroughputScenario.Result> steps = new ArrayList<>();
      if (stepRates != null) {
        for (int stepRate : stepRates) {
          if (stepRate <= 0) {
            continue;
          }
          ThroughputScenario.Result step = throughput(stepRate, sw, sm);
          steps.add(step);
          if (exploded(step)) {
            out.printf("  lag exploded at %,d updates/s: no further step%n", stepRate);
            break;
          }
        }
      } else if (!exploded(main)) {
        out.printf("%n  held at %,d updates/s: doubling the rate until lag explodes%n", rate);
        for (int i = 1, r = rate * 2; i <= 3; i++, r *= 2) {
          ThroughputScenario.Result step = throughput(r, sw, sm);
          steps.add(step);
          if (exploded(step)) {
            out.printf("  lag exploded at %,d updates/s%n", r);
            break;
          }
        }
      } else {
        out.printf("%n  lag exploded at %,d updates/s: halving the rate until it holds%n", rate);
        for (int i = 1, r = rate / 2; i <= 4 && r >= 500; i++, r /= 2) {
          ThroughputScenario.Result step = throughput(r, sw, sm);
          steps.add(step);
          if (!exploded(step)) {
            out.printf("  held at %,d updates/s%n", r);
            break;
          }
        }
      }
      tp.put("steps", steps);
      json.put("throughput", tp);
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

  private ThroughputScenario.Result throughput(int targetRate, double w, double m)
      throws Exception {
    out.printf("%n-- %,d updates/s: warmup %.0f s, measure %.0f s --%n", targetRate, w, m);
    ThroughputScenario.Result r =
        ThroughputScenario.run(
            new ThroughputScenario.Config(
                targetRate,
                keys,
                seconds(w),
                seconds(m),
                seconds(drainTimeout),
                durable,
                resendIntervalMs == null ? null : Duration.ofMillis(resendIntervalMs)));
    printThroughput(r);
    return r;
  }

  static boolean exploded(ThroughputScenario.Result r) {
    return r.lagFromSchedule().p99Ms() > 1000
        || r.updatesUnconverged() > 0
        || r.convergedInWindowPerSecond() < 0.9 * r.targetRate();
  }

  private void printThroughput(ThroughputScenario.Result r) {
    out.printf(
        "  issued %,d updates in the window (%,.0f/s); applied on all 3 replicas: %,.0f/s;"
            + " not converged at the drain timeout: %,d%n",
        r.updatesIssued(),
        r.issuedPerSecond(),
        r.convergedInWindowPerSecond(),
        r.updatesUnconverged());
    out.println(
        "  convergence lag (ms)        count       p50       p90       p99     p99.9       max");
    printLag("from return on writer", r.lagFromReturn());
    printLag("from due time (open loop)", r.lagFromSchedule());
    printLag("writer lateness", r.issueDelay());
    out.printf(
        "  bytes on the wire: %,d envelope bytes sent = %.1f bytes/update; %,d deltas sent ="
            + " %.2f per update (2 without resends), %,d digest rounds, %,d full states%n",
        r.bytesSent(),
        r.bytesPerUpdate(),
        r.deltasSent(),
        r.updatesIssued() == 0 ? 0 : (double) r.deltasSent() / r.updatesIssued(),
        r.digestRounds(),
        r.fullStatesSent());
  }

  private void printLag(String label, ThroughputScenario.Lag l) {
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
