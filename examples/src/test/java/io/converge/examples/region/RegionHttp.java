package io.converge.examples.region;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.converge.replication.Consistency;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** The regions' tests' fixtures: starting a region, calling its API, waiting on a condition. */
final class RegionHttp {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final Duration DEADLINE = Duration.ofSeconds(30);

  private RegionHttp() {}

  /** An answer of a region: its status, its JSON body and the raw response. */
  record Answer(int status, JsonNode body, HttpResponse<String> raw) {}

  /**
   * Starts a region with short timeouts (300 ms writes and reads, 200 ms anti-entropy) on free
   * ports.
   *
   * @param tls the region's TLS files, or null for plaintext
   */
  static Region start(
      String name, Path data, Map<String, String> peers, RegionCertificates.TlsFiles tls) {
    return Region.start(
        new RegionConfig(
            name,
            0,
            0,
            data,
            peers,
            Consistency.LOCAL,
            Duration.ofMillis(300),
            Duration.ofMillis(300),
            RegionConfig.DEFAULT_MAX_CLOCK_OFFSET,
            Duration.ZERO,
            Duration.ofMillis(200),
            true,
            tls));
  }

  /**
   * Starts a region as {@link #start} does, over mutual TLS with a certificate of {@code
   * authority}, its data and TLS files under {@code dir/<name>/}.
   */
  static Region startTls(
      RegionCertificates authority, Path dir, String name, Map<String, String> peers)
      throws IOException {
    return start(
        name,
        dir.resolve(name).resolve("data"),
        peers,
        authority.writeFiles(name, dir.resolve(name).resolve("tls")));
  }

  /** Calls a region's API; every answer must be JSON. {@code headers}: name, value, ... */
  static Answer call(Region region, String method, String path, String body, String... headers) {
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
    HttpResponse<String> response;
    try {
      response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(
          "application/json",
          response.headers().firstValue("Content-Type").orElse("").split(";")[0],
          response::toString);
      return new Answer(response.statusCode(), JSON.readTree(response.body()), response);
    } catch (IOException e) {
      throw new UncheckedIOException(method + " " + path, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted: " + method + " " + path, e);
    }
  }

  /** Waits until the condition holds; fails after 30 s naming what it waited for. */
  static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        fail("timed out after " + DEADLINE + " waiting for: " + what);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
  }
}
