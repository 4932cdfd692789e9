package dev.agentbus.http;

import dev.agentbus.bus.Addresses;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Event handlers, session scope ({@code /sessions/{id}/handlers/events}) and global scope ({@code
 * /handlers/events}; no auth yet: the admin scope comes with identity), and dead letters ({@code
 * /handlers/dead-letters}). Bodies are checked like command handlers' ({@link HandlerRoutes}).
 */
record EventHandlerRoutes(Api api, Limits limits) {
  /** An exact type, a prefix ending in {@code *}, or {@code *} alone (every event). */
  static final Pattern EVENT_TYPE = Pattern.compile("\\*|[A-Za-z0-9][A-Za-z0-9._:-]{0,199}\\*?");
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9_]{1,100}");

  void mount(Router router) {
    for (boolean global : List.of(false, true)) {
      String base = global ? Api.BASE + "/handlers/events" : Api.BASE + "/sessions/:session_id/handlers/events";
      router.post(base).handler(ctx -> register(ctx, global));
      router.get(base).handler(ctx -> api.forward(ctx, Addresses.EVENT_HANDLER_LIST, HandlerRoutes.scopeRequest(ctx, global), 200));
      router.delete(base + "/:event_type").handler(ctx -> api.forward(ctx, Addresses.EVENT_HANDLER_UNREGISTER,
          HandlerRoutes.scopeRequest(ctx, global).put("event_type", ctx.pathParam("event_type")), 200));
    }
    router.get(Api.BASE + "/handlers/dead-letters").handler(this::deadLetters);
    router.post(Api.BASE + "/handlers/dead-letters/:dead_letter_id/retry").handler(ctx ->
        api.forwardPlain(ctx, Addresses.DEAD_LETTER_RETRY, Api.path(ctx, "dead_letter_id"), 200));
  }

  private static JsonObject scope(RoutingContext ctx, boolean global) {
    return global ? new JsonObject() : Api.path(ctx, "session_id");
  }

  private void register(RoutingContext ctx, boolean global) {
    JsonObject body = Api.body(ctx);
    HandlerRoutes.refuseCode(body);
    Validator check = Validator.of(ctx);
    check.onlyKeys(body, "", List.of("event_type", "handler", "timeout_ms"));
    String type = check.string(body, "", "event_type", true, 201);
    check.pattern("event_type", type, EVENT_TYPE,
        "an event type (letters, digits and . _ : -), a prefix of one ending in '*', or '*' alone (every event)");
    Integer timeout = check.integer(body, "", "timeout_ms", false, 1, 300_000);
    JsonObject handler = check.object(body, "", "handler", true);
    if (handler != null) {
      HandlerRoutes.handler(check, handler);
    }
    check.throwIfInvalid();
    JsonObject request = scope(ctx, global).put("event_type", type).put("handler", handler);
    if (timeout != null) {
      request.put("timeout_ms", timeout);
    }
    String collection = global ? "/handlers/events" : "/sessions/" + ctx.pathParam("session_id") + "/handlers/events";
    api.create(ctx, Future.succeededFuture(), Addresses.EVENT_HANDLER_REGISTER, request, collection, "event_type");
  }

  private void deadLetters(RoutingContext ctx) {
    Validator check = Validator.of(ctx, "limit", "cursor", "session_id", "handler_id", "tenant_id");
    JsonObject query = new JsonObject().put("limit", check.limit(ctx, limits)).put("tenant_id", check.tenantQuery(ctx));
    String cursor = check.idCursor(ctx);
    if (cursor != null) {
      query.put("cursor", cursor);
    }
    for (String filter : List.of("session_id", "handler_id")) {
      String value = check.queryString(ctx, filter);
      check.pattern(filter, value, ID, "an id");
      if (value != null) {
        query.put(filter, value);
      }
    }
    check.throwIfInvalid();
    api.forward(ctx, Addresses.DEAD_LETTER_LIST, query, 200);
  }
}
