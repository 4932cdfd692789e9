package dev.agentbus.mcp;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.IndexOptions;
import io.vertx.ext.mongo.MongoClient;
import java.util.List;

/**
 * The {@value #COLLECTION} collection: one document per registered MCP server, {@code {_id:
 * "mcp_...", name, url, headers: {header name: sealed value (SecretBox)}, created_at}}. The unique
 * {@code name} index makes a second server of one name impossible (E11000) on both stores. Lists and
 * look-ups by URL scan the collection: servers are few ({@code mcp.max_servers}) and off the hot path.
 */
public final class McpStore {
  static final String COLLECTION = "mcp_servers";
  private static final int MAX_LISTED = 1000;

  private final MongoClient mongo;

  McpStore(MongoClient mongo) {
    this.mongo = mongo;
  }

  public static Future<Void> ensureIndexes(MongoClient mongo) {
    return mongo.createIndexWithOptions(COLLECTION, new JsonObject().put("name", 1),
        new IndexOptions().unique(true).name("mcp_server_names"));
  }

  /** Inserts; fails E11000 when the name is taken. */
  Future<Void> insert(JsonObject doc) {
    return mongo.insert(COLLECTION, doc).mapEmpty();
  }

  Future<JsonObject> find(String serverId) {
    return mongo.findOne(COLLECTION, new JsonObject().put("_id", serverId), null);
  }

  Future<JsonObject> findBy(String field, String value) {
    return mongo.findOne(COLLECTION, new JsonObject().put(field, value), null);
  }

  /** Every registration, oldest first (ids are time-ordered). */
  Future<List<JsonObject>> list() {
    return mongo.findWithOptions(COLLECTION, new JsonObject(),
        new FindOptions().setSort(new JsonObject().put("_id", 1)).setLimit(MAX_LISTED));
  }

  Future<Long> count() {
    return mongo.count(COLLECTION, new JsonObject());
  }

  /** Removes and returns the registration, or null when there was none. */
  Future<JsonObject> remove(String serverId) {
    return mongo.findOneAndDelete(COLLECTION, new JsonObject().put("_id", serverId));
  }
}
