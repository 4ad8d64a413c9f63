package io.converge.examples.router;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;

/**
 * The cart's "global load balancer": a client that sends each user's cart requests to the user's
 * home region while it is healthy, and otherwise to the next healthy region in ring order (home,
 * home + 1, ..., wrapping around).
 *
 * <p>A background thread ({@code cart-router-health}) GETs {@code {base}/health} of every region
 * each {@linkplain Builder#healthInterval(Duration) health interval}. A region is down after a
 * failed check, a refused connection or a 503 answer to a request, and a request whose outcome is
 * unknown; it is used again after {@linkplain Builder#recoveryChecks(int) a number} of consecutive
 * passed checks. All regions are considered healthy until a check or a request says otherwise.
 *
 * <p>{@link #send} retries a request on the next healthy region only when the failed region
 * certainly did not apply it: the connection was refused or timed out while connecting, or the
 * region answered 503. Any other failure throws {@link UncertainResultException}: retrying an add
 * elsewhere could count it twice.
 *
 * <p>Thread-safe: one router is shared by the simulated users' threads. {@link #close()} stops the
 * health checker.
 */
public final class CartRouter implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger(CartRouter.class.getName());
  private static final ObjectMapper HEALTH_JSON = new ObjectMapper();

  private final List<Region> regions;
  private final Map<String, Integer> homes;
  private final Duration requestTimeout;
  private final Duration healthTimeout;
  private final int recoveryChecks;
  private final Listener listener;
  private final HttpClient requestClient;
  private final HttpClient healthClient;
  private final ScheduledExecutorService healthChecker;

  /** Guards the regions' state and {@link #closed}; signalled after every health check. */
  private final ReentrantLock lock = new ReentrantLock();

  private final Condition checked = lock.newCondition();

  /** Serializes health-check rounds (the scheduled ones and {@link #checkHealthNow()}). */
  private final ReentrantLock roundLock = new ReentrantLock();

  private boolean closed;

  private CartRouter(Builder b) {
    List<Region> rs = new ArrayList<>();
    Map<String, Integer> index = new HashMap<>();
    for (Map.Entry<String, URI> e : b.regions.entrySet()) {
      index.put(e.getKey(), rs.size());
      rs.add(new Region(e.getKey(), e.getValue()));
    }
    this.regions = List.copyOf(rs);
    Map<String, Integer> h = new HashMap<>();
    b.homes.forEach((user, region) -> h.put(user, index.get(region)));
    this.homes = Map.copyOf(h);
    this.requestTimeout = b.requestTimeout;
    this.healthTimeout = b.healthTimeout;
    this.recoveryChecks = b.recoveryChecks;
    this.listener = b.listener;
    this.requestClient =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(requestTimeout)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    this.healthClient =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(healthTimeout)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    this.healthChecker =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "cart-router-health");
              t.setDaemon(true);
              return t;
            });
  }

  private void start(Duration healthInterval) {
    healthChecker.scheduleWithFixedDelay(
        this::scheduledRound, 0, healthInterval.toNanos(), TimeUnit.NANOSECONDS);
  }

  /**
   * Returns a builder of a router.
   *
   * @return a new builder, with no regions
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The region a user's requests go to while it is healthy: the explicit home set with {@link
   * Builder#home}, else {@code regions.get(Math.floorMod(user.hashCode(), regions.size()))}.
   *
   * @param user the user
   * @return the name of the user's home region
   */
  public String homeOf(String user) {
    return regions.get(homeIndex(user)).name;
  }

  /**
   * The region a request of the user would be sent to now: the home region if healthy, else the
   * next healthy one in ring order.
   *
   * @param user the user
   * @return the name of the region
   * @throws NoHealthyRegionException if no region is healthy
   */
  public String routeOf(String user) {
    int home = homeIndex(user);
    lock.lock();
    try {
      for (int i = 0; i < regions.size(); i++) {
        Region r = regions.get((home + i) % regions.size());
        if (r.healthy) {
          return r.name;
        }
      }
      throw noHealthyRegion(user);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Sends a request of the user to the region it is routed to (see {@link #routeOf}), failing over
   * to the next healthy region in ring order when the region certainly did not apply it: the
   * connection was refused or timed out while connecting, or the region answered 503. Each region
   * is tried at most once per call. Those failures mark the region down at once.
   *
   * @param user the user whose cart the request is about (chooses the home region)
   * @param method the HTTP method, e.g. {@code "POST"}
   * @param path the path of the request, starting with {@code /}, e.g. {@code "/carts/ada/items"}
   * @param jsonBody the JSON body of the request, or {@code null} for none
   * @param headers extra request headers (may be empty); {@code Content-Type: application/json} is
   *     added to a request with a body and {@code Accept: application/json} to every request unless
   *     given here
   * @return the region's response, whatever its status (a 4xx or 5xx other than 503 included)
   * @throws IllegalArgumentException if {@code path} does not start with {@code /} or the method is
   *     blank
   * @throws IllegalStateException if the router is closed
   * @throws NoHealthyRegionException if no healthy region is left to try
   * @throws UncertainResultException if the request failed after it may have reached a region (it
   *     may or may not have been applied; it was not sent elsewhere)
   */
  public Response send(
      String user, String method, String path, String jsonBody, Map<String, String> headers) {
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(headers, "headers");
    if (method.isBlank()) {
      throw new IllegalArgumentException("blank HTTP method for path " + path);
    }
    if (!path.startsWith("/")) {
      throw new IllegalArgumentException("path must start with '/': " + path);
    }
    lock.lock();
    try {
      if (closed) {
        throw new IllegalStateException("cart router closed");
      }
    } finally {
      lock.unlock();
    }
    String verb = method.toUpperCase(Locale.ROOT);
    int home = homeIndex(user);
    Exception lastRefusal = null;
    for (int i = 0; i < regions.size(); i++) {
      int index = (home + i) % regions.size();
      Region region = regions.get(index);
      if (!isHealthy(region)) {
        continue;
      }
      HttpRequest request = request(region, verb, path, jsonBody, headers);
      HttpResponse<String> response;
      try {
        response = requestClient.send(request, HttpResponse.BodyHandlers.ofString());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new UncertainResultException(region.name, verb, path, e);
      } catch (IOException e) {
        if (neverSent(e)) {
          markDown(region, "request " + verb + " " + path + " not delivered: " + describe(e));
          lastRefusal = e;
          continue;
        }
        markDown(region, "request " + verb + " " + path + " failed: " + describe(e));
        throw new UncertainResultException(region.name, verb, path, e);
      }
      if (response.statusCode() == 503) {
        markDown(
            region,
            "request " + verb + " " + path + " answered 503: " + abbreviate(response.body()));
        continue;
      }
      return new Response(region.name, response.statusCode(), response.body(), copy(response));
    }
    NoHealthyRegionException e = noHealthyRegion(user);
    if (lastRefusal != null) {
      e.initCause(lastRefusal);
    }
    throw e;
  }

  /**
   * Whether each region is healthy now (used for requests), in the regions' order.
   *
   * @return a snapshot: region name to healthy
   */
  public Map<String, Boolean> health() {
    lock.lock();
    try {
      Map<String, Boolean> m = new LinkedHashMap<>();
      for (Region r : regions) {
        m.put(r.name, r.healthy);
      }
      return Collections.unmodifiableMap(m);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Waits until every region is healthy and its latest health check passed.
   *
   * @param timeout how long to wait at most
   * @throws IllegalStateException if some regions are still not healthy at the deadline (named in
   *     the message, with their state), or if the router is closed
   */
  public void awaitHealthy(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    lock.lock();
    try {
      while (true) {
        if (closed) {
          throw new IllegalStateException("cart router closed");
        }
        List<String> notHealthy = new ArrayList<>();
        for (Region r : regions) {
          if (!r.healthy || !r.lastCheckPassed) {
            notHealthy.add(r.describe());
          }
        }
        if (notHealthy.isEmpty()) {
          return;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new IllegalStateException(
              "regions not healthy after " + timeout.toMillis() + " ms: " + notHealthy);
        }
        try {
          checked.awaitNanos(left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted waiting for healthy regions", e);
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /** Stops the health checker; idempotent. Requests sent afterwards are rejected. */
  @Override
  public void close() {
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      checked.signalAll();
    } finally {
      lock.unlock();
    }
    healthChecker.shutdownNow();
  }

  // ---- health checks ----

  private void scheduledRound() {
    try {
      checkHealthNow();
    } catch (RuntimeException e) {
      // Never let an exception cancel the periodic task.
      LOG.log(System.Logger.Level.WARNING, "cart router health check failed", e);
    }
  }

  /**
   * Runs one round of health checks on the calling thread: GETs every region's {@code /health}
   * concurrently and applies the results. The background checker calls this each interval; tests
   * call it to step the checks.
   */
  void checkHealthNow() {
    roundLock.lock();
    try {
      List<CompletableFuture<String>> failures = new ArrayList<>();
      long[] epochs = new long[regions.size()];
      lock.lock();
      try {
        if (closed) {
          return;
        }
        for (int i = 0; i < regions.size(); i++) {
          epochs[i] = regions.get(i).epoch;
        }
      } finally {
        lock.unlock();
      }
      for (Region r : regions) {
        failures.add(checkHealth(r));
      }
      long waitNanos = healthTimeout.multipliedBy(2).plusSeconds(1).toNanos();
      long deadline = System.nanoTime() + waitNanos;
      for (int i = 0; i < regions.size(); i++) {
        String failure;
        try {
          failure =
              failures.get(i).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        } catch (ExecutionException e) {
          failure = "health check: " + describe(e.getCause());
        } catch (TimeoutException e) {
          failures.get(i).cancel(true);
          failure = "health check: no answer within " + healthTimeout.toMillis() + " ms";
        }
        applyCheck(regions.get(i), epochs[i], failure);
      }
    } finally {
      roundLock.unlock();
    }
  }

  /** A future of {@code null} when the check passed, else of the reason it failed. */
  private CompletableFuture<String> checkHealth(Region region) {
    HttpRequest request =
        HttpRequest.newBuilder(region.healthUri)
            .timeout(healthTimeout)
            .header("Accept", "application/json")
            .GET()
            .build();
    return healthClient
        .sendAsync(request, HttpResponse.BodyHandlers.ofString())
        .handle(
            (response, error) -> {
              if (error != null) {
                return "health check: " + describe(error);
              }
              int status = response.statusCode();
              return status >= 200 && status < 300
                  ? null
                  : "health check: HTTP " + status + reasonOf(response.body());
            });
  }

  private void applyCheck(Region region, long epoch, String failure) {
    lock.lock();
    try {
      if (closed) {
        return;
      }
      if (failure != null) {
        region.lastCheckPassed = false;
        markDownLocked(region, failure);
      } else if (region.epoch == epoch) {
        // A pass counts only if the region was not marked down while the check was in flight.
        region.lastCheckPassed = true;
        if (!region.healthy) {
          region.passes++;
          if (region.passes >= recoveryChecks) {
            region.healthy = true;
            region.reason = null;
            region.since = Instant.now();
            LOG.log(System.Logger.Level.INFO, "region {0} up", region.name);
            fire(() -> listener.regionUp(region.name, region.since));
          }
        }
      }
      checked.signalAll();
    } finally {
      lock.unlock();
    }
  }

  // ---- state ----

  private boolean isHealthy(Region region) {
    lock.lock();
    try {
      return region.healthy;
    } finally {
      lock.unlock();
    }
  }

  private void markDown(Region region, String reason) {
    lock.lock();
    try {
      region.epoch++;
      markDownLocked(region, reason);
    } finally {
      lock.unlock();
    }
  }

  private void markDownLocked(Region region, String reason) {
    region.passes = 0;
    region.reason = reason;
    if (region.healthy) {
      region.healthy = false;
      region.since = Instant.now();
      LOG.log(System.Logger.Level.WARNING, "region {0} down: {1}", region.name, reason);
      fire(() -> listener.regionDown(region.name, region.since, reason));
    }
  }

  /** Calls the listener (under the lock, so that it sees transitions in order). */
  private void fire(Runnable call) {
    try {
      call.run();
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.WARNING, "cart router listener failed", e);
    }
  }

  private NoHealthyRegionException noHealthyRegion(String user) {
    lock.lock();
    try {
      String states = regions.stream().map(Region::describe).collect(Collectors.joining(", "));
      return new NoHealthyRegionException(
          "no healthy region for user " + user + " (home " + homeOf(user) + "): " + states);
    } finally {
      lock.unlock();
    }
  }

  private int homeIndex(String user) {
    Objects.requireNonNull(user, "user");
    Integer explicit = homes.get(user);
    return explicit != null ? explicit : Math.floorMod(user.hashCode(), regions.size());
  }

  // ---- HTTP ----

  private HttpRequest request(
      Region region, String method, String path, String jsonBody, Map<String, String> headers) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(region.resolve(path))
            .timeout(requestTimeout)
            .method(
                method,
                jsonBody == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(jsonBody));
    boolean accept = false;
    boolean contentType = false;
    for (Map.Entry<String, String> h : headers.entrySet()) {
      b.header(h.getKey(), h.getValue());
      accept |= h.getKey().equalsIgnoreCase("Accept");
      contentType |= h.getKey().equalsIgnoreCase("Content-Type");
    }
    if (!accept) {
      b.header("Accept", "application/json");
    }
    if (jsonBody != null && !contentType) {
      b.header("Content-Type", "application/json");
    }
    return b.build();
  }

  /** Whether the failure certainly happened before the request was sent (nothing applied). */
  private static boolean neverSent(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ConnectException || t instanceof HttpConnectTimeoutException) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }

  /** The {@code reason} a region's health answer gives (": " + reason), or "" without one. */
  private static String reasonOf(String healthBody) {
    try {
      JsonNode reason = HEALTH_JSON.readTree(healthBody).path("reason");
      if (!reason.isTextual()) {
        return "";
      }
      String text = reason.textValue();
      return ": " + (text.length() <= 300 ? text : text.substring(0, 300) + "...");
    } catch (JsonProcessingException e) {
      return "";
    }
  }

  private static String abbreviate(String body) {
    return body.length() <= 200 ? body : body.substring(0, 200) + "...";
  }

  private static String describe(Throwable e) {
    if (e == null) {
      return "unknown cause";
    }
    Throwable t = e;
    while (t.getCause() != null
        && t.getCause() != t
        && (t instanceof ExecutionException || t instanceof CompletionException)) {
      t = t.getCause();
    }
    if (t instanceof HttpTimeoutException && !(t instanceof HttpConnectTimeoutException)) {
      return "timed out (" + t.getClass().getSimpleName() + ")";
    }
    String message = t.getMessage();
    return t.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }

  private static Map<String, List<String>> copy(HttpResponse<?> response) {
    Map<String, List<String>> m = new LinkedHashMap<>();
    response.headers().map().forEach((k, v) -> m.put(k, List.copyOf(v)));
    return Collections.unmodifiableMap(m);
  }

  // ---- types ----

  /** One region's state; fields other than the final ones are guarded by {@link #lock}. */
  private static final class Region {
    final String name;
    final URI base;
    final URI healthUri;
    boolean healthy = true;
    boolean lastCheckPassed;
    int passes;
    long epoch;
    String reason;
    Instant since = Instant.now();

    Region(String name, URI base) {
      this.name = name;
      this.base = base;
      this.healthUri = resolve("/health");
    }

    URI resolve(String path) {
      String b = base.toString();
      if (b.endsWith("/")) {
        b = b.substring(0, b.length() - 1);
      }
      return URI.create(b + path);
    }

    String describe() {
      if (healthy) {
        return name + " up" + (lastCheckPassed ? "" : " (no passed health check yet)");
      }
      return name
          + " down since "
          + since
          + " ("
          + reason
          + "; "
          + passes
          + " passed check(s) since)";
    }
  }

  /**
   * A region's answer to a request.
   *
   * @param region the name of the region that answered
   * @param status the HTTP status code
   * @param body the response body (JSON; {@code {"error": "..."}} for errors)
   * @param headers the response headers, names as the region sent them
   */
  public record Response(
      String region, int status, String body, Map<String, List<String>> headers) {

    /**
     * Validates and copies the components.
     *
     * @param region the name of the region that answered
     * @param status the HTTP status code
     * @param body the response body
     * @param headers the response headers
     */
    public Response {
      Objects.requireNonNull(region, "region");
      Objects.requireNonNull(body, "body");
      Map<String, List<String>> m = new LinkedHashMap<>();
      headers.forEach((k, v) -> m.put(k, List.copyOf(v)));
      headers = Collections.unmodifiableMap(m);
    }

    /**
     * Whether the status is 2xx.
     *
     * @return {@code true} for a 2xx status
     */
    public boolean ok() {
      return status >= 200 && status < 300;
    }

    /**
     * The first value of a response header.
     *
     * @param name the header name, in any case
     * @return its first value, or empty if the response has no such header
     */
    public Optional<String> header(String name) {
      for (Map.Entry<String, List<String>> e : headers.entrySet()) {
        if (e.getKey().equalsIgnoreCase(name) && !e.getValue().isEmpty()) {
          return Optional.of(e.getValue().get(0));
        }
      }
      return Optional.empty();
    }
  }

  /**
   * Observes the router's route changes. Each method is called only on a transition (a healthy
   * region going down, a down region recovering), on the thread that observed it, in order; keep
   * the calls short. Exceptions thrown by a listener are logged and ignored.
   */
  public interface Listener {
    /**
     * A region went down: requests routed to it go to the next healthy region.
     *
     * @param region the region's name
     * @param at when the router marked it down
     * @param reason why (a failed health check, a refused request, a 503 answer, ...)
     */
    void regionDown(String region, Instant at, String reason);

    /**
     * A down region passed the required number of consecutive health checks and is used again.
     *
     * @param region the region's name
     * @param at when the router marked it up
     */
    void regionUp(String region, Instant at);
  }

  /** Thrown when no region is healthy; the message names every region and its state. */
  public static final class NoHealthyRegionException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message the regions and their states
     */
    public NoHealthyRegionException(String message) {
      super(message);
    }
  }

  /**
   * Thrown when a request failed after it may have reached a region (a timeout waiting for the
   * answer, a connection reset mid-request, an interrupt): the write <em>may or may not</em> have
   * been applied there. The router did not send it to another region, since retrying an add could
   * count it twice; the caller decides (read the cart back, or retry an idempotent request).
   */
  public static final class UncertainResultException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The region the request was sent to. */
    private final String region;

    /**
     * Creates the exception.
     *
     * @param region the region the request was sent to
     * @param method the HTTP method
     * @param path the request path
     * @param cause the failure
     */
    public UncertainResultException(String region, String method, String path, Throwable cause) {
      super(
          "result unknown of "
              + method
              + " "
              + path
              + " on region "
              + region
              + " (may or may not have been applied; not retried elsewhere): "
              + describe(cause),
          cause);
      this.region = region;
    }

    /**
     * The region the request was sent to.
     *
     * @return its name
     */
    public String region() {
      return region;
    }
  }

  /** Configures and builds a {@link CartRouter}. Not thread-safe. */
  public static final class Builder {
    private final Map<String, URI> regions = new LinkedHashMap<>();
    private final Map<String, String> homes = new HashMap<>();
    private Duration healthInterval = Duration.ofMillis(250);
    private Duration requestTimeout = Duration.ofSeconds(5);
    private Duration healthTimeout = Duration.ofMillis(500);
    private int recoveryChecks = 2;
    private Listener listener =
        new Listener() {
          @Override
          public void regionDown(String region, Instant at, String reason) {}

          @Override
          public void regionUp(String region, Instant at) {}
        };

    private Builder() {}

    /**
     * Adds a region; the order of the calls is the ring order of failover.
     *
     * @param name the region's name, e.g. {@code "us-east"}
     * @param baseUri the base URI of its cart API, e.g. {@code http://127.0.0.1:7001}
     * @return this builder
     * @throws IllegalArgumentException if the name is blank or already added, or the URI is not an
     *     absolute http(s) URI
     */
    public Builder region(String name, URI baseUri) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(baseUri, "baseUri");
      if (name.isBlank()) {
        throw new IllegalArgumentException("blank region name");
      }
      if (regions.containsKey(name)) {
        throw new IllegalArgumentException(
            "duplicate region: " + name + "; regions: " + regions.keySet());
      }
      String scheme = baseUri.getScheme();
      if (!baseUri.isAbsolute()
          || baseUri.getHost() == null
          || !("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme))) {
        throw new IllegalArgumentException(
            "base URI of region " + name + " must be an absolute http(s) URI: " + baseUri);
      }
      regions.put(name, baseUri);
      return this;
    }

    /**
     * Sets how often every region's health is checked (default 250 ms).
     *
     * @param interval the delay between two rounds of checks, positive
     * @return this builder
     * @throws IllegalArgumentException if not positive
     */
    public Builder healthInterval(Duration interval) {
      this.healthInterval = positive("healthInterval", interval);
      return this;
    }

    /**
     * Sets the timeout of each request sent with {@link #send} (default 5 s), also its connect
     * timeout.
     *
     * @param timeout the timeout, positive
     * @return this builder
     * @throws IllegalArgumentException if not positive
     */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = positive("requestTimeout", timeout);
      return this;
    }

    /**
     * Sets the timeout of each health check (default 500 ms), also its connect timeout.
     *
     * @param timeout the timeout, positive
     * @return this builder
     * @throws IllegalArgumentException if not positive
     */
    public Builder healthTimeout(Duration timeout) {
      this.healthTimeout = positive("healthTimeout", timeout);
      return this;
    }

    /**
     * Sets how many consecutive health checks a down region must pass before it is used again
     * (default 2).
     *
     * @param checks the number of checks, at least 1
     * @return this builder
     * @throws IllegalArgumentException if less than 1
     */
    public Builder recoveryChecks(int checks) {
      if (checks < 1) {
        throw new IllegalArgumentException("recoveryChecks must be at least 1: " + checks);
      }
      this.recoveryChecks = checks;
      return this;
    }

    /**
     * Sets a user's home region explicitly (instead of the one chosen by the user's hash).
     *
     * @param user the user
     * @param region the name of a region (added before or after this call)
     * @return this builder
     */
    public Builder home(String user, String region) {
      Objects.requireNonNull(user, "user");
      Objects.requireNonNull(region, "region");
      homes.put(user, region);
      return this;
    }

    /**
     * Sets the listener of route changes (default none).
     *
     * @param listener the listener
     * @return this builder
     */
    public Builder listener(Listener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /**
     * Builds the router and starts its health checker.
     *
     * @return the router; close it to stop the checker
     * @throws IllegalArgumentException if no region was added, or a home names an unknown region
     */
    public CartRouter build() {
      if (regions.isEmpty()) {
        throw new IllegalArgumentException("no regions: add at least one with region(name, uri)");
      }
      for (Map.Entry<String, String> h : homes.entrySet()) {
        if (!regions.containsKey(h.getValue())) {
          throw new IllegalArgumentException(
              "unknown region: "
                  + h.getValue()
                  + "; regions: "
                  + regions.keySet()
                  + " (home of user "
                  + h.getKey()
                  + ")");
        }
      }
      CartRouter router = new CartRouter(this);
      router.start(healthInterval);
      return router;
    }

    private static Duration positive(String what, Duration d) {
      Objects.requireNonNull(d, what);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(what + " must be positive: " + d);
      }
      return d;
    }
  }
}
