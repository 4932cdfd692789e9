package dev.agentbus.mcp;

import dev.agentbus.auth.Tenancy;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.IndexOptions;
import io.vertx.ext.mongo.MongoClient;
import java.util.List;

/**
 * The {@value #COLLECTION} collection: one document per registered MCP server, {@code {_id:
 * "mcp_...", tenant_id, name, url, headers: {header name: sealed value (SecretBox)}, created_at}}
 * (one stored before tenancy has no {@code tenant_id}: it is {@code default}'s). The unique {@code
 * (tenant_id, name)} index makes a second server of one name in a tenant impossible (E11000) on both
 * stores; the unique {@code name} index of before tenancy is dropped. Lists and look-ups by URL scan
 * the collection: servers are few ({@code mcp.max_servers}) and off the hot path.
 */
public final class McpStore {
  static final String COLLECTION = "mcp_servers";
  private static final int MAX_LISTED = 1000;

  private final MongoClient mongo;

  McpStore(MongoClient mongo) {
    this.mongo = mongo;
  }

  public static Future<Void> ensureIndexes(MongoClient mongo) {
    // Names were unique across tenants before tenancy: that index goes (only if there, so the
    // embedded store does not log a failed drop at every start).
    return mongo.listIndexes(COLLECTION).otherwise(new io.vertx.core.json.JsonArray())
        .compose(indexes -> indexes.stream().anyMatch(index -> index instanceof JsonObject named
                && "mcp_server_names".equals(named.getString("name")))
            ? mongo.dropIndex(COLLECTION, "mcp_server_names").otherwiseEmpty() : Future.<Void>succeededFuture())
        .compose(dropped -> mongo.createIndexWithOptions(COLLECTION, new JsonObject().put(Tenancy.FIELD, 1).put("name", 1),
            new IndexOptions().unique(true).name("mcp_server_tenant_names")));
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

  /** The registration of {@code tenant} whose {@code field} is {@code value}, or null. */
  Future<JsonObject> findIn(String tenant, String field, String value) {
    return mongo.findOne(COLLECTION, Tenancy.match(tenant).put(field, value), null);
  }

  /** The registrations {@code tenantCondition} matches ({@link Tenancy#filter}; empty: every one), oldest first (ids are time-ordered). */
  Future<List<JsonObject>> list(JsonObject tenantCondition) {
    return mongo.findWithOptions(COLLECTION, tenantCondition,
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
