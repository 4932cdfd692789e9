package dev.agentbus.event;

import dev.agentbus.auth.Tenancy;
import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.Bus;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** How agentbus's own verticles append system events to a session (local-only, order-keeping). */
public final class Events {
  private Events() {}

  public static Future<JsonObject> append(Vertx vertx, String sessionId, String type, JsonObject data, String commandId) {
    return Bus.request(vertx, Addresses.EVENT_APPEND, draft(sessionId, type, data, commandId), Bus.withRequestId(null));
  }

  /**
   * The first event of a session just created: its seq is 1, with no read of the store (see {@link
   * Addresses#EVENT_APPEND}). {@code data} is the session, so its {@code tenant_id} is the event's
   * (and the writer learns it without a lookup).
   */
  public static Future<JsonObject> first(Vertx vertx, String sessionId, String type, JsonObject data) {
    JsonObject draft = draft(sessionId, type, data, null).put("first", true);
    if (data.getString(Tenancy.FIELD) != null) {
      draft.put(Tenancy.FIELD, data.getString(Tenancy.FIELD));
    }
    return Bus.request(vertx, Addresses.EVENT_APPEND, draft, Bus.withRequestId(null));
  }

  /**
   * Appends several drafts (of any sessions, see {@link #draft}) in one request: they are stored in
   * one write, in this order. The stored events, in the same order; fails if any could not be
   * stored (those that were are durable and announced).
   */
  public static Future<List<JsonObject>> appendAll(Vertx vertx, List<JsonObject> drafts) {
    return Bus.request(vertx, Addresses.EVENT_APPEND, new JsonObject().put("events", new JsonArray(drafts)), Bus.withRequestId(null))
        .map(reply -> reply.getJsonArray("events").stream().map(JsonObject.class::cast).toList());
  }

  /** A system event's draft for {@link #appendAll}; {@code commandId} may be null. */
  public static JsonObject draft(String sessionId, String type, JsonObject data, String commandId) {
    JsonObject draft = new JsonObject()
        .put("session_id", sessionId)
        .put("event_type", type)
        .put("data", data)
        .put("source", "system");
    if (commandId != null) {
      draft.put("command_id", commandId);
    }
    return draft;
  }
}
