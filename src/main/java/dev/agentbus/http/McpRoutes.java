package dev.agentbus.http;

import dev.agentbus.bus.Addresses;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code /mcp-servers}: register (connects first), list, get, delete, and a server's tools ({@code
 * ?refresh=true} asks the server's {@code tools/list} again; otherwise the list kept fresh by its
 * {@code tools/list_changed} notifications). No auth yet: the admin scope comes with identity.
 */
record McpRoutes(Api api) {
  /** A server name prefixes its tools ({@code <name>.<tool>}): no dot, safe in a wire-safe tool name. */
  static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_-]{0,63}");
  static final int MAX_HEADERS = 20;
  static final int MAX_HEADER_VALUE = 4096;
  private static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9!#%&'*+^_`|~-]{1,100}");
  /** Headers the HTTP client or the MCP transport sets itself. */
  private static final Set<String> RESERVED_HEADERS = Set.of("host", "connection", "content-length", "expect", "upgrade",
      "transfer-encoding", "te", "trailer", "keep-alive", "proxy-connection", "content-type", "accept", "cache-control",
      "mcp-session-id", "mcp-protocol-version", "last-event-id");

  void mount(Router router) {
    String base = Api.BASE + "/mcp-servers";
    router.post(base).handler(this::register);
    router.get(base).handler(ctx -> api.forward(ctx, Addresses.MCP_LIST, HandlerRoutes.scopeRequest(ctx, true), 200));
    router.get(base + "/:server_id").handler(ctx -> api.forwardPlain(ctx, Addresses.MCP_GET, Api.path(ctx, "server_id"), 200));
    router.delete(base + "/:server_id").handler(ctx -> api.forwardPlain(ctx, Addresses.MCP_DELETE, Api.path(ctx, "server_id"), 200));
    router.get(base + "/:server_id/tools").handler(this::tools);
  }

  private void register(RoutingContext ctx) {
    JsonObject body = Api.body(ctx);
    HandlerRoutes.refuseCode(body, null, "register an MCP server that serves the tools over Streamable HTTP (its url), "
        + "or a webhook or bus tool (POST /api/v1/sessions/{id}/tools)");
    Validator check = Validator.of(ctx);
    check.onlyKeys(body, "", List.of("name", "url", "headers"));
    String name = check.string(body, "", "name", true, 64);
    check.pattern("name", name, NAME, "a letter, then letters, digits, _ and - (it prefixes the server's tool names)");
    String url = check.string(body, "", "url", true, 2048);
    JsonObject headers = check.object(body, "", "headers", false);
    if (headers != null) {
      headers(check, headers);
    }
    check.throwIfInvalid();
    JsonObject request = new JsonObject().put("name", name).put("url", url);
    if (headers != null && !headers.isEmpty()) {
      request.put("headers", headers);
    }
    // the SSRF guard runs in McpVerticle, on every (re)connection, so a refused URL is a 400 naming url from there
    api.create(ctx, Future.succeededFuture(), Addresses.MCP_REGISTER, request, "/mcp-servers", "server_id");
  }

  private static void headers(Validator check, JsonObject headers) {
    if (headers.size() > MAX_HEADERS) {
      check.add("headers", "must have at most " + MAX_HEADERS + " headers");
      return;
    }
    for (Map.Entry<String, Object> header : headers) {
      String field = "headers." + header.getKey();
      if (!HEADER_NAME.matcher(header.getKey()).matches()) {
        check.add(field, "is not a valid HTTP header name");
      } else if (RESERVED_HEADERS.contains(header.getKey().toLowerCase(Locale.ROOT))) {
        check.add(field, "is set by agentbus itself and cannot be given");
      }
      if (!(header.getValue() instanceof String value)) {
        check.add(field, "must be a string");
      } else if (value.length() > MAX_HEADER_VALUE || value.chars().anyMatch(c -> c < 0x20 && c != '\t' || c == 0x7f)) {
        check.add(field, "must be at most " + MAX_HEADER_VALUE + " characters without control characters");
      }
    }
  }

  private void tools(RoutingContext ctx) {
    Validator check = Validator.of(ctx, "refresh");
    String refresh = check.queryOneOf(ctx, "refresh", Set.of("true", "false"));
    check.throwIfInvalid();
    api.forward(ctx, Addresses.MCP_TOOLS, Api.path(ctx, "server_id").put("refresh", "true".equals(refresh)), 200);
  }
}
