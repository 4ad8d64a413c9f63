package io.converge.examples.region;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.converge.replication.Consistency;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cart HTTP API of one region: the happy paths, and every bad request answered with a 4xx and a
 * message naming what was wrong, leaving the cart untouched.
 */
class RegionTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path data;
  private Region region;
  private final HttpClient http = HttpClient.newHttpClient();

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
                true));
  }

  @AfterEach
  void stop() {
    region.close();
  }

  private record Answer(int status, JsonNode body, HttpResponse<String> raw) {}

  private Answer call(String method, String path, String body, String... headers)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + region.httpPort() + path))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    HttpResponse<String> response =
        http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(
        "application/json",
        response.headers().firstValue("Content-Type").orElse("").split(";")[0],
        response::toString);
    return new Answer(response.statusCode(), JSON.readTree(response.body()), response);
  }

  private void assertError(Answer answer, int status, String... named) {
    assertEquals(status, answer.status(), answer.body()::toString);
    String error = answer.body().get("error").asText();
    for (String n : named) {
      assertTrue(error.contains(n), () -> "\"" + n + "\" not in: " + error);
    }
  }

  @Test
  void cartLifecycle_addChangeRemoveAddressClear() throws Exception {
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
  void badRequests_get4xxNamingTheProblem_andChangeNothing() throws Exception {
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
  void quorumWrite_withoutAPeer_answers504WithTheToken_andIsAppliedHere() throws Exception {
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
  void health_writesToTheReplica_andListsPeers() throws Exception {
    Answer health = call("GET", "/health", null);
    assertEquals(200, health.status(), health.body()::toString);
    assertEquals("UP", health.body().get("status").asText());
    assertFalse(health.body().at("/peers/zz-nowhere/connected").asBoolean());
    region.replica().close();
    Answer down = call("GET", "/health", null);
    assertEquals(503, down.status(), down.body()::toString);
    assertEquals("DOWN", down.body().get("status").asText());
  }

  @Test
  void tokensSeen_andStats_andAdminClock() throws Exception {
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
    assertEquals(0, stats.body().at("/rejected/CLOCK_OFFSET").asLong());
    assertError(
        call("PUT", "/admin/clock", "{\"skewMillis\":" + Duration.ofDays(2).toMillis() + "}"),
        400,
        "skew",
        "PT48H");
  }
}
