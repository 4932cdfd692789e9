package dev.agentbus.tool;

import dev.agentbus.store.Store;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.MongoClient;
import java.util.List;

/**
 * The {@value #COLLECTION} collection: one document per registered tool, {@code {_id:
 * "<session_id>/<name>" | "*\/<name>", name, session_id (null: global), scope, description,
 * parameters_json, implementation: {kind, url, secret, timeout_ms} | {kind, address, timeout_ms} |
 * {kind, server_id, tool}, created_at}}. The schema is stored encoded ({@code parameters_json}): a
 * JSON Schema may hold keys a document may not ({@code $schema}, property names with dots). The
 * {@code _id} makes a second tool of a name in one scope impossible (E11000) and makes a call's
 * lookup a read by {@code _id}. Lists and purges filter on {@code session_id} (a scan on the embedded
 * store; tools are few, and a node caches each scope's list, see {@code ToolVerticle}).
 */
public final class ToolStore {
  static final String COLLECTION = "tools";
  static final String GLOBAL = "*";

  private final MongoClient mongo;

  /** The index of the lists and purges by {@code session_id} (used on a real MongoDB; the embedded store ignores it). */
  public static Future<Void> ensureIndexes(MongoClient mongo) {
    return Store.index(mongo, COLLECTION, new JsonObject().put("session_id", 1), "tools_session");
  }

  ToolStore(MongoClient mongo) {
    this.mongo = mongo;
  }

  /** The key of a tool in a scope ({@code sessionId} null: global). */
  static String key(String sessionId, String name) {
    return (sessionId == null ? GLOBAL : sessionId) + "/" + name;
  }

  /** Inserts; fails E11000 ({@link Store#isDuplicateKey}) when that scope already has the name. */
  Future<Void> insert(JsonObject doc) {
    return mongo.insert(COLLECTION, doc).mapEmpty();
  }

  /** The tool under {@code key}, or null. */
  Future<JsonObject> find(String key) {
    return mongo.findOne(COLLECTION, new JsonObject().put("_id", key), null);
  }

  /** One scope's tools, oldest first. */
  Future<List<JsonObject>> list(String sessionId) {
    return mongo.findWithOptions(COLLECTION, new JsonObject().put("session_id", sessionId),
        new FindOptions().setSort(new JsonObject().put("created_at", 1).put("_id", 1)).setLimit(1000));
  }

  /** Removes and returns the tool under {@code key}, or null when there was none. */
  Future<JsonObject> remove(String key) {
    return mongo.findOneAndDelete(COLLECTION, new JsonObject().put("_id", key));
  }

  Future<Long> purge(String sessionId) {
    return Store.removeSession(mongo, COLLECTION, sessionId);
  }
}
