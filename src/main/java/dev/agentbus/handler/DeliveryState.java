package dev.agentbus.handler;

import io.vertx.core.json.JsonObject;
import java.util.Comparator;
import java.util.List;

/**
 * The delivery state a handler listing shows, from its cursors. A session handler has one cursor:
 * {@code delivered_seq} (null until an event matched), {@code pending} (seqs stored after {@code
 * delivered_seq} up to the last matching one: an upper bound of the matching events still to
 * deliver, 0 when caught up), {@code failures} (failed attempts over the cursor's life) and {@code
 * last_error} (the latest failure's message, null if none). A global handler has one cursor per
 * session it matched: {@code sessions} counts them, {@code delivered_seq} is null (seqs are per
 * session), {@code pending} and {@code failures} are sums, {@code last_error} the most recent one.
 */
final class DeliveryState {
  private DeliveryState() {}

  static JsonObject of(List<JsonObject> cursors, boolean global) {
    long pending = cursors.stream().mapToLong(c -> Math.max(0, c.getLong("target_seq", 0L) - c.getLong("delivered_seq", 0L))).sum();
    long failures = cursors.stream().mapToLong(c -> c.getLong("failures", 0L)).sum();
    JsonObject latest = cursors.stream().filter(c -> c.getString("last_error") != null)
        .max(Comparator.comparing(c -> c.getString("last_error_at", ""))).orElse(null);
    JsonObject state = new JsonObject()
        .put("delivered_seq", global || cursors.isEmpty() ? null : cursors.get(0).getLong("delivered_seq", 0L))
        .put("pending", pending).put("failures", failures)
        .put("last_error", latest == null ? null : latest.getString("last_error"));
    if (global) {
      state.put("sessions", cursors.size());
    }
    return state;
  }
}
