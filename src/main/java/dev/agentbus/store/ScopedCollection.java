package dev.agentbus.store;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.MongoClient;
import java.util.List;

/**
 * A collection of registrations with one document per name in a scope: {@code _id} is {@code
 * "<session_id>/<name>"}, or {@code "*\/<name>"} for the global scope, and {@code session_id} is
 * null for global ones. The {@code _id} makes a second registration of a name in one scope
 * impossible (E11000, {@link Store#isDuplicateKey}) and a lookup a read by {@code _id} on both
 * stores. Lists and purges filter on {@code session_id} (a scan on the embedded store; registrations
 * are few and not on the hot path). The owning package's store extends it and names its collection.
 */
public class ScopedCollection {
  public static final String GLOBAL = "*";

  private final MongoClient mongo;
  private final String collection;

  protected ScopedCollection(MongoClient mongo, String collection) {
    this.mongo = mongo;
    this.collection = collection;
  }

  /** The index of the lists and purges by {@code session_id} (used on a real MongoDB; the embedded store ignores it). */
  protected static Future<Void> ensureIndexes(MongoClient mongo, String collection) {
    return Store.index(mongo, collection, new JsonObject().put("session_id", 1), collection + "_session");
  }

  /** The key of {@code name} in a scope ({@code sessionId} null: global). */
  public static String key(String sessionId, String name) {
    return (sessionId == null ? GLOBAL : sessionId) + "/" + name;
  }

  /** Inserts; fails E11000 when that scope already has the name. */
  public Future<Void> insert(JsonObject doc) {
    return mongo.insert(collection, doc).mapEmpty();
  }

  /** The registration under {@code key}, or null. */
  public Future<JsonObject> find(String key) {
    return mongo.findOne(collection, new JsonObject().put("_id", key), null);
  }

  /** One scope's registrations, oldest first (at most 1000). */
  public Future<List<JsonObject>> list(String sessionId) {
    return mongo.findWithOptions(collection, new JsonObject().put("session_id", sessionId),
        new FindOptions().setSort(new JsonObject().put("created_at", 1).put("_id", 1)).setLimit(1000));
  }

  /** Removes and returns the registration under {@code key}, or null when there was none. */
  public Future<JsonObject> remove(String key) {
    return mongo.findOneAndDelete(collection, new JsonObject().put("_id", key));
  }

  /** Removes a deleted session's registrations. */
  public Future<Long> purge(String sessionId) {
    return Store.removeSession(mongo, collection, sessionId);
  }
}
