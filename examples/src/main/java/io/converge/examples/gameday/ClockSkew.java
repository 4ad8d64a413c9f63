package io.converge.examples.gameday;

import com.fasterxml.jackson.databind.JsonNode;
import io.converge.examples.region.Region;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Game day 4: ap-northeast's clock runs 2 s ahead, within the regions' maximum clock offset (3 s).
 * A later address written in us-east still wins over ap-northeast's earlier one, although us-east's
 * wall clock reads less than the earlier write's timestamp: the register orders by the hybrid
 * logical clock, which moves past every timestamp a region has seen. Then ap-northeast's clock
 * jumps 8 s ahead, beyond the offset: the others refuse its messages and count them, and their
 * clocks are not dragged forward; once its clock is fixed, its writes arrive.
 */
final class ClockSkew implements Scenario {

  static final String SKEWED = "ap-northeast";
  static final String USER = "dave";
  static final Duration SKEW = Duration.ofSeconds(2);
  static final Duration RUNAWAY = Duration.ofSeconds(8);
  private static final long CONVERGE_MILLIS = 30_000;

  @Override
  public String id() {
    return "skew";
  }

  @Override
  public String title() {
    return "Game day 4: ap-northeast's clock 2 s ahead, then 8 s (beyond the max offset)";
  }

  @Override
  public void run(Stage s) throws Exception {
    Report r = s.report;
    String address = "carts/" + USER + "/address";
    s.skew(SKEWED, SKEW);
    r.mark(SKEWED + " clock +2 s", SKEWED + "'s wall clock now reads 2 s ahead (max offset 3 s)");

    RegionClient.Answer first =
        s.write(SKEWED, "PUT", address, Map.of("address", "A: 5 Roppongi, Tokyo"), "LOCAL");
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
        s.write("us-east", "PUT", address, Map.of("address", "B: 9 Beacon St, Boston"), "LOCAL");
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

    // Beyond the maximum offset.
    Map<String, Long> rejectedBefore = rejected(s);
    s.skew(SKEWED, RUNAWAY);
    r.mark(
        SKEWED + " clock +8 s",
        SKEWED + "'s wall clock jumps 8 s ahead, beyond the 3 s max offset");
    s.write(
        SKEWED,
        "POST",
        "carts/" + USER + "/items",
        Map.of("item", "matcha", "quantity", 1),
        "LOCAL");
    s.write(SKEWED, "PUT", address, Map.of("address", "C: 1 Shinjuku, Tokyo"), "LOCAL");
    r.say(SKEWED + " accepts its users' writes locally: a matcha and address C");
    Pause.millis(2_000);
    Map<String, Long> rejectedAfter = rejected(s);
    long refused = 0;
    for (String region : List.of("us-east", "eu-west")) {
      refused += rejectedAfter.get(region) - rejectedBefore.get(region);
    }
    r.figure(
        "messages from ap-northeast refused for CLOCK_OFFSET (us-east + eu-west, 2 s)",
        Long.toString(refused));
    r.check(
        "the others refuse and count ap-northeast's messages", refused > 0, refused + " refused");
    for (String region : List.of("us-east", "eu-west")) {
      JsonNode stats = s.stats(region);
      Stamp hlc = Stamp.parse(stats.get("clock").get("hlc").asText());
      long ahead = Duration.between(Instant.now(), hlc.physical()).toMillis();
      r.check(
          region + "'s clock was not dragged forward by ap-northeast's",
          ahead < 3_000,
          "its last timestamp is "
              + (ahead > 0 ? ahead + " ms ahead of" : -ahead + " ms behind")
              + " its wall clock; ap-northeast's is "
              + RUNAWAY.toMillis()
              + " ms ahead");
      String shown = s.cart(region, USER).get("address").asText();
      r.check(
          region + " does not take address C while it is refused",
          shown.startsWith("B:"),
          "shows \"" + shown + "\"");
    }

    s.skew(SKEWED, Duration.ZERO);
    r.mark(SKEWED + " clock fixed", SKEWED + "'s clock is set right again");
    long converged = s.observer.awaitHeld(Cluster.REGIONS, CONVERGE_MILLIS);
    r.figure(
        "convergence after the clock was fixed",
        converged < 0 ? "not within 30 s" : converged + " ms");
    r.check(
        "every region holds every write once the clock is fixed",
        converged >= 0,
        "ap-northeast's timestamps are accepted once within 3 s of the others' clocks");
    s.checkIdentical(Cluster.REGIONS, List.of(USER));
  }

  private static Map<String, Long> rejected(Stage s) throws java.io.IOException {
    Map<String, Long> counts = new java.util.LinkedHashMap<>();
    for (String region : Cluster.REGIONS) {
      counts.put(region, s.stats(region).get("rejected").get("CLOCK_OFFSET").asLong());
    }
    return counts;
  }
}
