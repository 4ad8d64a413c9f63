package io.converge.examples.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.javalin.Javalin;
import java.net.ConnectException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class CartRouterTest {

  private static final Duration NEVER = Duration.ofHours(1);
  private static final Duration FAST = Duration.ofMillis(20);
  private static final Duration WAIT = Duration.ofSeconds(15);

  private FakeRegion usEast;
  private FakeRegion euWest;
  private FakeRegion apNortheast;
  private final List<String> events = new CopyOnWriteArrayList<>();
  private final List<CartRouter> routers = new ArrayList<>();

  private final CartRouter.Listener listener =
      new CartRouter.Listener() {
        @Override
        public void regionDown(String region, Instant at, String reason) {
          events.add("down " + region + ": " + reason);
        }

        @Override
        public void regionUp(String region, Instant at) {
          events.add("up " + region);
        }
      };

  @BeforeEach
  void startRegions() {
    usEast = new FakeRegion("us-east");
    euWest = new FakeRegion("eu-west");
    apNortheast = new FakeRegion("ap-northeast");
  }

  @AfterEach
  void stopRegions() {
    routers.forEach(CartRouter::close);
    for (FakeRegion r : List.of(usEast, euWest, apNortheast)) {
      r.close();
    }
  }

  /** A builder over the three fake regions, with test homes and the recording listener. */
  private CartRouter.Builder builder(Duration healthInterval) {
    return CartRouter.builder()
        .region("us-east", usEast.uri())
        .region("eu-west", euWest.uri())
        .region("ap-northeast", apNortheast.uri())
        .healthInterval(healthInterval)
        .healthTimeout(Duration.ofSeconds(2))
        .home("ada", "us-east")
        .home("bob", "eu-west")
        .home("cy", "ap-northeast")
        .listener(listener);
  }

  private CartRouter started(CartRouter.Builder b) {
    CartRouter router = b.build();
    routers.add(router);
    router.awaitHealthy(WAIT);
    return router;
  }

  private static CartRouter.Response addItem(CartRouter router, String user) {
    return router.send(
        user, "POST", "/carts/" + user + "/items", "{\"sku\":\"tea\",\"qty\":1}", Map.of());
  }

  @Test
  void homesAreExplicitOrHashedAndStable() {
    CartRouter router = started(builder(NEVER));
    assertEquals("us-east", router.homeOf("ada"));
    assertEquals("eu-west", router.homeOf("bob"));
    assertEquals("ap-northeast", router.homeOf("cy"));
    List<String> ring = List.of("us-east", "eu-west", "ap-northeast");
    for (int i = 0; i < 50; i++) {
      String user = "user-" + i;
      String expected = ring.get(Math.floorMod(user.hashCode(), 3));
      assertEquals(expected, router.homeOf(user), user);
      assertEquals(router.homeOf(user), router.homeOf(new String(user.toCharArray())), user);
    }
  }

  @Test
  void requestsGoHome() {
    CartRouter router = started(builder(FAST));
    assertEquals(Map.of("us-east", true, "eu-west", true, "ap-northeast", true), router.health());
    for (String user : List.of("ada", "bob", "cy")) {
      CartRouter.Response response = addItem(router, user);
      assertEquals(router.homeOf(user), response.region());
      assertEquals(router.homeOf(user), router.routeOf(user));
      assertTrue(response.ok(), response.toString());
      assertTrue(response.body().contains("\"region\":\"" + response.region() + "\""));
      assertTrue(response.body().contains("\"user\":\"" + user + "\""));
      Optional<String> type = response.header("CONTENT-type");
      assertTrue(type.orElse("").startsWith("application/json"), response.headers().toString());
      assertEquals(Optional.empty(), response.header("X-No-Such-Header"));
    }
    assertEquals(1, usEast.cartRequests.get());
    assertEquals(1, euWest.cartRequests.get());
    assertEquals(1, apNortheast.cartRequests.get());
    assertEquals("application/json", usEast.lastContentType);
    assertEquals(List.of(), events);
  }

  @Test
  void errorResponsesOtherThan503AreReturnedNotRetried() {
    CartRouter router = started(builder(NEVER));
    usEast.cartStatus.set(400);
    CartRouter.Response response = addItem(router, "ada");
    assertEquals("us-east", response.region());
    assertEquals(400, response.status());
    assertFalse(response.ok());
    assertTrue(response.body().contains("\"error\""), response.body());
    assertEquals(0, euWest.cartRequests.get());
    assertTrue(router.health().get("us-east"));
  }

  @Test
  void homeFailingHealthChecksFailsOverInRingOrder() {
    CartRouter router = started(builder(FAST));
    usEast.healthStatus.set(503);
    awaitTrue("us-east marked down", () -> !router.health().get("us-east"));
    assertEquals("eu-west", router.routeOf("ada"));
    assertEquals("eu-west", addItem(router, "ada").region());
    assertEquals(0, usEast.cartRequests.get());
    assertEquals(1, events.size(), events.toString());
    assertTrue(events.get(0).startsWith("down us-east: health check: HTTP 503"), events.get(0));

    // The ring wraps: ap-northeast's next region is us-east (down), then eu-west.
    apNortheast.healthStatus.set(503);
    awaitTrue("ap-northeast marked down", () -> !router.health().get("ap-northeast"));
    assertEquals("eu-west", addItem(router, "cy").region());
    usEast.healthStatus.set(200);
    awaitTrue("us-east back", () -> router.health().get("us-east"));
    assertEquals("us-east", router.routeOf("cy"));
    assertEquals("us-east", addItem(router, "cy").region());
    assertEquals(
        List.of("down us-east", "down ap-northeast", "up us-east"),
        events.stream().map(e -> e.split(":")[0]).toList());
  }

  @Test
  void stoppedHomeIsRetriedOnTheNextRegionInTheSameSend() {
    CartRouter router = started(builder(NEVER));
    usEast.close();
    CartRouter.Response response = addItem(router, "ada");
    assertEquals("eu-west", response.region());
    assertTrue(response.ok());
    assertFalse(router.health().get("us-east"));
    assertEquals(1, events.size(), events.toString());
    assertTrue(
        events.get(0).startsWith("down us-east: request POST /carts/ada/items"), events.get(0));
    assertTrue(events.get(0).contains("ConnectException"), events.get(0));
    // Later requests skip it without trying.
    assertEquals("eu-west", router.routeOf("ada"));
    assertEquals("eu-west", addItem(router, "ada").region());
    assertEquals(2, euWest.cartRequests.get());
  }

  @Test
  void homeIsUsedAgainOnlyAfterRecoveryChecksConsecutivePasses() {
    CartRouter router = started(builder(NEVER).recoveryChecks(3));
    usEast.healthStatus.set(503);
    router.checkHealthNow();
    assertEquals("eu-west", router.routeOf("ada"));

    usEast.healthStatus.set(200);
    router.checkHealthNow();
    router.checkHealthNow();
    usEast.healthStatus.set(503); // a failure resets the count
    router.checkHealthNow();
    usEast.healthStatus.set(200);
    router.checkHealthNow();
    router.checkHealthNow();
    assertEquals("eu-west", router.routeOf("ada"));
    assertEquals(1, events.size(), events.toString());

    router.checkHealthNow();
    assertEquals("us-east", router.routeOf("ada"));
    assertEquals(List.of("down us-east", "up us-east"), kinds());
    assertEquals("us-east", addItem(router, "ada").region());
  }

  @Test
  void homeComesBackWithTheBackgroundChecker() {
    CartRouter router = started(builder(FAST).recoveryChecks(2));
    usEast.healthStatus.set(503);
    awaitTrue("failover", () -> router.routeOf("ada").equals("eu-west"));
    assertEquals("eu-west", addItem(router, "ada").region());
    int passesBefore = usEast.healthPasses.get();
    usEast.healthStatus.set(200);
    awaitTrue("back home", () -> router.routeOf("ada").equals("us-east"));
    assertTrue(usEast.healthPasses.get() - passesBefore >= 2, "passes before coming back");
    assertEquals("us-east", addItem(router, "ada").region());
    assertEquals(List.of("down us-east", "up us-east"), kinds());
  }

  @Test
  void answer503IsRetriedOnTheNextRegionAndMarksDown() {
    CartRouter router = started(builder(NEVER));
    usEast.cartStatus.set(503);
    CartRouter.Response response = addItem(router, "ada");
    assertEquals("eu-west", response.region());
    assertEquals(200, response.status());
    assertEquals(1, usEast.cartRequests.get());
    assertEquals(1, euWest.cartRequests.get());
    assertFalse(router.health().get("us-east"));
    assertEquals(1, events.size(), events.toString());
    assertTrue(events.get(0).contains("answered 503"), events.get(0));
  }

  @Test
  void timeoutIsUncertainAndNotRetriedElsewhere() {
    CartRouter router = started(builder(NEVER).requestTimeout(Duration.ofSeconds(1)));
    usEast.blockCarts();
    CartRouter.UncertainResultException e =
        assertThrows(CartRouter.UncertainResultException.class, () -> addItem(router, "ada"));
    assertEquals("us-east", e.region());
    assertTrue(e.getMessage().contains("us-east"), e.getMessage());
    assertTrue(e.getMessage().contains("POST /carts/ada/items"), e.getMessage());
    assertTrue(e.getMessage().contains("timed out"), e.getMessage());
    assertEquals(0, euWest.cartRequests.get());
    assertEquals(0, apNortheast.cartRequests.get());
    assertFalse(router.health().get("us-east"));
    assertEquals(List.of("down us-east"), kinds());
  }

  @Test
  void noHealthyRegionNamesEveryRegion() {
    CartRouter router = started(builder(NEVER));
    usEast.close();
    euWest.close();
    apNortheast.close();
    CartRouter.NoHealthyRegionException e =
        assertThrows(CartRouter.NoHealthyRegionException.class, () -> addItem(router, "bob"));
    for (String region : List.of("us-east", "eu-west", "ap-northeast")) {
      assertTrue(e.getMessage().contains(region + " down"), e.getMessage());
    }
    assertInstanceOf(ConnectException.class, e.getCause());
    assertEquals(List.of("down eu-west", "down ap-northeast", "down us-east"), kinds());
    assertThrows(CartRouter.NoHealthyRegionException.class, () -> router.routeOf("ada"));
  }

  @Test
  void allFailingHealthChecksMeanNoHealthyRegion() {
    CartRouter router = started(builder(FAST));
    usEast.healthStatus.set(503);
    euWest.healthStatus.set(503);
    apNortheast.healthStatus.set(503);
    awaitTrue("all down", () -> !router.health().containsValue(true));
    CartRouter.NoHealthyRegionException e =
        assertThrows(CartRouter.NoHealthyRegionException.class, () -> addItem(router, "ada"));
    assertTrue(e.getMessage().contains("us-east down"), e.getMessage());
    assertTrue(e.getMessage().contains("HTTP 503"), e.getMessage());
    assertEquals(0, usEast.cartRequests.get() + euWest.cartRequests.get());
  }

  @Test
  void awaitHealthyNamesTheRegionsThatAreNot() {
    euWest.healthStatus.set(503);
    CartRouter router = builder(FAST).build();
    routers.add(router);
    // Rounds are serialized: a second check of eu-west means the first round was fully applied.
    awaitTrue("two rounds of checks", () -> euWest.healthChecks.get() >= 2);
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class, () -> router.awaitHealthy(Duration.ofMillis(200)));
    assertTrue(e.getMessage().contains("eu-west"), e.getMessage());
    assertFalse(e.getMessage().contains("us-east"), e.getMessage());
    euWest.healthStatus.set(200);
    router.awaitHealthy(WAIT);
  }

  @Test
  void concurrentUsersAllGetAnswers() throws Exception {
    CartRouter router = started(builder(FAST));
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Integer>> results = new ArrayList<>();
      for (String user : List.of("ada", "bob", "cy", "dee")) {
        results.add(
            pool.submit(
                () -> {
                  int ok = 0;
                  for (int i = 0; i < 25; i++) {
                    ok += addItem(router, user).ok() ? 1 : 0;
                  }
                  return ok;
                }));
      }
      for (Future<Integer> f : results) {
        assertEquals(25, f.get(20, TimeUnit.SECONDS));
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(
        100,
        usEast.cartRequests.get() + euWest.cartRequests.get() + apNortheast.cartRequests.get());
  }

  @Test
  void badPathIsRejected() {
    CartRouter router = started(builder(NEVER));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> router.send("ada", "GET", "carts/ada", null, Map.of()));
    assertTrue(e.getMessage().contains("carts/ada"), e.getMessage());
    assertEquals(0, usEast.cartRequests.get());
  }

  @Test
  void closeStopsTheHealthCheckerAndIsIdempotent() {
    CartRouter router = started(builder(FAST));
    assertTrue(
        Thread.getAllStackTraces().keySet().stream()
            .anyMatch(t -> t.getName().equals("cart-router-health") && t.isDaemon()));
    router.close();
    router.close();
    assertThrows(IllegalStateException.class, () -> addItem(router, "ada"));
    routers.forEach(CartRouter::close);
    awaitTrue(
        "health thread ended",
        () ->
            Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().equals("cart-router-health")));
  }

  @Test
  void builderRejectsBadConfiguration() {
    URI uri = URI.create("http://127.0.0.1:1");
    assertMessage("no regions", () -> CartRouter.builder().build());
    assertMessage(
        "duplicate region: us-east; regions: [us-east]",
        () -> CartRouter.builder().region("us-east", uri).region("us-east", uri));
    assertMessage(
        "unknown region: eu-weest; regions: [us-east, eu-west]",
        () ->
            CartRouter.builder()
                .region("us-east", uri)
                .region("eu-west", uri)
                .home("ada", "eu-weest")
                .build());
    assertMessage(
        "healthInterval must be positive: PT0S",
        () -> CartRouter.builder().healthInterval(Duration.ZERO));
    assertMessage(
        "requestTimeout must be positive: PT-1S",
        () -> CartRouter.builder().requestTimeout(Duration.ofSeconds(-1)));
    assertMessage(
        "healthTimeout must be positive: PT-0.001S",
        () -> CartRouter.builder().healthTimeout(Duration.ofMillis(-1)));
    assertMessage(
        "recoveryChecks must be at least 1: 0", () -> CartRouter.builder().recoveryChecks(0));
    assertMessage(
        "base URI of region x must be an absolute http(s) URI: carts",
        () -> CartRouter.builder().region("x", URI.create("carts")));
  }

  private static void assertMessage(String expected, Runnable call) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }

  private List<String> kinds() {
    return events.stream().map(e -> e.split(":")[0]).toList();
  }

  private static void awaitTrue(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for: " + what);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
  }

  /** A region's cart API, faked: health and answers controlled by the test. */
  private static final class FakeRegion implements AutoCloseable {
    final String name;
    final AtomicInteger healthStatus = new AtomicInteger(200);
    final AtomicInteger healthChecks = new AtomicInteger();
    final AtomicInteger healthPasses = new AtomicInteger();
    final AtomicInteger cartStatus = new AtomicInteger(200);
    final AtomicInteger cartRequests = new AtomicInteger();
    final CountDownLatch release = new CountDownLatch(1);
    volatile boolean block;
    volatile String lastContentType;
    private final Javalin app;
    private boolean stopped;

    FakeRegion(String name) {
      this.name = name;
      this.app =
          Javalin.create(
                  config -> {
                    config.routes.get(
                        "/health",
                        ctx -> {
                          healthChecks.incrementAndGet();
                          int status = healthStatus.get();
                          if (status == 200) {
                            healthPasses.incrementAndGet();
                          }
                          ctx.status(status)
                              .contentType("application/json")
                              .result("{\"region\":\"" + name + "\",\"status\":" + status + "}");
                        });
                    config.routes.post(
                        "/carts/{user}/items",
                        ctx -> {
                          cartRequests.incrementAndGet();
                          lastContentType = ctx.header("Content-Type");
                          if (block) {
                            release.await(20, TimeUnit.SECONDS);
                          }
                          int status = cartStatus.get();
                          String body =
                              status == 200
                                  ? "{\"region\":\""
                                      + name
                                      + "\",\"user\":\""
                                      + ctx.pathParam("user")
                                      + "\"}"
                                  : "{\"error\":\"fake " + status + "\"}";
                          ctx.status(status).contentType("application/json").result(body);
                        });
                  })
              .start("127.0.0.1", 0);
    }

    URI uri() {
      return URI.create("http://127.0.0.1:" + app.port());
    }

    void blockCarts() {
      block = true;
    }

    @Override
    public synchronized void close() {
      release.countDown();
      if (!stopped) {
        stopped = true;
        app.stop();
      }
    }
  }
}
