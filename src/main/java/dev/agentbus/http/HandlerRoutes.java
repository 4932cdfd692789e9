package dev.agentbus.http;

import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Registered command handlers, session scope ({@code /sessions/{id}/handlers/commands}) and global
 * scope ({@code /handlers/commands}; no auth yet: the admin scope comes with identity), and an
 * asynchronous webhook's answer ({@code POST /sessions/{id}/commands/{cid}/result}).
 */
record HandlerRoutes(Api api) {
  /** Keys that would carry source code: never executed, refused before any other check of the body. */
  static final List<String> CODE_KEYS = List.of("function_code", "handler_function", "code");
  static final Pattern COMMAND_TYPE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,199}");
  static final Pattern ADDRESS = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:/-]{0,254}");
  private static final String BEARER = "bearer ";

  void mount(Router router) {
    for (boolean global : List.of(false, true)) {
      String base = global ? Api.BASE + "/handlers/commands" : Api.BASE + "/sessions/:session_id/handlers/commands";
      router.post(base).handler(ctx -> register(ctx, global));
      router.get(base).handler(ctx -> api.forward(ctx, Addresses.HANDLER_LIST, scopeRequest(ctx, global), 200));
      router.delete(base + "/:command_type").handler(ctx -> api.forward(ctx, Addresses.HANDLER_UNREGISTER,
          scopeRequest(ctx, global).put("command_type", ctx.pathParam("command_type")), 200));
    }
    router.post(Api.BASE + "/sessions/:session_id/commands/:command_id/result").handler(this::result);
  }

  private static JsonObject scope(RoutingContext ctx, boolean global) {
    return global ? new JsonObject() : Api.path(ctx, "session_id");
  }

  /**
   * The scope of a registry request (list, get, remove): a session's (no query), or the global one,
   * where {@code ?tenant_id=} picks the tenant whose global scope the admin addresses (a list: every
   * tenant's without it; else the admin's own, {@code default}'s).
   */
  static JsonObject scopeRequest(RoutingContext ctx, boolean global) {
    if (!global) {
      Validator.of(ctx).throwIfInvalid();
      return scope(ctx, false);
    }
    Validator check = Validator.of(ctx, dev.agentbus.auth.Tenancy.FIELD);
    String tenant = check.tenantQuery(ctx);
    check.throwIfInvalid();
    return new JsonObject().put(dev.agentbus.auth.Tenancy.FIELD, tenant);
  }

  private void register(RoutingContext ctx, boolean global) {
    JsonObject body = Api.body(ctx);
    refuseCode(body);
    Validator check = Validator.of(ctx);
    check.onlyKeys(body, "", List.of("command_type", "handler", "timeout_ms"));
    String type = check.string(body, "", "command_type", true, 200);
    check.pattern("command_type", type, COMMAND_TYPE, "letters, digits and . _ : - (no slash), starting with a letter or digit");
    Integer timeout = check.integer(body, "", "timeout_ms", false, 1, 300_000);
    JsonObject handler = check.object(body, "", "handler", true);
    if (handler != null) {
      handler(check, handler);
    }
    check.throwIfInvalid();
    JsonObject request = scope(ctx, global).put("command_type", type).put("handler", handler);
    if (timeout != null) {
      request.put("timeout_ms", timeout);
    }
    String collection = global ? "/handlers/commands" : "/sessions/" + ctx.pathParam("session_id") + "/handlers/commands";
    api.create(ctx, Future.succeededFuture(), Addresses.HANDLER_REGISTER, request, collection, "command_type");
  }

  static void handler(Validator check, JsonObject handler) {
    String kind = check.oneOf(handler, "handler.", "kind", Set.of("webhook", "bus"));
    if (handler.getValue("kind") == null) {
      check.add("handler.kind", "is required: webhook or bus");
    }
    if ("webhook".equals(kind)) {
      check.onlyKeys(handler, "handler.", List.of("kind", "url", "secret"));
      check.string(handler, "handler.", "url", true, 2048);
      String secret = check.string(handler, "handler.", "secret", false, 200);
      check.pattern("handler.secret", secret, Pattern.compile("whsec_[A-Za-z0-9+/]{22,88}={0,2}"),
          "whsec_ followed by the base64 of a 16 to 64 byte key");
    } else if ("bus".equals(kind)) {
      check.onlyKeys(handler, "handler.", List.of("kind", "address"));
      String address = check.string(handler, "handler.", "address", true, 255);
      check.pattern("handler.address", address, ADDRESS, "an event-bus address (letters, digits and . _ : / -)");
      if (address != null && !Addresses.givable(address)) {
        check.add("handler.address", "must not be one of agentbus's own addresses (agentbus.*), except a worker address "
            + "agentbus.ext.<tenant>.<name> (name: letters, digits and _ : -, at most 64)");
      }
    }
  }

  /** 422 {@code UNSUPPORTED} for source code anywhere at the top level of the body or of its {@code handler}. */
  static void refuseCode(JsonObject body) {
    refuseCode(body, "handler", "register a webhook handler {\"kind\": \"webhook\", \"url\"}, a bus handler {\"kind\": \"bus\", "
        + "\"address\"} served by a cluster member or bridge client, or an MCP server (POST /api/v1/mcp-servers)");
  }

  /**
   * 422 {@code UNSUPPORTED} for source code ({@link #CODE_KEYS}) at the top level of {@code body} or
   * of its object {@code nested} (null: none), naming the alternatives: the one check of handler, tool and MCP
   * server registrations.
   */
  static void refuseCode(JsonObject body, String nested, String alternatives) {
    for (String key : CODE_KEYS) {
      String field = body.containsKey(key) ? key
          : nested != null && body.getValue(nested) instanceof JsonObject inner && inner.containsKey(key) ? nested + "." + key : null;
      if (field != null) {
        throw new BusError(ErrorCode.UNSUPPORTED, "agentbus never runs code sent in a request ('" + field + "'). Instead, "
            + alternatives, new JsonObject().put("field", field)
                .put("alternatives", new io.vertx.core.json.JsonArray().add("webhook").add("bus").add("mcp")));
      }
    }
  }

  /** The {@code Authorization: Bearer <callback token>} of a request from a command's handler; 401 without one. */
  static String callbackToken(RoutingContext ctx) {
    String authorization = ctx.request().getHeader("Authorization");
    if (authorization == null || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      throw new BusError(ErrorCode.UNAUTHENTICATED, "Authorization: Bearer <callback token> is required",
          new JsonObject().put("field", "Authorization"));
    }
    return authorization.substring(BEARER.length()).trim();
  }

  /** An asynchronous webhook's answer: {@code {result}} or {@code {error: {code, message}}}, with the callback token. */
  private void result(RoutingContext ctx) {
    JsonObject body = Api.body(ctx);
    Validator check = Validator.of(ctx);
    String token = callbackToken(ctx);
    check.onlyKeys(body, "", List.of("result", "error"));
    if (body.containsKey("result") == body.containsKey("error")) {
      check.add("body", "must have exactly one of 'result' and 'error'");
    }
    JsonObject error = body.containsKey("error") ? check.object(body, "", "error", true) : null;
    if (error != null) {
      check.string(error, "error.", "code", true, 64);
      check.string(error, "error.", "message", true, 2000);
    }
    check.throwIfInvalid();
    JsonObject request = Api.path(ctx, "session_id", "command_id")
        .put("token", token);
    if (error != null) {
      request.put("error", error);
    } else {
      request.put("result", body.getValue("result"));
    }
    api.forward(ctx, Addresses.HANDLER_RESULT, request, 200);
  }
}
