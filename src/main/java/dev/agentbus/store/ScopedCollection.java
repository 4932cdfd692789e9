package dev.agentbus.store;

import dev.agentbus.auth.Principal;
import dev.agentbus.auth.Tenancy;
import dev.agentbus.session.Sessions;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.MongoClient;
import java.util.List;

/**
 * A collection of registrations with one document per name in a scope: {@code _id} is {@code
 * "<scope>/<name>"}, where the scope is a session id, or a tenant's global scope ({@link
 * #globalScope}: {@code "*"} for tenant {@code default}, {@code "*<tenant_id>"} for any other), and
 * {@code session_id} is null for global ones. Every document carries {@code tenant_id} (one stored
 * before tenancy has none: it is {@code default}'s, and so is its {@code "*"} scope). The {@code _id}
 * makes a second registration of a name in one scope impossible (E11000, {@link Store#isDuplicateKey})
 * and a lookup a read by {@code _id} on both stores. Lists and purges filter on {@code session_id}
 * (and {@code tenant_id} for global lists: a scan on the embedded store; registrations are few and
 * not on the hot path). The owning package's store extends it and names its collection.
 */
public class ScopedCollection {
  /** The global scope of tenant {@code default} (and of every registration stored before tenancy). */
  public static final String GLOBAL = "*";

  private final MongoClient mongo;
  private final String collection;

  protected ScopedCollection(MongoClient mongo, String collection) {
    this.mongo = mongo;
    this.collection = collection;
  }

  /** The indexes of the lists and purges (used on a real MongoDB; the embedded store ignores them). */
  protected static Future<Void> ensureIndexes(MongoClient mongo, String collection) {
    return Future.all(
        Store.index(mongo, collection, new JsonObject().put("session_id", 1), collection + "_session"),
        Store.index(mongo, collection, new JsonObject().put("session_id", 1).put(Tenancy.FIELD, 1), collection + "_tenant_global"))
        .mapEmpty();
  }

  /**
   * The global scope of {@code tenant}: {@code "*"} for {@code default}, {@code "*<tenant>"} for any
   * other. A tenant id holds neither {@code '*'} nor {@code '/'} ({@link Tenancy#ID}) and a session
   * id never starts with {@code '*'}, so no two scopes share a key.
   */
  public static String globalScope(String tenant) {
    return tenant == null || Principal.DEFAULT_TENANT.equals(tenant) ? GLOBAL : GLOBAL + tenant;
  }

  /** Whether {@code scope} is a tenant's global scope (not a session's). */
  public static boolean isGlobal(String scope) {
    return scope.startsWith(GLOBAL);
  }

  /** The tenant of a global scope. */
  public static String tenantOfGlobal(String scope) {
    return scope.equals(GLOBAL) ? Principal.DEFAULT_TENANT : scope.substring(GLOBAL.length());
  }

  /** The key of {@code name} in the session's scope, or ({@code sessionId} null) in {@code tenant}'s global scope. */
  public static String key(String sessionId, String tenant, String name) {
    return (sessionId == null ? globalScope(tenant) : sessionId) + "/" + name;
  }

  /**
   * The tenant of a request's scope: the session's when {@code sessionId} is given (checked on behalf
   * of the caller of {@code headers}: another tenant's session fails {@code SESSION_NOT_FOUND}), else
   * the caller's own ({@link Tenancy#home}).
   */
  public static Future<String> tenantOfScope(Vertx vertx, String sessionId, MultiMap headers) {
    return sessionId == null ? Future.succeededFuture(Tenancy.home(headers))
        : Sessions.require(vertx, sessionId, headers).map(Tenancy::of);
  }

  /**
   * {@link #tenantOfScope(Vertx, String, MultiMap)}, where a request without a session may name the
   * tenant whose global scope it addresses ({@code requested}, {@code ?tenant_id=}): the admin (and
   * agentbus itself) any tenant, a tenant only itself; another tenant fails {@code notFound}, as a
   * missing registration would.
   */
  public static Future<String> tenantOfScope(Vertx vertx, String sessionId, String requested, MultiMap headers,
      dev.agentbus.bus.BusError notFound) {
    if (sessionId != null || requested == null) {
      return tenantOfScope(vertx, sessionId, headers);
    }
    return Tenancy.sees(headers, requested) ? Future.succeededFuture(requested) : Future.failedFuture(notFound);
  }

  /** The tenant of a session, for agentbus's own work on it (no caller to check; cached per node by the session directory). */
  public static Future<String> tenantOfSession(Vertx vertx, String sessionId) {
    return Sessions.require(vertx, sessionId, (String) null).map(Tenancy::of);
  }

  /** Inserts; fails E11000 when that scope already has the name. */
  public Future<Void> insert(JsonObject doc) {
    return mongo.insert(collection, doc).mapEmpty();
  }

  /** The registration under {@code key}, or null. */
  public Future<JsonObject> find(String key) {
    return mongo.findOne(collection, new JsonObject().put("_id", key), null);
  }

  /** One session's registrations, oldest first (at most 1000). */
  public Future<List<JsonObject>> list(String sessionId) {
    return listWhere(new JsonObject().put("session_id", sessionId));
  }

  /** One scope's registrations: a session's, or a tenant's global ones ({@link #globalScope}). */
  public Future<List<JsonObject>> listScope(String scope) {
    return isGlobal(scope) ? globals(Tenancy.match(tenantOfGlobal(scope))) : list(scope);
  }

  /** The global registrations that {@code tenantCondition} ({@link Tenancy#filter}, {@link Tenancy#match}) matches, oldest first. */
  public Future<List<JsonObject>> globals(JsonObject tenantCondition) {
    return listWhere(new JsonObject().putNull("session_id").mergeIn(tenantCondition));
  }

  private Future<List<JsonObject>> listWhere(JsonObject filter) {
    return mongo.findWithOptions(collection, filter,
        new FindOptions().setSort(new JsonObject().put("created_at", 1).put("_id", 1)).setLimit(1000));
  }

  /** Removes and returns the registration under {@code key}, or null when there was none. */
  public Future<JsonObject> remove(String key) {
    return mongo.findOneAndDelete(collection, new JsonObject().put("_id", key));
  }

  /** Removes a deleted session's registrations. */
  public Future<Long> purge(String sessionId) {
    return Store.removeSession(mongo, collection, sessionId);
  }
}
