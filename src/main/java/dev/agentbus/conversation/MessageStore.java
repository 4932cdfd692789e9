package dev.agentbus.conversation;

import dev.agentbus.store.GroupRead;
import dev.agentbus.store.GroupWrite;
import dev.agentbus.store.Store;
import dev.agentbus.util.Ids;
import dev.agentbus.util.Times;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
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
   * tool_call_id?, name?, is_error?, tenant_id}} ({@code tenant_id}: the session's). Ids are time-ordered, so {@code _id} order is conversation order.
   */
  public static final String MESSAGES = "messages";
  /**
   * External conversations: {@code {_id: "<company_id>/<conversation_id>" (tenant default) or
   * "/<tenant>/<company_id>/<conversation_id>", tenant_id, session_id, user_id, company_id, conversation_id, created_at}}
   * (see {@link ConversationVerticle#mappingId}; mappings stored before tenancy have no {@code tenant_id}: default's).
   */
  public static final String CONVERSATIONS = "conversations";
  /**
   * The ids of each session's newest messages, so an engine run's history is two reads by
   * {@code _id} instead of a sort over every message: {@code {_id: "<session_id>", ids: [the
   * newest TAIL message ids, oldest first]}}. Written before the message itself, so every stored
   * message is in it (an id whose insert failed is simply not found).
   */
  public static final String TAILS = "conversation_tails";
  /** How many ids a tail keeps; {@link #recent} with a larger limit reads the messages by session instead. */
  static final int TAIL = 200;

  private final MongoClient mongo;
  private final GroupWrite messages;
  private final GroupWrite tails;
  private final GroupRead tailReads;

  /** Appends share bulk writes ({@link GroupWrite}) of at most {@code writeBatch}, {@code maxQueued} waiting. */
  MessageStore(MongoClient mongo, int writeBatch, int maxQueued) {
    this.mongo = mongo;
    this.messages = new GroupWrite(mongo, MESSAGES, writeBatch, maxQueued);
    this.tails = new GroupWrite(mongo, TAILS, writeBatch, maxQueued);
    this.tailReads = new GroupRead(mongo, TAILS, writeBatch);
  }

  /** A session's messages in conversation order; a message's children (read only when it is deleted). */
  public static Future<Void> ensureIndexes(MongoClient mongo) {
    return Store.index(mongo, MESSAGES, new JsonObject().put("session_id", 1).put("_id", 1), "session_messages")
        .compose(done -> Store.index(mongo, MESSAGES, new JsonObject().put("session_id", 1).put("parent_id", 1), "message_children"));
  }

  /** The stored message {@code messageId} if it belongs to {@code sessionId}, else null (read by {@code _id}). */
  Future<JsonObject> find(String sessionId, String messageId) {
    return mongo.findOne(MESSAGES, new JsonObject().put("_id", messageId), null)
        .map(doc -> doc != null && sessionId.equals(doc.getString("session_id")) ? doc : null);
  }

  /** Applies {@code update} to message {@code messageId} (by {@code _id}) → the document as it is now. */
  Future<JsonObject> edit(String messageId, JsonObject update) {
    return mongo.findOneAndUpdateWithOptions(MESSAGES, new JsonObject().put("_id", messageId), update,
        new io.vertx.ext.mongo.FindOptions(), new io.vertx.ext.mongo.UpdateOptions().setReturningNewDocument(true));
  }

  /**
   * Removes {@code message}: first from its session's tail (later runs no longer read it), then the
   * document, then its children take its parent → how many children moved. The children's update
   * filters by {@code (session_id, parent_id)}: indexed on MongoDB, a scan of the collection on the
   * embedded store (deleting one message is rare; no hot path reads by parent).
   */
  Future<Long> remove(JsonObject message) {
    String sessionId = message.getString("session_id");
    String id = message.getString("_id");
    JsonObject pull = new JsonObject().put("$pull", new JsonObject().put("ids", id));
    JsonObject children = new JsonObject().put("session_id", sessionId).put("parent_id", id);
    JsonObject reparent = new JsonObject().put("$set", new JsonObject().put("parent_id", message.getString("parent_id")));
    return tails.update(sessionId, pull, false)
        .compose(pulled -> mongo.removeDocument(MESSAGES, new JsonObject().put("_id", id)))
        .compose(removed -> mongo.updateCollectionWithOptions(MESSAGES, children, reparent,
            new io.vertx.ext.mongo.UpdateOptions().setMulti(true)))
        .map(updated -> updated.getDocModified());
  }

  /** Stores one message ({@code _id} and {@code created_at} added to the given fields) and returns its document. */
  Future<JsonObject> append(JsonObject message) {
    JsonObject doc = message.copy().put("_id", Ids.next("msg")).put("created_at", Times.now());
    JsonObject push = new JsonObject().put("$push", new JsonObject().put("ids",
        new JsonObject().put("$each", new JsonArray().add(doc.getString("_id"))).put("$slice", -TAIL)));
    return tails.update(doc.getString("session_id"), push, true)
        .compose(tailed -> messages.insert(doc))
        .map(stored -> doc);
  }

  /** The newest {@code limit} stored messages of a session, oldest first: its tail's ids, then those messages, by {@code _id}. */
  Future<List<JsonObject>> recent(String sessionId, int limit) {
    if (limit > TAIL) {
      return mongo.findWithOptions(MESSAGES, new JsonObject().put("session_id", sessionId),
              new FindOptions().setSort(new JsonObject().put("_id", -1)).setLimit(limit))
          .map(docs -> docs.stream().sorted(BY_ID).toList());
    }
    return tailReads.byId(sessionId).compose(tail -> {
      List<Object> ids = tail == null ? List.of() : tail.getJsonArray("ids", new JsonArray()).getList();
      if (ids.isEmpty()) {
        return Future.succeededFuture(List.of());
      }
      JsonArray newest = new JsonArray(new ArrayList<>(ids.subList(Math.max(0, ids.size() - limit), ids.size())));
      return mongo.find(MESSAGES, new JsonObject().put("_id", new JsonObject().put("$in", newest)))
          .map(docs -> docs.stream().sorted(BY_ID).toList());
    });
  }

  private static final java.util.Comparator<JsonObject> BY_ID = java.util.Comparator.comparing(doc -> doc.getString("_id"));

  /** Removes a deleted session's messages and conversation mapping: {@code {messages: n, conversations: n}}. */
  Future<JsonObject> purge(String sessionId) {
    Future<Long> messages = Store.removeSession(mongo, MESSAGES, sessionId);
    Future<Long> conversations = Store.removeSession(mongo, CONVERSATIONS, sessionId);
    Future<?> tail = mongo.removeDocument(TAILS, new JsonObject().put("_id", sessionId));
    return Future.all(messages, conversations, tail)
        .map(done -> new JsonObject().put("messages", messages.result()).put("conversations", conversations.result()));
  }
}
