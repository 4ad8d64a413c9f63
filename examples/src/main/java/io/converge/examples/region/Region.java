package io.converge.examples.region;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.converge.crdt.LWWRegister;
import io.converge.examples.cart.CartException;
import io.converge.examples.cart.CartView;
import io.converge.examples.cart.Carts;
import io.converge.replication.CausalToken;
import io.converge.replication.ClockHealth;
import io.converge.replication.ClockSkewException;
import io.converge.replication.Consistency;
import io.converge.replication.Key;
import io.converge.replication.PeerStatus;
import io.converge.replication.ReadTimeoutException;
import io.converge.replication.Replica;
import io.converge.replication.Stats;
import io.converge.replication.WriteTimeoutException;
import io.converge.replication.codec.ElementCodec;
import io.converge.replication.codec.WireException;
import io.converge.replication.transport.GrpcTransport;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One region of the cart example: a durable {@link Replica} replicating over gRPC to the other
 * regions (mutual TLS with {@link RegionConfig#tls()}, plaintext on one machine otherwise), and the
 * cart HTTP JSON API on top of it (Javalin). See {@code examples/README.md} for the API.
 *
 * <p>A region whose clock disagrees beyond the maximum offset with a majority of the regions is
 * fenced by its replica ({@link Replica#clockHealth()}): {@code /health} answers 503 with the
 * reason, and cart writes, which the replica refuses with a {@link ClockSkewException}, answer 503
 * (nothing applied, so a router may send them to another region).
 *
 * <p>Requests choose their write consistency with the {@value #CONSISTENCY_HEADER} header ({@code
 * LOCAL}, {@code QUORUM} or {@code ALL}; the region's default otherwise). Every write answers with
 * its causal token in the {@value #TOKEN_HEADER} header and the body; a read that sends tokens back
 * in {@value #AFTER_HEADER} waits until this region has those writes (read your writes across
 * regions).
 */
public final class Region implements AutoCloseable {

  /** The request header choosing a write's consistency. */
  public static final String CONSISTENCY_HEADER = "Converge-Consistency";

  /** The response header carrying a write's causal token. */
  public static final String TOKEN_HEADER = "Converge-Token";

  /** The request header carrying the causal token a read must wait for. */
  public static final String AFTER_HEADER = "Converge-After";

  /** The largest request body accepted. */
  public static final int MAX_BODY_BYTES = 512 * 1024;

  /** The most tokens one {@code POST /tokens/seen} may ask about. */
  public static final int MAX_TOKENS_PER_QUERY = 1_000;

  /** How long a health check may take before the region reports itself down. */
  public static final Duration HEALTH_TIMEOUT = Duration.ofSeconds(1);

  private static final System.Logger LOG = System.getLogger(Region.class.getName());

  private final RegionConfig config;
  private final AdjustableClock clock;
  private final GrpcTransport transport;
  private final Replica replica;
  private final Carts carts;
  private final Key<LWWRegister<Long>> healthKey;
  private final ExecutorService healthChecker;
  private final ObjectMapper json = new ObjectMapper();
  private final Javalin http;

  private Region(RegionConfig config) {
    this.config = config;
    this.clock = new AdjustableClock(config.clockSkew());
    GrpcTransport.Builder grpc =
        GrpcTransport.builder()
            .listen("127.0.0.1", config.grpcPort())
            // Regions on one machine: a peer that is down is dialled again within 250 ms, so a
            // restarted or healed region is reconnected within the game days' recovery target
            // (500 ms). Across real regions the transport's default (up to 10 s) spares the
            // network; this is the knob that trades those redials for recovery time.
            .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(250));
    RegionCertificates.TlsFiles tls = config.tls();
    if (tls == null) {
      // Checked by RegionConfig: every peer is on this machine.
      grpc.plaintext();
    } else {
      grpc.tls(tls.certificate(), tls.privateKey(), tls.trustedCa());
    }
    config.peers().forEach(grpc::peer);
    this.transport = grpc.build();
    this.healthKey = healthKey(config.name());
    Replica.Builder builder =
        Carts.declare(Replica.builder())
            .replicaId(config.name())
            .transport(transport)
            .dataDirectory(config.dataDirectory())
            .physicalClock(clock)
            .maxClockOffset(config.maxClockOffset())
            .consistency(config.consistency())
            .writeTimeout(config.writeTimeout())
            .antiEntropyInterval(config.antiEntropyInterval())
            .resendInterval(Duration.ofMillis(200))
            .keyFamily("health/", name -> healthKey(name.substring("health/".length())));
    this.replica = builder.start();
    this.carts = new Carts(replica, config.writeTimeout());
    this.healthChecker =
        Executors.newSingleThreadExecutor(
            task -> {
              Thread thread = new Thread(task, "region-health-" + config.name());
              thread.setDaemon(true);
              return thread;
            });
    Javalin app;
    try {
      app = Javalin.create(this::configure).start("127.0.0.1", config.httpPort());
    } catch (RuntimeException e) {
      replica.close();
      healthChecker.shutdownNow();
      throw e;
    }
    this.http = app;
  }

  /**
   * Starts a region: opens (or creates) its data directory, starts replication and serves the API.
   *
   * @param config how the region runs
   * @return the running region
   * @throws io.converge.replication.store.StoreException if the data directory cannot be used
   * @throws RuntimeException if a port cannot be bound
   */
  public static Region start(RegionConfig config) {
    return new Region(config);
  }

  private static Key<LWWRegister<Long>> healthKey(String region) {
    if (!Carts.ID.matcher(region).matches()) {
      return null;
    }
    return Key.lwwRegister("health/" + region, ElementCodec.longs());
  }

  private void configure(io.javalin.config.JavalinConfig c) {
    c.http.maxRequestSize = MAX_BODY_BYTES;
    c.startup.showJavalinBanner = false;
    c.routes.get("/carts/{user}", this::view);
    c.routes.post("/carts/{user}/items", this::add);
    c.routes.put("/carts/{user}/items/{item}", this::setQuantity);
    c.routes.delete("/carts/{user}/items/{item}", this::remove);
    c.routes.delete("/carts/{user}/items", this::clear);
    c.routes.put("/carts/{user}/address", this::setAddress);
    c.routes.get("/health", this::health);
    c.routes.get("/stats", this::stats);
    c.routes.post("/tokens/seen", this::seen);
    if (config.admin()) {
      c.routes.put("/admin/clock", this::setClock);
    }
    c.routes.exception(CartException.class, this::cartError);
    c.routes.exception(BadRequest.class, (e, ctx) -> error(ctx, 400, e.getMessage()));
    c.routes.exception(
        WriteTimeoutException.class,
        (e, ctx) -> {
          ctx.header(TOKEN_HEADER, e.token().toString());
          ObjectNode body = errorBody(e.getMessage());
          body.put("token", e.token().toString());
          body.put("applied", true);
          send(ctx, 504, body);
        });
    c.routes.exception(ReadTimeoutException.class, (e, ctx) -> error(ctx, 504, e.getMessage()));
    c.routes.exception(
        ClockSkewException.class,
        (e, ctx) -> {
          // 503: nothing was applied, so the router may send the request to another region.
          ObjectNode body =
              errorBody(
                  "this region refuses writes while its clock is fenced; nothing was written, send"
                      + " the request to another region: "
                      + e.getMessage());
          body.put("applied", false);
          body.set("clock", fenceBody(e.health()));
          send(ctx, 503, body);
        });
    c.routes.exception(IllegalArgumentException.class, (e, ctx) -> error(ctx, 400, e.getMessage()));
    c.routes.exception(
        Exception.class,
        (e, ctx) -> {
          LOG.log(System.Logger.Level.ERROR, "request " + ctx.method() + " " + ctx.path(), e);
          error(ctx, 500, "internal error: " + e);
        });
    c.routes.error(
        404, ctx -> error(ctx, 404, "no such endpoint: " + ctx.method() + " " + ctx.path()));
    c.routes.error(
        413, ctx -> error(ctx, 413, "request body larger than " + MAX_BODY_BYTES + " bytes"));
  }

  // ---- cart endpoints ----

  private void view(Context ctx) {
    String user = ctx.pathParam("user");
    String after = ctx.header(AFTER_HEADER);
    CartView cart =
        after == null || after.isBlank()
            ? carts.view(user)
            : carts.view(user, parseToken(after), config.readTimeout());
    send(ctx, 200, cartBody(cart, null));
  }

  private void add(Context ctx) {
    JsonNode body = body(ctx);
    written(
        ctx,
        carts.add(
            ctx.pathParam("user"),
            text(body, "item"),
            integer(body, "quantity"),
            consistency(ctx)));
  }

  private void setQuantity(Context ctx) {
    JsonNode body = body(ctx);
    written(
        ctx,
        carts.setQuantity(
            ctx.pathParam("user"),
            ctx.pathParam("item"),
            integer(body, "quantity"),
            consistency(ctx)));
  }

  private void remove(Context ctx) {
    written(ctx, carts.remove(ctx.pathParam("user"), ctx.pathParam("item"), consistency(ctx)));
  }

  private void clear(Context ctx) {
    written(ctx, carts.clear(ctx.pathParam("user"), consistency(ctx)));
  }

  private void setAddress(Context ctx) {
    JsonNode body = body(ctx);
    written(ctx, carts.setAddress(ctx.pathParam("user"), text(body, "address"), consistency(ctx)));
  }

  private void written(Context ctx, Carts.Result result) {
    ctx.header(TOKEN_HEADER, result.token().toString());
    send(ctx, 200, cartBody(result.cart(), result.token()));
  }

  private ObjectNode cartBody(CartView cart, CausalToken token) {
    ObjectNode body = json.createObjectNode();
    body.put("user", cart.user());
    body.put("region", config.name());
    ObjectNode items = body.putObject("items");
    cart.items().forEach(items::put);
    body.put("units", cart.units());
    cart.address().ifPresentOrElse(a -> body.put("address", a), () -> body.putNull("address"));
    cart.addressWriter().ifPresent(w -> body.put("addressWriter", w));
    cart.addressTimestamp().ifPresent(t -> body.put("addressTimestamp", t));
    if (token != null) {
      body.put("token", token.toString());
    }
    return body;
  }

  // ---- health, stats, admin ----

  /**
   * Healthy when the replica itself works: its clock is not fenced (it agrees, within the maximum
   * offset, with a majority of the regions) and a write to this region's health key commits to its
   * store within {@link #HEALTH_TIMEOUT}. Peers being unreachable does not make a region unhealthy
   * (it keeps serving its users through a partition); the answer lists them.
   */
  private void health(Context ctx) {
    ObjectNode body = json.createObjectNode();
    body.put("region", config.name());
    ClockHealth clockHealth = replica.clockHealth();
    String problem = clockHealth.fenced() ? clockHealth.reason() : checkReplica();
    body.put("status", problem == null ? "UP" : "DOWN");
    if (problem != null) {
      body.put("reason", problem);
    }
    body.set("clock", fenceBody(replica.clockHealth()));
    body.set("peers", peersBody());
    send(ctx, problem == null ? 200 : 503, body);
  }

  /** The health check's write in flight, and when it started. */
  private record Check(Future<?> result, long startNanos) {}

  /** Guarded by {@code this}: the latest health check's write. */
  private Check lastCheck;

  /**
   * The health check's write to run or join: one at a time, so that concurrent {@code /health}
   * requests (the router's, an operator's) share one write instead of reporting each other stuck.
   */
  private synchronized Check currentCheck() {
    if (lastCheck == null || lastCheck.result().isDone()) {
      lastCheck =
          new Check(
              healthChecker.submit(
                  () ->
                      replica.write(
                          healthKey,
                          r -> r.set(clock.currentTimeMillis(), replica.clock(), replica.self()),
                          Consistency.LOCAL,
                          HEALTH_TIMEOUT)),
              System.nanoTime());
    }
    return lastCheck;
  }

  private String checkReplica() {
    Check check;
    try {
      check = currentCheck();
    } catch (java.util.concurrent.RejectedExecutionException e) {
      return "the region is shutting down";
    }
    long leftNanos = HEALTH_TIMEOUT.toNanos() - (System.nanoTime() - check.startNanos());
    try {
      check.result().get(Math.max(0, leftNanos), TimeUnit.NANOSECONDS);
      return null;
    } catch (TimeoutException e) {
      return "a write to the replica did not commit within "
          + HEALTH_TIMEOUT
          + " (it started "
          + (System.nanoTime() - check.startNanos()) / 1_000_000
          + " ms ago)";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof ClockSkewException fenced) {
        // Fenced between the clock-health read and the write.
        return fenced.health().reason();
      }
      return "a write to the replica failed: " + e.getCause();
    }
  }

  /** The clock fence: whether this region's clock disagrees with a majority of the regions. */
  private ObjectNode fenceBody(ClockHealth health) {
    ObjectNode body = json.createObjectNode();
    body.put("fenced", health.fenced());
    body.put("refusesWrites", health.refusesWrites());
    var disagreeing = body.putArray("disagreeing");
    health.disagreeing().stream().map(Object::toString).sorted().forEach(disagreeing::add);
    body.put("peers", health.peers());
    if (health.fenced()) {
      body.put("reason", health.reason());
    }
    return body;
  }

  private ObjectNode peersBody() {
    ObjectNode peers = json.createObjectNode();
    for (Map.Entry<io.converge.clocks.ReplicaId, PeerStatus> e : replica.peers().entrySet()) {
      PeerStatus status = e.getValue();
      ObjectNode peer = peers.putObject(e.getKey().name());
      peer.put("connected", status.connected());
      peer.put("pendingDeltas", status.pendingDeltas());
      peer.put("lagMillis", status.lagMillis());
    }
    return peers;
  }

  private void stats(Context ctx) {
    Stats stats = replica.stats();
    ObjectNode body = json.createObjectNode();
    body.put("region", config.name());
    body.put("deltasSent", stats.deltasSent());
    body.put("deltasReceived", stats.deltasReceived());
    body.put("fullStatesSent", stats.fullStatesSent());
    body.put("fullStatesReceived", stats.fullStatesReceived());
    body.put("digestRounds", stats.digestRounds());
    body.put("oversizedDeltas", stats.oversizedDeltas());
    // Every reason the library knows, zero or more: a reason added to the library shows up here.
    ObjectNode rejected = body.putObject("rejected");
    ObjectNode rejectsReceived = body.putObject("rejectsReceived");
    for (WireException.Reason reason : WireException.Reason.values()) {
      rejected.put(reason.name(), stats.rejected(reason));
      rejectsReceived.put(reason.name(), stats.rejectsReceived().getOrDefault(reason, 0L));
    }
    ObjectNode clockBody = body.putObject("clock");
    clockBody.put("skewMillis", clock.skew().toMillis());
    clockBody.put("maxOffsetMillis", replica.clock().maxOffset().toMillis());
    clockBody.put("hlc", replica.clock().current().toString());
    clockBody.set("fence", fenceBody(replica.clockHealth()));
    body.set("peers", peersBody());
    send(ctx, 200, body);
  }

  /**
   * Which of the given causal tokens' writes this region holds: {@code {"tokens": [...]}} answers
   * {@code {"seen": [true, false, ...]}} in the same order, without waiting. How the game days
   * measure replication lag: the age of the oldest acknowledged write a region does not hold.
   */
  private void seen(Context ctx) {
    JsonNode tokens = body(ctx).get("tokens");
    if (tokens == null || !tokens.isArray()) {
      throw new BadRequest("field \"tokens\" must be an array of causal tokens");
    }
    if (tokens.size() > MAX_TOKENS_PER_QUERY) {
      throw new BadRequest(
          "at most " + MAX_TOKENS_PER_QUERY + " tokens per query: " + tokens.size());
    }
    ObjectNode answer = json.createObjectNode();
    answer.put("region", config.name());
    var seen = answer.putArray("seen");
    for (int i = 0; i < tokens.size(); i++) {
      JsonNode token = tokens.get(i);
      if (!token.isTextual()) {
        throw new BadRequest("tokens[" + i + "] must be a string: " + abbreviate(token));
      }
      CausalToken parsed;
      try {
        parsed = CausalToken.parse(token.textValue());
      } catch (IllegalArgumentException e) {
        throw new BadRequest("tokens[" + i + "] is not a causal token: " + e.getMessage());
      }
      seen.add(replica.hasSeen(parsed));
    }
    send(ctx, 200, answer);
  }

  private void setClock(Context ctx) {
    JsonNode body = body(ctx);
    long skew = integer(body, "skewMillis");
    clock.skew(Duration.ofMillis(skew));
    LOG.log(System.Logger.Level.INFO, "clock skew of " + config.name() + " set to " + skew + " ms");
    ObjectNode answer = json.createObjectNode();
    answer.put("region", config.name());
    answer.put("skewMillis", clock.skew().toMillis());
    send(ctx, 200, answer);
  }

  // ---- request parsing ----

  /** A request the API cannot parse; answered with 400 and the message. */
  private static final class BadRequest extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BadRequest(String message) {
      super(message);
    }
  }

  private JsonNode body(Context ctx) {
    String text = ctx.body();
    if (text.isBlank()) {
      throw new BadRequest("a JSON object body is required");
    }
    JsonNode node;
    try {
      node = json.readTree(text);
    } catch (JsonProcessingException e) {
      throw new BadRequest("body is not JSON: " + e.getOriginalMessage());
    }
    if (node == null || !node.isObject()) {
      throw new BadRequest("body must be a JSON object: " + abbreviate(text));
    }
    return node;
  }

  private static String text(JsonNode body, String field) {
    JsonNode value = body.get(field);
    if (value == null || value.isNull()) {
      throw new BadRequest("field \"" + field + "\" is required");
    }
    if (!value.isTextual()) {
      throw new BadRequest("field \"" + field + "\" must be a string: " + abbreviate(value));
    }
    return value.textValue();
  }

  private static long integer(JsonNode body, String field) {
    JsonNode value = body.get(field);
    if (value == null || value.isNull()) {
      throw new BadRequest("field \"" + field + "\" is required");
    }
    if (!value.isIntegralNumber() || !value.canConvertToLong()) {
      throw new BadRequest("field \"" + field + "\" must be an integer: " + abbreviate(value));
    }
    return value.longValue();
  }

  private Consistency consistency(Context ctx) {
    String header = ctx.header(CONSISTENCY_HEADER);
    if (header == null || header.isBlank()) {
      return config.consistency();
    }
    try {
      return Consistency.valueOf(header.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new BadRequest(
          CONSISTENCY_HEADER + " must be LOCAL, QUORUM or ALL: " + abbreviate(header));
    }
  }

  private static CausalToken parseToken(String text) {
    try {
      return CausalToken.parse(text.trim());
    } catch (IllegalArgumentException e) {
      throw new BadRequest(AFTER_HEADER + " is not a causal token: " + e.getMessage());
    }
  }

  private static String abbreviate(Object value) {
    String s = String.valueOf(value);
    return s.length() > 80 ? s.substring(0, 80) + "..." : s;
  }

  // ---- responses ----

  private void cartError(CartException e, Context ctx) {
    error(ctx, e.kind() == CartException.Kind.CONFLICT ? 409 : 400, e.getMessage());
  }

  private ObjectNode errorBody(String message) {
    ObjectNode body = json.createObjectNode();
    body.put("error", message);
    body.put("region", config.name());
    return body;
  }

  private void error(Context ctx, int status, String message) {
    send(ctx, status, errorBody(message));
  }

  private void send(Context ctx, int status, JsonNode body) {
    try {
      ctx.status(status).contentType("application/json").result(json.writeValueAsString(body));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON", e);
    }
  }

  // ---- accessors ----

  /**
   * Returns the port the cart API listens on.
   *
   * @return the HTTP port
   */
  public int httpPort() {
    return http.port();
  }

  /**
   * Returns the port replication listens on.
   *
   * @return the gRPC port
   */
  public int grpcPort() {
    return transport.port();
  }

  /**
   * Returns the region's replica.
   *
   * @return the replica
   */
  public Replica replica() {
    return replica;
  }

  /**
   * Returns the region's carts.
   *
   * @return the carts
   */
  public Carts carts() {
    return carts;
  }

  /**
   * Returns the region's wall clock, whose skew a game day can change.
   *
   * @return the clock
   */
  public AdjustableClock clock() {
    return clock;
  }

  /** Stops serving the API, then closes the replica (which stops replication). */
  @Override
  public void close() {
    http.stop();
    healthChecker.shutdownNow();
    replica.close();
  }
}
