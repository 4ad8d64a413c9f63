package io.converge.examples.gameday;

import io.converge.examples.router.CartRouter;
import java.util.List;
import java.util.Map;

/**
 * Game day 2: ap-northeast is cut off from the other two regions (its proxies drop every
 * connection) while users keep shopping everywhere, and one cart is edited on both sides; then the
 * network heals and every region must converge, with nothing acknowledged lost.
 */
final class Partition implements Scenario {

  static final String CUT = "ap-northeast";
  static final String SHARED = "carol";
  static final List<String> USERS = List.of("u1", "u2", "u3", "u4", "u5", "u6");
  private static final long PARTITION_MILLIS = 4_000;
  private static final long CONVERGE_MILLIS = 30_000;

  @Override
  public String id() {
    return "partition";
  }

  @Override
  public String title() {
    return "Game day 2: ap-northeast partitioned from the others, then healed";
  }

  @Override
  public void run(Stage s) throws Exception {
    Report r = s.report;
    String tea = "carts/" + SHARED + "/items";
    s.write("us-east", "POST", tea, Map.of("item", "tea", "quantity", 1), "LOCAL");
    long took = s.observer.awaitHeld(Cluster.REGIONS, CONVERGE_MILLIS);
    r.check("carol's cart {tea=1} reached every region", took >= 0, "after " + took + " ms");
    try (CartRouter router = s.router(homes());
        Shoppers shoppers = new Shoppers(router, s.observer, USERS, "LOCAL", 100)) {
      r.say(
          shoppers.users().size()
              + " users shop through the router, 2 per home region, LOCAL writes");
      Pause.millis(2_000);
      s.cluster.partition(CUT);
      r.mark("partition", CUT + " is cut off: its links drop every connection");
      int before = s.observer.writes().size();
      s.write(CUT, "POST", tea, Map.of("item", "tea", "quantity", 2), "LOCAL");
      s.write("us-east", "DELETE", tea + "/tea", null, "LOCAL");
      s.write(
          CUT,
          "PUT",
          "carts/" + SHARED + "/address",
          Map.of("address", "3 Shibuya, Tokyo"),
          "LOCAL");
      r.say(
          "both sides edit carol's cart: "
              + CUT
              + " adds 2 teas and sets her address, us-east removes the tea it has seen");
      Pause.millis(PARTITION_MILLIS);
      int during = s.observer.writes().size() - before;
      long apMissing = s.observer.missing(CUT).size();
      long usMissing = s.observer.missing("us-east").size();
      r.figure("writes acknowledged during the partition", Integer.toString(during));
      r.figure(
          "held by one side only at the heal",
          CUT + " lacks " + apMissing + ", us-east lacks " + usMissing);
      r.check(
          "both sides kept accepting writes during the partition (active-active)",
          apMissing > 0 && usMissing > 0,
          CUT + " lacks " + apMissing + ", us-east lacks " + usMissing);
      s.cluster.heal(CUT);
      r.mark("heal", "the network heals");
      long converged = s.observer.awaitHeld(Cluster.REGIONS, CONVERGE_MILLIS);
      r.figure(
          "convergence after the heal",
          converged < 0 ? "not within 30 s" : converged + " ms (every region holds every write)");
      r.check(
          "every region holds every acknowledged write after the heal",
          converged >= 0,
          converged < 0 ? "missing: " + missingSummary(s) : "after " + converged + " ms");
    }
    long settled = s.observer.awaitHeld(Cluster.REGIONS, CONVERGE_MILLIS);
    r.check("every write of the last requests arrived too", settled >= 0, "");
    Map<String, Long> carol = Stage.items(s.cart("eu-west", SHARED));
    r.check(
        "carol's cart is {tea=2}: the remove took the tea us-east had seen, not the 2 added"
            + " across the partition",
        carol.equals(Map.of("tea", 2L)),
        "shows " + carol);
    s.checkIdentical(Cluster.REGIONS, s.observer.carts());
    int acked = s.observer.writes().size();
    r.figure("acknowledged writes in all", Integer.toString(acked));
  }

  static Map<String, String> homes() {
    return Map.of(
        "u1", "us-east", "u2", "us-east", "u3", "eu-west", "u4", "eu-west", "u5", CUT, "u6", CUT);
  }

  private static String missingSummary(Stage s) {
    StringBuilder b = new StringBuilder();
    for (String region : Cluster.REGIONS) {
      b.append(region).append(" lacks ").append(s.observer.missing(region).size()).append("; ");
    }
    return b.toString();
  }
}
