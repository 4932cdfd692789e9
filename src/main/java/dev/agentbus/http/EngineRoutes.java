package dev.agentbus.http;

import dev.agentbus.bus.Addresses;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.regex.Pattern;

/** {@code /engines}: create, list, get, delete. (Running an engine is a command, or {@code /engines/{id}/execute}.) */
final class EngineRoutes {
  /** What a list cursor (the last id of the previous page) looks like. */
  static final Pattern ID_CURSOR = Pattern.compile("[A-Za-z0-9_]{1,100}");
  private static final List<String> FIELDS = List.of("engine_type", "model_name", "session_id", "configuration");

  private final Api api;
  private final Limits limits;
  private final EngineSettings settings;

  EngineRoutes(Api api, Limits limits, EngineSettings settings) {
    this.api = api;
    this.limits = limits;
    this.settings = settings;
  }

  void mount(Router router) {
    String base = Api.BASE + "/engines";
    router.post(base).handler(this::create);
    router.get(base).handler(this::list);
    router.get(base + "/:engine_id").handler(ctx -> api.forward(ctx, Addresses.ENGINE_GET, engineRef(ctx), 200));
    router.delete(base + "/:engine_id").handler(ctx -> api.forward(ctx, Addresses.ENGINE_DELETE, engineRef(ctx), 200));
  }

  private static JsonObject engineRef(RoutingContext ctx) {
    return new JsonObject().put("engine_id", ctx.pathParam("engine_id"));
  }

  private void create(RoutingContext ctx) {
    JsonObject body = Api.body(ctx);
    Validator check = new Validator();
    EngineSettings.Checks checks = settings.checks(check);
    check.onlyKeys(body, "", FIELDS);
    JsonObject engine = new JsonObject()
        .put("engine_type", check.string(body, "", "engine_type", true, 100))
        .put("model_name", check.string(body, "", "model_name", false, 200))
        .put("session_id", check.string(body, "", "session_id", true, 100))
        .put("configuration", checks.configuration(body, "configuration"));
    checks.verify()
        .compose(valid -> api.send(ctx, Addresses.ENGINE_CREATE, engine))
        .onSuccess(created -> Api.created(ctx, Api.BASE + "/engines/" + created.getString("engine_id"), created))
        .onFailure(failure -> Api.fail(ctx, failure));
  }

  private void list(RoutingContext ctx) {
    Validator check = new Validator();
    JsonObject query = new JsonObject()
        .put("limit", (int) check.queryLong(ctx, "limit", limits.defaultPage(), 1, limits.maxPage()))
        .put("session_id", queryString(check, ctx, "session_id"))
        .put("status", queryString(check, ctx, "status"))
        .put("cursor", cursor(check, ctx));
    check.throwIfInvalid();
    api.forward(ctx, Addresses.ENGINE_LIST, query, 200);
  }

  /** An optional filter value from the query string, at most 200 characters. */
  static String queryString(Validator check, RoutingContext ctx, String name) {
    String value = ctx.request().getParam(name);
    if (value != null && (value.isEmpty() || value.length() > 200)) {
      check.add(name, "must be from 1 to 200 characters");
      return null;
    }
    return value;
  }

  /** {@code ?cursor=}: the {@code next_cursor} of a previous page of an id-ordered list. */
  static String cursor(Validator check, RoutingContext ctx) {
    String cursor = ctx.request().getParam("cursor");
    if (cursor != null && !ID_CURSOR.matcher(cursor).matches()) {
      check.add("cursor", "is not a cursor returned by this API");
      return null;
    }
    return cursor;
  }
}
