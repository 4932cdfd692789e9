package dev.agentbus.http;

import dev.agentbus.bus.Addresses;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * {@code /agents} (named, reusable engine settings): create, list, get, patch, delete. {@code llm_config}
 * goes through {@link EngineSettings}; {@code mcp_servers} (an array, or a comma-separated
 * string, of registered MCP server ids and URLs) is checked item by item, SSRF guard included for
 * URLs, and stored as an array; the agent verticle checks that each id is registered.
 */
record AgentRoutes(Api api, Limits limits, EngineSettings settings) {
  static final int MAX_MCP_SERVERS = 20;
  private static final List<String> FIELDS = List.of("name", "description", "status", "llm_config", "mcp_servers", "system_prompt",
      "metadata");
  /** {@code active} (the default) agents are in use; {@code inactive} and {@code archived} are for the caller to tell apart. */
  static final java.util.Set<String> STATUSES = java.util.Set.of("active", "inactive", "archived");

  void mount(Router router) {
    String base = Api.BASE + "/agents";
    router.post(base).handler(this::create);
    router.get(base).handler(this::list);
    router.get(base + "/:agent_id").handler(ctx -> api.forwardPlain(ctx, Addresses.AGENT_GET, Api.path(ctx, "agent_id"), 200));
    router.patch(base + "/:agent_id").handler(this::patch);
    router.delete(base + "/:agent_id").handler(ctx -> api.forwardPlain(ctx, Addresses.AGENT_DELETE, Api.path(ctx, "agent_id"), 200));
  }

  private void create(RoutingContext ctx) {
    JsonObject body = Api.body(ctx);
    Validator check = Validator.of(ctx);
    EngineSettings.Checks checks = settings.checks(check);
    check.onlyKeys(body, "", FIELDS);
    JsonObject agent = new JsonObject()
        .put("name", check.string(body, "", "name", true, 200))
        .put("description", check.string(body, "", "description", false, 2000))
        .put("status", check.oneOf(body, "", "status", STATUSES))
        .put("llm_config", checks.llmConfig(body, "llm_config"))
        .put("mcp_servers", checks.serverList(body, "mcp_servers", MAX_MCP_SERVERS))
        .put("system_prompt", check.string(body, "", "system_prompt", false, Limits.MAX_TEXT));
    JsonObject metadata = check.object(body, "", "metadata", false);
    agent.put("metadata", metadata == null ? new JsonObject() : metadata);
    api.create(ctx, checks.verify(), Addresses.AGENT_CREATE, agent, "/agents", "agent_id");
  }

  private void list(RoutingContext ctx) {
    Validator check = Validator.of(ctx, "limit", "cursor", "name_prefix", "status", "q", "tenant_id");
    JsonObject query = new JsonObject()
        .put("limit", check.limit(ctx, limits))
        .put("name_prefix", check.queryString(ctx, "name_prefix"))
        .put("status", check.queryOneOf(ctx, "status", STATUSES))
        .put("q", check.queryString(ctx, "q"))
        .put("cursor", check.idCursor(ctx))
        .put("tenant_id", check.tenantQuery(ctx));
    check.throwIfInvalid();
    api.forward(ctx, Addresses.AGENT_LIST, query, 200);
  }

  /**
   * Any subset of the fields; each replaces the stored one ({@code llm_config: null} resets it to
   * {@code {}}, {@code mcp_servers: null} to {@code []}, {@code system_prompt: null} clears it),
   * except {@code metadata}, which merges key by key (a null value removes its key).
   */
  private void patch(RoutingContext ctx) {
    JsonObject body = Api.body(ctx);
    Validator check = Validator.of(ctx);
    EngineSettings.Checks checks = settings.checks(check);
    check.onlyKeys(body, "", FIELDS);
    if (body.isEmpty()) {
      check.add("body", "must contain at least one of " + String.join(", ", FIELDS));
    }
    JsonObject patch = Api.path(ctx, "agent_id");
    if (body.containsKey("name")) {
      patch.put("name", check.string(body, "", "name", true, 200));
    }
    if (body.containsKey("description")) {
      patch.put("description", check.string(body, "", "description", false, 2000));
    }
    if (body.containsKey("status")) {
      String status = check.oneOf(body, "", "status", STATUSES);
      if (status == null && body.getValue("status") == null) {
        check.add("status", "must be one of " + String.join(", ", STATUSES.stream().sorted().toList()));
      }
      patch.put("status", status);
    }
    if (body.containsKey("llm_config")) {
      patch.put("llm_config", checks.llmConfig(body, "llm_config"));
    }
    if (body.containsKey("mcp_servers")) {
      patch.put("mcp_servers", checks.serverList(body, "mcp_servers", MAX_MCP_SERVERS));
    }
    if (body.containsKey("system_prompt")) {
      patch.put("system_prompt", check.string(body, "", "system_prompt", false, Limits.MAX_TEXT));
    }
    if (body.containsKey("metadata")) {
      if (body.getValue("metadata") == null) {
        check.add("metadata", "must be a JSON object; a null value inside it removes that key");
      }
      patch.put("metadata", check.object(body, "", "metadata", false));
    }
    checks.verify()
        .compose(valid -> api.send(ctx, Addresses.AGENT_PATCH, patch))
        .onSuccess(updated -> Api.json(ctx, 200, updated))
        .onFailure(failure -> Api.fail(ctx, failure));
  }
}
