package dev.agentbus.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.IndexOptions;
import io.vertx.ext.mongo.MongoClient;

/** The one shared MongoDB client of a node, and the indexes the invariants rely on. */
public final class Store {
  private static final String POOL = "agentbus";

  private Store() {}

  /** The node-wide shared client; {@code config} is the app config with {@code mongodb.uri} resolved. */
  public static MongoClient client(Vertx vertx, JsonObject config) {
    JsonObject mongo = config.getJsonObject("mongodb");
    JsonObject options = new JsonObject()
        .put("connection_string", mongo.getString("uri"))
        .put("db_name", mongo.getString("database", "agentbus"))
        .put("serverSelectionTimeoutMS", mongo.getInteger("server_selection_timeout_ms", 3000))
        .put("connectTimeoutMS", mongo.getInteger("connect_timeout_ms", 3000))
        .put("maxPoolSize", mongo.getInteger("max_pool_size", 50))
        .put("useObjectId", false);
    return MongoClient.createShared(vertx, options, POOL);
  }

  /**
   * Creates the unique indexes. {@code (session_id, seq)} is what makes a duplicate {@code seq}
   * impossible even if the cluster-wide sequencer were wrong.
   */
  public static Future<Void> ensureIndexes(MongoClient mongo) {
    return mongo
        .createIndexWithOptions(
            Collections.EVENTS,
            new JsonObject().put("session_id", 1).put("seq", 1),
            new IndexOptions().unique(true).name("session_seq"))
        .mapEmpty();
  }
}
