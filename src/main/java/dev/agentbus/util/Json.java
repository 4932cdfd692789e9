package dev.agentbus.util;

import io.vertx.core.json.JsonObject;

/** Small JSON building helpers. */
public final class Json {
  private Json() {}

  /** Puts {@code value} under {@code key} unless it is null; returns {@code target}. */
  public static JsonObject putIfPresent(JsonObject target, String key, Object value) {
    if (value != null) {
      target.put(key, value);
    }
    return target;
  }

  /** Null for an absent or empty object, so a request without overrides carries none. */
  public static JsonObject nonEmpty(JsonObject object) {
    return object == null || object.isEmpty() ? null : object;
  }
}
