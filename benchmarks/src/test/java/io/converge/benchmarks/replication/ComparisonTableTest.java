package io.converge.benchmarks.replication;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The side-by-side table: grouping, medians, formats. */
final class ComparisonTableTest {

  /** Figures with a given p50 lag, CPU per update and bytes per update. */
  private record Fake(String system, int targetRate, OpenLoop.Figures load, double bytesPerUpdate)
      implements ThroughputFigures {

    static Fake of(String system, int rate, double p50Ms, double cpuMicros, double bytes) {
      OpenLoop.Lag lag = new OpenLoop.Lag(100, p50Ms, p50Ms, p50Ms, p50Ms, p50Ms, p50Ms);
      OpenLoop.Figures f =
          new OpenLoop.Figures(
              100, 100, rate, 100, 0, rate, lag, lag, lag, cpuMicros * 1e-4, cpuMicros * 1e-6);
      return new Fake(system, rate, f, bytes);
    }
  }

  private static final ComparisonTable TABLE =
      new ComparisonTable(
          List.of(
              new ComparisonTable.Row(1, Fake.of("pekko-tuned", 5_000, 150, 300, 330)),
              new ComparisonTable.Row(1, Fake.of("converge", 5_000, 1.5, 400, 180)),
              new ComparisonTable.Row(2, Fake.of("converge", 5_000, 2.5, 200, 170)),
              new ComparisonTable.Row(2, Fake.of("pekko-tuned", 5_000, 250, 100, 350)),
              new ComparisonTable.Row(3, Fake.of("converge", 5_000, 40, 300, 190)),
              new ComparisonTable.Row(1, Fake.of("converge", 1_000, 0.5, 500, 200))));

  @Test
  void lines_groupedByRateThenSystemThenRun_mediansPerSystem() {
    List<String[]> lines = TABLE.lines();

    assertEquals(8, lines.size());
    assertArrayEquals(
        new String[] {
          "1,000",
          "converge",
          "1",
          "1,000",
          "0.50",
          "0.50",
          "0.50",
          "0.50",
          "0.50",
          "0.50",
          "0",
          "500.0",
          "200"
        },
        lines.get(0));
    // At 5 000/s the system seen first (pekko-tuned) comes first, its runs in order.
    assertEquals("pekko-tuned 1", lines.get(1)[1] + " " + lines.get(1)[2]);
    assertEquals("pekko-tuned 2", lines.get(2)[1] + " " + lines.get(2)[2]);
    assertArrayEquals(
        new String[] {
          "5,000",
          "pekko-tuned",
          "median",
          "5,000",
          "200",
          "200",
          "200",
          "200",
          "200",
          "200",
          "0",
          "200.0",
          "340"
        },
        lines.get(3));
    assertEquals("converge 3", lines.get(6)[1] + " " + lines.get(6)[2]);
    assertArrayEquals(
        new String[] {
          "5,000",
          "converge",
          "median",
          "5,000",
          "2.50",
          "2.50",
          "2.50",
          "2.50",
          "2.50",
          "2.50",
          "0",
          "300.0",
          "180"
        },
        lines.get(7));
  }

  @Test
  void text_aligned_everyLineAsWideAsTheHeader() {
    String[] text = TABLE.text().split("\n");
    assertEquals(9, text.length);
    assertEquals(text[0].length(), text[1].length(), String.join("\n", text));
    assertEquals(text[0].length(), text[4].length(), String.join("\n", text));
  }

  @Test
  void markdown_headerSeparatorAndOneRowPerLine() {
    String[] md = TABLE.markdown().split("\n");
    assertEquals(10, md.length);
    assertEquals("|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|", md[1]);
    assertEquals(
        "| 5,000 | converge | median | 5,000 | 2.50 | 2.50 | 2.50 | 2.50 | 2.50 | 2.50 | 0 |"
            + " 300.0 | 180 |",
        md[9]);
  }

  @Test
  void lag_precisionByMagnitude() {
    assertEquals("0.39", ComparisonTable.lag(0.387));
    assertEquals("41.2", ComparisonTable.lag(41.23));
    assertEquals("1,330", ComparisonTable.lag(1_330.4));
  }

  @Test
  void median_oddEvenAndNone() {
    assertEquals(2, ComparisonTable.median(new double[] {3, 1, 2}));
    assertEquals(2.5, ComparisonTable.median(new double[] {4, 1, 3, 2}));
    assertThrows(IllegalArgumentException.class, () -> ComparisonTable.median(new double[0]));
  }
}
