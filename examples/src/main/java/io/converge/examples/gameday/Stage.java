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
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** What a scenario works with: the cluster, the observer, the report, and helpers over them. */
final class Stage {

  final Cluster cluster;
  final Observer observer;
  final Report report;
  final RegionClient client;

  Stage(Cluster cluster, Observer observer, Report report, RegionClient client) {
    this.cluster = cluster;
    this.observer = observer;
    this.report = report;
    this.client = client;
  }

  /**
   * Sends a cart write to one region directly; an acknowledged one (2xx) is recorded by the
   * observer. Fails the scenario if the region does not acknowledge it.
   */
  RegionClient.Answer write(
      String region, String method, String path, Object body, String consistency)
      throws IOException {
    RegionClient.Answer answer =
        client.send(
            cluster.uri(region),
            method,
            path,
            body,
            Map.of(Region.CONSISTENCY_HEADER, consistency));
    if (!answer.ok()) {
      throw new IllegalStateException(
          region
              + " refused "
              + method
              + " "
              + path
              + ": "
              + answer.status()
              + " "
              + answer.body());
    }
    String user = path.split("/")[1];
    observer.acknowledged(user, method + " " + path, region, answer.text("token"));
    return answer;
  }

  /** Runs two calls at the same moment, on two threads; returns both results. */
  static <A, B> Map.Entry<A, B> atOnce(Callable<A> first, Callable<B> second) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<A> a = pool.submit(first);
      Future<B> b = pool.submit(second);
      return Map.entry(a.get(), b.get());
    } finally {
      pool.shutdownNow();
    }
  }

  /** A region's view of a user's cart. */
  JsonNode cart(String region, String user) throws IOException {
    RegionClient.Answer answer = client.get(cluster.uri(region), "carts/" + user, Map.of());
    if (!answer.ok()) {
      throw new IllegalStateException(
          region
              + " answered "
              + answer.status()
              + " for the cart of "
              + user
              + ": "
              + answer.body());
    }
    return answer.body();
  }

  /** The items of a cart as a sorted map, from a cart answer. */
  static Map<String, Long> items(JsonNode cart) {
    Map<String, Long> items = new TreeMap<>();
    cart.get("items").properties().forEach(e -> items.put(e.getKey(), e.getValue().asLong()));
    return items;
  }

  /** Every running region's view of the users' carts (items and address), per region. */
  Map<String, Map<String, String>> views(List<String> regions, List<String> users)
      throws IOException {
    Map<String, Map<String, String>> views = new LinkedHashMap<>();
    for (String region : regions) {
      Map<String, String> carts = new TreeMap<>();
      for (String user : users) {
        JsonNode cart = cart(region, user);
        carts.put(user, items(cart) + " address=" + cart.get("address"));
      }
      views.put(region, carts);
    }
    return views;
  }

  /**
   * Checks that the regions come to show the same carts: writes that were applied but not
   * acknowledged (a timed-out QUORUM write, a request cut by a kill) replicate too, so this waits
   * up to {@code 30 s} for them.
   */
  void checkIdentical(List<String> regions, List<String> users) throws IOException {
    long start = observer.millis();
    Map<String, Map<String, String>> views = views(regions, users);
    while (!identical(views) && observer.millis() - start < 30_000) {
      Pause.millis(200);
      views = views(regions, users);
    }
    boolean same = identical(views);
    report.check(
        "every region shows the same " + users.size() + " cart(s)",
        same,
        same ? "after " + (observer.millis() - start) + " ms" : differences(views));
  }

  private static boolean identical(Map<String, Map<String, String>> views) {
    Map<String, String> first = views.values().iterator().next();
    return views.values().stream().allMatch(first::equals);
  }

  /** The carts that differ, each with every region's view of it (cut short). */
  private static String differences(Map<String, Map<String, String>> views) {
    Map<String, String> first = views.values().iterator().next();
    StringBuilder b = new StringBuilder();
    for (String user : first.keySet()) {
      boolean differs = views.values().stream().anyMatch(v -> !v.get(user).equals(first.get(user)));
      if (differs) {
        b.append(user).append(": ");
        views.forEach(
            (region, v) -> {
              String shown = v.get(user);
              b.append(region)
                  .append('=')
                  .append(shown.length() > 200 ? shown.substring(0, 200) + "..." : shown)
                  .append("; ");
            });
      }
    }
    return b.toString();
  }

  /** A router over the cluster's regions, with a listener that narrates its route changes. */
  CartRouter router(Map<String, String> homes) {
    CartRouter.Builder builder =
        CartRouter.builder()
            .healthInterval(Duration.ofMillis(200))
            .healthTimeout(Duration.ofMillis(500))
            .requestTimeout(Duration.ofSeconds(5))
            .recoveryChecks(2)
            .listener(
                new CartRouter.Listener() {
                  @Override
                  public void regionDown(String region, Instant at, String reason) {
                    report.mark(
                        "router: " + region + " down",
                        "router: " + region + " is down (" + reason + ")");
                  }

                  @Override
                  public void regionUp(String region, Instant at) {
                    report.mark(
                        "router: " + region + " up", "router: " + region + " is healthy again");
                  }
                });
    cluster.uris().forEach(builder::region);
    homes.forEach(builder::home);
    CartRouter router = builder.build();
    // Users start once the router has seen every region answer (JVMs warm up slowly on 2 cores).
    router.awaitHealthy(Duration.ofSeconds(30));
    return router;
  }

  /** Reads a figure of a region's {@code GET /stats}. */
  JsonNode stats(String region) throws IOException {
    return client.get(cluster.uri(region), "stats", Map.of()).body();
  }

  /** Sets a region's clock skew through its admin endpoint. */
  void skew(String region, Duration skew) throws IOException {
    RegionClient.Answer answer =
        client.send(
            cluster.uri(region),
            "PUT",
            "admin/clock",
            Map.of("skewMillis", skew.toMillis()),
            Map.of());
    if (!answer.ok()) {
      throw new IllegalStateException("cannot skew the clock of " + region + ": " + answer.body());
    }
  }
}
