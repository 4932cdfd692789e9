package dev.agentbus.http;

import dev.agentbus.bus.FieldErrors;
import dev.agentbus.bus.FieldErrors.FieldError;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Collects every problem of a request body or query string before failing, so one 400 names all
 * bad fields. Checks shape only (types, ranges, sizes); business rules live in the verticles.
 */
final class Validator {
  private static final int MAX_DEPTH = 32;
  static final Set<String> PRIORITIES = Set.of("low", "normal", "high");
  /** What a list cursor (the last id of the previous page) looks like. */
  private static final Pattern ID_CURSOR = Pattern.compile("[A-Za-z0-9_]{1,100}");
  private final List<FieldError> errors = new ArrayList<>();

  /** A validator for one request whose query string may hold only {@code query} parameters. */
  static Validator of(RoutingContext ctx, String... query) {
    Validator check = new Validator();
    check.onlyQuery(ctx, List.of(query));
    return check;
  }

  void add(String field, String issue) {
    errors.add(new FieldError(field, issue));
  }

  /** Fails with {@code VALIDATION_ERROR} listing every bad field, if there is any. */
  void throwIfInvalid() {
    if (!errors.isEmpty()) {
      throw FieldErrors.toError(errors);
    }
  }

  boolean valid() {
    return errors.isEmpty();
  }

  // ---- body fields ----

  void onlyKeys(JsonObject body, String prefix, Collection<String> allowed) {
    for (String key : body.fieldNames()) {
      if (!allowed.contains(key)) {
        add(prefix + key, "is not a known field; allowed: " + String.join(", ", allowed));
      }
    }
  }

  String string(JsonObject body, String prefix, String key, boolean required, int maxLength) {
    Object value = body.getValue(key);
    if (value == null) {
      if (required) {
        add(prefix + key, "is required");
      }
      return null;
    }
    if (!(value instanceof String text)) {
      add(prefix + key, "must be a string");
      return null;
    }
    if (required && text.isBlank()) {
      add(prefix + key, "must not be empty");
    } else if (text.length() > maxLength) {
      add(prefix + key, "must be at most " + maxLength + " characters");
    }
    return text;
  }

  void pattern(String field, String value, Pattern pattern, String description) {
    if (value != null && !value.isBlank() && !pattern.matcher(value).matches()) {
      add(field, "must be " + description);
    }
  }

  Integer integer(JsonObject body, String prefix, String key, boolean required, long min, long max) {
    Object value = body.getValue(key);
    if (value == null) {
      if (required) {
        add(prefix + key, "is required");
      }
      return null;
    }
    if (!(value instanceof Integer || value instanceof Long) || ((Number) value).longValue() < min || ((Number) value).longValue() > max) {
      add(prefix + key, "must be an integer from " + min + " to " + max);
      return null;
    }
    return ((Number) value).intValue();
  }

  Boolean bool(JsonObject body, String prefix, String key) {
    Object value = body.getValue(key);
    if (value != null && !(value instanceof Boolean)) {
      add(prefix + key, "must be true or false");
      return null;
    }
    return (Boolean) value;
  }

  String oneOf(JsonObject body, String prefix, String key, Set<String> allowed) {
    String value = string(body, prefix, key, false, 100);
    if (value != null && !allowed.contains(value)) {
      add(prefix + key, "must be one of " + String.join(", ", allowed.stream().sorted().toList()));
      return null;
    }
    return value;
  }

  /** An optional JSON object whose keys are safe to store (no {@code $} prefix, no dots). */
  JsonObject object(JsonObject body, String prefix, String key, boolean required) {
    Object value = body.getValue(key);
    if (value == null) {
      if (required) {
        add(prefix + key, "is required");
      }
      return null;
    }
    if (!(value instanceof JsonObject object)) {
      add(prefix + key, "must be a JSON object");
      return null;
    }
    storableKeys(prefix + key, object, 0);
    return object;
  }

  JsonArray array(JsonObject body, String prefix, String key, int minSize, int maxSize) {
    Object value = body.getValue(key);
    if (!(value instanceof JsonArray array)) {
      add(prefix + key, value == null ? "is required" : "must be an array");
      return null;
    }
    if (array.size() < minSize || array.size() > maxSize) {
      add(prefix + key, "must have from " + minSize + " to " + maxSize + " items");
      return null;
    }
    return array;
  }

  private void storableKeys(String path, Object value, int depth) {
    if (depth > MAX_DEPTH) {
      add(path, "is nested deeper than " + MAX_DEPTH + " levels");
      return;
    }
    if (value instanceof JsonObject object) {
      for (Map.Entry<String, Object> entry : object) {
        String key = entry.getKey();
        if (key.isEmpty() || key.startsWith("$") || key.contains(".") || key.indexOf('\0') >= 0) {
          add(path + "." + key, "keys must be non-empty and must not start with '$' or contain '.'");
        } else {
          storableKeys(path + "." + key, entry.getValue(), depth + 1);
        }
      }
    } else if (value instanceof JsonArray array) {
      for (int i = 0; i < array.size(); i++) {
        storableKeys(path + "[" + i + "]", array.getValue(i), depth + 1);
      }
    }
  }

  /**
   * A command's {@code metadata} ({@code priority}, {@code timeout} in seconds), wherever a command
   * is described (submit, batch item, WebSocket frame, infer request, engine execute); null when absent.
   */
  JsonObject commandMetadata(JsonObject body, String prefix, Limits limits) {
    JsonObject metadata = object(body, prefix, "metadata", false);
    if (metadata != null) {
      oneOf(metadata, prefix + "metadata.", "priority", PRIORITIES);
      integer(metadata, prefix + "metadata.", "timeout", false, 1, limits.maxTimeoutSeconds());
    }
    return metadata;
  }

  /** A prompt or message text: required, non-empty, at most {@link Limits#MAX_TEXT} characters. */
  String text(JsonObject body, String prefix, String key) {
    return string(body, prefix, key, true, Limits.MAX_TEXT);
  }

  // ---- query parameters ----

  /** Unknown query parameters are refused like unknown body fields; {@code prefixes} admit families ({@code metadata.}). */
  void onlyQuery(RoutingContext ctx, Collection<String> allowed, String... prefixes) {
    for (String name : ctx.queryParams().names()) {
      // A stream's ?access_token= was taken (and anywhere else refused) by the AuthHandler.
      boolean known = allowed.contains(name) || name.equals("access_token");
      for (String prefix : prefixes) {
        known |= name.startsWith(prefix);
      }
      if (!known) {
        add(name, allowed.isEmpty() ? "is not a known query parameter; this endpoint takes none"
            : "is not a known query parameter; allowed: " + String.join(", ", allowed)
                + (prefixes.length == 0 ? "" : ", " + String.join("*, ", prefixes) + "*"));
      }
    }
  }

  /** An optional filter value from the query string, 1 to 200 characters. */
  String queryString(RoutingContext ctx, String name) {
    String value = ctx.request().getParam(name);
    if (value != null && (value.isEmpty() || value.length() > 200)) {
      add(name, "must be from 1 to 200 characters");
      return null;
    }
    return value;
  }

  /**
   * {@code ?tenant_id=} of a list: which tenant's resources the admin lists (every tenant's without
   * it); a tenant's own principal lists only its own, so another tenant's id lists nothing.
   */
  String tenantQuery(RoutingContext ctx) {
    String tenant = ctx.request().getParam(dev.agentbus.auth.Tenancy.FIELD);
    if (tenant != null && !dev.agentbus.auth.Tenancy.ID.matcher(tenant).matches()) {
      add(dev.agentbus.auth.Tenancy.FIELD, "must be a tenant id: 1 to 64 letters, digits, '.', '_' or '-'");
      return null;
    }
    return tenant;
  }

  /** {@code ?cursor=}: the {@code next_cursor} of a previous page of an id-ordered list. */
  String idCursor(RoutingContext ctx) {
    String cursor = ctx.request().getParam("cursor");
    if (cursor != null && !ID_CURSOR.matcher(cursor).matches()) {
      add("cursor", "is not a cursor returned by this API");
      return null;
    }
    return cursor;
  }

  /** {@code ?limit=}: the page size, default and maximum from the limits. */
  int limit(RoutingContext ctx, Limits limits) {
    return (int) queryLong(ctx, "limit", limits.defaultPage(), 1, limits.maxPage());
  }

  /** {@code ?wait=}: seconds to wait for a final state, at most the limit. */
  long waitSeconds(RoutingContext ctx, Limits limits) {
    return queryLong(ctx, "wait", 0, 0, limits.maxWaitSeconds());
  }

  /**
   * Where an SSE stream resumes: {@code Last-Event-ID} (what a browser's EventSource sends on
   * reconnect) when present, else {@code ?after_seq=}, else 0 (from the start).
   */
  long resumeCursor(RoutingContext ctx) {
    long afterSeq = queryLong(ctx, "after_seq", 0, 0, Long.MAX_VALUE);
    String lastEventId = ctx.request().getHeader("Last-Event-ID");
    if (lastEventId == null) {
      return afterSeq;
    }
    try {
      long seq = Long.parseLong(lastEventId.trim());
      if (seq >= 0) {
        return seq;
      }
    } catch (NumberFormatException e) {
      // named below
    }
    add("Last-Event-ID", "must be a non-negative integer (the seq of the last event seen)");
    return 0;
  }

  long queryLong(RoutingContext ctx, String name, long defaultValue, long min, long max) {
    String raw = ctx.request().getParam(name);
    if (raw == null || raw.isEmpty()) {
      return defaultValue;
    }
    try {
      long value = Long.parseLong(raw);
      if (value >= min && value <= max) {
        return value;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    add(name, "must be an integer from " + min + " to " + max);
    return defaultValue;
  }

  String queryOneOf(RoutingContext ctx, String name, Set<String> allowed) {
    String raw = ctx.request().getParam(name);
    if (raw != null && !allowed.contains(raw)) {
      add(name, "must be one of " + String.join(", ", allowed.stream().sorted().toList()));
      return null;
    }
    return raw;
  }
}
