package dev.agentbus.support;

import dev.agentbus.MainVerticle;
import dev.agentbus.config.AppConfig;
import dev.agentbus.config.Settings;
import dev.agentbus.metrics.Metrics;
import dev.agentbus.store.Store;
import dev.agentbus.trace.NodeTracing;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;

/**
 * A real agentbus node for tests: its own Vert.x, with metrics and tracing as {@code Main} starts it (or a given,
 * possibly clustered, one), the embedded store in memory unless a MongoDB URI is given, real HTTP
 * and WebSocket clients.
 * Blocking helpers ({@code await}) are for the JUnit thread only.
 */
public final class TestNode implements AutoCloseable {
  /**
   * What the suite runs with beyond the production defaults: every trace recorded (production
   * samples 1%) and INFO records kept in the store (production keeps WARN and above), so tests can
   * read any request's spans and logs.
   */
  public static final JsonObject TEST_DEFAULTS = new JsonObject()
      .put("tracing", new JsonObject().put("sample_ratio", 1.0))
      .put("logs", new JsonObject().put("store_level", "INFO"));
  private final Vertx vertx;
  private final boolean ownsVertx;
  private final int port;
  private final String deploymentId;
  private final WebClient client;
  private final HttpClient http;
  private final WebSocketClient webSockets;
  private final JsonObject config;
  private boolean stopped;

  private TestNode(Vertx vertx, boolean ownsVertx, int port, String deploymentId, JsonObject config) {
    this.vertx = vertx;
    this.config = config;
    this.ownsVertx = ownsVertx;
    this.port = port;
    this.deploymentId = deploymentId;
    this.client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
    this.http = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
    this.webSockets = vertx.createWebSocketClient(new WebSocketClientOptions().setDefaultHost("127.0.0.1")
        .setDefaultPort(port).setMaxFrameSize(1 << 20).setMaxMessageSize(1 << 22));
  }

  /** A standalone node with an in-memory embedded store; {@code overrides} merge into the defaults. */
  public static TestNode start(JsonObject overrides) {
    JsonObject tracing = TEST_DEFAULTS.copy().mergeIn(overrides, true);
    return start(NodeTracing.enable(Vertx.builder().with(Metrics.enable(new VertxOptions(), Settings.of(overrides).metrics().enabled())),
        tracing).build(), true, overrides);
  }

  /**
   * Overrides for a node whose embedded store is an H2 file in {@code dataDir} (so a node started
   * later on the same directory sees its data) and whose reaper sweeps every 200 ms.
   */
  public static JsonObject onDisk(java.nio.file.Path dataDir) {
    return new JsonObject()
        .put("store", new JsonObject().put("embedded", "h2").put("data_dir", dataDir.toString()))
        .put("commands", new JsonObject().put("reaper_period_ms", 200));
  }

  public static TestNode start() {
    return start(new JsonObject());
  }

  /** A node on the given Vert.x (e.g. a clustered one); the caller keeps ownership of it. */
  public static TestNode start(Vertx vertx, boolean ownsVertx, JsonObject overrides) {
    // A free port can be taken by another process between freePort() and the listen: try another.
    for (int attempt = 1; ; attempt++) {
      try {
        return startOn(vertx, ownsVertx, overrides, freePort());
      } catch (RuntimeException e) {
        if (attempt == 3 || !portTaken(e)) {
          throw e;
        }
      }
    }
  }

  private static boolean portTaken(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof java.net.BindException) {
        return true;
      }
    }
    return false;
  }

  private static TestNode startOn(Vertx vertx, boolean ownsVertx, JsonObject overrides, int port) {
    JsonObject config = AppConfig.defaults();
    config.getJsonObject("store").put("embedded", "memory");
    config.getJsonObject("http").put("port", port).put("host", "127.0.0.1").put("instances", 2);
    config.getJsonObject("engines").getJsonObject("dummy").put("token_delay_ms", 1);
    // One event per model delta, so tests can count them (the coalescing has its own test).
    config.getJsonObject("engines").put("token_flush_ms", 0).put("token_max_hold_ms", 0);
    config.getJsonObject("sessions").put("cache_ttl_ms", 1000);
    // A stop drains first: a command still running gets this long, not the production 20 s.
    config.getJsonObject("shutdown").put("grace_ms", 1000);
    config.mergeIn(TEST_DEFAULTS.copy(), true);
    // The suite hits one node hard from one address: limits far above it, so only the rate-limit
    // tests (which set their own, low ones) meet them. Every response still carries the headers.
    JsonObject tiers = config.getJsonObject("limits").getJsonObject("tiers");
    tiers.fieldNames().forEach(tier -> tiers.put(tier, 10_000_000));
    config.getJsonObject("limits").put("stream_connects_per_ip", 10_000_000).put("max_streams_per_principal", 100_000)
        .put("max_inflight_runs", 100_000);
    config.mergeIn(overrides, true);
    String id = vertx.deployVerticle(new MainVerticle(), new DeploymentOptions().setConfig(config))
        .await();
    return new TestNode(vertx, ownsVertx, port, id, config);
  }

  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Vertx vertx() {
    return vertx;
  }

  /**
   * The node's own store client (for tests that seed documents another part writes): the shared
   * client is looked up by its pool name, so the store URI the node resolved at start applies.
   */
  public MongoClient mongo() {
    return Store.client(vertx, Settings.of(config).mongo());
  }

  /** The configuration the node was started with. */
  public JsonObject config() {
    return config;
  }

  public int port() {
    return port;
  }

  public WebClient client() {
    return client;
  }

  public HttpClient http() {
    return http;
  }

  /** Opens a WebSocket to an API path (with query), e.g. {@code /sessions/x/events/stream?after_seq=0}. */
  public WebSocket webSocket(String apiPath) {
    return webSockets.connect(port, "127.0.0.1", "/api/v1" + apiPath).await();
  }

  public Future<WebSocket> connectWebSocket(String apiPath) {
    return webSockets.connect(port, "127.0.0.1", "/api/v1" + apiPath);
  }

  // ---- blocking JSON helpers for the test thread ----

  public HttpResponse<Buffer> post(String apiPath, JsonObject body) {
    return client.request(HttpMethod.POST, "/api/v1" + apiPath).sendJsonObject(body).await();
  }

  public HttpResponse<Buffer> patch(String apiPath, JsonObject body) {
    return client.request(HttpMethod.PATCH, "/api/v1" + apiPath).sendJsonObject(body).await();
  }

  public HttpResponse<Buffer> get(String apiPath) {
    return client.request(HttpMethod.GET, "/api/v1" + apiPath).send().await();
  }

  public HttpResponse<Buffer> delete(String apiPath) {
    return client.request(HttpMethod.DELETE, "/api/v1" + apiPath).send().await();
  }

  /** Creates a session and returns its id. */
  public String createSession() {
    HttpResponse<Buffer> created = post("/sessions", new JsonObject().put("name", "test"));
    if (created.statusCode() != 201) {
      throw new IllegalStateException("session create failed: " + created.statusCode() + " " + created.bodyAsString());
    }
    return created.bodyAsJsonObject().getString("session_id");
  }

  /**
   * Stops the node as {@code Main}'s shutdown does (undeploys its {@code MainVerticle}: its verticles
   * in reverse order, then its store) but keeps this Vert.x and the clients, so a test can watch what
   * stopping does to open connections. Throws if the undeploy failed. {@link #close} still closes the rest.
   */
  public void stop() {
    stopped = true;
    vertx.undeploy(deploymentId).await();
  }

  @Override
  public void close() {
    client.close();
    http.close().await();
    webSockets.close().await();
    // The node first (its verticles in reverse order, then its store), then Vert.x, as Main does.
    // A node shut down through POST /shutdown has undeployed itself (and closed its Vert.x).
    if (!stopped && vertx.deploymentIDs().contains(deploymentId)) {
      try {
        vertx.undeploy(deploymentId).await();
      } catch (IllegalStateException e) {
        // Its own shutdown got there first, between the check and the undeploy.
      }
    }
    if (ownsVertx) {
      vertx.close().await();
    }
  }
}
