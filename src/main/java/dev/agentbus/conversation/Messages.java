package dev.agentbus.conversation;

import dev.agentbus.auth.Tenancy;
import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.bus.EventTypes;
import dev.agentbus.event.Events;
import dev.agentbus.session.Sessions;
import dev.agentbus.util.Json;
import dev.agentbus.util.Times;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * The messages a client adds, reads, edits and deletes one at a time ({@link
 * Addresses#MESSAGE_CREATE}, {@code _GET}, {@code _PATCH}, {@code _DELETE}), beside those engine
 * runs append. Each is found by {@code _id} and must belong to the session in the path, which the
 * caller must be allowed to see ({@link Sessions#require}); each change is announced in the session
 * ({@code message.created|updated|deleted}) after it is stored.
 */
final class Messages {
  private final Vertx vertx;
  private final MessageStore store;

  Messages(Vertx vertx, MessageStore store) {
    this.vertx = vertx;
    this.store = store;
  }

  /** See {@link Addresses#MESSAGE_CREATE}. */
  Future<JsonObject> create(JsonObject body, MultiMap headers) {
    String sessionId = body.getString("session_id");
    String parentId = body.getString("parent_id");
    return Sessions.require(vertx, sessionId, headers)
        .compose(session -> parentId == null ? Future.succeededFuture(session) : store.find(sessionId, parentId)
            .compose(parent -> parent != null ? Future.succeededFuture(session)
                : Future.failedFuture(BusError.invalid("parent_id", "is not the id of a message of this session"))))
        .compose(session -> {
          JsonObject message = new JsonObject().put("session_id", sessionId).put("role", body.getString("role"))
              .put("type", "message").put("content", body.getString("content")).put("parent_id", parentId)
              .put("metadata", body.getJsonObject("metadata", new JsonObject())).put("source", "client");
          Json.putIfPresent(message, Tenancy.FIELD, session.getString(Tenancy.FIELD));
          return store.append(message);
        })
        .compose(stored -> announce(sessionId, EventTypes.MESSAGE_CREATED, new JsonObject()
            .put("message_id", stored.getString("_id")).put("role", stored.getString("role"))
            .put("type", stored.getString("type")).put("parent_id", parentId), stored));
  }

  /** See {@link Addresses#MESSAGE_GET}. */
  Future<JsonObject> get(JsonObject body, MultiMap headers) {
    return visible(body, headers).map(ConversationVerticle::toMessage);
  }

  /** See {@link Addresses#MESSAGE_PATCH}. */
  Future<JsonObject> patch(JsonObject body, MultiMap headers) {
    String sessionId = body.getString("session_id");
    return visible(body, headers).compose(found -> {
      JsonObject set = new JsonObject().put("edited_at", Times.now());
      JsonObject unset = new JsonObject();
      JsonArray fields = new JsonArray();
      if (body.getString("content") != null) {
        set.put("content", body.getString("content"));
        fields.add("content");
      }
      if (body.getJsonObject("metadata") != null) {
        fields.add("metadata");
        for (Map.Entry<String, Object> entry : body.getJsonObject("metadata")) {
          if (entry.getValue() == null) {
            unset.put("metadata." + entry.getKey(), "");
          } else {
            set.put("metadata." + entry.getKey(), entry.getValue());
          }
        }
      }
      JsonObject update = new JsonObject().put("$set", set);
      if (!unset.isEmpty()) {
        update.put("$unset", unset);
      }
      return store.edit(found.getString("_id"), update)
          .compose(edited -> announce(sessionId, EventTypes.MESSAGE_UPDATED,
              new JsonObject().put("message_id", edited.getString("_id")).put("fields", fields), edited));
    });
  }

  /** See {@link Addresses#MESSAGE_DELETE}. */
  Future<JsonObject> delete(JsonObject body, MultiMap headers) {
    String sessionId = body.getString("session_id");
    return visible(body, headers).compose(found -> store.remove(found)
        .compose(reparented -> {
          JsonObject data = new JsonObject().put("message_id", found.getString("_id"))
              .put("parent_id", found.getString("parent_id")).put("reparented", reparented);
          return Events.append(vertx, sessionId, EventTypes.MESSAGE_DELETED, data, null)
              .map(event -> new JsonObject().put("message_id", found.getString("_id")).put("deleted", true)
                  .put("reparented", reparented));
        }));
  }

  /** The stored message named in {@code body}, if its session is the caller's to see and holds it; else the 404 for which is missing. */
  private Future<JsonObject> visible(JsonObject body, MultiMap headers) {
    String sessionId = body.getString("session_id");
    String messageId = body.getString("message_id");
    return Sessions.require(vertx, sessionId, headers)
        .compose(session -> store.find(sessionId, messageId))
        .compose(found -> found != null ? Future.succeededFuture(found)
            : Future.failedFuture(BusError.notFound(ErrorCode.MESSAGE_NOT_FOUND, "Message", "message_id", messageId)));
  }

  /** Appends the change's event, then answers the message as it is now. */
  private Future<JsonObject> announce(String sessionId, String type, JsonObject data, JsonObject message) {
    return Events.append(vertx, sessionId, type, data, null).map(event -> ConversationVerticle.toMessage(message));
  }
}
