package dev.agentbus.http;

import dev.agentbus.bus.Addresses;
import dev.agentbus.session.SessionCursor;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code /sessions}: create, list, get, patch, delete, bulk create, bulk delete. */
record SessionRoutes(Api api, Limits limits) {
  private static final List<String> FIELDS = List.of("name", "metadata", "ttl_seconds");
  private static final int MAX_TTL_SECONDS = 365 * 24 * 3600;
  /** A session's lifecycle: stored sessions are active; expired and deleted ones are gone, so they match nothing. */
  private static final Set<String> STATUSES = Set.of("active", "expired", "deleted");

  void mount(Router router) {
    String base = Api.BASE + "/sessions";
    router.post(base).handler(this::create);
    router.get(base).handler(this::list);
    router.post(base + "/bulk-create").handler(this::bulkCreate);
    router.post(base + "/bulk-delete").handler(this::bulkDelete);
    router.get(base + "/:session_id").handler(ctx -> api.forwardPlain(ctx, Addresses.SESSION_GET, Api.path(ctx, "session_id"), 200));
    router.patch(base + "/:session_id").handler(this::patch);
    router.delete(base + "/:session_id").handler(ctx -> api.forwardPlain(ctx, Addresses.SESSION_DELETE, Api.path(ctx, "session_id"), 200));
  }

  private void create(RoutingContext ctx) {
    JsonObject body = Api.body(ctx);
    Validator check = Validator.of(ctx);
    JsonObject session = sessionFields(check, body, "");
    check.throwIfInvalid();
    api.create(ctx, Future.succeededFuture(), Addresses.SESSION_CREATE, session, "/sessions", "session_id");
  }

  private static JsonObject sessionFields(Validator check, JsonObject body, String prefix) {
    check.onlyKeys(body, prefix, FIELDS);
    JsonObject session = new JsonObject();
    session.put("name", check.string(body, prefix, "name", false, 200));
    JsonObject metadata = check.object(body, prefix, "metadata", false);
    if (metadata != null) {
      session.put("metadata", metadata);
    }
    session.put("ttl_seconds", check.integer(body, prefix, "ttl_seconds", false, 1, MAX_TTL_SECONDS));
    return session;
  }

  private void list(RoutingContext ctx) {
    Validator check = new Validator();
    check.onlyQuery(ctx, List.of("limit", "cursor", "status", "name_prefix", "sort", "tenant_id"), "metadata.");
    JsonObject query = new JsonObject()
        .put("limit", check.limit(ctx, limits))
        .put("status", check.queryOneOf(ctx, "status", STATUSES))
        .put("name_prefix", check.queryString(ctx, "name_prefix"))
        .put("sort", check.queryOneOf(ctx, "sort", Set.of("created_at", "-created_at")))
        .put("tenant_id", check.tenantQuery(ctx));
    String cursor = ctx.request().getParam("cursor");
    if (cursor != null) {
      JsonObject decoded = SessionCursor.decode(cursor);
      if (decoded == null) {
        check.add("cursor", "is not a cursor returned by this API");
      }
      query.put("cursor", decoded);
    }
    JsonObject metadata = new JsonObject();
    for (Map.Entry<String, String> param : ctx.queryParams()) {
      if (param.getKey().startsWith("metadata.")) {
        String key = param.getKey().substring("metadata.".length());
        if (key.isEmpty() || key.startsWith("$") || key.contains(".")) {
          check.add(param.getKey(), "must name one metadata key");
        }
        metadata.put(key, param.getValue());
      }
    }
    check.throwIfInvalid();
    api.forward(ctx, Addresses.SESSION_LIST, query.put("metadata", metadata), 200);
  }

  private void patch(RoutingContext ctx) {
    JsonObject body = Api.body(ctx);
    Validator check = Validator.of(ctx);
    JsonObject patch = sessionFields(check, body, "");
    if (body.isEmpty()) {
      check.add("body", "must contain at least one of " + String.join(", ", FIELDS));
    }
    if (body.containsKey("metadata") && body.getValue("metadata") == null) {
      check.add("metadata", "must be a JSON object; a null value inside it removes that key");
    }
    check.throwIfInvalid();
    JsonObject request = Api.path(ctx, "session_id");
    for (String field : FIELDS) {
      if (body.containsKey(field)) {
        request.put(field, field.equals("metadata") ? patch.getValue(field) : body.getValue(field));
      }
    }
    api.forward(ctx, Addresses.SESSION_PATCH, request, 200);
  }

  private void bulkCreate(RoutingContext ctx) {
    JsonObject body = Api.body(ctx);
    Validator check = Validator.of(ctx);
    check.onlyKeys(body, "", List.of("sessions"));
    JsonArray items = check.array(body, "", "sessions", 1, limits.maxBulk());
    JsonArray sessions = new JsonArray();
    if (items != null) {
      for (int i = 0; i < items.size(); i++) {
        if (items.getValue(i) instanceof JsonObject item) {
          sessions.add(sessionFields(check, item, "sessions[" + i + "]."));
        } else {
          check.add("sessions[" + i + "]", "must be a JSON object");
        }
      }
    }
    check.throwIfInvalid();
    api.forward(ctx, Addresses.SESSION_BULK_CREATE, new JsonObject().put("sessions", sessions), 200);
  }

  private void bulkDelete(RoutingContext ctx) {
    JsonObject body = Api.body(ctx);
    Validator check = Validator.of(ctx);
    check.onlyKeys(body, "", List.of("session_ids"));
    JsonArray ids = check.array(body, "", "session_ids", 1, limits.maxBulk());
    if (ids != null) {
      for (int i = 0; i < ids.size(); i++) {
        if (!(ids.getValue(i) instanceof String)) {
          check.add("session_ids[" + i + "]", "must be a string");
        }
      }
    }
    check.throwIfInvalid();
    api.forward(ctx, Addresses.SESSION_BULK_DELETE, new JsonObject().put("session_ids", ids), 200);
  }
}
