package io.converge.examples.gameday;

import io.converge.examples.router.CartRouter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Game day 3: us-east goes dark while users write (its links are cut and its process killed with
 * SIGKILL at the same moment, so what was still on the wire is lost too), once with LOCAL writes
 * and once with QUORUM writes. The router moves us-east's users to eu-west; the report gives the
 * RTO (until each of those users' writes succeed again) and the RPO (acknowledged writes that no
 * surviving region holds: lost for good had us-east's disk died with it). Then us-east restarts
 * from its disk and catches up. The links between regions have a 25 ms one-way delay, like regions
 * far apart.
 */
final class RegionKill implements Scenario {

  static final String VICTIM = "us-east";
  static final List<String> SURVIVORS = List.of("eu-west", "ap-northeast");
  static final List<String> USERS = List.of("k1", "k2", "k3", "k4", "k5", "k6");

  /** The RTO the scenario must meet. */
  static final Duration RTO_BOUND = Duration.ofSeconds(5);

  private static final Duration LINK_DELAY = Duration.ofMillis(50);
  private static final long CONVERGE_MILLIS = 30_000;

  @Override
  public String id() {
    return "kill";
  }

  @Override
  public String title() {
    return "Game day 3: us-east goes dark (links cut, kill -9) under LOCAL and QUORUM writes,"
        + " then restarts";
  }

  @Override
  public void run(Stage s) throws Exception {
    s.cluster.delay(LINK_DELAY);
    s.report.say("links between regions delay each message by " + LINK_DELAY.toMillis() + " ms");
    try (CartRouter router = s.router(homes())) {
      round(s, router, "LOCAL");
      round(s, router, "QUORUM");
    }
    s.checkIdentical(Cluster.REGIONS, s.observer.carts());
  }

  private static void round(Stage s, CartRouter router, String consistency) throws Exception {
    Report r = s.report;
    String tag = consistency.toLowerCase(Locale.ROOT);
    int before = s.observer.writes().size();
    Shoppers shoppers = new Shoppers(router, s.observer, USERS, consistency, 20);
    r.say("6 users shop through the router (2 per home region), " + consistency + " writes");
    Pause.millis(3_000);
    // A region outage: its network goes with its machines. Cutting the links first drops what
    // was still on the wire (50 ms of it), as a dead region's in-flight packets are lost.
    s.cluster.partition(VICTIM);
    s.cluster.kill(VICTIM);
    long killedAt = s.observer.millis();
    r.mark(
        "kill -9 " + VICTIM + " (" + tag + ")",
        VICTIM
            + " goes dark: its links are cut and its process killed with SIGKILL ("
            + consistency
            + " writes)");
    Pause.millis(3_000);
    shoppers.close();

    // RTO: until each of the victim's users has a write acknowledged again (by a survivor).
    long rto = -1;
    List<String> perUser = new ArrayList<>();
    for (String user : USERS) {
      if (!homes().get(user).equals(VICTIM)) {
        continue;
      }
      long recovered = shoppers.recoveryMillis(user, killedAt);
      perUser.add(user + " " + (recovered < 0 ? "never" : recovered + " ms"));
      rto = recovered < 0 || rto == Long.MAX_VALUE ? Long.MAX_VALUE : Math.max(rto, recovered);
    }
    r.figure(
        "RTO with " + consistency + " (until " + VICTIM + "'s users write again)",
        rto == Long.MAX_VALUE ? "never" : rto + " ms " + perUser);
    r.check(
        "RTO with " + consistency + " within " + RTO_BOUND.toMillis() + " ms",
        rto != Long.MAX_VALUE && rto <= RTO_BOUND.toMillis(),
        perUser.toString());
    long served =
        shoppers.attempts().stream()
            .filter(a -> a.ok() && a.atMillis() > killedAt && homes().get(a.user()).equals(VICTIM))
            .count();
    r.say(
        VICTIM + "'s users had " + served + " writes acknowledged by the survivors after the kill");
    Map<String, Long> failures = new java.util.TreeMap<>();
    for (Shoppers.Attempt a : shoppers.attempts()) {
      if (!a.ok()) {
        // Grouped by kind: numbers (item names, counts) do not make another reason.
        String reason = a.detail().replaceAll("[0-9]+", "#");
        failures.merge(reason, 1L, Long::sum);
      }
    }
    r.figure(
        "requests not acknowledged (" + consistency + ")",
        failures.isEmpty() ? "none" : failures.toString());

    // RPO: acknowledged writes no survivor holds once the survivors have what they can get.
    List<Observer.Write> round = s.observer.writes().subList(before, s.observer.writes().size());
    s.observer.awaitHeld(SURVIVORS, 3_000); // what is missing after 3 s is only on the dead disk
    List<Observer.Write> atRisk = new ArrayList<>();
    for (Observer.Write w : round) {
      boolean somewhere =
          SURVIVORS.stream().anyMatch(region -> !s.observer.missing(region).contains(w));
      if (!somewhere) {
        atRisk.add(w);
      }
    }
    r.figure(
        "RPO with " + consistency + " (acknowledged writes only " + VICTIM + " held)",
        atRisk.size() + " of " + round.size());
    if ("QUORUM".equals(consistency)) {
      r.check(
          "no write acknowledged with QUORUM is missing from the survivors",
          atRisk.isEmpty(),
          atRisk.isEmpty() ? round.size() + " writes, all held" : "missing: " + atRisk);
    } else {
      r.say(
          atRisk.size()
              + " LOCAL writes were acknowledged by "
              + VICTIM
              + " before any other region held them: lost if its disk had died too");
    }

    // Restart from its disk and catch up.
    s.cluster.heal(VICTIM);
    long restarting = s.observer.millis();
    s.cluster.restart(VICTIM);
    long up = s.observer.millis();
    r.mark(
        "restart " + VICTIM,
        VICTIM + " restarted from its data directory (" + (up - restarting) + " ms to serve)");
    long caughtUp = s.observer.awaitHeld(Cluster.REGIONS, CONVERGE_MILLIS);
    r.figure(
        VICTIM + " catch-up after restart (" + consistency + ")",
        caughtUp < 0 ? "not within 30 s" : caughtUp + " ms until every region holds every write");
    r.check(
        "after the restart every region holds every acknowledged write (" + consistency + ")",
        caughtUp >= 0,
        atRisk.isEmpty()
            ? ""
            : "including the " + atRisk.size() + " at-risk writes, from " + VICTIM + "'s disk");
    router.awaitHealthy(Duration.ofSeconds(10));
    r.say("the router sends " + VICTIM + "'s users home again");
  }

  static Map<String, String> homes() {
    return Map.of(
        "k1", "us-east",
        "k2", "us-east",
        "k3", "eu-west",
        "k4", "eu-west",
        "k5", "ap-northeast",
        "k6", "ap-northeast");
  }
}
