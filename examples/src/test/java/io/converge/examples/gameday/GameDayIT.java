package io.converge.examples.gameday;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;

/**
 * The four game days, each on three fresh region processes, as {@code mvn verify} runs them: every
 * check of the scenario must pass (convergence, no acknowledged QUORUM write lost, the RTO bound,
 * the merge results), and each writes its report and timeline chart under {@code
 * target/gameday-it/<scenario>/}.
 */
class GameDayIT {

  private static final Path REPORTS = Path.of("target", "gameday-it");

  private Report play(String id, TestReporter reporter) throws Exception {
    ByteArrayOutputStream narrative = new ByteArrayOutputStream();
    Report report;
    try (PrintStream out = new PrintStream(narrative, true, StandardCharsets.UTF_8)) {
      report = GameDay.play(GameDay.SCENARIOS.get(id), REPORTS, out);
    }
    reporter.publishEntry(id, narrative.toString(StandardCharsets.UTF_8));
    assertTrue(Files.size(REPORTS.resolve(id).resolve("timeline.png")) > 10_000);
    assertTrue(Files.exists(REPORTS.resolve(id).resolve("report.md")));
    return report;
  }

  /**
   * Asserts every check passed, each reported on its own, and that some check says {@code what}.
   */
  private static void assertPassed(Report report, String... claims) {
    List<Report.Check> checks = report.checks();
    Executable[] each =
        checks.stream()
            .<Executable>map(c -> () -> assertTrue(c.passed(), () -> c.claim() + ": " + c.detail()))
            .toArray(Executable[]::new);
    assertAll(report.title(), each);
    for (String claim : claims) {
      Predicate<Report.Check> says = c -> c.claim().contains(claim);
      assertTrue(
          checks.stream().anyMatch(says), () -> "no check about \"" + claim + "\" in " + checks);
    }
  }

  @Test
  @Timeout(180)
  void concurrentEdits_convergeToTheDocumentedCart(TestReporter reporter) throws Exception {
    assertPassed(
        play("concurrent", reporter),
        "concurrent adds both count",
        "the remove took only the banana",
        "us-east's concurrent cherry stays",
        "address with the later timestamp",
        "every region shows the same");
  }

  @Test
  @Timeout(180)
  void partition_bothSidesWrite_healConverges(TestReporter reporter) throws Exception {
    assertPassed(
        play("partition", reporter),
        "both sides kept accepting writes",
        "every region holds every acknowledged write after the heal",
        "carol's cart is {tea=2}",
        "every region shows the same");
  }

  @Test
  @Timeout(240)
  void regionKill_rtoWithinBound_noQuorumWriteLost_restartCatchesUp(TestReporter reporter)
      throws Exception {
    assertPassed(
        play("kill", reporter),
        "RTO with LOCAL within",
        "RTO with QUORUM within",
        "no write acknowledged with QUORUM is missing from the survivors",
        "after the restart every region holds every acknowledged write (QUORUM)",
        "every region shows the same");
  }

  @Test
  @Timeout(180)
  void clockSkew_lwwByHlc_beyondMaxOffsetFencedAheadAndBehind_usersFailOver(TestReporter reporter)
      throws Exception {
    List<String> claims = new java.util.ArrayList<>();
    claims.addAll(
        List.of(
            "B's timestamp is after A's",
            "shows B, the later write",
            "the others refuse and count",
            "not dragged forward",
            "refuses and counts the others' messages while its clock is behind",
            "every region holds every write once the clock is fixed",
            "every region shows the same"));
    for (String way : List.of("ahead", "behind")) {
      claims.addAll(
          List.of(
              "reports DOWN with its reason (clock " + way + ")",
              "us-east stays UP while ap-northeast's clock is " + way,
              "refuses writes with 503 and the reason while fenced (clock " + way + ")",
              "users are failed over: dave's write went to another region (clock " + way + ")",
              "users failed over while it was fenced (clock " + way + ")",
              "reports UP again once its clock is fixed (" + way + ")",
              "users go home again (" + way + ")",
              "no write made during the skew beats a later one: the address written later in"
                  + " real time in eu-west wins in every region (clock "
                  + way
                  + ")"));
    }
    assertPassed(play("skew", reporter), claims.toArray(String[]::new));
  }
}
