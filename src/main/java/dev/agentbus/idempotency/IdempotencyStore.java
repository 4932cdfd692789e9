package dev.agentbus.idempotency;

import dev.agentbus.store.Store;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;

/**
 * The {@code idempotency_keys} collection, owned by {@link IdempotencyVerticle}: {@code {_id:
 * sha256(owner, method, path, key), tenant_id, fingerprint, state: in_progress|done, claimed_ms, expires_ms,
 * status?, body?, location?}}.
 */
public final class IdempotencyStore {
  private IdempotencyStore() {}

  public static final String IDEMPOTENCY_KEYS = "idempotency_keys";

  /** The expiry sweep. */
  public static Future<Void> ensureIndexes(MongoClient mongo) {
    return Store.index(mongo, IDEMPOTENCY_KEYS, new JsonObject().put("expires_ms", 1), "expiry");
  }
}
