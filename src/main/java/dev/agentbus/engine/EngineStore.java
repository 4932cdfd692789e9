package dev.agentbus.engine;

import dev.agentbus.store.Store;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;

/**
 * The {@code engines} collection, owned by {@link EngineCatalogVerticle}: {@code {_id: "eng_...",
 * tenant_id (its session's), engine_type, model_name, session_id, configuration, status, created_at}}.
 */
public final class EngineStore {
  private EngineStore() {}

  public static final String ENGINES = "engines";
  /**
   * Each session's newest engine, so a prompt without {@code engine_id} resolves by {@code _id}:
   * {@code {_id: "<session_id>", engine_id}}, set after an engine is stored (two engines created
   * in one session at the same instant may leave the older one named).
   */
  public static final String NEWEST = "session_newest_engine";

  /** A session's newest engine (what a prompt without engine_id runs on), and a tenant's engine list (by id). */
  public static Future<Void> ensureIndexes(MongoClient mongo) {
    return Future.all(
        Store.index(mongo, ENGINES, new JsonObject().put("session_id", 1).put("created_at", -1), "session_engines"),
        Store.index(mongo, ENGINES, new JsonObject().put("tenant_id", 1).put("_id", 1), "tenant_engines")).mapEmpty();
  }
}
