package dev.agentbus.http;

import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.util.Draining;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * While this node drains ({@link Draining}), refuses what would start work here — any write, any
 * new stream (SSE or WebSocket) — with 503 {@code SERVICE_UNAVAILABLE} and {@code Retry-After}, so
 * the client goes to another node; reads (polls, lists, health, status) are still answered.
 */
final class DrainGate implements Handler<RoutingContext> {
  private final Vertx vertx;

  DrainGate(Vertx vertx) {
    this.vertx = vertx;
  }

  @Override
  public void handle(RoutingContext ctx) {
    if (!Draining.isDraining(vertx) || isPlainRead(ctx)) {
      ctx.next();
      return;
    }
    ctx.response().putHeader("Retry-After", String.valueOf(Draining.RETRY_AFTER_SECONDS));
    Api.fail(ctx, new BusError(ErrorCode.SERVICE_UNAVAILABLE, "This node is shutting down; retry through another node",
        new JsonObject().put("reason", "shutting_down").put("retry_after_s", Draining.RETRY_AFTER_SECONDS)));
  }

  private static boolean isPlainRead(RoutingContext ctx) {
    HttpMethod method = ctx.request().method();
    return (method == HttpMethod.GET || method == HttpMethod.HEAD || method == HttpMethod.OPTIONS) && !StreamRequests.test(ctx);
  }
}
