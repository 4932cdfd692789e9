package dev.agentbus.http;

import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.Bus;
import dev.agentbus.bus.SharedNames;
import dev.agentbus.config.Redacted;
import dev.agentbus.config.Settings;
import dev.agentbus.stream.StreamSlots;
import dev.agentbus.util.Nodes;
import dev.agentbus.util.Times;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /status} (scope {@code metrics:read}): this node, the cluster's members with their HTTP
 * addresses, open streams on this node, commands not yet final across the cluster, the store's
 * latency — each read from memory or one ping, never a scan of stored data (so sessions are not
 * counted). {@code GET /config} (scope {@code admin}): the node's effective configuration, {@link
 * Redacted secrets redacted}. {@code POST /shutdown} (scope {@code admin}): a graceful shutdown of this node.
 */
final class SystemRoutes {
  private static final long PING_TIMEOUT_MS = 3_000;
  private static final Instant STARTED = Instant.now();

  private final Vertx vertx;
  private final JsonObject config;
  private final Settings.Http http;
  private final long graceMs;

  SystemRoutes(Vertx vertx, JsonObject config, Settings settings) {
    this.vertx = vertx;
    this.config = config;
    this.http = settings.http();
    this.graceMs = settings.shutdown().graceMs();
  }

  void mount(Router router) {
    router.get(Api.BASE + "/status").handler(this::status);
    router.get(Api.BASE + "/config").handler(this::config);
    router.post(Api.BASE + "/shutdown").handler(this::shutdown);
  }

  /**
   * Marks this node not ready in {@link SharedNames#HTTP_NODES} (what {@code GET /status} shows of
   * it), keeping the rest of its entry.
   */
  static Future<Void> withdraw(Vertx vertx) {
    String self = Nodes.self(vertx);
    return vertx.sharedData().<String, JsonObject>getAsyncMap(SharedNames.HTTP_NODES)
        .compose(map -> map.get(self).compose(entry -> entry == null ? Future.succeededFuture()
            : map.put(self, entry.copy().put("ready", false))));
  }

  /**
   * Puts this node into {@link SharedNames#HTTP_NODES} once its HTTP edge listens on {@code port}
   * (every HTTP verticle instance writes the same entry).
   */
  Future<Void> announce(int port) {
    JsonObject entry = new JsonObject().put("node_id", Nodes.self(vertx)).put("http_address", http.host() + ":" + port)
        .put("version", HealthRoutes.VERSION).put("started_at", Times.format(STARTED)).put("ready", true);
    return nodes().compose(map -> map.put(entry.getString("node_id"), entry));
  }

  private Future<AsyncMap<String, JsonObject>> nodes() {
    return vertx.sharedData().getAsyncMap(SharedNames.HTTP_NODES);
  }

  /**
   * {@code POST /shutdown} (admin): 202 at once, then the node shuts down gracefully, the same way
   * as on SIGTERM ({@link Addresses#NODE_SHUTDOWN}).
   */
  private void shutdown(RoutingContext ctx) {
    Validator.of(ctx).throwIfInvalid();
    // Draining before the answer: once the caller has its 202, readiness is 503 and new work refused.
    dev.agentbus.util.Draining.begin(vertx);
    Api.json(ctx, 202, new JsonObject().put("node_id", Nodes.self(vertx)).put("status", "shutting_down")
        .put("grace_ms", graceMs));
    vertx.eventBus().send(Addresses.NODE_SHUTDOWN, new JsonObject().put("request_id", Api.requestId(ctx)));
  }

  private void config(RoutingContext ctx) {
    Validator.of(ctx).throwIfInvalid();
    Api.json(ctx, 200, new JsonObject().put("node_id", Nodes.self(vertx)).put("config", Redacted.of(config)));
  }

  private void status(RoutingContext ctx) {
    Validator.of(ctx).throwIfInvalid();
    String self = Nodes.self(vertx);
    List<String> live = Nodes.live(vertx);
    Future<Map<String, JsonObject>> announced = nodes().compose(AsyncMap::entries);
    Future<Integer> openCommands = vertx.sharedData().<String, JsonObject>getAsyncMap(SharedNames.OPEN_COMMANDS)
        .compose(AsyncMap::size);
    Future<JsonObject> store = Bus.request(vertx, Addresses.STORE_PING, new JsonObject(),
            Bus.withRequestId(Api.requestId(ctx)).setSendTimeout(PING_TIMEOUT_MS))
        .map(ping -> ping.copy().put("status", "UP"))
        .otherwise(failure -> new JsonObject().put("status", "DOWN").put("error", failure.getMessage()));
    Future.join(announced, openCommands, store).onComplete(done -> {
      JsonArray members = new JsonArray();
      Map<String, JsonObject> entries = announced.succeeded() ? announced.result() : Map.of();
      for (String node : live) {
        JsonObject entry = entries.get(node);
        members.add(new JsonObject().put("node_id", node).put("self", node.equals(self))
            .put("http_address", entry == null ? null : entry.getString("http_address"))
            // a member without an HTTP edge (a bus service) is listed, never ready to serve HTTP
            .put("ready", entry != null && entry.getBoolean("ready", false))
            .put("version", entry == null ? null : entry.getString("version"))
            .put("started_at", entry == null ? null : entry.getString("started_at")));
      }
      Api.json(ctx, 200, new JsonObject()
          .put("node_id", self)
          .put("version", HealthRoutes.VERSION)
          .put("started_at", Times.format(STARTED))
          .put("uptime_seconds", (System.currentTimeMillis() - STARTED.toEpochMilli()) / 1000)
          .put("timestamp", Times.now())
          .put("cluster", new JsonObject().put("mode", vertx.isClustered() ? "clustered" : "standalone")
              .put("member_count", live.size()).put("members", members))
          .put("streams", new JsonObject().put("open", StreamSlots.openOn(vertx)))
          .put("commands", new JsonObject().put("open", openCommands.succeeded() ? openCommands.result() : null))
          .put("store", store.result()));
    });
  }
}
