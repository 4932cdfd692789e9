package dev.agentbus.conversation;

import dev.agentbus.store.Store;
import dev.agentbus.util.Ids;
import dev.agentbus.util.Times;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.MongoClient;
import java.util.ArrayList;
import java.util.List;

/**
 * The collections of conversations, owned by {@link ConversationVerticle}: a session's messages
 * (written by engine runs through {@link dev.agentbus.bus.Addresses#MESSAGE_APPEND}) and the
 * external conversation mappings.
 */
public final class MessageStore {
  /**
   * The conversation of each session, one document per message: {@code {_id: "msg_...",
   * session_id, command_id, role: user|assistant|tool, type: message|reasoning|tool_call|tool_result,
   * content, parent_id, created_at, duration_ms?, iteration?, tool_call?: {id, name, arguments},
   * tool_call_id?, name?, is_error?}}. Ids are time-ordered, so {@code _id} order is conversation order.
   */
  public static final String MESSAGES = "messages";
  /** External conversations: {@code {_id: "<company_id>/<conversation_id>", session_id, user_id, company_id, created_at}}. */
  public static final String CONVERSATIONS = "conversations";

  private final MongoClient mongo;

  MessageStore(MongoClient mongo) {
    this.mongo = mongo;
  }

  /** A session's messages in conversation order. */
  public static Future<Void> ensureIndexes(MongoClient mongo) {
    return Store.index(mongo, MESSAGES, new JsonObject().put("session_id", 1).put("_id", 1), "session_messages");
  }

  /** Stores one message ({@code _id} and {@code created_at} added to the given fields) and returns its document. */
  Future<JsonObject> append(JsonObject message) {
    JsonObject doc = message.copy().put("_id", Ids.next("msg")).put("created_at", Times.now());
    return mongo.insert(MESSAGES, doc).map(id -> doc);
  }

  /** The newest {@code limit} stored messages of a session, oldest first. */
  Future<List<JsonObject>> recent(String sessionId, int limit) {
    return mongo.findWithOptions(MESSAGES, new JsonObject().put("session_id", sessionId),
            new FindOptions().setSort(new JsonObject().put("_id", -1)).setLimit(limit))
        .map(docs -> {
          List<JsonObject> oldestFirst = new ArrayList<>(docs);
          java.util.Collections.reverse(oldestFirst);
          return oldestFirst;
        });
  }

  /** Removes a deleted session's messages and conversation mapping: {@code {messages: n, conversations: n}}. */
  Future<JsonObject> purge(String sessionId) {
    Future<Long> messages = Store.removeSession(mongo, MESSAGES, sessionId);
    Future<Long> conversations = Store.removeSession(mongo, CONVERSATIONS, sessionId);
    return Future.all(messages, conversations)
        .map(done -> new JsonObject().put("messages", messages.result()).put("conversations", conversations.result()));
  }
}
