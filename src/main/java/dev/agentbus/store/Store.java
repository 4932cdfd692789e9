package dev.agentbus.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.IndexOptions;
import io.vertx.ext.mongo.MongoClient;
import java.util.List;

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
   * Creates the indexes. The unique {@code (session_id, seq)} is what makes a duplicate {@code seq}
   * impossible even if the cluster-wide sequencer were wrong. The others serve the list, filter
   * and sweep queries on a real MongoDB (the embedded store ignores non-unique indexes).
   */
  public static Future<Void> ensureIndexes(MongoClient mongo) {
    return Future.all(List.of(
        mongo.createIndexWithOptions(Collections.EVENTS, new JsonObject().put("session_id", 1).put("seq", 1),
            new IndexOptions().unique(true).name("session_seq")),
        index(mongo, Collections.EVENTS, new JsonObject().put("session_id", 1).put("event_type", 1).put("seq", 1), "session_type_seq"),
        index(mongo, Collections.EVENTS, new JsonObject().put("session_id", 1).put("command_id", 1).put("seq", 1), "session_command_seq"),
        index(mongo, Collections.SESSIONS, new JsonObject().put("created_at", 1).put("_id", 1), "created"),
        index(mongo, Collections.SESSIONS, new JsonObject().put("expires_at", 1), "expiry"),
        index(mongo, Collections.COMMANDS, new JsonObject().put("session_id", 1).put("_id", 1), "session_commands"),
        index(mongo, Collections.COMMANDS, new JsonObject().put("status", 1).put("node_id", 1), "status_node"),
        index(mongo, Collections.ENGINES, new JsonObject().put("session_id", 1).put("created_at", -1), "session_engines"),
        index(mongo, Collections.MESSAGES, new JsonObject().put("session_id", 1).put("_id", 1), "session_messages"),
        index(mongo, Collections.AGENTS, new JsonObject().put("name", 1), "agent_names"),
        index(mongo, Collections.IDEMPOTENCY_KEYS, new JsonObject().put("expires_ms", 1), "expiry"),
        index(mongo, Collections.SUBSCRIBER_CURSORS, new JsonObject().put("session_id", 1), "session")))
        .mapEmpty();
  }

  /** Whether a store failure is a unique-index violation (E11000). */
  public static boolean isDuplicateKey(Throwable failure) {
    return String.valueOf(failure.getMessage()).contains("E11000");
  }

  private static Future<Void> index(MongoClient mongo, String collection, JsonObject keys, String name) {
    return mongo.createIndexWithOptions(collection, keys, new IndexOptions().name(name));
  }
}
