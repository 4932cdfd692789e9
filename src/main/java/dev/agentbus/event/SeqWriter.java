package dev.agentbus.event;

import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.bus.SharedNames;
import dev.agentbus.store.Store;
import dev.agentbus.util.Ids;
import dev.agentbus.util.Json;
import dev.agentbus.util.Times;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import io.vertx.ext.mongo.BulkOperation;
import io.vertx.ext.mongo.BulkWriteOptions;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.MongoClient;
import java.util.ArrayList;
import java.util.List;

/**
 * Gives events their per-session {@code seq} and stores them, cluster-wide.
 *
 * <p>Under a cluster-wide lock per session it reads the last {@code seq} (a cluster-wide map,
 * or the store when the map has forgotten it), inserts the batch, advances the map only after the
 * insert succeeded, and publishes the events before releasing the lock. So {@code seq} has no
 * holes, and when any {@code seq} is announced every smaller one is already durable: a subscriber
 * that sees a gap can always fill it from the store.
 */
final class SeqWriter {
  private final Vertx vertx;
  private final MongoClient mongo;
  private final long lockTimeoutMs;
  private final Future<AsyncMap<String, Long>> lastSeqs;

  SeqWriter(Vertx vertx, MongoClient mongo, long lockTimeoutMs) {
    this.vertx = vertx;
    this.mongo = mongo;
    this.lockTimeoutMs = lockTimeoutMs;
    this.lastSeqs = vertx.sharedData().getAsyncMap(SharedNames.SEQ_MAP);
  }

  /** Stores the drafts of one session in order; the result lists the stored events in the same order. */
  Future<List<JsonObject>> write(String sessionId, List<JsonObject> drafts) {
    return vertx.sharedData()
        .getLockWithTimeout(SharedNames.seqLock(sessionId), lockTimeoutMs)
        .recover(failure -> Future.failedFuture(
            new BusError(ErrorCode.SERVICE_UNAVAILABLE, "Session is busy, retry later")))
        .compose(lock -> lastSeqs
            .compose(map -> writeLocked(map, sessionId, drafts)
                // A duplicate seq means another writer got past this lock (e.g. standalone nodes
                // sharing one store): the map entry is gone, so one retry re-reads the store's last seq.
                .recover(failure -> Store.isDuplicateKey(failure) ? writeLocked(map, sessionId, drafts) : Future.failedFuture(failure)))
            .onComplete(done -> lock.release()));
  }

  private Future<List<JsonObject>> writeLocked(AsyncMap<String, Long> map, String sessionId, List<JsonObject> drafts) {
    return lastSeq(map, sessionId).compose(last -> {
      List<JsonObject> docs = new ArrayList<>(drafts.size());
      List<BulkOperation> inserts = new ArrayList<>(drafts.size());
      String now = Times.now();
      long seq = last;
      for (JsonObject draft : drafts) {
        JsonObject doc = toDocument(draft, ++seq, now);
        docs.add(doc);
        inserts.add(BulkOperation.createInsert(doc));
      }
      long newLast = seq;
      return mongo.bulkWriteWithOptions(EventStore.EVENTS, inserts, new BulkWriteOptions(true))
          .compose(written -> map.put(sessionId, newLast))
          .map(advanced -> announce(sessionId, docs))
          .recover(failure -> undo(map, sessionId, docs).transform(undone -> Future.failedFuture(failure)));
    });
  }

  /**
   * After a failed write: removes whatever part of the batch did get stored (an ordered insert
   * stops at its first failure) and forgets the cached last seq, so nothing half-written stays
   * and the next writer re-reads the store.
   */
  private Future<Void> undo(AsyncMap<String, Long> map, String sessionId, List<JsonObject> docs) {
    JsonArray ids = new JsonArray(docs.stream().map(doc -> doc.getString("_id")).toList());
    return Future.join(
        mongo.removeDocuments(EventStore.EVENTS, new JsonObject().put("_id", new JsonObject().put("$in", ids))),
        map.remove(sessionId)).mapEmpty();
  }

  private Future<Long> lastSeq(AsyncMap<String, Long> map, String sessionId) {
    return map.get(sessionId).compose(cached -> cached != null
        ? Future.succeededFuture(cached)
        : mongo.findWithOptions(EventStore.EVENTS, new JsonObject().put("session_id", sessionId),
                new FindOptions().setSort(new JsonObject().put("seq", -1)).setLimit(1)
                    .setFields(new JsonObject().put("seq", 1)))
            .map(docs -> docs.isEmpty() ? 0L : docs.get(0).getLong("seq")));
  }

  private List<JsonObject> announce(String sessionId, List<JsonObject> docs) {
    List<JsonObject> events = new ArrayList<>(docs.size());
    String address = Addresses.sessionEvents(sessionId);
    for (JsonObject doc : docs) {
      JsonObject event = toEvent(doc);
      events.add(event);
      vertx.eventBus().publish(address, event);
    }
    return events;
  }

  /** Drops the cached last {@code seq} of a deleted session. */
  static Future<Void> forget(Vertx vertx, String sessionId) {
    return vertx.sharedData().<String, Long>getAsyncMap(SharedNames.SEQ_MAP)
        .compose(map -> map.remove(sessionId)).mapEmpty();
  }

  private static JsonObject toDocument(JsonObject draft, long seq, String now) {
    JsonObject doc = new JsonObject()
        .put("_id", Ids.next("evt"))
        .put("session_id", draft.getString("session_id"))
        .put("seq", seq)
        .put("event_type", draft.getString("event_type"))
        .put("data", draft.getJsonObject("data", new JsonObject()))
        .put("metadata", draft.getJsonObject("metadata", new JsonObject()))
        .put("source", draft.getString("source", "system"))
        .put("created_at", now);
    if (draft.getString("command_id") != null) {
      doc.put("command_id", draft.getString("command_id"));
    }
    return doc;
  }

  /** The public shape of a stored event. */
  private static final List<String> VIEW = List.of("session_id", "seq", "event_type", "data", "metadata", "source", "created_at");
  private static final List<String> VIEW_WHEN_SET = List.of("command_id");

  static JsonObject toEvent(JsonObject doc) {
    return Json.view(doc, "event_id", VIEW, VIEW_WHEN_SET);
  }
}
