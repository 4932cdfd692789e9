package dev.agentbus.tool;

import dev.agentbus.store.ScopedCollection;
import io.vertx.core.Future;
import io.vertx.ext.mongo.MongoClient;

/**
 * The {@value #COLLECTION} collection: one document per registered tool, {@code {_id:
 * "<session_id>/<name>" | "<tenant's global scope>/<name>", name, session_id (null: global),
 * tenant_id, scope, description, parameters_json, implementation: {kind, url, secret, timeout_ms} |
 * {kind, address, timeout_ms} | {kind, server_id, tool}, created_at}} ({@link ScopedCollection}:
 * {@code "*"} is tenant {@code default}'s global scope, {@code "*<tenant_id>"} another tenant's). The schema is stored encoded ({@code parameters_json}): a
 * JSON Schema may hold keys a document may not ({@code $schema}, property names with dots). The
 * {@code _id} makes a second tool of a name in one scope impossible (E11000) and makes a call's
 * lookup a read by {@code _id}. Lists and purges filter on {@code session_id} (and {@code tenant_id}: a scan on the embedded
 * store; tools are few, and a node caches each scope's list, see {@code ToolVerticle}).
 */
public final class ToolStore extends ScopedCollection {
  static final String COLLECTION = "tools";

  /** The index of the lists and purges by {@code session_id} (used on a real MongoDB; the embedded store ignores it). */
  public static Future<Void> ensureIndexes(MongoClient mongo) {
    return ScopedCollection.ensureIndexes(mongo, COLLECTION);
  }

  ToolStore(MongoClient mongo) {
    super(mongo, COLLECTION);
  }
}
