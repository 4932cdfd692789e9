package dev.agentbus.handler;

import dev.agentbus.store.ScopedCollection;
import io.vertx.core.Future;
import io.vertx.ext.mongo.MongoClient;

/**
 * The {@value #COLLECTION} collection: one document per registered command handler, {@code {_id:
 * "<session_id>/<command_type>" | "<tenant's global scope>/<command_type>", handler_id, session_id
 * (null: global), tenant_id, scope, command_type, handler: {kind, url, secret} | {kind, address},
 * timeout_ms, created_at}} ({@link ScopedCollection}: {@code "*"} is tenant {@code default}'s
 * global scope, {@code "*<tenant_id>"} another tenant's). The {@code _id} makes a second handler of
 * a type in one scope impossible (E11000) and makes resolution a read by {@code _id} on both stores.
 * Lists and purges filter on {@code session_id} (and {@code tenant_id}: a scan on the embedded
 * store; registrations are few and not on the hot path).
 */
public final class HandlerStore extends ScopedCollection {
  static final String COLLECTION = "command_handlers";

  /** The index of the lists and purges by {@code session_id} (used on a real MongoDB; the embedded store ignores it). */
  public static Future<Void> ensureIndexes(MongoClient mongo) {
    return ScopedCollection.ensureIndexes(mongo, COLLECTION);
  }

  HandlerStore(MongoClient mongo) {
    super(mongo, COLLECTION);
  }
}
