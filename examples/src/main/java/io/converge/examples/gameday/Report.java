package io.converge.examples.gameday;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.AnnotationLine;
import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * What one scenario tells: its narrative (printed as it happens), its figures, the checks it made,
 * and the files it writes: {@code report.md} and {@code timeline.png}, the chart of every region's
 * held writes and replication lag over time with the scenario's events marked.
 */
final class Report {

  /** A check of the scenario: what it claims and whether it held. */
  record Check(String claim, boolean passed, String detail) {}

  private static final Map<String, Color> COLOURS =
      Map.of(
          "us-east", new Color(0x1f77b4),
          "eu-west", new Color(0xff7f0e),
          "ap-northeast", new Color(0x2ca02c));

  private final String id;
  private final String title;
  private final PrintStream out;
  private final Observer observer;
  private final List<String> narrative = new ArrayList<>();
  private final Map<String, String> figures = new LinkedHashMap<>();
  private final List<Check> checks = new ArrayList<>();

  Report(String id, String title, PrintStream out, Observer observer) {
    this.id = id;
    this.title = title;
    this.out = out;
    this.observer = observer;
    out.println();
    out.println("== " + title + " ==");
  }

  String id() {
    return id;
  }

  String title() {
    return title;
  }

  /** Tells the next step of the story, stamped with the timeline's clock, and prints it. */
  void say(String line) {
    String stamped = String.format(Locale.ROOT, "[%6.2f s] %s", observer.millis() / 1000.0, line);
    narrative.add(stamped);
    out.println("  " + stamped);
  }

  /** Tells a step and marks it on the timeline chart with a short label. */
  void mark(String label, String line) {
    observer.event(label);
    say(line);
  }

  /** Records a measured figure. */
  void figure(String name, String value) {
    figures.put(name, value);
    out.println("  * " + name + ": " + value);
  }

  /** Records a check; a failed one fails the scenario. */
  void check(String claim, boolean passed, String detail) {
    checks.add(new Check(claim, passed, detail));
    out.println(
        "  " + (passed ? "PASS" : "FAIL") + " " + claim + (detail.isEmpty() ? "" : ": " + detail));
  }

  boolean passed() {
    return !checks.isEmpty() && checks.stream().allMatch(Check::passed);
  }

  List<Check> checks() {
    return List.copyOf(checks);
  }

  /** Writes {@code report.md} and {@code timeline.png} in {@code directory}; returns the report. */
  Path write(Path directory) throws IOException {
    Files.createDirectories(directory);
    Path chart = directory.resolve("timeline.png");
    writeChart(chart);
    StringBuilder md = new StringBuilder();
    md.append("# ").append(title).append("\n\n");
    md.append("Result: **").append(passed() ? "PASS" : "FAIL").append("**\n\n");
    md.append("![timeline](timeline.png)\n\n");
    md.append("## Figures\n\n| figure | value |\n|---|---|\n");
    figures.forEach((k, v) -> md.append("| ").append(k).append(" | ").append(v).append(" |\n"));
    md.append("\n## Checks\n\n");
    for (Check c : checks) {
      md.append("- ")
          .append(c.passed() ? "PASS " : "FAIL ")
          .append(c.claim())
          .append(c.detail().isEmpty() ? "" : ": " + c.detail())
          .append('\n');
    }
    md.append("\n## Narrative\n\n```\n");
    narrative.forEach(line -> md.append(line).append('\n'));
    md.append("```\n");
    Path report = directory.resolve("report.md");
    Files.writeString(report, md);
    return report;
  }

  private void writeChart(Path file) throws IOException {
    XYChart held =
        chart(title + " (lines of regions that agree overlap)", "acknowledged writes held");
    XYChart lag =
        chart("replication lag: age of the oldest acknowledged write not held", "lag (ms)");
    List<Observer.Sample> samples = observer.samples();
    for (String region : Cluster.REGIONS) {
      List<Double> x = new ArrayList<>();
      List<Double> heldY = new ArrayList<>();
      List<Double> lagY = new ArrayList<>();
      for (Observer.Sample s : samples) {
        if (s.region().equals(region)) {
          x.add(s.atMillis() / 1000.0);
          heldY.add(s.held() < 0 ? Double.NaN : s.held());
          lagY.add(s.lagMillis() < 0 ? Double.NaN : s.lagMillis());
        }
      }
      if (x.isEmpty()) {
        continue;
      }
      style(held.addSeries(region, x, heldY), region);
      style(lag.addSeries(region, x, lagY), region);
    }
    double top = Math.max(1, observer.writes().size());
    int n = 0;
    for (Observer.Event e : observer.events()) {
      double x = e.atMillis() / 1000.0;
      for (XYChart c : List.of(held, lag)) {
        c.addAnnotation(new AnnotationLine(x, true, false));
      }
      // Labelled on the upper chart only, staggered so that close events do not print over each
      // other; the lower chart has the same lines.
      held.addAnnotation(new AnnotationText(e.label(), x, top * (0.97 - 0.07 * (n % 7)), false));
      n++;
    }
    BitmapEncoder.saveBitmap(
        List.of(held, lag), 2, 1, file.toString(), BitmapEncoder.BitmapFormat.PNG);
  }

  private static XYChart chart(String title, String yTitle) {
    XYChart chart =
        new XYChartBuilder()
            .width(1100)
            .height(420)
            .title(title)
            .xAxisTitle("time (s)")
            .yAxisTitle(yTitle)
            .build();
    chart.getStyler().setChartBackgroundColor(Color.WHITE);
    chart.getStyler().setPlotGridLinesVisible(true);
    chart.getStyler().setAnnotationLineColor(new Color(0x99, 0x99, 0x99));
    chart.getStyler().setAnnotationLineStroke(new BasicStroke(1f));
    chart.getStyler().setAnnotationTextFontColor(new Color(0x44, 0x44, 0x44));
    return chart;
  }

  private static void style(XYSeries series, String region) {
    series.setMarker(SeriesMarkers.NONE);
    series.setLineColor(COLOURS.getOrDefault(region, Color.BLACK));
  }
}
