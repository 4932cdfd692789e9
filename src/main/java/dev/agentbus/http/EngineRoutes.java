package dev.agentbus.http;

import dev.agentbus.bus.Addresses;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Set;

/** {@code /engines}: create, list, get, delete. (Running an engine is a command, or {@code /engines/{id}/execute}.) */
record EngineRoutes(Api api, Limits limits, EngineSettings settings) {
  private static final List<String> FIELDS = List.of("engine_type", "model_name", "session_id", "configuration");
  /** An engine's lifecycle (engines are created initialized; the others are for engines that report their state). */
  private static final Set<String> STATUSES = Set.of("initialized", "active", "running", "stopped", "failed");

  void mount(Router router) {
    String base = Api.BASE + "/engines";
    router.post(base).handler(this::create);
    router.get(base).handler(this::list);
    router.get(base + "/:engine_id").handler(ctx -> api.forwardPlain(ctx, Addresses.ENGINE_GET, Api.path(ctx, "engine_id"), 200));
    router.delete(base + "/:engine_id").handler(ctx -> api.forwardPlain(ctx, Addresses.ENGINE_DELETE, Api.path(ctx, "engine_id"), 200));
  }

  private void create(RoutingContext ctx) {
    JsonObject body = Api.body(ctx);
    Validator check = Validator.of(ctx);
    EngineSettings.Checks checks = settings.checks(check);
    check.onlyKeys(body, "", FIELDS);
    JsonObject engine = new JsonObject()
        .put("engine_type", check.string(body, "", "engine_type", true, 100))
        .put("model_name", check.string(body, "", "model_name", false, 200))
        .put("session_id", check.string(body, "", "session_id", true, 100))
        .put("configuration", checks.configuration(body, "configuration"));
    api.create(ctx, checks.verify(), Addresses.ENGINE_CREATE, engine, "/engines", "engine_id");
  }

  private void list(RoutingContext ctx) {
    Validator check = Validator.of(ctx, "limit", "cursor", "session_id", "status", "tenant_id");
    JsonObject query = new JsonObject()
        .put("limit", check.limit(ctx, limits))
        .put("session_id", check.queryString(ctx, "session_id"))
        .put("status", check.queryOneOf(ctx, "status", STATUSES))
        .put("cursor", check.idCursor(ctx))
        .put("tenant_id", check.tenantQuery(ctx));
    check.throwIfInvalid();
    api.forward(ctx, Addresses.ENGINE_LIST, query, 200);
  }
}
