package dev.agentbus.http;

import dev.agentbus.bus.Addresses;
import dev.agentbus.config.Settings;
import dev.agentbus.tool.JsonSchema;
import dev.agentbus.tool.ToolVerticle;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Registered tools, session scope ({@code /sessions/{id}/tools}) and global scope ({@code /tools};
 * no auth yet: the admin scope comes with identity), and a session's direct execute ({@code POST
 * /sessions/{id}/tools/{name}/execute}). One bus request per route ({@link ToolVerticle}).
 */
record ToolRoutes(Api api, Settings.Tools limits) {
  private static final Pattern SECRET = Pattern.compile("whsec_[A-Za-z0-9+/]{22,88}={0,2}");
  private static final int MAX_DESCRIPTION = 4096;
  /** The longest a tool may take, whatever its registration says. */
  static final int MAX_TIMEOUT_MS = 300_000;
  private static final String ALTERNATIVES = "register a tool with {\"kind\": \"http\", \"url\"} (a signed webhook), {\"kind\": "
      + "\"bus\", \"address\"} served by a cluster member or bridge client, or {\"kind\": \"mcp\", \"server_id\", \"tool\"} "
      + "of an MCP server (POST /api/v1/mcp-servers)";

  void mount(Router router) {
    for (boolean global : List.of(false, true)) {
      String base = global ? Api.BASE + "/tools" : Api.BASE + "/sessions/:session_id/tools";
      router.post(base).handler(ctx -> register(ctx, global));
      router.get(base).handler(ctx -> api.forward(ctx, Addresses.TOOL_LIST, HandlerRoutes.scopeRequest(ctx, global), 200));
      router.get(base + "/:name").handler(ctx -> api.forward(ctx, Addresses.TOOL_GET,
          HandlerRoutes.scopeRequest(ctx, global).put("name", ctx.pathParam("name")), 200));
      router.delete(base + "/:name").handler(ctx -> api.forward(ctx, Addresses.TOOL_UNREGISTER,
          HandlerRoutes.scopeRequest(ctx, global).put("name", ctx.pathParam("name")), 200));
    }
    router.post(Api.BASE + "/sessions/:session_id/tools/:name/execute").handler(this::execute);
  }

  private static JsonObject scope(RoutingContext ctx, boolean global) {
    return global ? new JsonObject() : Api.path(ctx, "session_id");
  }

  private void register(RoutingContext ctx, boolean global) {
    JsonObject body = Api.body(ctx);
    HandlerRoutes.refuseCode(body, "implementation", ALTERNATIVES);
    Validator check = Validator.of(ctx);
    check.onlyKeys(body, "", List.of("name", "description", "parameters", "implementation"));
    String name = check.string(body, "", "name", true, 200);
    check.pattern("name", name, ToolVerticle.NAME, "letters, digits and . _ - (at most 64, starting with a letter or digit)");
    String description = check.string(body, "", "description", false, MAX_DESCRIPTION);
    parameters(check, body);
    Object implementation = body.getValue("implementation");
    if (implementation == null) {
      check.add("implementation", "is required: {kind: http|bus|mcp, ...}");
    } else if (!(implementation instanceof JsonObject object)) {
      check.add("implementation", "must be a JSON object");
    } else {
      implementation(check, object);
    }
    check.throwIfInvalid();
    JsonObject request = scope(ctx, global).put("name", name).put("description", description == null ? "" : description)
        .put("parameters", body.getJsonObject("parameters")).put("implementation", body.getJsonObject("implementation"));
    String collection = global ? "/tools" : "/sessions/" + ctx.pathParam("session_id") + "/tools";
    api.create(ctx, Future.succeededFuture(), Addresses.TOOL_REGISTER, request, collection, "name");
  }

  /** A JSON Schema object of the supported subset, at most {@code tools.max_schema_bytes} encoded. */
  private void parameters(Validator check, JsonObject body) {
    Object parameters = body.getValue("parameters");
    if (parameters == null) {
      check.add("parameters", "is required: the JSON Schema of the arguments, {\"type\": \"object\", \"properties\": {...}}");
      return;
    }
    if (!(parameters instanceof JsonObject schema)) {
      check.add("parameters", "must be a JSON Schema object ({\"type\": \"object\", ...})");
      return;
    }
    int size = schema.encode().getBytes(StandardCharsets.UTF_8).length;
    if (size > limits.maxSchemaBytes()) {
      check.add("parameters", "must be at most " + limits.maxSchemaBytes() + " bytes encoded (got " + size + ")");
      return;
    }
    for (String problem : JsonSchema.checkSchema(schema)) {
      int colon = problem.indexOf(": ");
      String path = colon < 0 ? "" : problem.substring(0, colon);
      check.add(path.isEmpty() || path.equals("(root)") ? "parameters" : "parameters." + path,
          colon < 0 ? problem : problem.substring(colon + 2));
    }
  }

  private static void implementation(Validator check, JsonObject implementation) {
    String prefix = "implementation.";
    String kind = check.oneOf(implementation, prefix, "kind", Set.of("http", "bus", "mcp"));
    if (implementation.getValue("kind") == null) {
      check.add("implementation.kind", "is required: http, bus or mcp");
    }
    if ("http".equals(kind)) {
      check.onlyKeys(implementation, prefix, List.of("kind", "url", "secret", "timeout_ms"));
      check.string(implementation, prefix, "url", true, 2048);
      String secret = check.string(implementation, prefix, "secret", false, 200);
      check.pattern("implementation.secret", secret, SECRET, "whsec_ followed by the base64 of a 16 to 64 byte key");
      check.integer(implementation, prefix, "timeout_ms", false, 1, MAX_TIMEOUT_MS);
    } else if ("bus".equals(kind)) {
      check.onlyKeys(implementation, prefix, List.of("kind", "address", "timeout_ms"));
      String address = check.string(implementation, prefix, "address", true, 255);
      check.pattern("implementation.address", address, HandlerRoutes.ADDRESS, "an event-bus address (letters, digits and . _ : / -)");
      if (address != null && !Addresses.givable(address)) {
        check.add("implementation.address", "must not be one of agentbus's own addresses (agentbus.*), except a worker address "
            + "agentbus.ext.<tenant>.<name> (name: letters, digits and _ : -, at most 64)");
      }
      check.integer(implementation, prefix, "timeout_ms", false, 1, MAX_TIMEOUT_MS);
    } else if ("mcp".equals(kind)) {
      check.onlyKeys(implementation, prefix, List.of("kind", "server_id", "tool"));
      check.string(implementation, prefix, "server_id", true, 2048);
      check.string(implementation, prefix, "tool", true, 200);
    }
  }

  private void execute(RoutingContext ctx) {
    JsonObject body = Api.body(ctx);
    Validator check = Validator.of(ctx);
    check.onlyKeys(body, "", List.of("arguments"));
    JsonObject arguments = body.getValue("arguments") == null ? new JsonObject() : check.object(body, "", "arguments", false);
    if (body.getValue("arguments") != null && !(body.getValue("arguments") instanceof JsonObject)) {
      arguments = null;
    }
    check.throwIfInvalid();
    JsonObject request = Api.path(ctx, "session_id", "name").put("arguments", arguments).put("direct", true);
    // The tool may take its whole timeout (up to 300 s): the request outlives it, whatever request_timeout_ms is.
    api.send(ctx, Addresses.TOOL_EXECUTE, request, MAX_TIMEOUT_MS / 1000)
        .onSuccess(done -> Api.json(ctx, 200, done))
        .onFailure(failure -> Api.fail(ctx, failure));
  }
}
