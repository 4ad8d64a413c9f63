package io.converge.examples.region;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.converge.examples.region.RegionHttp.Answer;
import io.converge.replication.Consistency;
import io.converge.replication.codec.WireException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cart HTTP API of one region: the happy paths, and every bad request answered with a 4xx and a
 * message naming what was wrong, leaving the cart untouched.
 */
class RegionTest {

  @TempDir Path data;
  private Region region;

  /** A region with one peer that never answers: QUORUM writes time out. */
  @BeforeEach
  void start() {
    region =
        Region.start(
            new RegionConfig(
                "us-east",
                0,
                0,
                data.resolve("us-east"),
                Map.of("zz-nowhere", "127.0.0.1:9"),
                Consistency.LOCAL,
                Duration.ofMillis(300),
                Duration.ofMillis(300),
                RegionConfig.DEFAULT_MAX_CLOCK_OFFSET,
                Duration.ZERO,
                RegionConfig.DEFAULT_ANTI_ENTROPY_INTERVAL,
                true,
                null));
  }

  @AfterEach
  void stop() {
    region.close();
  }

  private Answer call(String method, String path, String body, String... headers) {
    return RegionHttp.call(region, method, path, body, headers);
  }

  private void assertError(Answer answer, int status, String... named) {
    assertEquals(status, answer.status(), answer.body()::toString);
    String error = answer.body().get("error").asText();
    for (String n : named) {
      assertTrue(error.contains(n), () -> "\"" + n + "\" not in: " + error);
    }
  }

  @Test
  void cartLifecycle_addChangeRemoveAddressClear() {
    Answer added = call("POST", "/carts/alice/items", "{\"item\":\"apple\",\"quantity\":2}");
    assertEquals(200, added.status(), added.body()::toString);
    assertEquals(2, added.body().get("items").get("apple").asLong());
    assertEquals("us-east", added.body().get("region").asText());
    assertEquals(
        added.body().get("token").asText(),
        added.raw().headers().firstValue(Region.TOKEN_HEADER).orElseThrow());
    call("POST", "/carts/alice/items", "{\"item\":\"pear\",\"quantity\":1}");
    assertEquals(
        5,
        call("PUT", "/carts/alice/items/apple", "{\"quantity\":5}")
            .body()
            .at("/items/apple")
            .asLong());
    assertFalse(call("DELETE", "/carts/alice/items/pear", null).body().get("items").has("pear"));
    Answer address = call("PUT", "/carts/alice/address", "{\"address\":\"1 Main St\"}");
    assertEquals("1 Main St", address.body().get("address").asText());
    assertEquals("us-east", address.body().get("addressWriter").asText());
    Answer viewed =
        call(
            "GET", "/carts/alice", null, Region.AFTER_HEADER, address.body().get("token").asText());
    assertEquals(200, viewed.status());
    assertEquals(5, viewed.body().get("units").asLong());
    Answer cleared = call("DELETE", "/carts/alice/items", null);
    assertEquals(0, cleared.body().get("items").size());
    assertEquals("1 Main St", cleared.body().get("address").asText(), "clear keeps the address");
  }

  @Test
  void badRequests_get4xxNamingTheProblem_andChangeNothing() {
    call("POST", "/carts/alice/items", "{\"item\":\"apple\",\"quantity\":1}");
    assertError(call("POST", "/carts/alice/items", "{bad"), 400, "not JSON");
    assertError(call("POST", "/carts/alice/items", ""), 400, "JSON object body is required");
    assertError(call("POST", "/carts/alice/items", "[1]"), 400, "must be a JSON object");
    assertError(
        call("POST", "/carts/alice/items", "{\"quantity\":1}"), 400, "\"item\"", "required");
    assertError(
        call("POST", "/carts/alice/items", "{\"item\":\"apple\",\"quantity\":\"2\"}"),
        400,
        "\"quantity\"",
        "integer",
        "\"2\"");
    assertError(
        call("POST", "/carts/alice/items", "{\"item\":\"apple\",\"quantity\":1.5}"),
        400,
        "integer",
        "1.5");
    assertError(
        call(
            "POST", "/carts/alice/items", "{\"item\":\"apple\",\"quantity\":99999999999999999999}"),
        400,
        "integer");
    assertError(
        call("POST", "/carts/alice/items", "{\"item\":\"apple\",\"quantity\":0}"),
        400,
        "quantity",
        ": 0");
    assertError(
        call("POST", "/carts/al%20ice/items", "{\"item\":\"apple\",\"quantity\":1}"),
        400,
        "user id",
        "al ice");
    assertError(
        call(
            "POST",
            "/carts/alice/items",
            "{\"item\":\"apple\",\"quantity\":1}",
            Region.CONSISTENCY_HEADER,
            "MOST"),
        400,
        Region.CONSISTENCY_HEADER,
        "MOST");
    assertError(
        call("GET", "/carts/alice", null, Region.AFTER_HEADER, "not-a-token"),
        400,
        Region.AFTER_HEADER);
    assertError(call("PUT", "/carts/alice/address", "{\"address\":\"\"}"), 400, "address");
    assertError(call("GET", "/nowhere", null), 404, "GET /nowhere");
    assertError(
        call(
            "POST",
            "/carts/alice/items",
            "{\"item\":\"" + "x".repeat(Region.MAX_BODY_BYTES) + "\"}"),
        413,
        Integer.toString(Region.MAX_BODY_BYTES));
    Answer cart = call("GET", "/carts/alice", null);
    assertEquals("{\"apple\":1}", cart.body().get("items").toString());
  }

  @Test
  void quorumWrite_withoutAPeer_answers504WithTheToken_andIsAppliedHere() {
    Answer timedOut =
        call(
            "POST",
            "/carts/alice/items",
            "{\"item\":\"apple\",\"quantity\":1}",
            Region.CONSISTENCY_HEADER,
            "quorum");
    assertError(timedOut, 504, "QUORUM", "zz-nowhere");
    assertTrue(timedOut.body().get("applied").asBoolean());
    assertFalse(timedOut.body().get("token").asText().isEmpty());
    assertEquals(1, call("GET", "/carts/alice", null).body().at("/items/apple").asLong());
  }

  @Test
  void health_writesToTheReplica_andListsPeers() {
    Answer health = call("GET", "/health", null);
    assertEquals(200, health.status(), health.body()::toString);
    assertEquals("UP", health.body().get("status").asText());
    assertFalse(health.body().at("/peers/zz-nowhere/connected").asBoolean());
    assertFalse(health.body().at("/clock/fenced").asBoolean(), health.body()::toString);
    region.replica().close();
    Answer down = call("GET", "/health", null);
    assertEquals(503, down.status(), down.body()::toString);
    assertEquals("DOWN", down.body().get("status").asText());
  }

  @Test
  void config_plaintextWithAPeerOnAnotherMachine_isRefused() {
    for (String address : List.of("10.0.0.2:7001", "eu-west.example.com:7001", "[2001:db8::1]:7")) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  new RegionConfig(
                      "us-east",
                      0,
                      0,
                      data,
                      Map.of("eu-west", address),
                      Consistency.LOCAL,
                      RegionConfig.DEFAULT_WRITE_TIMEOUT,
                      RegionConfig.DEFAULT_READ_TIMEOUT,
                      RegionConfig.DEFAULT_MAX_CLOCK_OFFSET,
                      Duration.ZERO,
                      RegionConfig.DEFAULT_ANTI_ENTROPY_INTERVAL,
                      false,
                      null));
      assertTrue(e.getMessage().contains("eu-west is at " + address), e::getMessage);
      assertTrue(e.getMessage().contains("--tls-cert"), e::getMessage);
    }
  }

  @Test
  void health_concurrentRequests_shareOneWrite_noneReportsTheOthersAsStuck() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Answer>> answers = new ArrayList<>();
      for (int i = 0; i < 32; i++) {
        answers.add(pool.submit(() -> call("GET", "/health", null)));
      }
      for (Future<Answer> answer : answers) {
        Answer health = answer.get();
        assertEquals(200, health.status(), health.body()::toString);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void tokensSeen_andStats_andAdminClock() {
    String token =
        call("POST", "/carts/alice/items", "{\"item\":\"apple\",\"quantity\":1}")
            .body()
            .get("token")
            .asText();
    Answer seen = call("POST", "/tokens/seen", "{\"tokens\":[\"" + token + "\"]}");
    assertEquals("[true]", seen.body().get("seen").toString());
    assertError(call("POST", "/tokens/seen", "{\"tokens\":[\"nope\"]}"), 400, "tokens[0]");
    assertError(call("POST", "/tokens/seen", "{\"tokens\":\"x\"}"), 400, "array");
    Answer skew = call("PUT", "/admin/clock", "{\"skewMillis\":2000}");
    assertEquals(2000, skew.body().get("skewMillis").asLong());
    Answer stats = call("GET", "/stats", null);
    assertEquals(2000, stats.body().at("/clock/skewMillis").asLong());
    assertEquals(3000, stats.body().at("/clock/maxOffsetMillis").asLong());
    // Every refusal reason the library knows is listed, whichever it is, counted from 0.
    for (String counts : List.of("rejected", "rejectsReceived")) {
      JsonNode byReason = stats.body().get(counts);
      assertEquals(WireException.Reason.values().length, byReason.size(), byReason::toString);
      for (WireException.Reason reason : WireException.Reason.values()) {
        assertTrue(
            byReason.path(reason.name()).isIntegralNumber(), () -> counts + " lacks " + reason);
        assertEquals(0, byReason.get(reason.name()).asLong(), () -> counts + " " + reason);
      }
    }
    assertFalse(stats.body().at("/clock/fence/fenced").asBoolean(), stats.body()::toString);
    assertEquals(1, stats.body().at("/clock/fence/peers").asInt());
    assertEquals(0, stats.body().at("/clock/fence/disagreeing").size());
    assertError(
        call("PUT", "/admin/clock", "{\"skewMillis\":" + Duration.ofDays(2).toMillis() + "}"),
        400,
        "skew",
        "PT48H");
  }
}
