package dev.agentbus.handler;

import dev.agentbus.store.Store;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.MongoClient;
import java.util.List;

/**
 * The {@value #COLLECTION} collection: one document per registered command handler, {@code
 * {_id: "<session_id>/<command_type>" | "*\/<command_type>", handler_id, session_id (null:
 * global), scope, command_type, handler: {kind, url, secret} | {kind, address}, timeout_ms,
 * created_at}}. The {@code _id} makes a second handler of a type in one scope impossible (E11000)
 * and makes resolution a read by {@code _id} on both stores. Lists and purges filter on {@code
 * session_id} (a scan on the embedded store; registrations are few and not on the hot path).
 */
public final class HandlerStore {
  static final String COLLECTION = "command_handlers";
  static final String GLOBAL = "*";

  private final MongoClient mongo;

  /** The index of the lists and purges by {@code session_id} (used on a real MongoDB; the embedded store ignores it). */
  public static Future<Void> ensureIndexes(MongoClient mongo) {
    return Store.index(mongo, COLLECTION, new JsonObject().put("session_id", 1), "command_handlers_session");
  }

  HandlerStore(MongoClient mongo) {
    this.mongo = mongo;
  }

  /** The key of a type's registration in a scope ({@code sessionId} null: global). */
  static String key(String sessionId, String commandType) {
    return (sessionId == null ? GLOBAL : sessionId) + "/" + commandType;
  }

  /** Inserts; fails E11000 ({@link Store#isDuplicateKey}) when that scope already has the type. */
  Future<Void> insert(JsonObject doc) {
    return mongo.insert(COLLECTION, doc).mapEmpty();
  }

  /** The registration under {@code key}, or null. */
  Future<JsonObject> find(String key) {
    return mongo.findOne(COLLECTION, new JsonObject().put("_id", key), null);
  }

  /** One scope's registrations, oldest first. */
  Future<List<JsonObject>> list(String sessionId) {
    return mongo.findWithOptions(COLLECTION, new JsonObject().put("session_id", sessionId),
        new FindOptions().setSort(new JsonObject().put("created_at", 1)).setLimit(1000));
  }

  /** Removes and returns the registration under {@code key}, or null when there was none. */
  Future<JsonObject> remove(String key) {
    return mongo.findOneAndDelete(COLLECTION, new JsonObject().put("_id", key));
  }

  Future<Long> purge(String sessionId) {
    return Store.removeSession(mongo, COLLECTION, sessionId);
  }
}
