package dev.agentbus.engine;

import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.Bus;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A session's conversation as one engine run sees it: what it reads as history ({@link
 * Addresses#MESSAGE_RECENT}) and what it appends as it goes ({@link Addresses#MESSAGE_APPEND}).
 * The {@code conversation} package owns the stored messages; only one run of a session writes at
 * a time (the conversation lock in {@link EngineVerticle}), so id order is conversation order.
 */
final class Conversation {
  private final Vertx vertx;
  private final String sessionId;
  private final String commandId;
  private final String requestId;

  Conversation(Vertx vertx, String sessionId, String commandId, String requestId) {
    this.vertx = vertx;
    this.sessionId = sessionId;
    this.commandId = commandId;
    this.requestId = requestId;
  }

  String sessionId() {
    return sessionId;
  }

  /** The newest {@code limit} stored messages, oldest first. */
  Future<List<JsonObject>> recent(int limit) {
    return Bus.request(vertx, Addresses.MESSAGE_RECENT, new JsonObject().put("session_id", sessionId).put("limit", limit),
            Bus.withRequestId(requestId))
        .map(reply -> reply.getJsonArray("data").stream().map(JsonObject.class::cast).toList());
  }

  /** Stores one message of this run and returns its document. */
  Future<JsonObject> save(String role, String type, String content, String parentId, JsonObject extra) {
    JsonObject message = new JsonObject()
        .put("session_id", sessionId)
        .put("command_id", commandId)
        .put("role", role)
        .put("type", type)
        .put("content", content)
        .put("parent_id", parentId);
    if (extra != null) {
      message.mergeIn(extra);
    }
    return Bus.request(vertx, Addresses.MESSAGE_APPEND, message, Bus.withRequestId(requestId));
  }

  /** The id of the last final answer in {@code history}: the parent of the next user message. */
  static String lastAnswerId(List<JsonObject> history) {
    for (int i = history.size() - 1; i >= 0; i--) {
      JsonObject doc = history.get(i);
      if ("assistant".equals(doc.getString("role")) && "message".equals(doc.getString("type"))) {
        return doc.getString("_id");
      }
    }
    return null;
  }

  /**
   * Stored messages as OpenAI chat messages. Reasoning is left out; a tool call is kept only with
   * all its results (a run stopped between the two must not leave the model an unanswered call),
   * and the history starts at a user message.
   */
  static JsonArray toChatMessages(List<JsonObject> history) {
    Set<String> answered = new HashSet<>();
    Set<String> called = new HashSet<>();
    for (JsonObject doc : history) {
      if ("tool_result".equals(doc.getString("type"))) {
        answered.add(doc.getString("tool_call_id"));
      } else if ("tool_call".equals(doc.getString("type"))) {
        called.add(doc.getJsonObject("tool_call", new JsonObject()).getString("id"));
      }
    }
    JsonArray messages = new JsonArray();
    JsonObject openCall = null;
    String openTurn = null;
    boolean started = false;
    for (JsonObject doc : history) {
      String type = doc.getString("type");
      String role = doc.getString("role");
      started |= "user".equals(role);
      if (!started || "reasoning".equals(type)) {
        continue;
      }
      if ("tool_call".equals(type)) {
        JsonObject call = doc.getJsonObject("tool_call", new JsonObject());
        if (!answered.contains(call.getString("id"))) {
          continue;
        }
        String turn = doc.getString("command_id") + "#" + doc.getInteger("iteration", 0);
        if (openCall == null || !turn.equals(openTurn)) {
          openCall = new JsonObject().put("role", "assistant").putNull("content").put("tool_calls", new JsonArray());
          openTurn = turn;
          messages.add(openCall);
        }
        openCall.getJsonArray("tool_calls").add(new JsonObject().put("id", call.getString("id")).put("type", "function")
            .put("function", new JsonObject().put("name", AgentLoop.wireName(call.getString("name")))
                .put("arguments", call.getString("arguments", "{}"))));
        continue;
      }
      openCall = null;
      if ("tool_result".equals(type)) {
        if (called.contains(doc.getString("tool_call_id"))) {
          messages.add(new JsonObject().put("role", "tool").put("tool_call_id", doc.getString("tool_call_id"))
              .put("content", doc.getString("content", "")));
        }
      } else {
        messages.add(new JsonObject().put("role", role).put("content", doc.getString("content", "")));
      }
    }
    return messages;
  }
}
