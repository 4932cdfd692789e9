package dev.agentbus.handler;

import dev.agentbus.auth.Tenancy;
import dev.agentbus.store.GroupWrite;
import dev.agentbus.store.ScopedCollection;
import dev.agentbus.store.Store;
import dev.agentbus.util.Times;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.MongoClient;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The collections of event handlers, owned by the {@code handler} package:
 *
 * <ul>
 *   <li>{@value #HANDLERS}: one document per scope, {@code {_id: <session_id> | <global scope>,
 *       session_id (null: global), tenant_id, handlers: [{handler_id, event_type, handler: {kind,
 *       url, secret} | {kind, address}, scope, session_id?, tenant_id, timeout_ms?, created_at}]}}.
 *       A tenant's global scope is {@link ScopedCollection#globalScope} ({@code "*"} for {@code
 *       default}, whose registrations stored before tenancy it keeps; {@code "*<tenant_id>"} else),
 *       and the document {@value #TENANTS} {@code {tenants: [tenant_id]}} lists the other tenants
 *       that ever had one, so what the dispatch needs is reads by {@code _id} only;
 *   <li>{@value #CURSORS}: one per (handler, session) that ever had an event to deliver, {@code
 *       {_id: "<handler_id>/<session_id>", handler_id, session_id, tenant_id, delivered_seq, target_seq,
 *       failures, last_error, last_error_at, updated_at}}; every event of the session with {@code
 *       delivered_seq < seq <= target_seq} that matches is still to be delivered. Hot writes go by
 *       {@code _id} through one {@link GroupWrite}; lists of a global handler and purges filter on
 *       {@code handler_id} / {@code session_id} (scans on the embedded store, never per event);
 *   <li>{@value #DEAD_LETTERS}: {@code {_id: "dlq_...", handler_id, session_id, tenant_id, scope, event,
 *       attempts, last_error, created_at, updated_at}}.
 * </ul>
 */
public final class EventHandlerStore {
  static final String HANDLERS = "event_handlers";
  static final String CURSORS = "handler_cursors";
  static final String DEAD_LETTERS = "handler_dead_letters";
  static final String GLOBAL = ScopedCollection.GLOBAL;
  /** The {@value #HANDLERS} document listing the tenants besides {@code default} with a global scope (':' is in no tenant id nor session id). */
  static final String TENANTS = "*:tenants";

  private final MongoClient mongo;
  private final GroupWrite cursorWrites;

  /** The indexes of the lists and purges (used on a real MongoDB; the embedded store ignores them). */
  public static Future<Void> ensureIndexes(MongoClient mongo) {
    return Future.all(List.of(
        Store.index(mongo, CURSORS, new JsonObject().put("handler_id", 1), "handler_cursors_handler"),
        Store.index(mongo, CURSORS, new JsonObject().put("session_id", 1), "handler_cursors_session"),
        Store.index(mongo, DEAD_LETTERS, new JsonObject().put("session_id", 1), "dead_letters_session"),
        Store.index(mongo, DEAD_LETTERS, new JsonObject().put("handler_id", 1), "dead_letters_handler"),
        Store.index(mongo, DEAD_LETTERS, new JsonObject().put(Tenancy.FIELD, 1), "dead_letters_tenant"))).mapEmpty();
  }

  EventHandlerStore(MongoClient mongo, int maxBatch, int maxQueued) {
    this.mongo = mongo;
    this.cursorWrites = new GroupWrite(mongo, CURSORS, maxBatch, maxQueued);
  }

  /** The session's scope, or ({@code sessionId} null) {@code tenant}'s global scope. */
  static String scopeOf(String sessionId, String tenant) {
    return sessionId == null ? ScopedCollection.globalScope(tenant) : sessionId;
  }

  static String cursorId(String handlerId, String sessionId) {
    return handlerId + "/" + sessionId;
  }

  // ---- registrations ----

  /** The registrations of each scope (missing scopes: an empty list), in one read by {@code _id}. */
  Future<Map<String, List<JsonObject>>> sets(List<String> scopes) {
    JsonObject filter = new JsonObject().put("_id", new JsonObject().put("$in", new JsonArray(List.copyOf(scopes))));
    return mongo.find(HANDLERS, filter).map(docs -> {
      Map<String, List<JsonObject>> sets = new HashMap<>();
      scopes.forEach(scope -> sets.put(scope, List.of()));
      docs.forEach(doc -> sets.put(doc.getString("_id"), doc.getJsonArray("handlers", new JsonArray()).stream()
          .map(JsonObject.class::cast).toList()));
      return sets;
    });
  }

  /**
   * The tenants besides {@code default} that have (or had) a global scope. The list only grows: a
   * tenant left without global handlers costs an empty scope in the dispatch's cache, nothing more.
   */
  Future<List<String>> globalTenants() {
    return mongo.findOne(HANDLERS, new JsonObject().put("_id", TENANTS), null).map(doc -> doc == null ? List.of()
        : doc.getJsonArray("tenants", new JsonArray()).stream().map(String.class::cast).toList());
  }

  /** Lists {@code tenant} among {@link #globalTenants} (before its first global registration is added). */
  Future<Void> addGlobalTenant(String tenant) {
    return mongo.updateCollectionWithOptions(HANDLERS, new JsonObject().put("_id", TENANTS),
        new JsonObject().put("$addToSet", new JsonObject().put("tenants", tenant)),
        new io.vertx.ext.mongo.UpdateOptions().setUpsert(true)).mapEmpty();
  }

  /** Adds a registration to its scope's document (created on the first one). */
  Future<Void> add(String scope, String sessionId, JsonObject registration) {
    JsonObject update = new JsonObject().put("$push", new JsonObject().put("handlers", registration))
        .put("$set", new JsonObject().put("session_id", sessionId).put(Tenancy.FIELD, Tenancy.of(registration)));
    return mongo.updateCollectionWithOptions(HANDLERS, new JsonObject().put("_id", scope), update,
        new io.vertx.ext.mongo.UpdateOptions().setUpsert(true)).mapEmpty();
  }

  /** Removes every registration of exactly {@code eventType} from the scope; returns the removed ones. */
  Future<List<JsonObject>> removeType(String scope, String eventType) {
    JsonObject pull = new JsonObject().put("$pull", new JsonObject().put("handlers", new JsonObject().put("event_type", eventType)));
    return mongo.findOneAndUpdate(HANDLERS, new JsonObject().put("_id", scope), pull).map(before -> before == null ? List.of()
        : before.getJsonArray("handlers", new JsonArray()).stream().map(JsonObject.class::cast)
            .filter(registration -> eventType.equals(registration.getString("event_type"))).toList());
  }

  /** Removes a scope's document; returns its registrations. */
  Future<List<JsonObject>> removeScope(String scope) {
    return mongo.findOneAndDelete(HANDLERS, new JsonObject().put("_id", scope)).map(before -> before == null ? List.of()
        : before.getJsonArray("handlers", new JsonArray()).stream().map(JsonObject.class::cast).toList());
  }

  // ---- cursors ----

  /** Raises the cursor's target to {@code targetSeq}, creating it delivered up to {@code startAfter} (grouped write). */
  Future<Void> raiseTarget(String handlerId, String sessionId, String tenant, long startAfter, long targetSeq) {
    JsonObject update = new JsonObject()
        .put("$max", new JsonObject().put("target_seq", targetSeq))
        .put("$setOnInsert", new JsonObject().put("handler_id", handlerId).put("session_id", sessionId).put(Tenancy.FIELD, tenant)
            .put("delivered_seq", startAfter).put("failures", 0).put("created_at", Times.now()));
    return cursorWrites.update(cursorId(handlerId, sessionId), update, true);
  }

  /** Moves the cursor's {@code delivered_seq} forward (grouped write; a removed cursor stays removed). */
  Future<Void> delivered(String cursorId, long seq) {
    return cursorWrites.update(cursorId, new JsonObject().put("$max", new JsonObject().put("delivered_seq", seq))
        .put("$set", new JsonObject().put("updated_at", Times.now())), false);
  }

  /** Counts one failed attempt and keeps its error (grouped write). */
  Future<Void> failed(String cursorId, String error) {
    return cursorWrites.update(cursorId, new JsonObject().put("$inc", new JsonObject().put("failures", 1))
        .put("$set", new JsonObject().put("last_error", error).put("last_error_at", Times.now())), false);
  }

  Future<JsonObject> cursor(String cursorId) {
    return mongo.findOne(CURSORS, new JsonObject().put("_id", cursorId), null);
  }

  Future<List<JsonObject>> cursors(List<String> ids) {
    return mongo.find(CURSORS, new JsonObject().put("_id", new JsonObject().put("$in", new JsonArray(List.copyOf(ids)))));
  }

  /** A global handler's cursors (a filter on {@code handler_id}: lists and removals only). */
  Future<List<JsonObject>> cursorsOf(String handlerId) {
    return mongo.findWithOptions(CURSORS, new JsonObject().put("handler_id", handlerId), new FindOptions().setLimit(10_000));
  }

  Future<Void> removeCursors(List<String> handlerIds) {
    return mongo.removeDocuments(CURSORS, new JsonObject().put("handler_id", new JsonObject().put("$in",
        new JsonArray(List.copyOf(handlerIds))))).mapEmpty();
  }

  /** A page of cursors in {@code _id} order (the cold-start recovery walk). */
  Future<List<JsonObject>> cursorPage(String after, int limit) {
    JsonObject filter = after == null ? new JsonObject() : new JsonObject().put("_id", new JsonObject().put("$gt", after));
    return mongo.findWithOptions(CURSORS, filter, new FindOptions().setSort(new JsonObject().put("_id", 1)).setLimit(limit));
  }

  // ---- dead letters ----

  Future<Void> deadLetter(JsonObject doc) {
    return mongo.insert(DEAD_LETTERS, doc).mapEmpty();
  }

  Future<JsonObject> deadLetterOf(String id) {
    return mongo.findOne(DEAD_LETTERS, new JsonObject().put("_id", id), null);
  }

  Future<Void> removeDeadLetter(String id) {
    return mongo.removeDocument(DEAD_LETTERS, new JsonObject().put("_id", id)).mapEmpty();
  }

  Future<Void> retried(String id, String error) {
    return mongo.updateCollection(DEAD_LETTERS, new JsonObject().put("_id", id), new JsonObject()
        .put("$inc", new JsonObject().put("attempts", 1))
        .put("$set", new JsonObject().put("last_error", error).put("updated_at", Times.now()))).mapEmpty();
  }

  /** A page of dead letters after {@code cursor} in id (time) order, {@code limit + 1} fetched; {@code tenantCondition}: {@link Tenancy#filter}. */
  Future<List<JsonObject>> deadLetters(String cursor, String sessionId, String handlerId, JsonObject tenantCondition, int limit) {
    JsonObject filter = tenantCondition.copy();
    if (cursor != null) {
      filter.put("_id", new JsonObject().put("$gt", cursor));
    }
    if (sessionId != null) {
      filter.put("session_id", sessionId);
    }
    if (handlerId != null) {
      filter.put("handler_id", handlerId);
    }
    return mongo.findWithOptions(DEAD_LETTERS, filter, new FindOptions().setSort(new JsonObject().put("_id", 1)).setLimit(limit + 1));
  }

  /** A deleted session's cursors and dead letters. */
  Future<JsonObject> purge(String sessionId) {
    Future<Long> cursors = Store.removeSession(mongo, CURSORS, sessionId);
    Future<Long> letters = Store.removeSession(mongo, DEAD_LETTERS, sessionId);
    return Future.all(cursors, letters).map(done -> new JsonObject().put("cursors", cursors.result())
        .put("dead_letters", letters.result()));
  }
}
