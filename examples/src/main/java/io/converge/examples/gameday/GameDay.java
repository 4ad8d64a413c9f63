package io.converge.examples.gameday;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The example's program: {@code run} plays the game days (each on three fresh region processes) and
 * writes their reports; {@code regions} starts the three regions and leaves them running for you to
 * try the API with curl.
 */
@Command(
    name = "converge-examples",
    mixinStandardHelpOptions = true,
    description = "The geo-replicated cart example of Converge.",
    subcommands = {GameDay.Run.class, GameDay.Regions.class})
public final class GameDay implements Callable<Integer> {

  /** Every scenario, in the order {@code run} plays them. */
  static final Map<String, Scenario> SCENARIOS = new LinkedHashMap<>();

  static {
    for (Scenario s :
        List.of(new ConcurrentEdits(), new Partition(), new RegionKill(), new ClockSkew())) {
      SCENARIOS.put(s.id(), s);
    }
  }

  /**
   * The router's own log of route changes, quieted: the scenarios narrate them (a strong reference,
   * or the logging framework may forget the level).
   */
  private static final java.util.logging.Logger ROUTER_LOG =
      java.util.logging.Logger.getLogger("io.converge.examples.router");

  static {
    ROUTER_LOG.setLevel(java.util.logging.Level.SEVERE);
  }

  private GameDay() {}

  /**
   * Runs the program.
   *
   * @param args {@code run [--scenario ID]... [--report-dir DIR]} or {@code regions}
   */
  public static void main(String[] args) {
    System.setProperty("java.awt.headless", "true");
    int status = new CommandLine(new GameDay()).execute(args);
    System.exit(status);
  }

  @Override
  public Integer call() {
    new CommandLine(this).usage(System.out);
    return 0;
  }

  /** Plays one scenario on a fresh cluster in {@code reportDir/<id>}; returns its report. */
  static Report play(Scenario scenario, Path reportDir, PrintStream out) throws IOException {
    Path dir = reportDir.resolve(scenario.id());
    deleteRecursively(dir);
    RegionClient client = new RegionClient(Duration.ofSeconds(10));
    Report report;
    try (Cluster cluster = new Cluster(dir.resolve("cluster"), scenario.regionOptions());
        Observer observer = new Observer(cluster, client, 100)) {
      report = new Report(scenario.id(), scenario.title(), out, observer);
      report.say(
          "three regions up: "
              + cluster.uris()
              + " (logs and data in "
              + cluster.directory()
              + ")");
      try {
        scenario.run(new Stage(cluster, observer, report, client));
      } catch (Exception e) {
        report.check("the scenario ran to its end", false, e.toString());
        System.getLogger(GameDay.class.getName())
            .log(System.Logger.Level.ERROR, "scenario " + scenario.id() + " failed", e);
      }
      Path written = report.write(dir);
      out.println("  report: " + written + " (chart: " + dir.resolve("timeline.png") + ")");
    }
    return report;
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /** {@code run}: plays the game days and writes their reports. */
  @Command(
      name = "run",
      mixinStandardHelpOptions = true,
      description = "Plays the game days; exits 0 if every check of every scenario passed.")
  static final class Run implements Callable<Integer> {

    @Option(
        names = "--scenario",
        description = "A scenario to play (repeatable): ${COMPLETION-CANDIDATES}. Default: all.",
        completionCandidates = ScenarioIds.class)
    List<String> scenarios = new ArrayList<>();

    @Option(
        names = "--report-dir",
        defaultValue = "target/gameday",
        description = "Where the reports go (default ${DEFAULT-VALUE}).")
    Path reportDir;

    @Override
    public Integer call() throws IOException {
      PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
      List<String> ids = scenarios.isEmpty() ? List.copyOf(SCENARIOS.keySet()) : scenarios;
      for (String id : ids) {
        if (!SCENARIOS.containsKey(id)) {
          throw new CommandLine.ParameterException(
              new CommandLine(this),
              "unknown scenario: " + id + "; scenarios: " + SCENARIOS.keySet());
        }
      }
      List<Report> reports = new ArrayList<>();
      for (String id : ids) {
        reports.add(play(SCENARIOS.get(id), reportDir, out));
      }
      StringBuilder summary =
          new StringBuilder("# Game days\n\n| scenario | result | report |\n|---|---|---|\n");
      out.println();
      out.println("== Summary ==");
      for (Report r : reports) {
        out.println("  " + (r.passed() ? "PASS" : "FAIL") + "  " + r.title());
        summary
            .append("| ")
            .append(r.title())
            .append(" | ")
            .append(r.passed() ? "PASS" : "FAIL")
            .append(" | [")
            .append(r.id())
            .append("/report.md](")
            .append(r.id())
            .append("/report.md) |\n");
      }
      Files.writeString(reportDir.resolve("README.md"), summary);
      out.println("  reports: " + reportDir.toAbsolutePath().resolve("README.md"));
      return reports.stream().allMatch(Report::passed) ? 0 : 1;
    }
  }

  /** The scenario ids, for picocli's help. */
  static final class ScenarioIds extends ArrayList<String> {
    private static final long serialVersionUID = 1L;

    ScenarioIds() {
      super(SCENARIOS.keySet());
    }
  }

  /** {@code regions}: starts the three regions and keeps them running until interrupted. */
  @Command(
      name = "regions",
      mixinStandardHelpOptions = true,
      description = "Starts the three regions (and the proxies between them) until Ctrl-C.")
  static final class Regions implements Callable<Integer> {

    @Option(
        names = "--dir",
        defaultValue = "target/regions",
        description = "Where the regions keep their data and logs (default ${DEFAULT-VALUE}).")
    Path dir;

    @Override
    public Integer call() throws IOException, InterruptedException {
      PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
      Cluster cluster = new Cluster(dir, List.of());
      Runtime.getRuntime().addShutdownHook(new Thread(cluster::close, "regions-shutdown"));
      out.println("three regions are up (data and logs in " + dir.toAbsolutePath() + "):");
      out.println(
          "  they replicate over mutual TLS: a CA made at start (its key only in memory) issued"
              + " each region's certificate, in "
              + dir.toAbsolutePath().resolve("<region>").resolve("tls"));
      cluster.uris().forEach((name, uri) -> out.println("  " + name + "  " + uri));
      out.println(
          "try: curl -s -X POST "
              + cluster.uri("us-east")
              + "carts/alice/items -d '{\"item\":\"apple\",\"quantity\":2}'");
      out.println("     curl -s " + cluster.uri("eu-west") + "carts/alice");
      out.println("Ctrl-C stops them.");
      Thread.currentThread().join();
      return 0;
    }
  }
}
