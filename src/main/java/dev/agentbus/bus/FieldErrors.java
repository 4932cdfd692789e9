package dev.agentbus.bus;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** The {@code details} shape of a {@code VALIDATION_ERROR}: every bad field with its issue. */
public final class FieldErrors {
  private FieldErrors() {}

  public record FieldError(String field, String issue) {}

  /** {@code {field, issue}} of the first bad field plus {@code fields: [all]}. */
  public static JsonObject details(List<FieldError> errors) {
    JsonArray all = new JsonArray();
    errors.forEach(e -> all.add(new JsonObject().put("field", e.field()).put("issue", e.issue())));
    JsonObject details = new JsonObject().put("fields", all);
    if (!errors.isEmpty()) {
      details.put("field", errors.get(0).field()).put("issue", errors.get(0).issue());
    }
    return details;
  }

  public static BusError toError(List<FieldError> errors) {
    String names = String.join(", ", errors.stream().map(FieldError::field).toList());
    return new BusError(ErrorCode.VALIDATION_ERROR, "Invalid request: " + names, details(errors));
  }
}
