package io.converge.benchmarks.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.Color;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Turns a JMH JSON result file into the tables and charts of {@code BENCHMARKS.md}: a comparison
 * table (Converge against Pekko, side by side from the same run, with the time and allocation
 * ratios), a table of the Converge-only benchmarks, and one PNG chart per compared benchmark whose
 * parameters include a size ({@code elements} or {@code replicas}), score against size.
 *
 * <p>A compared benchmark is one with a parameter {@code impl} whose values are {@value #CONVERGE}
 * and {@value #PEKKO}; rows that differ only in {@code impl} are paired.
 *
 * <p>Usage: {@code BenchmarkReport <results.json> <markdown file> <section> <chart directory>}. The
 * markdown file must contain the lines {@code <!-- report:SECTION:begin -->} and {@code <!--
 * report:SECTION:end -->}; what is between them is replaced, the rest of the file is kept. Chart
 * links are written relative to the markdown file.
 */
public final class BenchmarkReport {

  /** The {@code impl} value of Converge's rows. */
  public static final String CONVERGE = "converge";

  /** The {@code impl} value of Pekko Distributed Data's rows. */
  public static final String PEKKO = "pekko";

  private static final List<String> SIZE_PARAMS = List.of("elements", "replicas");

  private static final Color[] CONVERGE_COLORS = {
    new Color(0x1f, 0x4e, 0xb4), new Color(0x3a, 0x9a, 0xd9), new Color(0x0b, 0x2a, 0x5c)
  };

  private static final Color[] PEKKO_COLORS = {
    new Color(0xc0, 0x39, 0x2b), new Color(0xe6, 0x7e, 0x22), new Color(0x7b, 0x1e, 0x1e)
  };

  private BenchmarkReport() {}

  /**
   * Writes the report; see the class documentation.
   *
   * @param args results file, markdown file, section name, chart directory
   * @throws IOException if a file cannot be read or written
   */
  public static void main(String[] args) throws IOException {
    if (args.length != 4) {
      throw new IllegalArgumentException(
          "usage: BenchmarkReport <results.json> <markdown file> <section> <chart directory>,"
              + " got "
              + args.length
              + " arguments");
    }
    System.setProperty("java.awt.headless", "true");
    Path results = Path.of(args[0]);
    Path markdown = Path.of(args[1]);
    String section = args[2];
    Path charts = Path.of(args[3]);
    ObjectMapper mapper = new ObjectMapper();
    List<JmhResult> rows = JmhResult.read(results, mapper);
    if (rows.isEmpty()) {
      throw new IllegalArgumentException(results + " holds no result");
    }
    Files.createDirectories(charts);
    List<Path> written = charts(rows, charts);
    StringBuilder out = new StringBuilder();
    out.append(environment(results, mapper)).append('\n');
    out.append(comparison(rows)).append('\n');
    String alone = convergeOnly(rows);
    if (!alone.isEmpty()) {
      out.append(alone).append('\n');
    }
    Path base = markdown.toAbsolutePath().getParent();
    for (Path chart : written) {
      String link = base.relativize(chart.toAbsolutePath()).toString().replace('\\', '/');
      String name = chart.getFileName().toString();
      out.append("![").append(name, 0, name.length() - 4).append("](").append(link).append(")\n\n");
    }
    replaceSection(markdown, section, out.toString().stripTrailing() + "\n");
  }

  /** One paragraph on how the results were made: the JVM, and each class's iterations. */
  static String environment(Path results, ObjectMapper mapper) throws IOException {
    JsonNode rows = mapper.readTree(results.toFile());
    JsonNode first = rows.get(0);
    Map<String, TreeSet<String>> classesBySettings = new TreeMap<>();
    for (JsonNode row : rows) {
      String settings =
          String.format(
              Locale.ROOT,
              "%d fork(s), %d warmup iterations of %s, %d measured of %s",
              row.path("forks").asInt(),
              row.path("warmupIterations").asInt(),
              row.path("warmupTime").asText("?"),
              row.path("measurementIterations").asInt(),
              row.path("measurementTime").asText("?"));
      String benchmark = row.path("benchmark").asText();
      String type = benchmark.substring(0, Math.max(0, benchmark.lastIndexOf('.')));
      classesBySettings
          .computeIfAbsent(settings, k -> new TreeSet<>())
          .add(type.substring(type.lastIndexOf('.') + 1));
    }
    List<String> parts = new ArrayList<>();
    for (Map.Entry<String, TreeSet<String>> e : classesBySettings.entrySet()) {
      parts.add(String.join(", ", e.getValue()) + ": " + e.getKey());
    }
    return String.format(
        Locale.ROOT,
        "Results file `%s`: JMH %s, %s %s (JDK %s). %s. Error: JMH's 99.9 %% confidence"
            + " half-width.\n",
        results.getFileName(),
        first.path("jmhVersion").asText("?"),
        first.path("vmName").asText("?"),
        first.path("vmVersion").asText("?"),
        first.path("jdkVersion").asText("?"),
        String.join("; ", parts));
  }

  /** The Converge-against-Pekko table. */
  static String comparison(List<JmhResult> rows) {
    Map<String, JmhResult[]> pairs = pairs(rows);
    if (pairs.isEmpty()) {
      return "";
    }
    StringBuilder t = new StringBuilder();
    t.append(
            "| Benchmark | Parameters | Converge | Pekko | Speed-up | Converge B/op | Pekko B/op |")
        .append(" Allocation ratio |\n");
    t.append("|---|---|---:|---:|---:|---:|---:|---:|\n");
    for (JmhResult[] pair : pairs.values()) {
      JmhResult c = pair[0];
      JmhResult p = pair[1];
      if (c == null || p == null) {
        continue;
      }
      t.append("| `")
          .append(c.shortName())
          .append("` | ")
          .append(params(c))
          .append(" | ")
          .append(score(c))
          .append(" | ")
          .append(score(p))
          .append(" | **")
          .append(ratio(speedup(c, p)))
          .append("** | ")
          .append(bytes(c.allocBytesPerOp()))
          .append(" | ")
          .append(bytes(p.allocBytesPerOp()))
          .append(" | ")
          .append(ratio(allocationRatio(c, p)))
          .append(" |\n");
    }
    return t.toString();
  }

  /** How many times faster Converge is: Pekko's time over Converge's (throughput inverted). */
  static double speedup(JmhResult converge, JmhResult pekko) {
    return converge.higherIsBetter()
        ? converge.score() / pekko.score()
        : pekko.score() / converge.score();
  }

  /** Pekko's allocation per operation over Converge's; NaN without allocation figures. */
  static double allocationRatio(JmhResult converge, JmhResult pekko) {
    double c = converge.allocBytesPerOp();
    double p = pekko.allocBytesPerOp();
    if (Double.isNaN(c) || Double.isNaN(p)) {
      return Double.NaN;
    }
    if (c < 1) {
      return p < 1 ? 1 : Double.POSITIVE_INFINITY;
    }
    return p / c;
  }

  /** The table of benchmarks without an {@code impl} parameter. */
  static String convergeOnly(List<JmhResult> rows) {
    StringBuilder t = new StringBuilder();
    for (JmhResult r : rows) {
      if (r.params().containsKey("impl")) {
        continue;
      }
      if (t.length() == 0) {
        t.append("| Benchmark (Converge only) | Parameters | Score | B/op |\n");
        t.append("|---|---|---:|---:|\n");
      }
      t.append("| `")
          .append(r.shortName())
          .append("` | ")
          .append(params(r))
          .append(" | ")
          .append(score(r))
          .append(" | ")
          .append(bytes(r.allocBytesPerOp()))
          .append(" |\n");
    }
    return t.toString();
  }

  /** Rows paired by benchmark and parameters other than impl: [converge, pekko]. */
  static Map<String, JmhResult[]> pairs(List<JmhResult> rows) {
    Map<String, JmhResult[]> pairs = new LinkedHashMap<>();
    for (JmhResult r : rows) {
      String impl = r.params().get("impl");
      if (impl == null) {
        continue;
      }
      Map<String, String> rest = new TreeMap<>(r.params());
      rest.remove("impl");
      JmhResult[] pair = pairs.computeIfAbsent(r.benchmark() + " " + rest, k -> new JmhResult[2]);
      if (impl.equals(CONVERGE)) {
        pair[0] = r;
      } else if (impl.equals(PEKKO)) {
        pair[1] = r;
      } else {
        throw new IllegalArgumentException(
            r.benchmark() + " has impl=" + impl + ", expected " + CONVERGE + " or " + PEKKO);
      }
    }
    return pairs;
  }

  /** One chart per compared benchmark with a size parameter: score by size, a line per series. */
  static List<Path> charts(List<JmhResult> rows, Path directory) throws IOException {
    Map<String, List<JmhResult>> byBenchmark = new LinkedHashMap<>();
    for (JmhResult r : rows) {
      if (r.params().containsKey("impl") && sizeParam(r) != null) {
        byBenchmark.computeIfAbsent(r.benchmark(), k -> new ArrayList<>()).add(r);
      }
    }
    List<Path> written = new ArrayList<>();
    for (List<JmhResult> results : byBenchmark.values()) {
      JmhResult first = results.get(0);
      String size = sizeParam(first);
      // A series per impl and per value of the other parameters (the scenario, say).
      Map<String, TreeMap<Double, Double>> series = new TreeMap<>();
      for (JmhResult r : results) {
        Map<String, String> rest = new TreeMap<>(r.params());
        String impl = rest.remove("impl");
        String x = rest.remove(size);
        String name = (impl.equals(CONVERGE) ? "Converge" : "Pekko") + label(rest);
        series.computeIfAbsent(name, k -> new TreeMap<>()).put(Double.parseDouble(x), r.score());
      }
      XYChart chart =
          new XYChartBuilder()
              .width(900)
              .height(560)
              .title(first.shortName() + ": Converge and Pekko by " + size)
              .xAxisTitle(size + " (log)")
              .yAxisTitle(
                  first.unit()
                      + " (log"
                      + (first.higherIsBetter() ? ", higher" : ", lower")
                      + " is better)")
              .build();
      chart.getStyler().setXAxisLogarithmic(true);
      chart.getStyler().setYAxisLogarithmic(true);
      chart.getStyler().setChartBackgroundColor(Color.WHITE);
      int converge = 0;
      int pekko = 0;
      for (Map.Entry<String, TreeMap<Double, Double>> s : series.entrySet()) {
        List<Double> xs = new ArrayList<>(s.getValue().keySet());
        List<Double> ys = new ArrayList<>(s.getValue().values());
        XYSeries line = chart.addSeries(s.getKey(), xs, ys);
        // Converge in solid blues with circles, Pekko in dashed reds with diamonds.
        if (s.getKey().startsWith("Converge")) {
          Color color = CONVERGE_COLORS[converge++ % CONVERGE_COLORS.length];
          line.setMarker(SeriesMarkers.CIRCLE);
          line.setLineColor(color);
          line.setMarkerColor(color);
        } else {
          Color color = PEKKO_COLORS[pekko++ % PEKKO_COLORS.length];
          line.setMarker(SeriesMarkers.DIAMOND);
          line.setLineStyle(SeriesLines.DASH_DASH);
          line.setLineColor(color);
          line.setMarkerColor(color);
        }
      }
      Path file = directory.resolve("chart-" + first.shortName().replace('.', '-') + ".png");
      BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
      written.add(file);
    }
    return written;
  }

  private static String sizeParam(JmhResult r) {
    for (String p : SIZE_PARAMS) {
      if (r.params().containsKey(p)) {
        return p;
      }
    }
    return null;
  }

  private static String label(Map<String, String> rest) {
    if (rest.isEmpty()) {
      return "";
    }
    return " " + String.join(", ", new TreeSet<>(rest.values()));
  }

  private static String params(JmhResult r) {
    List<String> parts = new ArrayList<>();
    for (Map.Entry<String, String> p : r.params().entrySet()) {
      if (!p.getKey().equals("impl")) {
        parts.add(p.getKey() + "=" + p.getValue());
      }
    }
    return parts.isEmpty() ? "" : String.join(", ", parts);
  }

  private static String score(JmhResult r) {
    String s = number(r.score());
    if (!Double.isNaN(r.error())) {
      s += " ± " + number(r.error());
    }
    return s + " " + r.unit();
  }

  static String number(double v) {
    if (Double.isNaN(v)) {
      return "n/a";
    }
    double a = Math.abs(v);
    if (a >= 100) {
      return String.format(Locale.ROOT, "%,.0f", v);
    }
    if (a >= 10) {
      return String.format(Locale.ROOT, "%.1f", v);
    }
    return String.format(Locale.ROOT, "%.2f", v);
  }

  private static String bytes(double v) {
    return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%,.0f", v);
  }

  static String ratio(double v) {
    if (Double.isNaN(v)) {
      return "n/a";
    }
    if (Double.isInfinite(v)) {
      return "∞ (Converge allocates nothing)";
    }
    return (v >= 10 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.1f", v))
        + "×";
  }

  /** Replaces the text between a section's markers. */
  static void replaceSection(Path markdown, String section, String content) throws IOException {
    Objects.requireNonNull(content, "content");
    String begin = "<!-- report:" + section + ":begin -->";
    String end = "<!-- report:" + section + ":end -->";
    String text = Files.readString(markdown, StandardCharsets.UTF_8);
    int b = text.indexOf(begin);
    int e = text.indexOf(end);
    if (b < 0 || e < b) {
      throw new IllegalArgumentException(
          markdown
              + " has no section "
              + section
              + ": it needs the lines "
              + begin
              + " and "
              + end);
    }
    String updated = text.substring(0, b + begin.length()) + "\n" + content + text.substring(e);
    Files.writeString(markdown, updated, StandardCharsets.UTF_8);
  }
}
