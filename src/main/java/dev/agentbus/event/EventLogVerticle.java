package dev.agentbus.event;

import dev.agentbus.auth.Tenancy;
import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.Bus;
import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.bus.EventTypes;
import dev.agentbus.config.Settings;
import dev.agentbus.session.Sessions;
import dev.agentbus.store.GroupCommit;
import dev.agentbus.store.Store;
import dev.agentbus.util.Pages;
import dev.agentbus.trace.Traces;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The session event log of one node: appends (group commit through {@link SeqWriter}), client
 * publishes, reads, durable subscribers' cursors, and the purge of a deleted session's events
 * ({@link EventStore}). Deploy exactly one instance per node: appends are local-only requests,
 * so one producer's events keep their order.
 *
 * <p>Each session's appends have one writer, its owner ({@link SeqOwners}): a draft for a session
 * this node owns joins the next local write; one for another node's session is forwarded to it
 * ({@link Addresses#eventAppendOn}). Drafts are routed when they arrive: to the local group commit
 * (one bulk insert across sessions of whatever queued during the previous write, up to {@code
 * events.max_batch}), or to one forwarding queue per owner (one request in flight each). The local
 * write waits only on the store, never on another node: two nodes forwarding to each other cannot
 * wait on each other (a forward lands in the owner's local queue). One producer's drafts for a
 * session take one queue, so they stay in order. A forward that finds no event log on the owner
 * (it is starting or leaving) is written here instead; one that times out fails, since it may or
 * may not have been stored. On stop, the forwarding queues are drained, then the local one.
 */
public class EventLogVerticle extends VerticleBase {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(EventLogVerticle.class);

  private MongoClient mongo;
  private SeqWriter writer;
  private SeqOwners owners;
  private GroupCommit<Pending> local;
  /** owner node id → its forwarding queue. */
  private final Map<String, GroupCommit<Pending>> forwards = new HashMap<>();
  private int maxBatch;
  private int maxQueued;
  private long forwardTimeoutMs;

  @Override
  public Future<?> start() {
    Settings settings = Settings.of(config());
    Settings.Events events = settings.events();
    maxBatch = events.maxBatch();
    maxQueued = events.maxQueued();
    forwardTimeoutMs = events.forwardTimeoutMs();
    mongo = Store.client(vertx, settings.mongo());
    writer = new SeqWriter(vertx, mongo, events.maxCachedSessions());
    local = new GroupCommit<>(maxBatch, writer::write);
    owners = new SeqOwners(vertx);
    owners.refresh();
    return Future.all(java.util.List.of(
        Bus.serveLocal(vertx, Addresses.EVENT_APPEND, (body, headers) -> body.containsKey("events") ? appendAll(body) : append(body)).completion(),
        Bus.serve(vertx, Addresses.eventAppendOn(owners.self()), (body, headers) -> forwarded(body)).completion(),
        Bus.serve(vertx, Addresses.EVENT_PUBLISH, (body, headers) -> publish(body, headers)).completion(),
        Bus.serve(vertx, Addresses.EVENT_LIST, (body, headers) -> list(body, headers)).completion(),
        Bus.serve(vertx, Addresses.EVENT_GET, (body, headers) -> get(body, headers)).completion(),
        Bus.serve(vertx, Addresses.SUBSCRIBER_ACK, (body, headers) -> subscriberAck(body, headers)).completion(),
        Bus.serve(vertx, Addresses.STREAM_OPEN, (body, headers) -> streamOpen(body, headers)).completion(),
        Bus.serve(vertx, Addresses.EVENT_PURGE_SESSION, (body, headers) -> purge(body.getString("session_id"))).completion(),
        vertx.eventBus().<JsonObject>consumer(Addresses.SESSION_DELETED, message -> writer.forget(message.body().getString("session_id")))
            .completion()));
  }

  /** Drains the queue: every draft accepted before stop is written (or failed) before the log goes. */
  @Override
  public Future<?> stop() {
    return Future.all(forwards.values().stream().map(GroupCommit::drained).toList()).compose(forwarded -> local.drained());
  }

  private Future<JsonObject> publish(JsonObject body, MultiMap headers) {
    String type = body.getString("event_type");
    String lowerCase = type.toLowerCase(java.util.Locale.ROOT);
    for (String prefix : EventTypes.RESERVED_PREFIXES) {
      if (lowerCase.startsWith(prefix)) {
        return Future.failedFuture(BusError.invalid("event_type", "the prefix '" + prefix + "' is reserved for agentbus"));
      }
    }
    return Sessions.require(vertx, body.getString("session_id"), headers)
        .compose(session -> {
          JsonObject draft = body.copy().put(Tenancy.FIELD, session.getString(Tenancy.FIELD));
          // Only the handler side names a command (after checking its callback token).
          boolean fromHandler = "handler".equals(draft.getString("source")) && draft.getString("command_id") != null;
          if (!fromHandler) {
            draft.remove("command_id");
          }
          return append(draft.put("source", fromHandler ? "handler" : "client"));
        });
  }

  /** {@code {events: [draft]}}: queued together, so they go out in one write. */
  private Future<JsonObject> appendAll(JsonObject body) {
    return enqueueAll(body, false).map(stored -> new JsonObject().put("events", new JsonArray(stored.stream().map(Future::result).toList())));
  }

  /** Drafts another node forwarded to this one, their owner: one result per draft. */
  private Future<JsonObject> forwarded(JsonObject body) {
    return enqueueAll(body, true).transform(done -> {
      if (done.failed()) {
        return Future.failedFuture(done.cause());
      }
      JsonArray results = new JsonArray();
      for (Future<JsonObject> stored : done.result()) {
        results.add(stored.succeeded() ? new JsonObject().put("event", stored.result())
            : new JsonObject().put("error", BusError.from(stored.cause(), "forwarded append", null).toJson()));
      }
      return Future.succeededFuture(new JsonObject().put("results", results));
    });
  }

  /**
   * Queues every draft of {@code {events}} before one flush; completes when all are settled. For a
   * forward, with each draft's outcome; otherwise it fails if any draft failed.
   */
  private Future<List<Future<JsonObject>>> enqueueAll(JsonObject body, boolean forwarded) {
    List<JsonObject> drafts = body.getJsonArray("events").stream().map(JsonObject.class::cast).toList();
    if (queued() + drafts.size() > maxQueued) {
      return Future.failedFuture(new BusError(ErrorCode.SERVICE_UNAVAILABLE, "Event queue is full, retry later"));
    }
    List<Pending> pending = drafts.stream().map(draft -> new Pending(draft, Promise.promise(), forwarded, Traces.sampledTraceparent())).toList();
    route(pending);
    List<Future<JsonObject>> stored = pending.stream().map(p -> p.stored().future()).toList();
    // Settled, not failed fast: a producer told of a failure is told only once every draft is done.
    return Future.join(stored).transform(settled -> forwarded || settled.succeeded() ? Future.succeededFuture(stored)
        : Future.failedFuture(settled.cause()));
  }

  /** Queues a draft for the next group commit; refuses when the bounded queue is full. */
  private Future<JsonObject> append(JsonObject draft) {
    if (queued() >= maxQueued) {
      return Future.failedFuture(new BusError(ErrorCode.SERVICE_UNAVAILABLE, "Event queue is full, retry later"));
    }
    Pending pending = new Pending(draft, Promise.promise(), false, Traces.sampledTraceparent());
    route(List.of(pending));
    return pending.stored().future();
  }

  private int queued() {
    return local.queued() + forwards.values().stream().mapToInt(GroupCommit::queued).sum();
  }

  /** Queues drafts where they are written: here (this node owns the session, or they were forwarded here), or at their owner. */
  private void route(List<Pending> drafts) {
    if (owners.refresh()) {
      writer.forgetAll();
    }
    List<Pending> here = new ArrayList<>();
    Map<String, List<Pending>> remote = new LinkedHashMap<>();
    for (Pending pending : drafts) {
      String owner = pending.forwarded() ? owners.self() : owners.ownerOf(pending.sessionId());
      (owner.equals(owners.self()) ? here : remote.computeIfAbsent(owner, k -> new ArrayList<>())).add(pending);
    }
    if (!here.isEmpty()) {
      local.addAll(here);
    }
    remote.forEach((owner, batch) -> forwards.computeIfAbsent(owner,
        node -> new GroupCommit<>(maxBatch, queued -> forward(node, queued))).addAll(batch));
  }

  /** Sends drafts to their sessions' owner; never fails (each draft's producer learns its outcome). */
  private Future<Void> forward(String owner, List<Pending> batch) {
    if (owners.refresh()) {
      writer.forgetAll();
    }
    if (!owners.isMember(owner)) {
      // The owner left while these waited: they go to the sessions' new owners (or here).
      route(batch);
      return settled(batch);
    }
    JsonObject body = new JsonObject().put("events", new JsonArray(batch.stream().map(Pending::draft).toList()));
    return Bus.request(vertx, Addresses.eventAppendOn(owner), body, new DeliveryOptions().setSendTimeout(forwardTimeoutMs))
        .compose(reply -> {
          JsonArray results = reply.getJsonArray("results");
          for (int i = 0; i < batch.size(); i++) {
            JsonObject result = results.getJsonObject(i);
            if (result.containsKey("event")) {
              batch.get(i).stored().tryComplete(result.getJsonObject("event"));
            } else {
              batch.get(i).stored().tryFail(BusError.fromJson(result.getJsonObject("error")));
            }
          }
          return Future.<Void>succeededFuture();
        }, failure -> {
          if (failure instanceof ReplyException reply && reply.failureType() == ReplyFailure.NO_HANDLERS) {
            LOG.info("the event log of node {} is not serving; writing {} event(s) of its sessions here", owner, batch.size());
            List<Pending> here = batch.stream().map(pending -> new Pending(pending.draft(), pending.stored(), true, pending.traceparent())).toList();
            local.addAll(here);
            return settled(here);
          }
          Throwable reason = failure instanceof ReplyException reply && reply.failureType() == ReplyFailure.TIMEOUT
              ? new BusError(ErrorCode.SERVICE_UNAVAILABLE, "The session's event writer did not answer in time;"
                  + " the event may or may not be stored (read the session's events before retrying)")
              : failure;
          batch.forEach(pending -> pending.stored().tryFail(reason));
          return Future.succeededFuture();
        });
  }

  /** Completes (never fails) once every one of {@code drafts} has its outcome. */
  private static Future<Void> settled(List<Pending> drafts) {
    return Future.join(drafts.stream().map(pending -> pending.stored().future()).toList()).<Void>mapEmpty().otherwiseEmpty();
  }

  /** Ids read per request by a filtered list (it walks the session's log in these steps). */
  private static final int FILTERED_STEP = 200;

  /**
   * A page of a session's events after {@code after_seq}. {@code seq} is gapless and event ids
   * derive from it, so the page is read as {@code _id: {$in: [the next ids]}} (the {@code _id}
   * index on every store, never a range over the whole collection). With {@code event_type} or
   * {@code command_id} the session's log is walked in steps of {@value #FILTERED_STEP} ids and
   * filtered here: the cost grows with that session's events, not with the store.
   */
  private Future<JsonObject> list(JsonObject body, MultiMap headers) {
    String sessionId = body.getString("session_id");
    int limit = body.getInteger("limit", 50);
    int offset = body.getInteger("offset", 0);
    long afterSeq = body.getLong("after_seq", 0L);
    String eventType = body.getString("event_type");
    String commandId = body.getString("command_id");
    return Sessions.require(vertx, sessionId, headers)
        .compose(session -> eventType == null && commandId == null
            ? range(sessionId, afterSeq + offset + 1, limit + 1)
            : filtered(sessionId, afterSeq + 1, doc -> (eventType == null || eventType.equals(doc.getString("event_type")))
                && (commandId == null || commandId.equals(doc.getString("command_id"))), offset, limit + 1, new ArrayList<>()))
        .map(docs -> Pages.of(docs.stream().map(SeqWriter::toEvent).toList(), limit,
            last -> String.valueOf(last.getLong("seq"))));
  }

  /** Ids read by the first request of a range when this node does not know the session's last seq. */
  private static final int FIRST_READ = 32;

  /**
   * The stored events {@code from, from + 1, ...} (at most {@code count}), in seq order; fewer at
   * the log's end. Read by id in chunks: {@code seq} is gapless, so the first chunk not found whole
   * is where the log ends. The first chunk reaches just past the last seq this node knows (its
   * owner's memory), or {@value #FIRST_READ} ids; each next one is twice as long. So a short log
   * costs one small read, and a full page of a long one a handful, never {@code count} lookups of
   * ids that do not exist.
   */
  private Future<List<JsonObject>> range(String sessionId, long from, int count) {
    Long known = writer.lastKnown(sessionId);
    long first = known == null ? FIRST_READ : Math.max(1, known - from + 1) + 8;
    return chunks(sessionId, from, count, (int) Math.min(count, first), new ArrayList<>());
  }

  private Future<List<JsonObject>> chunks(String sessionId, long from, int count, int chunk, List<JsonObject> out) {
    List<Long> seqs = new ArrayList<>(chunk);
    for (long seq = from; seq < from + chunk; seq++) {
      seqs.add(seq);
    }
    return mongo.find(EventStore.EVENTS, SeqWriter.idsOf(sessionId, seqs)).compose(docs -> {
      docs.stream().filter(doc -> sessionId.equals(doc.getString("session_id")))
          .sorted(java.util.Comparator.comparingLong(doc -> doc.getLong("seq"))).forEach(out::add);
      int wanted = count - out.size();
      boolean whole = docs.size() == chunk;
      return !whole || wanted <= 0 ? Future.succeededFuture(out)
          : chunks(sessionId, from + chunk, count, Math.min(wanted, chunk * 2), out);
    });
  }

  private Future<List<JsonObject>> filtered(String sessionId, long from, java.util.function.Predicate<JsonObject> matches,
      int skip, int count, List<JsonObject> out) {
    return range(sessionId, from, FILTERED_STEP).compose(docs -> {
      int toSkip = skip;
      for (JsonObject doc : docs) {
        if (matches.test(doc)) {
          if (toSkip > 0) {
            toSkip--;
          } else if (out.size() < count) {
            out.add(doc);
          }
        }
      }
      return out.size() >= count || docs.size() < FILTERED_STEP
          ? Future.succeededFuture(out)
          : filtered(sessionId, from + FILTERED_STEP, matches, toSkip, count, out);
    });
  }

  /** Read by {@code _id} (its index on every store), then the session is checked here. */
  private Future<JsonObject> get(JsonObject body, MultiMap headers) {
    String sessionId = body.getString("session_id");
    String eventId = body.getString("event_id");
    return Sessions.require(vertx, sessionId, headers)
        .compose(session -> mongo.findOne(EventStore.EVENTS, new JsonObject().put("_id", eventId), null))
        .compose(doc -> doc == null || !sessionId.equals(doc.getString("session_id"))
            ? Future.failedFuture(BusError.notFound(ErrorCode.EVENT_NOT_FOUND, "Event", "event_id", eventId))
            : Future.succeededFuture(SeqWriter.toEvent(doc)));
  }

  /** Where a durable subscriber resumes: {@code {acked_seq}}, 0 when it never acked. */
  private Future<JsonObject> subscriberCursor(JsonObject body, MultiMap headers) {
    String sessionId = body.getString("session_id");
    return Sessions.require(vertx, sessionId, headers)
        .compose(session -> mongo.findOne(EventStore.SUBSCRIBER_CURSORS, cursorId(sessionId, body.getString("subscriber_id")), null))
        .map(doc -> new JsonObject().put("acked_seq", doc == null ? 0L : doc.getLong("acked_seq", 0L)));
  }

  /** See {@link Addresses#STREAM_OPEN}. */
  private Future<JsonObject> streamOpen(JsonObject body, MultiMap headers) {
    String sessionId = body.getString("session_id");
    Long afterSeq = body.getLong("after_seq");
    Future<JsonObject> start = afterSeq != null || body.getString("subscriber_id") == null
        ? Sessions.require(vertx, sessionId, headers).map(session -> new JsonObject().put("acked_seq", afterSeq == null ? 0L : afterSeq))
        : subscriberCursor(body, headers);
    return start.map(cursor -> new JsonObject().put("session_id", sessionId).put("after_seq", cursor.getLong("acked_seq")));
  }

  private Future<JsonObject> subscriberAck(JsonObject body, MultiMap headers) {
    String sessionId = body.getString("session_id");
    return Sessions.require(vertx, sessionId, headers)
        .compose(session -> mongo.updateCollectionWithOptions(EventStore.SUBSCRIBER_CURSORS,
            cursorId(sessionId, body.getString("subscriber_id")), new JsonObject()
                .put("$max", new JsonObject().put("acked_seq", body.getLong("seq")))
                .put("$set", new JsonObject().put("session_id", sessionId).put("subscriber_id", body.getString("subscriber_id"))
                    .put(Tenancy.FIELD, session.getString(Tenancy.FIELD)).put("updated_at", dev.agentbus.util.Times.now())),
            new io.vertx.ext.mongo.UpdateOptions().setUpsert(true)))
        .map(updated -> new JsonObject().put("acked_seq", body.getLong("seq")));
  }

  /**
   * A deleted session's events (by id, up to the probed last seq) and subscriber cursors go; its
   * owner forgets its last {@code seq} on {@link Addresses#SESSION_DELETED}.
   */
  private Future<JsonObject> purge(String sessionId) {
    Future<Long> events = SeqWriter.probeLastSeq(mongo, sessionId).compose(last -> removeUpTo(sessionId, 1, last, 0L));
    Future<Long> cursors = Store.removeSession(mongo, EventStore.SUBSCRIBER_CURSORS, sessionId);
    return Future.all(events, cursors)
        .map(removed -> new JsonObject().put("events", events.result()).put("subscriber_cursors", cursors.result()));
  }

  /** Removes the events {@code from..last} by id, 1000 ids per request (no scan of the collection). */
  private Future<Long> removeUpTo(String sessionId, long from, long last, long removed) {
    if (from > last) {
      return Future.succeededFuture(removed);
    }
    List<Long> seqs = new ArrayList<>();
    for (long seq = from; seq <= last && seqs.size() < 1000; seq++) {
      seqs.add(seq);
    }
    return mongo.removeDocuments(EventStore.EVENTS, SeqWriter.idsOf(sessionId, seqs))
        .compose(result -> removeUpTo(sessionId, from + seqs.size(), last, removed + (result == null ? 0 : result.getRemovedCount())));
  }

  private static JsonObject cursorId(String sessionId, String subscriberId) {
    return new JsonObject().put("_id", sessionId + "/" + subscriberId);
  }

}
