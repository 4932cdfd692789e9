package dev.agentbus.session;

import dev.agentbus.auth.Tenancy;
import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.Bus;
import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.bus.EventTypes;
import dev.agentbus.bus.Headers;
import dev.agentbus.config.Settings;
import dev.agentbus.event.Events;
import dev.agentbus.store.GroupWrite;
import dev.agentbus.store.Store;
import dev.agentbus.util.Ids;
import dev.agentbus.util.Json;
import dev.agentbus.util.Nodes;
import dev.agentbus.util.Pages;
import dev.agentbus.util.Times;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.ext.mongo.UpdateOptions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Owns sessions ({@link SessionStore}): create, read, list, patch, delete, expiry, and the node's
 * one {@link SessionDirectory}. A delete removes only the session document; every other owner
 * removes its own data when asked once through its purge address ({@link #PURGES}).
 */
public class SessionVerticle extends VerticleBase {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SessionVerticle.class);
  /** The owners of a session's data, each removing its own collections: sent once per delete. */
  private static final List<String> PURGES = List.of(Addresses.COMMAND_PURGE_SESSION, Addresses.ENGINE_PURGE_SESSION,
      Addresses.EVENT_PURGE_SESSION, Addresses.CONVERSATION_PURGE_SESSION,
      Addresses.HANDLER_PURGE_SESSION, Addresses.TOOL_PURGE_SESSION, Addresses.AUTH_PURGE_SESSION);

  private MongoClient mongo;
  private SessionDirectory directory;
  private SessionExpiries expiries;
  private GroupWrite inserts;
  private long sweepTimer;
  private boolean sweepRunning;

  @Override
  public Future<?> start() {
    Settings settings = Settings.of(config());
    mongo = Store.client(vertx, settings.mongo());
    directory = new SessionDirectory(vertx, mongo, settings.sessions());
    expiries = new SessionExpiries(mongo, settings.sessions().expirySweepMs());
    inserts = new GroupWrite(mongo, SessionStore.SESSIONS, settings.store().writeBatch(), settings.store().maxQueuedWrites());
    sweepTimer = vertx.setPeriodic(settings.sessions().expirySweepMs(), id -> sweepExpired());
    return Future.all(List.of(
        Bus.serve(vertx, Addresses.SESSION_CREATE, (body, h) -> create(body, h)).completion(),
        Bus.serve(vertx, Addresses.SESSION_GET, (body, h) -> visible(body.getString("session_id"), h).map(SessionVerticle::toSession)).completion(),
        Bus.serve(vertx, Addresses.SESSION_LIST, (body, h) -> list(body, h)).completion(),
        Bus.serve(vertx, Addresses.SESSION_PATCH, (body, h) -> patch(body, h)).completion(),
        Bus.serve(vertx, Addresses.SESSION_DELETE, (body, h) -> delete(body.getString("session_id"), h)).completion(),
        Bus.serve(vertx, Addresses.SESSION_BULK_CREATE, (body, h) -> bulkCreate(body, h)).completion(),
        Bus.serve(vertx, Addresses.SESSION_BULK_DELETE, (body, h) -> bulkDelete(body, h)).completion(),
        Bus.serve(vertx, Addresses.STORE_PING, (body, h) -> ping()).completion()));
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(sweepTimer);
    return directory.close();
  }

  /** The stored session if the caller may see it ({@link Tenancy}): another tenant's is not found. */
  private Future<JsonObject> visible(String sessionId, MultiMap headers) {
    return directory.require(sessionId).compose(doc -> Tenancy.sees(headers, doc) ? Future.succeededFuture(doc)
        : Future.failedFuture(BusError.notFound(ErrorCode.SESSION_NOT_FOUND, "Session", "session_id", sessionId)));
  }

  private Future<JsonObject> create(JsonObject body, MultiMap headers) {
    String now = Times.now();
    JsonObject doc = new JsonObject()
        .put("_id", Ids.next("ses"))
        .put(Tenancy.FIELD, Tenancy.home(headers))
        .put("name", body.getString("name"))
        .put("status", "active")
        .put("metadata", body.getJsonObject("metadata", new JsonObject()))
        .put("created_at", now)
        .put("updated_at", now);
    applyTtl(doc, body.getInteger("ttl_seconds"));
    String sessionId = doc.getString("_id");
    return Future.all(inserts.insert(doc), listExpiry(sessionId, doc))
        .compose(id -> Events.first(vertx, sessionId, EventTypes.SESSION_CREATED, toSession(doc))
            .recover(failure -> mongo.removeDocument(SessionStore.SESSIONS, new JsonObject().put("_id", sessionId))
                .transform(undone -> Future.failedFuture(failure))))
        .map(event -> {
          directory.remember(doc);
          return toSession(doc);
        });
  }

  private Future<JsonObject> list(JsonObject body, MultiMap headers) {
    int limit = body.getInteger("limit");
    boolean descending = "-created_at".equals(body.getString("sort"));
    // Expired sessions (not yet swept) are left out by the query itself: filtering them after the
    // limit + 1 fetch would shorten the page and report has_more = false while more remain.
    JsonObject query = new JsonObject()
        .put("expires_at", new JsonObject().put("$not", new JsonObject().put("$lte", Times.now())))
        .mergeIn(Tenancy.filter(headers, body.getString(Tenancy.FIELD)));
    if (body.getString("status") != null) {
      query.put("status", body.getString("status"));
    }
    if (body.getString("name_prefix") != null) {
      query.put("name", new JsonObject().put("$regex", "^" + java.util.regex.Pattern.quote(body.getString("name_prefix"))));
    }
    for (Map.Entry<String, Object> filter : body.getJsonObject("metadata", new JsonObject())) {
      query.put("metadata." + filter.getKey(), filter.getValue());
    }
    JsonObject cursor = body.getJsonObject("cursor");
    if (cursor != null) {
      String op = descending ? "$lt" : "$gt";
      query.put("$or", new JsonArray()
          .add(new JsonObject().put("created_at", new JsonObject().put(op, cursor.getString("c"))))
          .add(new JsonObject().put("created_at", cursor.getString("c")).put("_id", new JsonObject().put(op, cursor.getString("i")))));
    }
    int direction = descending ? -1 : 1;
    FindOptions options = new FindOptions()
        .setSort(new JsonObject().put("created_at", direction).put("_id", direction))
        .setLimit(limit + 1);
    return mongo.findWithOptions(SessionStore.SESSIONS, query, options)
        .map(docs -> docs.stream().map(SessionVerticle::toSession).toList())
        .map(sessions -> Pages.of(sessions, limit, last -> SessionCursor.encode(last)));
  }

  private Future<JsonObject> patch(JsonObject body, MultiMap headers) {
    String sessionId = body.getString("session_id");
    JsonObject set = new JsonObject().put("updated_at", Times.now());
    JsonObject unset = new JsonObject();
    if (body.containsKey("name")) {
      set.put("name", body.getString("name"));
    }
    for (Map.Entry<String, Object> entry : body.getJsonObject("metadata", new JsonObject())) {
      if (entry.getValue() == null) {
        unset.put("metadata." + entry.getKey(), "");
      } else {
        set.put("metadata." + entry.getKey(), entry.getValue());
      }
    }
    if (body.containsKey("ttl_seconds")) {
      Integer ttl = body.getInteger("ttl_seconds");
      if (ttl == null) {
        unset.put("expires_at", "").put("ttl_seconds", "");
      } else {
        applyTtl(set, ttl);
      }
    }
    JsonObject update = new JsonObject().put("$set", set);
    if (!unset.isEmpty()) {
      update.put("$unset", unset);
    }
    return visible(sessionId, headers)
        .compose(existing -> mongo.findOneAndUpdateWithOptions(SessionStore.SESSIONS,
            new JsonObject().put("_id", sessionId), update, new FindOptions(),
            new UpdateOptions().setReturningNewDocument(true)))
        .compose(doc -> {
          if (doc == null) {
            return directory.require(sessionId).map(SessionVerticle::toSession);
          }
          directory.remember(doc);
          JsonObject session = toSession(doc);
          return listExpiry(sessionId, set).compose(listed -> Events.append(vertx, sessionId, EventTypes.SESSION_UPDATED, session, null))
              .map(session);
        });
  }

  /**
   * Cancels the session's unfinished commands, announces {@code session.deleted} (streams end on
   * it), removes the session, has every owner of the session's data remove it (once, from this
   * node), then tells every node.
   */
  private Future<JsonObject> delete(String sessionId, MultiMap headers) {
    return visible(sessionId, headers).compose(session -> remove(sessionId, headers.get(Headers.REQUEST_ID)));
  }

  /** {@link #delete} without the existence check: an expired session is not found, yet the sweep removes it. */
  private Future<JsonObject> remove(String sessionId, String requestId) {
    JsonObject bySession = new JsonObject().put("session_id", sessionId);
    return Bus.request(vertx, Addresses.COMMAND_CANCEL_SESSION, bySession, requestId)
        .compose(cancelled -> Events.append(vertx, sessionId, EventTypes.SESSION_DELETED, bySession, null)
            .compose(event -> mongo.removeDocument(SessionStore.SESSIONS, new JsonObject().put("_id", sessionId)))
            .compose(removed -> {
              directory.evict(sessionId);
              return Future.all(PURGES.stream().map(address -> Bus.request(vertx, address, bySession, requestId)).toList());
            })
            .map(purged -> {
              vertx.eventBus().publish(Addresses.SESSION_DELETED, bySession);
              return new JsonObject().put("session_id", sessionId).put("status", "deleted")
                  .put("cancelled_commands", cancelled.getInteger("cancelled", 0));
            }));
  }

  private Future<JsonObject> bulkCreate(JsonObject body, MultiMap headers) {
    JsonArray items = body.getJsonArray("sessions");
    List<Future<JsonObject>> results = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      int index = i;
      results.add(create(items.getJsonObject(i), headers)
          .map(session -> new JsonObject().put("index", index).put("status", 201).put("session", session))
          .otherwise(failure -> itemFailure(new JsonObject().put("index", index), failure)));
    }
    return Future.all(results).map(done -> new JsonObject().put("results", new JsonArray(results.stream().map(Future::result).toList())));
  }

  private Future<JsonObject> bulkDelete(JsonObject body, MultiMap headers) {
    List<Future<JsonObject>> results = new ArrayList<>();
    for (Object id : body.getJsonArray("session_ids")) {
      String sessionId = (String) id;
      results.add(delete(sessionId, headers)
          .map(deleted -> new JsonObject().put("session_id", sessionId).put("status", 200).put("result", "deleted"))
          .otherwise(failure -> itemFailure(new JsonObject().put("session_id", sessionId), failure)));
    }
    return Future.all(results).map(done -> new JsonObject().put("results", new JsonArray(results.stream().map(Future::result).toList())));
  }

  private static JsonObject itemFailure(JsonObject item, Throwable failure) {
    BusError error = BusError.from(failure, "session bulk", null);
    return item.put("status", error.code().httpStatus()).put("error", error.toJson());
  }

  private Future<JsonObject> ping() {
    long started = System.nanoTime();
    return mongo.runCommand("ping", new JsonObject().put("ping", 1))
        .map(reply -> new JsonObject().put("status", "UP").put("latency_ms", (System.nanoTime() - started) / 1_000_000));
  }

  /** Lists a session with an expiry under its bucket (nothing for one without). */
  private Future<Void> listExpiry(String sessionId, JsonObject fields) {
    String expiresAt = fields.getString("expires_at");
    return expiresAt == null ? Future.succeededFuture() : expiries.record(sessionId, Instant.parse(expiresAt).toEpochMilli());
  }

  /** Sessions removed at a time by one sweep. */
  private static final int SWEEP_CHUNK = 100;

  /**
   * Deletes expired sessions. One node sweeps (the first live member by id), so a deletion is
   * announced once, one sweep at a time. It reads only the buckets that came due
   * ({@link SessionExpiries}), then those sessions by {@code _id}, and removes the ones that say
   * they expired, {@value #SWEEP_CHUNK} at a time; a removal that fails is logged and left (the
   * session stays invisible, since reads check its expiry).
   */
  private void sweepExpired() {
    if (sweepRunning || !Nodes.self(vertx).equals(Nodes.live(vertx).stream().sorted().findFirst().orElse(null))) {
      return;
    }
    sweepRunning = true;
    expiries.due(System.currentTimeMillis(), 1000)
        .compose(due -> removeExpired(due.sessions(), 0).compose(removed -> expiries.swept(due)))
        .onFailure(failure -> LOG.warn("expiry sweep failed; the next one retries", failure))
        .onComplete(done -> sweepRunning = false);
  }

  private Future<Void> removeExpired(List<String> sessionIds, int from) {
    if (from >= sessionIds.size()) {
      return Future.succeededFuture();
    }
    List<String> chunk = sessionIds.subList(from, Math.min(sessionIds.size(), from + SWEEP_CHUNK));
    JsonObject byIds = new JsonObject().put("_id", new JsonObject().put("$in", new JsonArray(new ArrayList<>(chunk))));
    return mongo.findWithOptions(SessionStore.SESSIONS, byIds, new FindOptions().setFields(new JsonObject().put("expires_at", 1)))
        .compose(docs -> Future.join(docs.stream().filter(SessionDirectory::expired)
            .map(doc -> remove(doc.getString("_id"), null)
                .onFailure(failure -> LOG.warn("expired session {} could not be removed", doc.getString("_id"), failure)))
            .toList()).otherwiseEmpty())
        .compose(removed -> removeExpired(sessionIds, from + SWEEP_CHUNK));
  }

  private static void applyTtl(JsonObject target, Integer ttlSeconds) {
    if (ttlSeconds != null) {
      target.put("ttl_seconds", ttlSeconds).put("expires_at", Times.format(Instant.now().plusSeconds(ttlSeconds)));
    }
  }

  private static final List<String> VIEW = List.of("name", "status", "metadata", "created_at", "updated_at");
  private static final List<String> VIEW_WHEN_SET = List.of("ttl_seconds", "expires_at");

  static JsonObject toSession(JsonObject doc) {
    return Json.view(doc, "session_id", VIEW, VIEW_WHEN_SET).put(Tenancy.FIELD, Tenancy.of(doc));
  }
}
