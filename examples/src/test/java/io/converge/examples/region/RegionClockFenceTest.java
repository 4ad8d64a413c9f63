package io.converge.examples.region;

import static io.converge.examples.region.RegionHttp.await;
import static io.converge.examples.region.RegionHttp.call;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.examples.region.RegionHttp.Answer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A region whose clock disagrees beyond the maximum offset (3 s) with a majority of its peers is
 * fenced: {@code /health} answers 503 with the reason, cart writes 503 (nothing applied, so a
 * router may send them elsewhere), {@code /stats} shows the fence; fixing the clock lifts it. Two
 * regions over mutual TLS on loopback; with two, no majority can tell which clock is wrong, so both
 * fence (the three-region case, where only the skewed one fences, is the skew game day's).
 */
class RegionClockFenceTest {

  private static final String ADD = "{\"item\":\"fig\",\"quantity\":1}";

  @TempDir Path dir;
  private Region us;
  private Region eu;

  @BeforeEach
  void start() throws IOException {
    RegionCertificates authority = RegionCertificates.create("test cart CA");
    us = RegionHttp.startTls(authority, dir, "us-east", Map.of("eu-west", "127.0.0.1:9"));
    eu =
        RegionHttp.startTls(
            authority, dir, "eu-west", Map.of("us-east", "127.0.0.1:" + us.grpcPort()));
    await(
        "eu-west connected to us-east",
        () -> call(us, "GET", "/health", null).body().at("/peers/eu-west/connected").asBoolean());
  }

  @AfterEach
  void stop() {
    eu.close();
    us.close();
  }

  @Test
  void clockAheadBeyondMaxOffset_healthDownWithReason_writes503_untilTheClockIsFixed() {
    assertEquals(200, call(eu, "PUT", "/admin/clock", "{\"skewMillis\":8000}").status());
    // The next message eu-west sends carries its clock: this write's delta (accepted here, since
    // nothing has refused eu-west's clock yet) is refused by us-east, which answers CLOCK_OFFSET.
    call(eu, "POST", "/carts/ada/items", ADD);
    await("eu-west reports DOWN", () -> call(eu, "GET", "/health", null).status() == 503);

    Answer health = call(eu, "GET", "/health", null);
    assertEquals("DOWN", health.body().get("status").asText());
    String reason = health.body().get("reason").asText();
    assertTrue(reason.contains("maximum offset of 3000 ms"), reason);
    assertTrue(reason.contains("us-east"), reason);
    assertTrue(health.body().at("/clock/fenced").asBoolean(), health.body()::toString);
    assertEquals("[\"us-east\"]", health.body().at("/clock/disagreeing").toString());

    Answer refused = call(eu, "POST", "/carts/ada/items", ADD);
    assertEquals(503, refused.status(), refused.body()::toString);
    String error = refused.body().get("error").asText();
    assertTrue(error.contains("refuses writes while its clock is fenced"), error);
    assertTrue(error.contains("us-east"), error);
    assertFalse(refused.body().get("applied").asBoolean());

    Answer stats = call(eu, "GET", "/stats", null);
    assertTrue(stats.body().at("/clock/fence/fenced").asBoolean(), stats.body()::toString);
    assertTrue(
        stats.body().at("/rejectsReceived/CLOCK_OFFSET").asLong() > 0, stats.body()::toString);
    assertTrue(call(us, "GET", "/stats", null).body().at("/rejected/CLOCK_OFFSET").asLong() > 0);
    // Two regions: us-east cannot tell that its own clock is the right one, and fences too.
    await("us-east reports DOWN", () -> call(us, "GET", "/health", null).status() == 503);

    assertEquals(200, call(eu, "PUT", "/admin/clock", "{\"skewMillis\":0}").status());
    // eu-west's last timestamps stay 8 s ahead until real time catches up with them (about 5 s).
    await("eu-west reports UP", () -> call(eu, "GET", "/health", null).status() == 200);
    await("us-east reports UP", () -> call(us, "GET", "/health", null).status() == 200);
    Answer added = call(eu, "POST", "/carts/ada/items", ADD);
    assertEquals(200, added.status(), added.body()::toString);
    assertFalse(call(eu, "GET", "/stats", null).body().at("/clock/fence/fenced").asBoolean());
  }
}
