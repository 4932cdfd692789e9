package dev.agentbus.event;

import dev.agentbus.auth.Tenancy;
import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.metrics.Metrics;
import dev.agentbus.store.Store;
import dev.agentbus.util.Ids;
import dev.agentbus.util.Json;
import dev.agentbus.util.Times;
import dev.agentbus.trace.Traces;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.BulkOperation;
import io.vertx.ext.mongo.BulkWriteOptions;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.MongoClient;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Gives events their per-session {@code seq} and stores them: the writer of the sessions this node
 * owns ({@link SeqOwners}), and of appends forwarded to it. One {@link #write} at a time (the event
 * log's group commit), across sessions:
 *
 * <ol>
 *   <li>each session's last {@code seq} comes from memory, or, when not known here (first touch,
 *       after a membership change, evicted), from the store ({@link #probeLastSeq}); a session's
 *       first event ({@code first: true}) starts at 1 without a read;
 *   <li>the drafts get the next seqs and their session's {@code tenant_id} (from a draft that
 *       names it, else remembered, else looked up once per session: {@link SessionTenants}), and go
 *       out as <b>one</b> ordered bulk insert, whatever their sessions;
 *   <li>on success the seqs are remembered, the events handed to this node's event handlers
 *       ({@link Addresses#HANDLER_EVENTS_STORED}, which make the matching cursors durable), then
 *       published, in order; so when any {@code seq} is announced every smaller one is durable,
 *       and a subscriber that sees a gap can fill it from the store;
 *   <li>on failure the stored documents are read back by {@code _id}: those carrying this
 *       attempt's {@code write_id} are this write's (an ordered insert stores a prefix), and are
 *       announced and acknowledged like a success; nothing stored is removed, so no {@code seq}
 *       ever becomes a hole. When the insert met a duplicate key (another writer took that seq:
 *       a hand-over, or standalone nodes sharing one store; the unique {@code (session_id, seq)}
 *       index is the last line of defence), the rest is retried after a fresh read of the last
 *       seq, up to {@value #MAX_TRIES} times for the session that collided; any other failure
 *       fails the rest to their producers, unacknowledged.
 * </ol>
 *
 * Every stored {@code seq} n was written by a writer that saw n - 1 stored and nothing is ever
 * removed but a whole session, so a session's {@code seq} stays gapless, whoever writes it.
 */
final class SeqWriter {
  /** Attempts for the drafts of one session whose insert keeps meeting a duplicate key. */
  static final int MAX_TRIES = 3;

  private final Vertx vertx;
  private final MongoClient mongo;
  /** session id → its last stored seq, as far as this node wrote it; bounded, least recently used out. */
  private final Map<String, Long> lastSeqs;
  /** Each session's tenant, stamped on its events: from the draft when its producer knows it, else remembered or looked up. */
  private final SessionTenants tenants;

  SeqWriter(Vertx vertx, MongoClient mongo, int maxSessions) {
    this.vertx = vertx;
    this.mongo = mongo;
    this.tenants = new SessionTenants(vertx, maxSessions);
    this.lastSeqs = new LinkedHashMap<>(1024, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
        return size() > maxSessions;
      }
    };
  }

  /** Stores the drafts, of any sessions, in order; completes or fails each {@link Pending}, and never fails itself. */
  Future<Void> write(List<Pending> batch) {
    Metrics.eventBatchWritten(batch.size());
    // The group commit's own span is in the trace of whoever started it; each other sampled
    // producer's trace gets a span of this write too, so every traced append shows its store write.
    Runnable traced = Traces.alsoIn(vertx, batch.stream().map(Pending::traceparent).toList(), "event append",
        "agentbus.batch_size", batch.size());
    return attempt(batch, new HashMap<>()).onComplete(done -> traced.run());
  }

  /** The last seq this node stored for the session, as far as it knows (null when it does not). */
  Long lastKnown(String sessionId) {
    return lastSeqs.get(sessionId);
  }

  /** Forgets every session's last seq (ownership moved: the store is the truth again). */
  void forgetAll() {
    lastSeqs.clear();
  }

  /** Forgets a deleted session's last seq and tenant. */
  void forget(String sessionId) {
    lastSeqs.remove(sessionId);
    tenants.forget(sessionId);
  }

  private Future<Void> attempt(List<Pending> batch, Map<String, Integer> tries) {
    Future<Map<String, Long>> lastOf = lastSeqs(batch);
    Future<Map<String, String>> tenantsOf = tenants(batch);
    return Future.all(lastOf, tenantsOf).compose(known -> {
      String writeId = Ids.next("wr");
      String now = Times.now();
      Map<String, Long> next = new HashMap<>(lastOf.result());
      List<JsonObject> docs = new ArrayList<>(batch.size());
      for (Pending pending : batch) {
        String sessionId = pending.sessionId();
        long seq = next.merge(sessionId, 1L, Long::sum);
        docs.add(toDocument(pending.draft(), seq, now, tenantsOf.result().get(sessionId)).put("write_id", writeId));
      }
      List<BulkOperation> inserts = docs.stream().map(BulkOperation::createInsert).toList();
      return mongo.bulkWriteWithOptions(EventStore.EVENTS, inserts, new BulkWriteOptions(true))
          .compose(written -> {
            lastSeqs.putAll(next);
            return acknowledge(batch, docs, doc -> true);
          }, failure -> reconcile(batch, docs, writeId, failure, tries));
    }, failure -> {
      batch.forEach(pending -> pending.stored().tryFail(failure));
      return Future.succeededFuture();
    });
  }

  /** Each session's last seq before this batch: memory, {@code first: true}, or the store. */
  private Future<Map<String, Long>> lastSeqs(List<Pending> batch) {
    Map<String, Long> last = new HashMap<>();
    Map<String, Future<Long>> probes = new HashMap<>();
    for (Pending pending : batch) {
      String sessionId = pending.sessionId();
      if (last.containsKey(sessionId) || probes.containsKey(sessionId)) {
        continue;
      }
      Long known = lastSeqs.get(sessionId);
      if (known != null) {
        last.put(sessionId, known);
      } else if (pending.draft().getBoolean("first", false)) {
        last.put(sessionId, 0L);
      } else {
        probes.put(sessionId, probeLastSeq(mongo, sessionId));
      }
    }
    return Future.all(new ArrayList<>(probes.values())).map(done -> {
      probes.forEach((sessionId, probe) -> last.put(sessionId, probe.result()));
      return last;
    });
  }

  /**
   * Each session's tenant: a draft that names one ({@code tenant_id}: its producer checked the
   * session) teaches it, else it is remembered or looked up once per session (null: the session is gone).
   */
  private Future<Map<String, String>> tenants(List<Pending> batch) {
    batch.forEach(pending -> tenants.remember(pending.sessionId(), pending.draft().getString(Tenancy.FIELD)));
    Map<String, Future<String>> lookups = new HashMap<>();
    batch.forEach(pending -> lookups.computeIfAbsent(pending.sessionId(), tenants::of));
    return Future.all(new ArrayList<>(lookups.values())).map(done -> {
      Map<String, String> tenantOf = new HashMap<>();
      lookups.forEach((sessionId, tenant) -> tenantOf.put(sessionId, tenant.result()));
      return tenantOf;
    });
  }

  /** After a failed insert: see the class comment, step 4. */
  private Future<Void> reconcile(List<Pending> batch, List<JsonObject> docs, String writeId, Throwable failure,
                                 Map<String, Integer> tries) {
    batch.forEach(pending -> lastSeqs.remove(pending.sessionId()));
    JsonObject byIds = new JsonObject().put("_id", new JsonObject().put("$in",
        new JsonArray(docs.stream().map(doc -> doc.getString("_id")).toList())));
    return mongo.findWithOptions(EventStore.EVENTS, byIds, new FindOptions().setFields(new JsonObject().put("write_id", 1)))
        .compose(stored -> {
          Set<String> ours = new HashSet<>();
          stored.stream().filter(doc -> writeId.equals(doc.getString("write_id"))).forEach(doc -> ours.add(doc.getString("_id")));
          return acknowledge(batch, docs, doc -> ours.contains(doc.getString("_id")))
              .compose(acknowledged -> retryRest(batch, docs, ours, failure, tries));
        }, readFailure -> {
          // Which of them got stored is unknown: fail them all (a stored one stays, whole, for
          // replay and gap filling; its producer was not told it succeeded).
          batch.forEach(pending -> pending.stored().tryFail(failure));
          return Future.succeededFuture();
        });
  }

  /** After a reconciled failure: the drafts not stored are retried (duplicate key) or failed. */
  private Future<Void> retryRest(List<Pending> batch, List<JsonObject> docs, Set<String> ours, Throwable failure,
                                 Map<String, Integer> tries) {
    List<Pending> rest = new ArrayList<>();
    for (int i = 0; i < batch.size(); i++) {
      if (!ours.contains(docs.get(i).getString("_id"))) {
        rest.add(batch.get(i));
      }
    }
    if (rest.isEmpty()) {
      return Future.succeededFuture();
    }
    if (!Store.isDuplicateKey(failure)) {
      rest.forEach(pending -> pending.stored().tryFail(failure));
      return Future.succeededFuture();
    }
    // An ordered insert stops at its first failure: the first draft not stored collided.
    String collided = rest.get(0).sessionId();
    if (tries.merge(collided, 1, Integer::sum) >= MAX_TRIES) {
      BusError busy = new BusError(ErrorCode.SERVICE_UNAVAILABLE,
          "Session '" + collided + "' is being written by another node, retry later");
      rest.stream().filter(pending -> pending.sessionId().equals(collided)).forEach(pending -> pending.stored().tryFail(busy));
      rest = rest.stream().filter(pending -> !pending.sessionId().equals(collided)).toList();
    }
    return rest.isEmpty() ? Future.succeededFuture() : attempt(rest, tries);
  }

  /**
   * Hands the stored documents among {@code docs} to this node's event handlers ({@link
   * Addresses#HANDLER_EVENTS_STORED}: they make the matching cursors durable; each event's producer's
   * sampled trace goes along in {@code traces}, by event id), then publishes them
   * (in order) and completes their producers. The handlers' answer, whatever it is, never fails an append.
   */
  private Future<Void> acknowledge(List<Pending> batch, List<JsonObject> docs, java.util.function.Predicate<JsonObject> stored) {
    List<Integer> indexes = new ArrayList<>();
    JsonArray events = new JsonArray();
    JsonObject traces = new JsonObject();
    for (int i = 0; i < batch.size(); i++) {
      if (stored.test(docs.get(i))) {
        indexes.add(i);
        JsonObject event = toEvent(docs.get(i));
        events.add(event);
        if (batch.get(i).traceparent() != null) {
          traces.put(event.getString("event_id"), batch.get(i).traceparent());
        }
      }
    }
    if (indexes.isEmpty()) {
      return Future.succeededFuture();
    }
    Metrics.eventsAppended(indexes.size());
    return vertx.eventBus().request(Addresses.HANDLER_EVENTS_STORED, new JsonObject().put("events", events).put("traces", traces),
            new DeliveryOptions().setLocalOnly(true).setSendTimeout(HANDLERS_TIMEOUT_MS))
        .<Void>transform(handed -> {
          if (handed.failed() && !(handed.cause() instanceof ReplyException reply && reply.failureType() == ReplyFailure.NO_HANDLERS)) {
            LOG.error("event handlers could not record {} stored event(s); their delivery is not durable: {}", events.size(),
                handed.cause().getMessage());
          }
          for (int k = 0; k < indexes.size(); k++) {
            JsonObject event = events.getJsonObject(k);
            vertx.eventBus().publish(Addresses.sessionEvents(event.getString("session_id")), event);
            batch.get(indexes.get(k)).stored().tryComplete(event);
          }
          return Future.succeededFuture();
        });
  }

  /** How long a write waits for the event handlers' cursors before it acknowledges anyway. */
  private static final long HANDLERS_TIMEOUT_MS = 10_000;
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SeqWriter.class);

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

  private static JsonObject toDocument(JsonObject draft, long seq, String now, String tenant) {
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
    if (tenant != null) {
      doc.put(Tenancy.FIELD, tenant);
    }
    return doc;
  }

  /** The public shape of a stored event. */
  private static final List<String> VIEW = List.of("session_id", "seq", "event_type", "data", "metadata", "source", "created_at");
  private static final List<String> VIEW_WHEN_SET = List.of("command_id", Tenancy.FIELD);

  static JsonObject toEvent(JsonObject doc) {
    return Json.view(doc, "event_id", VIEW, VIEW_WHEN_SET);
  }
}
