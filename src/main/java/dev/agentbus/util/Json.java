package dev.agentbus.util;

import io.vertx.core.json.JsonObject;
import java.util.List;

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

  /**
   * The public view of a stored document: its {@code _id} as {@code idField}, then each of {@code
   * fields} as stored (null when absent); {@code optional} fields only when present.
   */
  public static JsonObject view(JsonObject doc, String idField, List<String> fields, List<String> optional) {
    JsonObject view = new JsonObject().put(idField, doc.getValue("_id"));
    fields.forEach(field -> view.put(field, doc.getValue(field)));
    optional.forEach(field -> putIfPresent(view, field, doc.getValue(field)));
    return view;
  }

  /** Null for an absent or empty object, so a request without overrides carries none. */
  public static JsonObject nonEmpty(JsonObject object) {
    return object == null || object.isEmpty() ? null : object;
  }
}
