package io.converge.benchmarks.replication;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;

/**
 * The throughput runs of every system side by side, per rate: one row per system and run, and per
 * system a median row when it ran more than once. Lag is from the return on the writer (p99 also
 * from the due time); CPU is the process's CPU time per update issued, in microseconds. Rendered as
 * aligned text for the console and as a Markdown table for {@code BENCHMARKS.md}.
 */
final class ComparisonTable {

  /**
   * One run of one system.
   *
   * @param run the run's number, from 1
   * @param figures what it measured
   */
  record Row(int run, ThroughputFigures figures) {}

  private static final String[] HEADERS = {
    "Rate/s",
    "System",
    "Run",
    "Applied/s",
    "p50 ms",
    "p90 ms",
    "p99 ms",
    "p99.9 ms",
    "max ms",
    "p99 from due ms",
    "Not converged",
    "CPU µs/update",
    "Bytes/update"
  };

  private static final List<ToDoubleFunction<ThroughputFigures>> COLUMNS =
      List.of(
          f -> f.load().convergedInWindowPerSecond(),
          f -> f.load().lagFromReturn().p50Ms(),
          f -> f.load().lagFromReturn().p90Ms(),
          f -> f.load().lagFromReturn().p99Ms(),
          f -> f.load().lagFromReturn().p999Ms(),
          f -> f.load().lagFromReturn().maxMs(),
          f -> f.load().lagFromSchedule().p99Ms(),
          f -> f.load().updatesUnconverged(),
          f -> f.load().cpuSecondsPerUpdate() * 1e6,
          ThroughputFigures::bytesPerUpdate);

  private final List<Row> rows;

  /**
   * A table of runs.
   *
   * @param rows the runs, in any order
   */
  ComparisonTable(List<Row> rows) {
    this.rows = List.copyOf(rows);
  }

  /** The cells of every line: per rate (ascending), per system (first seen first), per run. */
  List<String[]> lines() {
    Map<Integer, Map<String, List<Row>>> byRate = new TreeMap<>();
    for (Row row : rows) {
      byRate
          .computeIfAbsent(row.figures().targetRate(), r -> new LinkedHashMap<>())
          .computeIfAbsent(row.figures().system(), s -> new ArrayList<>())
          .add(row);
    }
    List<String[]> lines = new ArrayList<>();
    for (var rate : byRate.entrySet()) {
      for (var system : rate.getValue().entrySet()) {
        List<Row> runs = new ArrayList<>(system.getValue());
        runs.sort((a, b) -> Integer.compare(a.run(), b.run()));
        for (Row row : runs) {
          double[] values = new double[COLUMNS.size()];
          for (int c = 0; c < values.length; c++) {
            values[c] = COLUMNS.get(c).applyAsDouble(row.figures());
          }
          lines.add(line(rate.getKey(), system.getKey(), Integer.toString(row.run()), values));
        }
        if (runs.size() > 1) {
          double[] medians = new double[COLUMNS.size()];
          for (int c = 0; c < medians.length; c++) {
            double[] column = new double[runs.size()];
            for (int r = 0; r < column.length; r++) {
              column[r] = COLUMNS.get(c).applyAsDouble(runs.get(r).figures());
            }
            medians[c] = median(column);
          }
          lines.add(line(rate.getKey(), system.getKey(), "median", medians));
        }
      }
    }
    return lines;
  }

  private static String[] line(int rate, String system, String run, double[] v) {
    return new String[] {
      String.format(Locale.ROOT, "%,d", rate),
      system,
      run,
      String.format(Locale.ROOT, "%,.0f", v[0]),
      lag(v[1]),
      lag(v[2]),
      lag(v[3]),
      lag(v[4]),
      lag(v[5]),
      lag(v[6]),
      String.format(Locale.ROOT, "%,.0f", v[7]),
      String.format(Locale.ROOT, "%,.1f", v[8]),
      String.format(Locale.ROOT, "%,.0f", v[9])
    };
  }

  /** Milliseconds: two decimals under 10, one under 100, none above. */
  static String lag(double ms) {
    if (ms < 10) {
      return String.format(Locale.ROOT, "%.2f", ms);
    }
    if (ms < 100) {
      return String.format(Locale.ROOT, "%.1f", ms);
    }
    return String.format(Locale.ROOT, "%,.0f", ms);
  }

  /**
   * The median: the middle value, or the mean of the two middle values.
   *
   * @param values at least one
   * @return their median
   * @throws IllegalArgumentException if there is none
   */
  static double median(double[] values) {
    if (values.length == 0) {
      throw new IllegalArgumentException("no values: length=0");
    }
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int mid = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }

  /** The table as aligned text: text columns left-aligned, numbers right-aligned. */
  String text() {
    List<String[]> all = new ArrayList<>();
    all.add(HEADERS);
    all.addAll(lines());
    int[] widths = new int[HEADERS.length];
    for (String[] line : all) {
      for (int c = 0; c < line.length; c++) {
        widths[c] = Math.max(widths[c], line[c].length());
      }
    }
    StringBuilder b = new StringBuilder();
    for (String[] line : all) {
      StringBuilder l = new StringBuilder();
      for (int c = 0; c < line.length; c++) {
        if (c > 0) {
          l.append("  ");
        }
        String pad = " ".repeat(widths[c] - line[c].length());
        l.append(c == 1 ? line[c] + pad : pad + line[c]);
      }
      b.append(l.toString().stripTrailing()).append('\n');
    }
    return b.toString();
  }

  /** The table in Markdown: numbers right-aligned. */
  String markdown() {
    StringBuilder b = new StringBuilder();
    b.append("| ").append(String.join(" | ", HEADERS)).append(" |\n|");
    for (int c = 0; c < HEADERS.length; c++) {
      b.append(c == 1 || c == 2 ? "---|" : "---:|");
    }
    b.append('\n');
    for (String[] line : lines()) {
      b.append("| ").append(String.join(" | ", line)).append(" |\n");
    }
    return b.toString();
  }
}
