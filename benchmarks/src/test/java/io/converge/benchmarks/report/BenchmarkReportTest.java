package io.converge.benchmarks.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class BenchmarkReportTest {

  private static String row(String method, String params, double score, double alloc) {
    return """
        {"jmhVersion":"1.37","benchmark":"io.converge.benchmarks.crdt.ORSetBenchmark.%s",
         "mode":"avgt","threads":1,"forks":1,"jdkVersion":"17.0.15","vmName":"OpenJDK",
         "vmVersion":"17.0.15+6","warmupIterations":3,"warmupTime":"1 s",
         "measurementIterations":5,"measurementTime":"1 s","params":{%s},
         "primaryMetric":{"score":%s,"scoreError":1.5,"scoreUnit":"ns/op"},
         "secondaryMetrics":{"gc.alloc.rate.norm":{"score":%s,"scoreUnit":"B/op"}}}
        """
        .formatted(method, params, score, alloc);
  }

  private static Path results(Path dir) throws IOException {
    String json =
        "["
            + String.join(
                ",",
                row(
                    "merge",
                    "\"impl\":\"converge\",\"elements\":\"100\",\"scenario\":\"disjoint\"",
                    10,
                    100),
                row(
                    "merge",
                    "\"impl\":\"pekko\",\"elements\":\"100\",\"scenario\":\"disjoint\"",
                    250,
                    5000),
                row(
                    "merge",
                    "\"impl\":\"converge\",\"elements\":\"10000\",\"scenario\":\"disjoint\"",
                    900,
                    0),
                row(
                    "merge",
                    "\"impl\":\"pekko\",\"elements\":\"10000\",\"scenario\":\"disjoint\"",
                    27000,
                    64),
                row("encode", "\"elements\":\"100\"", 42, 16))
            + "]";
    Path file = dir.resolve("merge.json");
    Files.writeString(file, json, StandardCharsets.UTF_8);
    return file;
  }

  @Test
  void report_pairsConvergeWithPekko_writesRatiosAndACharts_keepsTheRestOfTheFile(@TempDir Path dir)
      throws IOException {
    Path md = dir.resolve("BENCHMARKS.md");
    Files.writeString(
        md,
        "# Title\n\nintro\n<!-- report:merge:begin -->\nold\n<!-- report:merge:end -->\nafter\n",
        StandardCharsets.UTF_8);
    Path charts = dir.resolve("charts");

    BenchmarkReport.main(
        new String[] {results(dir).toString(), md.toString(), "merge", charts.toString()});

    String text = Files.readString(md, StandardCharsets.UTF_8);
    assertTrue(text.startsWith("# Title\n\nintro\n<!-- report:merge:begin -->\n"), text);
    assertTrue(text.endsWith("<!-- report:merge:end -->\nafter\n"), text);
    assertTrue(!text.contains("\nold\n"), "the old section is replaced");
    assertTrue(
        text.contains(
            "| `ORSetBenchmark.merge` | elements=100, scenario=disjoint | 10.0 ± 1.50 ns/op"
                + " | 250 ± 1.50 ns/op | **25×** | 100 | 5,000 | 50× |"),
        text);
    assertTrue(text.contains("| **30×** | 0 | 64 | ∞ (Converge allocates nothing) |"), text);
    assertTrue(
        text.contains("| `ORSetBenchmark.encode` | elements=100 | 42.0 ± 1.50 ns/op | 16 |"), text);
    assertTrue(
        text.contains(
            "JMH 1.37, OpenJDK 17.0.15+6 (JDK 17.0.15). ORSetBenchmark: 1 fork(s), 3 warmup"
                + " iterations of 1 s, 5 measured of 1 s."),
        text);
    assertTrue(
        text.contains("![chart-ORSetBenchmark-merge](charts/chart-ORSetBenchmark-merge.png)"),
        text);

    byte[] png = Files.readAllBytes(charts.resolve("chart-ORSetBenchmark-merge.png"));
    assertArrayEquals(
        new byte[] {(byte) 0x89, 'P', 'N', 'G'}, Arrays.copyOf(png, 4), "not a PNG file");
    assertTrue(png.length > 5_000, "an empty chart? " + png.length + " bytes");
  }

  @Test
  void markdownWithoutTheSection_refusedNamingTheMarkers(@TempDir Path dir) throws IOException {
    Path md = dir.resolve("B.md");
    Files.writeString(md, "nothing here\n", StandardCharsets.UTF_8);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                BenchmarkReport.main(
                    new String[] {
                      results(dir).toString(), md.toString(), "merge", dir.toString()
                    }));
    assertTrue(e.getMessage().contains("<!-- report:merge:begin -->"), e.getMessage());
    assertEquals("nothing here\n", Files.readString(md, StandardCharsets.UTF_8));
  }

  @Test
  void notAJmhFile_refusedNamingIt(@TempDir Path dir) throws IOException {
    Path bad = dir.resolve("bad.json");
    Files.writeString(bad, "{\"a\":1}", StandardCharsets.UTF_8);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                BenchmarkReport.main(
                    new String[] {bad.toString(), "x.md", "merge", dir.toString()}));
    assertTrue(e.getMessage().contains("bad.json is not a JMH JSON result array"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> BenchmarkReport.main(new String[] {"one"}));
  }

  @Test
  void ratios_throughputInverted_andFormatted() {
    JmhResult c =
        new JmhResult("a.B.m", "thrpt", java.util.Map.of("impl", "converge"), 50, 1, "ops/s", 8);
    JmhResult p =
        new JmhResult("a.B.m", "thrpt", java.util.Map.of("impl", "pekko"), 10, 1, "ops/s", 80);
    assertEquals(5.0, BenchmarkReport.speedup(c, p));
    assertEquals(10.0, BenchmarkReport.allocationRatio(c, p));
    assertEquals("5.0×", BenchmarkReport.ratio(5.0));
    assertEquals("12×", BenchmarkReport.ratio(12.4));
    assertEquals("B.m", c.shortName());
  }
}
