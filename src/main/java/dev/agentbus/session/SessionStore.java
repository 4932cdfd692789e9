package dev.agentbus.session;

import dev.agentbus.store.Store;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import java.util.List;

/**
 * The {@code sessions} collection, owned by {@link SessionVerticle}: {@code {_id: "ses_...", name,
 * status, metadata, created_at, updated_at, ttl_seconds?, expires_at?}}.
 */
public final class SessionStore {
  private SessionStore() {}

  public static final String SESSIONS = "sessions";

  /** The list's sort key and the expiry sweep. */
  public static Future<Void> ensureIndexes(MongoClient mongo) {
    return Future.all(List.of(
        Store.index(mongo, SESSIONS, new JsonObject().put("created_at", 1).put("_id", 1), "created"),
        Store.index(mongo, SESSIONS, new JsonObject().put("expires_at", 1), "expiry")))
        .mapEmpty();
  }
}
