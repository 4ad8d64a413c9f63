package io.converge.benchmarks.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Both scenarios of {@link ReplicationBenchmark} at a tiny size give sane figures. */
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
                null));

    assertEquals(1_500, r.updatesScheduled());
    assertEquals(0, r.updatesUnconverged(), r::toString);
    assertEquals(r.updatesScheduled(), r.lagFromReturn().count(), r::toString);
    assertEquals(r.updatesScheduled(), r.lagFromSchedule().count(), r::toString);
    assertTrue(r.lagFromReturn().p50Ms() >= 0, r::toString);
    assertTrue(r.lagFromReturn().maxMs() < 10_000, r::toString);
    assertTrue(r.lagFromSchedule().p50Ms() >= r.lagFromReturn().p50Ms() - 1, r::toString);
    // Two deltas per update at least (one to each peer), each more than a few bytes.
    assertTrue(r.deltasSent() >= r.updatesIssued() * 2 * 9 / 10, r::toString);
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
  void commandLine_runsBothScenarios_writesJson(@TempDir Path dir) throws Exception {
    Path json = dir.resolve("out/replication.json");
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    int status =
        new CommandLine(
                new ReplicationBenchmark(new PrintStream(printed, true, StandardCharsets.UTF_8)))
            .execute(
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
    assertTrue(
        root.path("throughput").path("main").path("lagFromReturn").path("count").asLong() > 0,
        text);
    assertTrue(root.path("throughput").path("main").path("bytesPerUpdate").asDouble() > 0, text);
    assertEquals(5, root.path("antiEntropy").path("divergentKeys").asInt(), text);
    assertTrue(root.path("antiEntropy").path("allKeysEqual").asBoolean(), text);
    assertTrue(text.contains("convergence lag"), text);
  }
}
