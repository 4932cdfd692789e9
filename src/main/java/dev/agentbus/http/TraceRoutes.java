package dev.agentbus.http;

import dev.agentbus.bus.Addresses;
import dev.agentbus.trace.TraceVerticle;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

/**
 * {@code GET /observability/traces/{trace_id}}: one request's spans from every node (stored by
 * each node's {@link TraceVerticle}); {@code metrics:read}, and a tenant's key reads only traces of
 * its own requests.
 */
record TraceRoutes(Api api) {
  void mount(Router router) {
    router.get(Api.BASE + "/observability/traces/:trace_id").handler(ctx -> api.forwardPlain(ctx, Addresses.TRACE_GET,
        new JsonObject().put("trace_id", ctx.pathParam("trace_id")), 200));
  }
}
