package io.converge.examples.gameday;

import com.fasterxml.jackson.databind.JsonNode;
import io.converge.examples.region.Region;
import io.converge.examples.router.CartRouter;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Game day 4: ap-northeast's clock runs 2 s ahead, within the regions' maximum clock offset (3 s).
 * A later address written in us-east still wins over ap-northeast's earlier one, although us-east's
 * wall clock reads less than the earlier write's timestamp: the register orders by the hybrid
 * logical clock, which moves past every timestamp a region has seen.
 *
 * <p>Then ap-northeast's clock jumps 8 s ahead, beyond the offset, and later 8 s behind. Each time
 * its clock disagrees with both other regions (they refuse its timestamps, or it refuses theirs),
 * so it fences itself: {@code /health} answers 503 with the reason, writes are refused with 503,
 * and the router fails its users over to us-east. The others keep their clocks and stay up. Once
 * the clock is fixed, ap-northeast reports UP, its users go home, and a write made later in real
 * time wins in every region over the one made during the skew: had ap-northeast kept writing with
 * its clock 8 s ahead, its writes would have beaten every write of the next 8 s.
 */
final class ClockSkew implements Scenario {

  static final String SKEWED = "ap-northeast";
  static final String USER = "dave";
  static final List<String> SHOPPERS = List.of("k1", "k2");
  static final Duration SKEW = Duration.ofSeconds(2);
  static final Duration RUNAWAY = Duration.ofSeconds(8);
  private static final List<String> OTHERS = List.of("us-east", "eu-west");
  private static final long CONVERGE_MILLIS = 30_000;
  private static final long HEALTH_MILLIS = 30_000;
  private static final String ADDRESS = "carts/" + USER + "/address";

  @Override
  public String id() {
    return "skew";
  }

  @Override
  public String title() {
    return "Game day 4: ap-northeast's clock 2 s ahead, then 8 s ahead and behind (fenced)";
  }

  @Override
  public void run(Stage s) throws Exception {
    withinOffset(s);
    try (CartRouter router = s.router(homes());
        Shoppers shoppers = new Shoppers(router, s.observer, SHOPPERS, "LOCAL", 100)) {
      s.report.say(
          SHOPPERS.size() + " users of " + SKEWED + " shop through the router, LOCAL writes");
      Pause.millis(1_000);
      beyondOffset(s, router, shoppers, RUNAWAY, "C: 1 Shinjuku, Tokyo", "D: 4 Rue Cler, Paris");
      beyondOffset(
          s, router, shoppers, RUNAWAY.negated(), "E: 2 Ginza, Tokyo", "F: 7 Unter den Linden");
    }
    long settled = s.observer.awaitHeld(Cluster.REGIONS, CONVERGE_MILLIS);
    s.report.figure(
        "convergence after the last clock fix", settled < 0 ? "not within 30 s" : settled + " ms");
    s.report.check(
        "every region holds every write once the clock is fixed",
        settled >= 0,
        "ap-northeast's timestamps are accepted once within 3 s of the others' clocks");
    s.checkIdentical(Cluster.REGIONS, s.observer.carts());
  }

  /** +2 s: the hybrid logical clock orders a later write after an earlier one from the future. */
  private static void withinOffset(Stage s) throws IOException {
    Report r = s.report;
    s.skew(SKEWED, SKEW);
    r.mark(SKEWED + " clock +2 s", SKEWED + "'s wall clock now reads 2 s ahead (max offset 3 s)");

    RegionClient.Answer first =
        s.write(SKEWED, "PUT", ADDRESS, Map.of("address", "A: 5 Roppongi, Tokyo"), "LOCAL");
    String firstStamp = first.text("addressTimestamp");
    // us-east reads with the write's token: it answers once it holds the write.
    RegionClient.Answer seen =
        s.client.get(
            s.cluster.uri("us-east"),
            "carts/" + USER,
            Map.of(Region.AFTER_HEADER, first.text("token")));
    r.check("us-east holds ap-northeast's address write", seen.ok(), seen.body().toString());
    Instant usWall = Instant.now();
    RegionClient.Answer second =
        s.write("us-east", "PUT", ADDRESS, Map.of("address", "B: 9 Beacon St, Boston"), "LOCAL");
    String secondStamp = second.text("addressTimestamp");
    r.say(
        "ap-northeast wrote address A at "
            + firstStamp
            + "; then us-east, whose wall clock read "
            + usWall
            + ", wrote B at "
            + secondStamp);
    r.figure("address A (ap-northeast, clock +2 s) timestamp", firstStamp);
    r.figure("address B (us-east, written after A) timestamp", secondStamp);
    r.check(
        "B's timestamp is after A's although us-east's wall clock was behind A's",
        Stamp.parse(secondStamp).compareTo(Stamp.parse(firstStamp)) > 0
            && usWall.isBefore(Stamp.parse(firstStamp).physical()),
        "us-east wall clock " + usWall + " vs A " + firstStamp);
    long took = s.observer.awaitHeld(Cluster.REGIONS, CONVERGE_MILLIS);
    r.check("every region holds both address writes", took >= 0, "after " + took + " ms");
    for (String region : Cluster.REGIONS) {
      String shown = s.cart(region, USER).get("address").asText();
      r.check(
          region + " shows B, the later write (a wall-clock LWW would keep A)",
          shown.startsWith("B:"),
          "shows \"" + shown + "\"");
    }
  }

  /**
   * Sets ap-northeast's clock {@code skew} off (beyond the max offset), shows the fence and the
   * failover, writes {@code during} through the router, fixes the clock, and checks that {@code
   * later}, written afterwards in another region, wins everywhere.
   */
  private static void beyondOffset(
      Stage s, CartRouter router, Shoppers shoppers, Duration skew, String during, String later)
      throws IOException {
    Report r = s.report;
    boolean ahead = !skew.isNegative();
    String way = ahead ? "ahead" : "behind";
    String label = (ahead ? "+" : "-") + skew.abs().toSeconds() + " s";
    Map<String, Long> refusedBefore = clockOffsetCounts(s, "rejected");
    Map<String, Long> rejectsBefore = clockOffsetCounts(s, "rejectsReceived");

    s.skew(SKEWED, skew);
    long skewedAt = s.observer.millis();
    r.mark(
        SKEWED + " clock " + label,
        SKEWED
            + "'s wall clock jumps "
            + skew.abs().toSeconds()
            + " s "
            + way
            + ", beyond the 3 s max offset");
    RegionClient.Answer down = awaitHealth(s, SKEWED, 503);
    long downAt = s.observer.millis();
    String reason = down == null ? "" : down.text("reason");
    r.mark(SKEWED + " DOWN (" + way + ")", SKEWED + " reports DOWN: " + reason);
    r.figure(
        "clock " + way + ": " + SKEWED + " reported DOWN after",
        down == null ? "not within 30 s" : (downAt - skewedAt) + " ms");
    r.check(
        SKEWED + " reports DOWN with its reason (clock " + way + ")",
        down != null
            && reason.contains("maximum offset of 3000 ms")
            && OTHERS.stream().allMatch(reason::contains),
        down == null ? "still UP after 30 s" : "503 " + down.body());
    for (String other : OTHERS) {
      RegionClient.Answer health = s.client.get(s.cluster.uri(other), "health", Map.of());
      r.check(
          other + " stays UP while " + SKEWED + "'s clock is " + way,
          health.ok(),
          health.status() + " " + health.body().path("reason").asText(""));
    }

    awaitCondition(() -> !router.health().get(SKEWED));
    RegionClient.Answer refused =
        s.client.send(
            s.cluster.uri(SKEWED),
            "PUT",
            ADDRESS,
            Map.of("address", "X: never written (" + way + ")"),
            Map.of());
    String error = refused.body().path("error").asText("");
    r.check(
        SKEWED + " refuses writes with 503 and the reason while fenced (clock " + way + ")",
        refused.status() == 503
            && error.contains("fenced")
            && !refused.body().path("applied").asBoolean(true),
        refused.status() + " " + error);
    CartRouter.Response routed =
        router.send(
            USER,
            "PUT",
            "/" + ADDRESS,
            RegionClient.json(Map.of("address", during)),
            Map.of(Region.CONSISTENCY_HEADER, "LOCAL"));
    JsonNode duringBody = RegionClient.parse(routed.body());
    if (routed.ok()) {
      s.observer.acknowledged(
          USER,
          "PUT " + ADDRESS,
          routed.region(),
          routed.header(Region.TOKEN_HEADER).orElseThrow());
    }
    String duringStamp = duringBody.path("addressTimestamp").asText("");
    r.say(
        USER
            + " (home "
            + SKEWED
            + ") sets address "
            + during.substring(0, 1)
            + " through the router: "
            + routed.status()
            + " from "
            + routed.region()
            + " at "
            + duringStamp);
    r.check(
        SKEWED
            + "'s users are failed over: "
            + USER
            + "'s write went to another region (clock "
            + way
            + ")",
        routed.ok() && !routed.region().equals(SKEWED),
        routed.status() + " from " + routed.region());

    Pause.millis(2_000);
    if (ahead) {
      othersRefuse(s, refusedBefore);
    } else {
      long refusedHere = clockOffsetCounts(s, "rejected").get(SKEWED) - refusedBefore.get(SKEWED);
      long rejectsThere = 0;
      for (String other : OTHERS) {
        rejectsThere +=
            clockOffsetCounts(s, "rejectsReceived").get(other) - rejectsBefore.get(other);
      }
      r.figure(
          "messages of us-east and eu-west that " + SKEWED + " refused for CLOCK_OFFSET (behind)",
          refusedHere + " (the others were told " + rejectsThere + " times)");
      r.check(
          SKEWED + " refuses and counts the others' messages while its clock is behind",
          refusedHere > 0,
          refusedHere + " refused");
    }

    s.skew(SKEWED, Duration.ZERO);
    long fixedAt = s.observer.millis();
    r.mark(SKEWED + " clock fixed (" + way + ")", SKEWED + "'s clock is set right again");
    failedOver(s, shoppers, way, downAt, fixedAt);

    RegionClient.Answer up = awaitHealth(s, SKEWED, 200);
    long upAt = s.observer.millis();
    r.mark(SKEWED + " UP (" + way + ")", SKEWED + " reports UP again");
    r.figure(
        "clock " + way + ": " + SKEWED + " reported UP after the fix",
        up == null
            ? "not within 30 s"
            : (upAt - fixedAt)
                + " ms"
                + (ahead
                    ? " (its last timestamps were 8 s ahead: the others accept them once within 3 s"
                        + " of their clocks)"
                    : ""));
    r.check(
        SKEWED + " reports UP again once its clock is fixed (" + way + ")",
        up != null,
        up == null ? "still DOWN after 30 s" : "after " + (upAt - fixedAt) + " ms");
    boolean home = awaitCondition(() -> router.health().get(SKEWED));
    r.check(
        SKEWED + "'s users go home again (" + way + ")",
        home && router.routeOf(USER).equals(SKEWED),
        USER + " routed to " + router.routeOf(USER));

    // A write made later in real time, in a third region, must beat the one made during the skew.
    RegionClient.Answer laterWrite =
        s.write("eu-west", "PUT", ADDRESS, Map.of("address", later), "LOCAL");
    String laterStamp = laterWrite.text("addressTimestamp");
    long held = s.observer.awaitHeld(Cluster.REGIONS, CONVERGE_MILLIS);
    StringBuilder shown = new StringBuilder();
    boolean laterWins = held >= 0;
    for (String region : Cluster.REGIONS) {
      String address = s.cart(region, USER).get("address").asText();
      shown.append(region).append(": \"").append(address).append("\"; ");
      laterWins &= address.equals(later);
    }
    r.check(
        "no write made during the skew beats a later one: the address written later in real time"
            + " in eu-west wins in every region (clock "
            + way
            + ")",
        laterWins,
        "during the skew "
            + during.substring(0, 1)
            + " at "
            + duringStamp
            + ", later "
            + later.substring(0, 1)
            + " at "
            + laterStamp
            + "; "
            + shown);
  }

  /** The others refuse ap-northeast's messages and keep their clocks (its clock ahead). */
  private static void othersRefuse(Stage s, Map<String, Long> refusedBefore) throws IOException {
    Report r = s.report;
    Map<String, Long> refusedAfter = clockOffsetCounts(s, "rejected");
    long refused = 0;
    for (String region : OTHERS) {
      refused += refusedAfter.get(region) - refusedBefore.get(region);
    }
    r.figure(
        "messages from ap-northeast refused for CLOCK_OFFSET (us-east + eu-west, ahead)",
        Long.toString(refused));
    r.check(
        "the others refuse and count ap-northeast's messages", refused > 0, refused + " refused");
    for (String region : OTHERS) {
      JsonNode stats = s.stats(region);
      Stamp hlc = Stamp.parse(stats.get("clock").get("hlc").asText());
      long aheadBy = Duration.between(Instant.now(), hlc.physical()).toMillis();
      r.check(
          region + "'s clock was not dragged forward by ap-northeast's",
          aheadBy < 3_000,
          "its last timestamp is "
              + (aheadBy > 0 ? aheadBy + " ms ahead of" : -aheadBy + " ms behind")
              + " its wall clock; ap-northeast's is "
              + RUNAWAY.toMillis()
              + " ms ahead");
    }
  }

  /** Checks that the shoppers' requests sent while ap-northeast was fenced went elsewhere. */
  private static void failedOver(
      Stage s, Shoppers shoppers, String way, long downAt, long fixedAt) {
    Map<String, Integer> acknowledgedBy = new LinkedHashMap<>();
    int failed = 0;
    for (Shoppers.Attempt a : shoppers.attempts()) {
      if (a.sentMillis() >= downAt && a.atMillis() <= fixedAt) {
        if (a.ok()) {
          acknowledgedBy.merge(a.region(), 1, Integer::sum);
        } else {
          failed++;
        }
      }
    }
    s.report.figure(
        "clock " + way + ": writes of " + SKEWED + "'s users while it was fenced, by region",
        acknowledgedBy + (failed > 0 ? ", " + failed + " not acknowledged" : ""));
    s.report.check(
        SKEWED + "'s users failed over while it was fenced (clock " + way + ")",
        !acknowledgedBy.isEmpty() && !acknowledgedBy.containsKey(SKEWED) && failed == 0,
        "acknowledged by " + acknowledgedBy + ", " + failed + " not acknowledged");
  }

  /** Polls a region's {@code /health} until it answers {@code status}; null after 30 s. */
  private static RegionClient.Answer awaitHealth(Stage s, String region, int status)
      throws IOException {
    long deadline = s.observer.millis() + HEALTH_MILLIS;
    while (true) {
      RegionClient.Answer health = s.client.get(s.cluster.uri(region), "health", Map.of());
      if (health.status() == status) {
        return health;
      }
      if (s.observer.millis() > deadline) {
        return null;
      }
      Pause.millis(50);
    }
  }

  /** Polls until the condition holds; false after 30 s. */
  private static boolean awaitCondition(BooleanSupplier condition) {
    long deadline = System.nanoTime() + Duration.ofMillis(HEALTH_MILLIS).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        return false;
      }
      Pause.millis(20);
    }
    return true;
  }

  private static Map<String, Long> clockOffsetCounts(Stage s, String counts) throws IOException {
    Map<String, Long> byRegion = new LinkedHashMap<>();
    for (String region : Cluster.REGIONS) {
      byRegion.put(region, s.stats(region).get(counts).get("CLOCK_OFFSET").asLong());
    }
    return byRegion;
  }

  static Map<String, String> homes() {
    Map<String, String> homes = new LinkedHashMap<>();
    homes.put(USER, SKEWED);
    SHOPPERS.forEach(u -> homes.put(u, SKEWED));
    return homes;
  }
}
