package dev.agentbus.store;

import dev.agentbus.agent.AgentStore;
import dev.agentbus.command.CommandLedger;
import dev.agentbus.config.Settings;
import dev.agentbus.conversation.MessageStore;
import dev.agentbus.engine.EngineStore;
import dev.agentbus.event.EventStore;
import dev.agentbus.idempotency.IdempotencyStore;
import dev.agentbus.session.SessionStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.IndexOptions;
import io.vertx.ext.mongo.MongoClient;
import java.util.List;

/**
 * The one shared MongoDB client of a node, and the start-up run of every owner's indexes. Each
 * collection belongs to one package, which names it and defines its indexes in a small store
 * next to its verticle ({@link SessionStore}, {@link EventStore}, {@link CommandLedger},
 * {@link EngineStore}, {@link AgentStore}, {@link MessageStore}, {@link IdempotencyStore}); no
 * package reads or deletes another package's collection. Documents use our own string ids as
 * {@code _id}.
 */
public final class Store {
  private static final String POOL = "agentbus";

  private Store() {}

  /** The node-wide shared client; {@code mongo} is the {@code mongodb} settings with {@code uri} resolved. */
  public static MongoClient client(Vertx vertx, Settings.Mongo mongo) {
    JsonObject options = new JsonObject()
        .put("connection_string", mongo.uri())
        .put("db_name", mongo.database())
        .put("serverSelectionTimeoutMS", mongo.serverSelectionTimeoutMs())
        .put("connectTimeoutMS", mongo.connectTimeoutMs())
        .put("maxPoolSize", mongo.maxPoolSize())
        .put("useObjectId", false);
    return MongoClient.createShared(vertx, options, POOL);
  }

  /**
   * Creates every owner's indexes. The unique {@code (session_id, seq)} of {@link EventStore} is
   * what makes a duplicate {@code seq} impossible even if the cluster-wide sequencer were wrong;
   * the others serve the list, filter and sweep queries on a real MongoDB (the embedded store
   * ignores non-unique indexes).
   */
  public static Future<Void> ensureIndexes(MongoClient mongo) {
    return Future.all(List.of(
        SessionStore.ensureIndexes(mongo),
        EventStore.ensureIndexes(mongo),
        CommandLedger.ensureIndexes(mongo),
        EngineStore.ensureIndexes(mongo),
        AgentStore.ensureIndexes(mongo),
        MessageStore.ensureIndexes(mongo),
        IdempotencyStore.ensureIndexes(mongo),
        dev.agentbus.handler.HandlerStore.ensureIndexes(mongo),
        dev.agentbus.mcp.McpStore.ensureIndexes(mongo),
        dev.agentbus.tool.ToolStore.ensureIndexes(mongo),
        dev.agentbus.log.LogStore.ensureIndexes(mongo),

        dev.agentbus.handler.EventHandlerStore.ensureIndexes(mongo),
        dev.agentbus.trace.TraceStore.ensureIndexes(mongo)))
        .mapEmpty();
  }

  /** Whether a store failure is a unique-index violation (E11000). */
  public static boolean isDuplicateKey(Throwable failure) {
    return String.valueOf(failure.getMessage()).contains("E11000");
  }

  /** Creates a named, non-unique index (for an owner's {@code ensureIndexes}). */
  public static Future<Void> index(MongoClient mongo, String collection, JsonObject keys, String name) {
    return mongo.createIndexWithOptions(collection, keys, new IndexOptions().name(name));
  }

  /**
   * Removes every document of one session from {@code collection} (for the owner's purge on a
   * session delete) and returns how many there were.
   */
  public static Future<Long> removeSession(MongoClient mongo, String collection, String sessionId) {
    return mongo.removeDocuments(collection, new JsonObject().put("session_id", sessionId))
        .map(removed -> removed == null ? 0L : removed.getRemovedCount());
  }
}
