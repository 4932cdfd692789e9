package dev.agentbus.http;

import dev.agentbus.bus.Addresses;
import dev.agentbus.log.LogRecords;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;

/**
 * {@code GET /observability/logs}: the structured log records of every node, newest first
 * ({@code metrics:read}); {@code POST /observability/logs {level, message, metadata?}}: adds one
 * ({@code events:write}). Records are kept by the {@code log} package (see {@code log.LogStore}).
 */
record LogRoutes(Api api, Limits limits) {
  static final String PATH = Api.BASE + "/observability/logs";
  static final int MAX_MESSAGE = 8192;

  void mount(Router router) {
    router.get(PATH).handler(this::list);
    router.post(PATH).handler(this::add);
  }

  private void list(RoutingContext ctx) {
    Validator check = Validator.of(ctx, "level", "session_id", "command_id", "request_id", "since", "limit", "cursor",
        "tenant_id");
    JsonObject query = new JsonObject()
        .put("level", level(check, "level", ctx.request().getParam("level")))
        .put("session_id", check.queryString(ctx, "session_id"))
        .put("command_id", check.queryString(ctx, "command_id"))
        .put("request_id", check.queryString(ctx, "request_id"))
        .put("since", since(check, ctx.request().getParam("since")))
        .put("limit", check.limit(ctx, limits))
        .put("cursor", check.idCursor(ctx))
        .put("tenant_id", check.tenantQuery(ctx));
    check.throwIfInvalid();
    api.forward(ctx, Addresses.LOG_LIST, query, 200);
  }

  private void add(RoutingContext ctx) {
    JsonObject body = Api.body(ctx);
    Validator check = Validator.of(ctx);
    check.onlyKeys(body, "", List.of("level", "message", "metadata"));
    String level = check.string(body, "", "level", true, 10);
    String message = check.string(body, "", "message", true, MAX_MESSAGE);
    JsonObject metadata = check.object(body, "", "metadata", false);
    if (metadata != null) {
      check.string(metadata, "metadata.", "session_id", false, 200);
      check.string(metadata, "metadata.", "command_id", false, 200);
    }
    JsonObject record = new JsonObject().put("level", level(check, "level", level)).put("message", message)
        .put("metadata", metadata == null ? new JsonObject() : metadata);
    check.throwIfInvalid();
    api.forward(ctx, Addresses.LOG_ADD, record, 201);
  }

  /** A level name in any case, upper-cased; null when absent or (reported) unknown. */
  private static String level(Validator check, String field, String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    String level = value.toUpperCase(Locale.ROOT);
    if (!LogRecords.LEVELS.contains(level)) {
      check.add(field, "must be one of " + String.join(", ", LogRecords.LEVELS));
      return null;
    }
    return level;
  }

  /** {@code ?since=}: an ISO-8601 instant ({@code 2026-01-01T00:00:00Z}). */
  private static String since(Validator check, String value) {
    if (value == null) {
      return null;
    }
    try {
      return Instant.parse(value).toString();
    } catch (DateTimeParseException e) {
      check.add("since", "must be an ISO-8601 timestamp such as 2026-01-01T00:00:00Z");
      return null;
    }
  }
}
