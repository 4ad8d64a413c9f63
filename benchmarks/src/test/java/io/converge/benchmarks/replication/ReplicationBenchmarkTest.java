package io.converge.benchmarks.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/**
 * Both scenarios of {@link ReplicationBenchmark} at a tiny size give sane figures, and its options
 * are checked.
 */
class ReplicationBenchmarkTest {

  @Test
  @Timeout(30)
  void throughput_everyMeasuredUpdateConverges_lagAndBytesRecorded() throws Exception {
    ThroughputScenario.Result r =
        ThroughputScenario.run(
            new ThroughputScenario.Config(
                1_500,
                300,
                Duration.ofMillis(500),
                Duration.ofSeconds(1),
                Duration.ofSeconds(10),
                false,
                null,
                null));

    OpenLoop.Figures f = r.load();
    assertEquals(1_500, f.updatesScheduled());
    assertEquals(0, f.updatesUnconverged(), r::toString);
    assertEquals(f.updatesScheduled(), f.lagFromReturn().count(), r::toString);
    assertEquals(f.updatesScheduled(), f.lagFromSchedule().count(), r::toString);
    assertTrue(f.lagFromReturn().p50Ms() >= 0, r::toString);
    assertTrue(f.lagFromReturn().maxMs() < 10_000, r::toString);
    assertTrue(f.lagFromSchedule().p50Ms() >= f.lagFromReturn().p50Ms() - 1, r::toString);
    assertTrue(f.cpuSeconds() > 0, r::toString);
    assertEquals(f.cpuSeconds() / f.updatesIssued(), f.cpuSecondsPerUpdate(), 1e-12, r::toString);
    // Two deltas per update at least (one to each peer), each more than a few bytes.
    assertTrue(r.deltasSent() >= f.updatesIssued() * 2 * 9 / 10, r::toString);
    assertTrue(r.bytesPerUpdate() > 20, r::toString);
  }

  @Test
  @Timeout(30)
  void antiEntropy_divergentKeysReconcile_bytesBelowWholeState() throws Exception {
    AntiEntropyScenario.Result r =
        AntiEntropyScenario.run(
            new AntiEntropyScenario.Config(
                10_000, 10, Duration.ofMillis(100), Duration.ofSeconds(20), Duration.ofMillis(300)),
            line -> {});

    assertTrue(r.converged(), r::toString);
    assertTrue(r.allKeysEqual(), r::toString);
    assertEquals(10, r.divergentKeys());
    assertTrue(r.fullStatesSentToConverge() >= 10, r::toString);
    assertTrue(r.bytesSentToConverge() > r.divergentStateBytes(), r::toString);
    assertTrue(r.tcpBytesToConverge() > 0, r::toString);
    assertTrue(r.divergentStateBytes() > 0, r::toString);
    assertTrue(r.bytesSentToConverge() < r.totalStateBytes(), r::toString);
  }

  @Test
  @Timeout(30)
  void commandLine_runsBothScenariosAndPekko_writesTableAndJson(@TempDir Path dir)
      throws Exception {
    Path json = dir.resolve("out/replication.json");
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    int status =
        new CommandLine(
                new ReplicationBenchmark(new PrintStream(printed, true, StandardCharsets.UTF_8)))
            .execute(
                "--systems=converge,pekko-tuned",
                "--rate=600",
                "--keys=100",
                "--warmup=0.3",
                "--duration=0.7",
                "--step-rates=0",
                "--ae-keys=500",
                "--ae-divergent=0.01",
                "--ae-interval-ms=100",
                "--ae-settle=0.2",
                "--output=" + json);

    String text = printed.toString(StandardCharsets.UTF_8);
    assertEquals(0, status, text);
    JsonNode root = new ObjectMapper().readTree(json.toFile());
    JsonNode results = root.path("throughput").path("results");
    assertEquals(2, results.size(), text);
    for (JsonNode result : results) {
      JsonNode r = result.path("result");
      assertEquals(result.path("system").asText(), r.path("system").asText(), text);
      assertEquals(1, result.path("run").asInt(), text);
      assertTrue(r.path("load").path("lagFromReturn").path("count").asLong() > 0, text);
      assertTrue(r.path("load").path("cpuSecondsPerUpdate").asDouble() > 0, text);
      assertTrue(r.path("bytesPerUpdate").asDouble() > 0, text);
    }
    assertEquals("converge", results.get(0).path("system").asText(), text);
    assertEquals("pekko-tuned", results.get(1).path("system").asText(), text);
    assertEquals(5, root.path("antiEntropy").path("divergentKeys").asInt(), text);
    assertTrue(root.path("antiEntropy").path("allKeysEqual").asBoolean(), text);
    assertTrue(text.contains("convergence lag"), text);
    assertTrue(text.contains("throughput side by side"), text);
    assertTrue(text.contains("| 600 | pekko-tuned | 1 |"), text);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "--runs=0                                     | --runs must be > 0: --runs=0",
        "--rate=-5                                    | --rate must be > 0: --rate=-5",
        "--keys=0                                     | --keys must be > 0: --keys=0",
        "--duration=0                                 | --duration must be > 0: --duration=0.0",
        "--systems=converge,akka                      | unknown system: akka",
        "--systems=pekko --pekko-notify-interval-ms=0 | --pekko-notify-interval-ms must be > 0",
      })
  void commandLine_badValue_refusedNamingIt(String options, String message) {
    String err = refused(options.split(" "));
    assertTrue(err.contains(message), err);
  }

  @Test
  void systems_shorthands_expandInOrderWithoutRepeats() {
    assertEquals(
        List.of("converge", "pekko-tuned", "pekko-default"),
        ReplicationBenchmark.systems(List.of("all")));
    assertEquals(
        List.of("pekko-default", "pekko-tuned", "converge"),
        ReplicationBenchmark.systems(List.of("pekko-default", "pekko", "converge", "all")));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ReplicationBenchmark.systems(List.of()));
    assertTrue(e.getMessage().contains("no system"), e::getMessage);
  }

  /** Runs the program with options it must refuse before running anything. */
  private static String refused(String... args) {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    ByteArrayOutputStream errors = new ByteArrayOutputStream();
    CommandLine cli =
        new CommandLine(
            new ReplicationBenchmark(new PrintStream(printed, true, StandardCharsets.UTF_8)));
    cli.setErr(new PrintWriter(errors, true, StandardCharsets.UTF_8));
    String[] all = new String[args.length + 2];
    System.arraycopy(args, 0, all, 0, args.length);
    all[args.length] = "-s=throughput";
    all[args.length + 1] = "--output=-";
    int status = cli.execute(all);
    String err = errors.toString(StandardCharsets.UTF_8);
    assertEquals(2, status, err);
    assertEquals("", printed.toString(StandardCharsets.UTF_8), err);
    return err;
  }
}
