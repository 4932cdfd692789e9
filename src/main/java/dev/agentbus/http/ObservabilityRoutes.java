package dev.agentbus.http;

import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.metrics.Metrics;
import dev.agentbus.metrics.MetricsSummary;
import dev.agentbus.util.Times;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code GET /metrics} (at the root): this node's meters in the Prometheus text format; {@code GET
 * /observability/metrics}: the same as a JSON summary. Both need {@code metrics:read}; both are 503
 * when metrics are off ({@code metrics.enabled: false}).
 */
final class ObservabilityRoutes {
  /** The text exposition format 0.0.4, as Prometheus asks for it by default. */
  static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  private final Vertx vertx;

  ObservabilityRoutes(Vertx vertx) {
    this.vertx = vertx;
    Metrics.declare();
  }

  void mount(Router router) {
    router.get("/metrics").handler(this::scrape);
    router.get(Api.BASE + "/observability/metrics").handler(this::summary);
  }

  private void scrape(RoutingContext ctx) {
    // Off the event loop: a scrape formats every series (a few hundred, all with bounded labels).
    vertx.executeBlocking(Metrics::scrape, false).onComplete(done -> {
      if (done.failed()) {
        Api.fail(ctx, done.cause());
      } else if (done.result() == null) {
        Api.fail(ctx, disabled());
      } else if (!ctx.response().ended()) {
        ctx.response().putHeader("Content-Type", PROMETHEUS_TEXT).end(done.result());
      }
    });
  }

  private void summary(RoutingContext ctx) {
    if (ctx.request().getParam("session_id") != null) {
      Api.fail(ctx, new BusError(ErrorCode.VALIDATION_ERROR, "Metrics are not kept per session (their labels are "
          + "bounded); read the session's events for its activity", new JsonObject().put("field", "session_id")));
      return;
    }
    JsonObject summary = MetricsSummary.of();
    if (summary == null) {
      Api.fail(ctx, disabled());
      return;
    }
    Api.json(ctx, 200, summary.put("node_id", dev.agentbus.util.Nodes.self(vertx)).put("timestamp", Times.now()));
  }

  private static BusError disabled() {
    return new BusError(ErrorCode.SERVICE_UNAVAILABLE, "Metrics are off on this node (metrics.enabled: false)");
  }
}
