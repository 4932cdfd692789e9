package dev.agentbus.http;

import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.Bus;
import dev.agentbus.bus.BusError;
import dev.agentbus.config.Redacted;
import dev.agentbus.config.Settings;
import dev.agentbus.util.Draining;
import dev.agentbus.util.Times;
import java.util.List;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.CheckResult;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code /health} (and {@code /health/ready}): store and cluster state, 503 when not ready (a draining
 * node, see {@link Draining}, is not ready: {@code draining: true}, nothing checked); each MCP
 * server's state on this node ({@code dependencies.mcp_servers}) and the engines this node can run
 * ({@code dependencies.engines}: the OpenAI-compatible endpoint configured or not, never called),
 * reported but never making the node unhealthy; {@code /health/live}. Served under {@code /api/v1}
 * and at the root, where probes and load balancers look.
 */
final class HealthRoutes {
  static final String VERSION = "0.1.0";
  private static final long CHECK_TIMEOUT_MS = 3_000;
  private static final long STARTED = System.currentTimeMillis();

  private final Vertx vertx;
  private final HealthChecks checks;

  HealthRoutes(Vertx vertx, Settings.Engines engines) {
    this.vertx = vertx;
    this.checks = HealthChecks.create(vertx)
        .register("mongodb", CHECK_TIMEOUT_MS, promise ->
            Bus.request(vertx, Addresses.STORE_PING, new JsonObject(), Bus.withRequestId(null).setSendTimeout(CHECK_TIMEOUT_MS))
                .onSuccess(ping -> promise.tryComplete(Status.OK(ping)))
                .onFailure(failure -> promise.tryComplete(Status.KO(new JsonObject().put("error", BusError.from(failure, "health", null).getMessage())))))
        .register("cluster", CHECK_TIMEOUT_MS, promise -> promise.complete(clusterStatus()))
        // Reported, never failing readiness: a down MCP server is its owner's problem, not this node's.
        .register("mcp_servers", CHECK_TIMEOUT_MS, promise ->
            Bus.request(vertx, Addresses.MCP_STATUS, new JsonObject(), Bus.withRequestId(null).setSendTimeout(CHECK_TIMEOUT_MS))
                .onSuccess(status -> promise.tryComplete(Status.OK(mcpSummary(status.getJsonArray("servers", new JsonArray())))))
                .onFailure(failure -> promise.tryComplete(Status.OK(new JsonObject().put("servers", new JsonArray())
                    .put("error", BusError.from(failure, "health", null).getMessage())))))
        // Configuration only: asking a paid API whether it is up would cost money on every probe.
        .register("engines", CHECK_TIMEOUT_MS, promise -> promise.complete(Status.OK(engineSummary(engines))));
  }

  /**
   * {@code {default_type, dummy: {available}, openai: {base_url, api_key_set, model}}} (a local
   * OpenAI-compatible server may need no key; the key itself is never shown).
   */
  static JsonObject engineSummary(Settings.Engines engines) {
    Settings.OpenAi openai = engines.openai();
    boolean keyed = openai.apiKey() != null && !openai.apiKey().isBlank();
    return new JsonObject().put("default_type", engines.defaultType())
        .put("dummy", new JsonObject().put("available", true))
        .put("openai", new JsonObject().put("base_url", Redacted.withoutCredentials(openai.baseUrl())).put("api_key_set", keyed)
            .put("model", openai.model()));
  }

  /** {@code {servers: [{server_id, name, url, status, last_error, tool_count}], connected, unavailable}}. */
  private static JsonObject mcpSummary(JsonArray servers) {
    long connected = servers.stream().filter(s -> "connected".equals(((JsonObject) s).getString("status"))).count();
    return new JsonObject().put("servers", servers).put("connected", connected).put("unavailable", servers.size() - connected);
  }

  void mount(Router router) {
    for (String base : List.of(Api.BASE, "")) {
      router.get(base + "/health").handler(this::ready);
      router.get(base + "/health/ready").handler(this::ready);
      router.get(base + "/health/live").handler(ctx -> Api.json(ctx, 200, new JsonObject().put("status", "UP")
          .put("timestamp", Times.now()).put("version", VERSION)));
    }
  }

  private void ready(RoutingContext ctx) {
    if (Draining.isDraining(vertx)) {
      // Readiness goes first in a shutdown: the load balancer stops sending here while the node drains.
      Api.json(ctx, 503, new JsonObject().put("status", "unhealthy").put("draining", true).put("timestamp", Times.now())
          .put("version", VERSION).put("node_id", dev.agentbus.util.Nodes.self(vertx)));
      return;
    }
    checks.checkStatus().onSuccess(result -> {
      JsonObject dependencies = new JsonObject();
      for (CheckResult check : result.getChecks()) {
        JsonObject data = check.getData() == null ? new JsonObject() : check.getData().copy();
        dependencies.put(check.getId(), data.put("status", Boolean.TRUE.equals(check.getUp()) ? "UP" : "DOWN"));
      }
      boolean up = CheckResult.isUp(result);
      Api.json(ctx, up ? 200 : 503, new JsonObject()
          .put("status", up ? "healthy" : "unhealthy")
          .put("timestamp", Times.now())
          .put("version", VERSION)
          .put("uptime_seconds", (System.currentTimeMillis() - STARTED) / 1000)
          .put("node_id", dev.agentbus.util.Nodes.self(vertx))
          .put("dependencies", dependencies));
    }).onFailure(failure -> Api.fail(ctx, failure));
  }

  private Status clusterStatus() {
    if (!vertx.isClustered()) {
      return Status.OK(new JsonObject().put("mode", "standalone").put("members", 1));
    }
    var manager = ((VertxInternal) vertx).clusterManager();
    if (!manager.isActive()) {
      return Status.KO(new JsonObject().put("mode", "clustered").put("error", "not a cluster member"));
    }
    return Status.OK(new JsonObject().put("mode", "clustered").put("members", manager.getNodes().size())
        .put("nodes", new JsonArray(manager.getNodes())));
  }
}
