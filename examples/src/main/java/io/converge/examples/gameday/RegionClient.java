package io.converge.examples.gameday;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/**
 * Talks to one region's HTTP API directly (not through the router): what the game days use to look
 * at each region's state, to write at a chosen region, and to set a clock's skew.
 */
final class RegionClient {

  /** A region's answer. */
  record Answer(int status, JsonNode body, Map<String, java.util.List<String>> headers) {

    boolean ok() {
      return status / 100 == 2;
    }

    String text(String field) {
      JsonNode value = body.get(field);
      return value == null || value.isNull() ? null : value.asText();
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http;
  private final Duration timeout;

  RegionClient(Duration timeout) {
    this.timeout = timeout;
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(timeout)
            .build();
  }

  Answer get(URI base, String path, Map<String, String> headers) throws IOException {
    return send(base, "GET", path, null, headers);
  }

  Answer send(URI base, String method, String path, Object body, Map<String, String> headers)
      throws IOException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(base.resolve(path))
            .timeout(timeout)
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(json(body)));
    headers.forEach(request::header);
    HttpResponse<String> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted: " + method + " " + base.resolve(path), e);
    }
    JsonNode parsed =
        response.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(response.body());
    return new Answer(response.statusCode(), parsed, response.headers().map());
  }

  static String json(Object body) {
    try {
      return body instanceof String s ? s : JSON.writeValueAsString(body);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  static JsonNode parse(String text) {
    try {
      return JSON.readTree(text);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
