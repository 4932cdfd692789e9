package dev.agentbus.event;

import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.bus.SharedNames;
import dev.agentbus.store.Store;
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
            .compose(map -> writeLocked(map, sessionId, drafts, startsSession(drafts))
                // A duplicate seq means another writer got past this lock (e.g. standalone nodes
                // sharing one store): the map entry is gone, so one retry re-reads the store's last seq.
                .recover(failure -> Store.isDuplicateKey(failure) ? writeLocked(map, sessionId, drafts, false) : Future.failedFuture(failure)))
            .onComplete(done -> lock.release()));
  }

  /** A batch whose first draft is a session's first event ({@code first: true}) starts at seq 1: no store read. */
  private static boolean startsSession(List<JsonObject> drafts) {
    return drafts.get(0).getBoolean("first", false);
  }

  private Future<List<JsonObject>> writeLocked(AsyncMap<String, Long> map, String sessionId, List<JsonObject> drafts,
                                               boolean newSession) {
    return (newSession ? Future.succeededFuture(0L) : lastSeq(map, sessionId)).compose(last -> {
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
   * and the next writer re-reads the store. Event ids are derived from (session, seq), so an id
   * of this batch may belong to another writer's stored event (the duplicate that failed it):
   * only the stored documents equal to this batch's own are removed (read by {@code _id}).
   */
  private Future<Void> undo(AsyncMap<String, Long> map, String sessionId, List<JsonObject> docs) {
    JsonArray ids = new JsonArray(docs.stream().map(doc -> doc.getString("_id")).toList());
    JsonObject byIds = new JsonObject().put("_id", new JsonObject().put("$in", ids));
    Future<Void> removed = mongo.find(EventStore.EVENTS, byIds).compose(stored -> {
      JsonArray ours = new JsonArray(stored.stream().filter(docs::contains).map(doc -> doc.getString("_id")).toList());
      return ours.isEmpty() ? Future.succeededFuture()
          : mongo.removeDocuments(EventStore.EVENTS, new JsonObject().put("_id", new JsonObject().put("$in", ours))).mapEmpty();
    });
    return Future.join(removed, map.remove(sessionId)).mapEmpty();
  }

  private Future<Long> lastSeq(AsyncMap<String, Long> map, String sessionId) {
    return map.get(sessionId).compose(cached -> cached != null ? Future.succeededFuture(cached) : probeLastSeq(mongo, sessionId));
  }

  /** Ids probed in one request while narrowing the last seq down. */
  private static final int PROBE_WIDTH = 64;

  /**
   * The last stored {@code seq} of a session without a sort or a range: {@code seq} is gapless
   * and event ids are derived from it ({@link #eventId}), so "does seq n exist" is monotone and
   * is answered by {@code _id: {$in}}. One request probes 1, 2, 4, ... 2^40 (galloping), then
   * each further request probes up to {@value #PROBE_WIDTH} evenly spaced seqs of the remaining
   * interval: a session of a million events takes four requests.
   */
  static Future<Long> probeLastSeq(MongoClient mongo, String sessionId) {
    List<Long> powers = new ArrayList<>();
    for (int i = 0; i <= 40; i++) {
      powers.add(1L << i);
    }
    return existing(mongo, sessionId, powers).compose(found -> {
      if (found.isEmpty()) {
        return Future.succeededFuture(0L);
      }
      long low = found.stream().max(Long::compare).orElseThrow();
      return narrow(mongo, sessionId, low, low * 2);
    });
  }

  /** {@code low} exists, {@code high} does not. */
  private static Future<Long> narrow(MongoClient mongo, String sessionId, long low, long high) {
    long span = high - low;
    if (span <= 1) {
      return Future.succeededFuture(low);
    }
    int points = (int) Math.min(PROBE_WIDTH, span - 1);
    List<Long> probes = new ArrayList<>(points);
    for (int i = 1; i <= points; i++) {
      probes.add(low + span * i / (points + 1));
    }
    return existing(mongo, sessionId, probes).compose(found -> {
      long newLow = found.stream().max(Long::compare).orElse(low);
      long newHigh = probes.stream().filter(seq -> seq > newLow).findFirst().orElse(high);
      return narrow(mongo, sessionId, newLow, newHigh);
    });
  }

  /** Which of {@code seqs} are stored (one {@code _id: {$in}} request). */
  private static Future<List<Long>> existing(MongoClient mongo, String sessionId, List<Long> seqs) {
    return mongo.findWithOptions(EventStore.EVENTS, idsOf(sessionId, seqs), new FindOptions().setFields(new JsonObject().put("seq", 1)))
        .map(docs -> docs.stream().map(doc -> doc.getLong("seq")).toList());
  }

  /** The filter {@code {_id: {$in: [the ids of seqs]}}}. */
  static JsonObject idsOf(String sessionId, List<Long> seqs) {
    JsonArray ids = new JsonArray();
    seqs.forEach(seq -> ids.add(eventId(sessionId, seq)));
    return new JsonObject().put("_id", new JsonObject().put("$in", ids));
  }

  /**
   * An event's id, derived from its session and {@code seq}: {@code evt_}, the session id without
   * its {@code ses_} prefix, the seq in base 36, then the number of those seq digits (one base-36
   * character), so different (session, seq) pairs never share an id whatever the session id's
   * length. Alphanumeric after {@code evt_} (session ids are), so URL-safe; callers treat it as
   * opaque (a get reads it by {@code _id} and checks the session in code). Deterministic ids are
   * what let a replay page and the last-seq probe be {@code _id: {$in}} reads.
   */
  static String eventId(String sessionId, long seq) {
    String session = sessionId.startsWith("ses_") ? sessionId.substring(4) : sessionId;
    String digits = Long.toString(seq, 36);
    return "evt_" + session + digits + Character.forDigit(digits.length(), 36);
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
        .put("_id", eventId(draft.getString("session_id"), seq))
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
