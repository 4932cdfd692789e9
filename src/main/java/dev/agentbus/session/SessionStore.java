package dev.agentbus.session;

import dev.agentbus.store.Store;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import java.util.List;

/**
 * The collections of {@link SessionVerticle}: {@code sessions} {@code {_id: "ses_...", tenant_id, name,
 * status, metadata, created_at, updated_at, ttl_seconds?, expires_at?}}, and
 * {@code session_expiries} (see {@link SessionExpiries}, read and written by {@code _id} only).
 */
public final class SessionStore {
  private SessionStore() {}

  public static final String SESSIONS = "sessions";

  /** The list's sort key (the expiry sweep goes by {@code _id}: {@link SessionExpiries}). */
  public static Future<Void> ensureIndexes(MongoClient mongo) {
    return Future.all(List.of(
        Store.index(mongo, SESSIONS, new JsonObject().put("created_at", 1).put("_id", 1), "created"),
        Store.index(mongo, SESSIONS, new JsonObject().put("tenant_id", 1).put("created_at", 1).put("_id", 1), "tenant_created")))
        .mapEmpty();
  }
}
