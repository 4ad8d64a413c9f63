package io.converge.examples.gameday;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Game day 1: the same cart edited in two regions at once. The links between regions get a 1 s
 * one-way delay, so that two writes sent at the same moment are certainly concurrent (each region's
 * answer shows it had not seen the other's write); then every region must show the documented
 * merge.
 */
final class ConcurrentEdits implements Scenario {

  static final String USER = "alice";
  private static final Duration DELAY = Duration.ofSeconds(1);
  private static final long CONVERGE_MILLIS = 30_000;

  @Override
  public String id() {
    return "concurrent";
  }

  @Override
  public String title() {
    return "Game day 1: the same cart edited in two regions at once";
  }

  @Override
  public void run(Stage s) throws Exception {
    Report r = s.report;
    String items = "carts/" + USER + "/items";
    s.write("us-east", "POST", items, Map.of("item", "apple", "quantity", 2), "LOCAL");
    s.write("us-east", "POST", items, Map.of("item", "banana", "quantity", 1), "LOCAL");
    converge(s, "alice's cart {apple=2, banana=1}, written in us-east, is in every region");
    s.cluster.delay(DELAY);
    r.mark(
        "links +1 s",
        "every link between regions now delays each message by " + DELAY.toMillis() + " ms");

    // Round 1: concurrent adds of the same item both count.
    var adds =
        Stage.atOnce(
            () ->
                s.write("us-east", "POST", items, Map.of("item", "apple", "quantity", 1), "LOCAL"),
            () ->
                s.write("eu-west", "POST", items, Map.of("item", "apple", "quantity", 3), "LOCAL"));
    r.mark(
        "concurrent adds",
        "at once: us-east adds 1 apple (it sees "
            + apples(adds.getKey())
            + "), eu-west adds 3 apples (it sees "
            + apples(adds.getValue())
            + ")");
    boolean concurrent1 = apples(adds.getKey()) == 3 && apples(adds.getValue()) == 5;
    r.check("the two adds were concurrent (neither region had seen the other's)", concurrent1, "");
    expect(s, "concurrent adds both count: 2 + 1 + 3 apples", Map.of("apple", 6L, "banana", 1L));

    // Round 2: a remove takes only what it saw; a concurrent add survives with its own quantity.
    var removeVsAdd =
        Stage.atOnce(
            () -> s.write("us-east", "DELETE", items + "/banana", null, "LOCAL"),
            () ->
                s.write(
                    "eu-west", "POST", items, Map.of("item", "banana", "quantity", 2), "LOCAL"));
    r.mark(
        "remove vs add",
        "at once: us-east removes the banana (it sees "
            + Stage.items(removeVsAdd.getKey().body())
            + "), eu-west adds 2 bananas (it sees "
            + Stage.items(removeVsAdd.getValue().body())
            + ")");
    r.check(
        "the remove and the add were concurrent",
        !Stage.items(removeVsAdd.getKey().body()).containsKey("banana")
            && Stage.items(removeVsAdd.getValue().body()).get("banana") == 3,
        "");
    expect(
        s,
        "the remove took only the banana us-east had seen; eu-west's 2 survive",
        Map.of("apple", 6L, "banana", 2L));

    // Round 3: clear keeps what was added concurrently elsewhere.
    var clearVsAdd =
        Stage.atOnce(
            () -> s.write("eu-west", "DELETE", items, null, "LOCAL"),
            () ->
                s.write(
                    "us-east", "POST", items, Map.of("item", "cherry", "quantity", 1), "LOCAL"));
    r.mark(
        "clear vs add",
        "at once: eu-west clears the cart (it sees "
            + Stage.items(clearVsAdd.getKey().body())
            + "), us-east adds a cherry (it sees "
            + Stage.items(clearVsAdd.getValue().body())
            + ")");
    r.check(
        "the clear and the add were concurrent",
        Stage.items(clearVsAdd.getKey().body()).isEmpty()
            && Stage.items(clearVsAdd.getValue().body()).containsKey("apple"),
        "");
    expect(
        s,
        "the clear removed everything eu-west had seen; us-east's concurrent cherry stays",
        Map.of("cherry", 1L));

    // Round 4: concurrent addresses: the later hybrid-logical-clock timestamp wins everywhere.
    var addresses =
        Stage.atOnce(
            () ->
                s.write(
                    "us-east",
                    "PUT",
                    "carts/" + USER + "/address",
                    Map.of("address", "1 Main St, Boston"),
                    "LOCAL"),
            () ->
                s.write(
                    "ap-northeast",
                    "PUT",
                    "carts/" + USER + "/address",
                    Map.of("address", "2-1 Ginza, Tokyo"),
                    "LOCAL"));
    String usStamp = addresses.getKey().text("addressTimestamp");
    String apStamp = addresses.getValue().text("addressTimestamp");
    String winner =
        compareHlc(usStamp, "us-east", apStamp, "ap-northeast") > 0
            ? "1 Main St, Boston"
            : "2-1 Ginza, Tokyo";
    r.mark(
        "concurrent addresses",
        "at once: us-east sets \"1 Main St, Boston\" at "
            + usStamp
            + ", ap-northeast sets \"2-1 Ginza, Tokyo\" at "
            + apStamp);
    converge(s, "every region has both address writes");
    for (String region : Cluster.REGIONS) {
      JsonNode cart = s.cart(region, USER);
      r.check(
          region + " shows the address with the later timestamp, \"" + winner + "\"",
          winner.equals(cart.get("address").asText()),
          "shows " + cart.get("address"));
    }
    s.checkIdentical(Cluster.REGIONS, List.of(USER));
  }

  private static long apples(RegionClient.Answer answer) {
    return Stage.items(answer.body()).getOrDefault("apple", 0L);
  }

  private static void converge(Stage s, String what) {
    long took = s.observer.awaitHeld(Cluster.REGIONS, CONVERGE_MILLIS);
    s.report.check(what, took >= 0, took >= 0 ? "after " + took + " ms" : "not within 30 s");
    if (took < 0) {
      throw new IllegalStateException("the regions did not converge within 30 s");
    }
  }

  private static void expect(Stage s, String what, Map<String, Long> expected) throws Exception {
    converge(s, "every region has both writes");
    for (String region : Cluster.REGIONS) {
      Map<String, Long> items = Stage.items(s.cart(region, USER));
      s.report.check(
          region + ": " + what + " " + expected, items.equals(expected), "shows " + items);
    }
  }

  /** Compares two LWW writes as the register does: by timestamp, then by writer. */
  static int compareHlc(String stampA, String writerA, String stampB, String writerB) {
    int c = Stamp.parse(stampA).compareTo(Stamp.parse(stampB));
    return c != 0 ? c : writerA.compareTo(writerB);
  }
}
