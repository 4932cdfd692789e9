package dev.agentbus.event;

import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;

/**
 * A draft waiting in the event log's queue, and its producer's promise. {@code forwarded}: another
 * node sent it here as the session's owner, so it is written here whatever the current view of
 * ownership (never forwarded twice). {@code traceparent}: the producer's sampled trace, or null
 * (the event's webhook deliveries join it; it is not stored).
 */
record Pending(JsonObject draft, Promise<JsonObject> stored, boolean forwarded, String traceparent) {
  String sessionId() {
    return draft.getString("session_id");
  }
}
