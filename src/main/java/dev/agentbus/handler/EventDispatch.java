package dev.agentbus.handler;

import dev.agentbus.auth.Tenancy;
import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.EventTypes;
import dev.agentbus.bus.SharedNames;
import dev.agentbus.config.Settings;
import dev.agentbus.event.Events;
import dev.agentbus.event.SeqOwners;
import dev.agentbus.util.Ids;
import dev.agentbus.util.Nodes;
import dev.agentbus.util.Times;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The node side of event delivery, on the event-handler verticle's context: the registrations
 * ({@link RegistrationCache}), the lanes ({@link Lane}) of this node, and the open set ({@link
 * SharedNames#OPEN_EVENT_CURSORS}).
 *
 * <p>{@link #stored}: for a write of the event log, the matching (handler, session) pairs get their
 * cursor's {@code target_seq} raised in one grouped write and, if their lane was not open, an open
 * entry; only then does the event log acknowledge, so an acknowledged event always has a durable
 * cursor that covers it and an entry a surviving node can resume. No store access when nothing
 * matches and the scopes are cached (a session's first event, {@code session.created} at seq 1, is
 * known to have no session handlers).
 *
 * <p>{@link #membership}: when the cluster's members change (and at start), lanes of sessions this
 * node no longer owns ({@link SeqOwners}) stop, and the open cursors it now owns get a lane that
 * resumes from their durable {@code delivered_seq}.
 */
final class EventDispatch implements Lane.Needs {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(EventDispatch.class);

  private final Vertx vertx;
  private final EventHandlerStore store;
  private final EventDelivery delivery;
  private final Settings.Handlers settings;
  private final Future<AsyncMap<String, JsonObject>> open;
  private final Future<AsyncMap<String, JsonObject>> nodes;
  private final RegistrationCache cache;
  private final SessionTenants sessionTenants;
  private final Map<String, Lane> lanes;
  private final String self;
  private List<String> members = List.of();

  EventDispatch(Vertx vertx, EventHandlerStore store, EventDelivery delivery, Settings.Handlers settings) {
    this.vertx = vertx;
    this.store = store;
    this.delivery = delivery;
    this.settings = settings;
    this.open = vertx.sharedData().getAsyncMap(SharedNames.OPEN_EVENT_CURSORS);
    this.nodes = vertx.sharedData().getAsyncMap(SharedNames.EVENT_HANDLER_NODES);
    this.self = Nodes.self(vertx);
    int max = settings.events().maxLanes();
    this.cache = new RegistrationCache(store, settings.cacheTtlMs(), max);
    this.sessionTenants = new SessionTenants(vertx, max);
    this.lanes = new LinkedHashMap<>(256, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Lane> eldest) {
        return size() > max && eldest.getValue().idle() && !eldest.getValue().open;
      }
    };
  }

  // ---- Lane.Needs ----

  @Override public Vertx vertx() { return vertx; }

  @Override public EventHandlerStore store() { return store; }

  @Override public EventDelivery delivery() { return delivery; }

  @Override public int bufferMax() { return settings.events().laneBuffer(); }

  @Override public int readPage() { return settings.events().readPage(); }

  @Override
  public void caughtUp(Lane lane) {
    if (lane.open) {
      lane.open = false;
      lane.openOps = lane.openOps.transform(previous -> lane.lastWrite())
          .transform(written -> open.compose(map -> map.remove(lane.id())).<Void>mapEmpty().otherwiseEmpty());
    }
  }

  @Override
  public Future<Void> deadLetter(JsonObject registration, JsonObject event, int attempts, String error) {
    if (EventTypes.HANDLER_FAILED.equals(event.getString("event_type"))) {
      LOG.warn("event handler {} could not take {} event {} after {} attempts ({}); passed without a dead letter",
          registration.getString("handler_id"), EventTypes.HANDLER_FAILED, event.getString("event_id"), attempts, error);
      return Future.succeededFuture();
    }
    String now = Times.now();
    JsonObject doc = new JsonObject().put("_id", Ids.next("dlq")).put("handler_id", registration.getString("handler_id"))
        .put("session_id", event.getString("session_id")).put(Tenancy.FIELD, Tenancy.of(registration)).put("scope", registration.getString("scope")).put("event", event)
        .put("attempts", attempts).put("last_error", error).put("created_at", now).put("updated_at", now);
    JsonObject data = new JsonObject().put("dead_letter_id", doc.getString("_id")).put("handler_id", doc.getString("handler_id"))
        .put("scope", doc.getString("scope")).put("event_type", registration.getString("event_type"))
        .put("event", new JsonObject().put("event_id", event.getString("event_id")).put("seq", event.getLong("seq"))
            .put("event_type", event.getString("event_type")))
        .put("attempts", attempts).put("last_error", error);
    LOG.warn("event handler {} dead-lettered event {} after {} attempts: {}", doc.getString("handler_id"),
        event.getString("event_id"), attempts, error);
    return store.deadLetter(doc)
        .compose(stored -> Events.append(vertx, event.getString("session_id"), EventTypes.HANDLER_FAILED, data, null))
        .onFailure(failure -> LOG.error("dead-lettering event {} for handler {} failed: {}", event.getString("event_id"),
            doc.getString("handler_id"), failure.getMessage()))
        .<Void>mapEmpty().otherwiseEmpty();
  }

  /** The registrations cache (also for a dead letter's retry). */
  RegistrationCache registrations() {
    return cache;
  }

  /** Forgets a scope's registrations, and stops the lanes that {@code gone} matches (their open entries go: the cursors did). */
  void changed(String scope, Predicate<Lane> gone) {
    if (scope != null) {
      cache.forget(scope);
    }
    stop(gone, true);
  }

  /** Stops the lanes {@code which} matches; {@code forget}: their open entries go too (else another node resumes them). */
  private void stop(Predicate<Lane> which, boolean forget) {
    List<Lane> stopped = lanes.values().stream().filter(which).toList();
    stopped.forEach(lane -> {
      lane.stop();
      lanes.remove(lane.id());
      if (forget) {
        caughtUp(lane);
      }
    });
  }

  // ---- dispatch ----

  /** See the class comment; answers {@code {cursors: n}}, the cursors written. */
  Future<JsonObject> stored(JsonArray events, JsonObject traces) {
    Map<String, List<JsonObject>> bySession = new LinkedHashMap<>();
    events.forEach(e -> {
      JsonObject event = (JsonObject) e;
      bySession.computeIfAbsent(event.getString("session_id"), k -> new ArrayList<>()).add(event);
      if (event.getLong("seq") == 1L && EventTypes.SESSION_CREATED.equals(event.getString("event_type"))) {
        cache.knownEmpty(event.getString("session_id"));
      }
    });
    Future<Map<String, List<JsonObject>>> sessionSets = cache.get(new ArrayList<>(bySession.keySet()));
    Future<Map<String, List<JsonObject>>> globalSets = cache.globals();
    return Future.all(sessionSets, globalSets)
        .compose(read -> sessionTenants.of(bySession, globalSets.result()))
        .compose(tenants -> dispatch(bySession, sessionSets.result(), globalSets.result(), tenants, traces));
  }

  /** {@link #stored} once the registrations and (where a global one could match) the sessions' tenants are known. */
  private Future<JsonObject> dispatch(Map<String, List<JsonObject>> bySession, Map<String, List<JsonObject>> sets,
      Map<String, List<JsonObject>> globals, Map<String, String> tenants, JsonObject traces) {
    List<Future<Void>> writes = new ArrayList<>();
    List<Runnable> offers = new ArrayList<>();
    Map<String, JsonArray> wakes = new LinkedHashMap<>();
    bySession.forEach((sessionId, sessionEvents) -> {
      List<JsonObject> registrations = new ArrayList<>(sets.getOrDefault(sessionId, List.of()));
      String tenant = tenants.get(sessionId);
      if (tenant != null) {
        registrations.addAll(globals.getOrDefault(tenant, List.of()));
      }
      for (JsonObject registration : registrations) {
        String pattern = registration.getString("event_type");
        List<JsonObject> matching = sessionEvents.stream().filter(e -> Lane.matches(pattern, e.getString("event_type"))).toList();
        String handlerId = registration.getString("handler_id");
        Lane known = lanes.get(EventHandlerStore.cursorId(handlerId, sessionId));
        Lane lane = known == null || known.stopped() ? null : known;
        if (matching.isEmpty()) {
          if (lane != null) {
            lane.offer(sessionEvents, traces); // keeps its buffer contiguous
          }
          continue;
        }
        writes.add(store.raiseTarget(handlerId, sessionId, Tenancy.of(registration), matching.get(0).getLong("seq") - 1,
            matching.get(matching.size() - 1).getLong("seq")));
        String owner = ownerOf(sessionId);
        if (lane == null && !self.equals(owner)) { // its lane runs on the owner: open the cursor and wake it there
          String id = EventHandlerStore.cursorId(handlerId, sessionId);
          JsonObject entry = new JsonObject().put("handler_id", handlerId).put("session_id", sessionId);
          writes.add(open.compose(map -> map.put(id, entry)));
          wakes.computeIfAbsent(owner, k -> new JsonArray()).add(entry.copy().put("cursor_id", id));
          continue;
        }
        Lane target = lane != null ? lane : new Lane(this, registration, sessionId, null);
        lanes.put(target.id(), target);
        if (!target.open) {
          target.open = true;
          JsonObject entry = new JsonObject().put("handler_id", handlerId).put("session_id", sessionId);
          target.openOps = target.openOps.transform(previous -> open.compose(map -> map.put(target.id(), entry)));
          writes.add(target.openOps);
        }
        offers.add(() -> target.offer(sessionEvents, traces));
      }
    });
    int cursors = offers.size();
    return Future.join(writes).transform(written -> {
      if (written.failed()) {
        LOG.error("recording event handler cursors failed; delivery goes on from memory: {}", written.cause().getMessage());
      }
      offers.forEach(Runnable::run);
      wakes.forEach((owner, wake) -> vertx.eventBus().request(Addresses.eventHandlerWakeOn(owner),
          new JsonObject().put("cursors", wake), new DeliveryOptions().setLocalOnly(false).setSendTimeout(5_000)));
      return Future.succeededFuture(new JsonObject().put("cursors", cursors + wakes.values().stream().mapToInt(JsonArray::size).sum()));
    });
  }

  // ---- membership: resume what this node now owns ----

  /** The node whose lanes deliver a session's cursors: rendezvous over the live nodes that run event handlers. */
  String ownerOf(String sessionId) {
    return members.isEmpty() ? self : SeqOwners.ownerOf(sessionId, members);
  }

  /** Puts this node among the event-handler nodes (at start) or takes it out (at stop). */
  Future<Void> announce(boolean present) {
    return nodes.compose(map -> present ? map.put(self, new JsonObject()) : map.remove(self).mapEmpty());
  }

  /** The cursors another node woke: their lanes here re-read them, or start. */
  JsonObject wake(JsonArray cursors) {
    cursors.forEach(c -> {
      JsonObject cursor = (JsonObject) c;
      Lane lane = lanes.get(cursor.getString("cursor_id"));
      if (lane != null && !lane.stopped()) {
        lane.open = true;
        lane.wake();
      } else {
        resume(cursor.getString("cursor_id"), cursor.getString("handler_id"), cursor.getString("session_id"));
      }
    });
    return new JsonObject();
  }

  /**
   * Checks which live nodes run event handlers; on a change (and the first call) stops the lanes
   * this node no longer owns and resumes the open cursors it now owns.
   */
  void membership() {
    List<String> live = Nodes.live(vertx);
    nodes.compose(AsyncMap::keys).onSuccess(registered -> {
      List<String> now = new ArrayList<>(live.stream().filter(registered::contains).toList());
      if (!now.contains(self)) {
        now.add(self);
      }
      now.sort(null);
      if (!now.equals(members)) {
        members = List.copyOf(now);
        sweep();
      }
    }).onFailure(failure -> LOG.error("reading the event-handler nodes failed: {}", failure.getMessage()));
  }

  private void sweep() {
    stop(lane -> !self.equals(ownerOf(lane.sessionId())), false);
    open.compose(AsyncMap::entries).onSuccess(entries -> entries.forEach((id, entry) -> {
      String sessionId = entry.getString("session_id");
      Lane lane = lanes.get(id);
      if (self.equals(ownerOf(sessionId)) && (lane == null || lane.stopped() || lane.idle())) {
        resume(id, entry.getString("handler_id"), sessionId);
      }
    })).onFailure(failure -> LOG.error("reading the open event cursors failed: {}", failure.getMessage()));
  }

  private void resume(String id, String handlerId, String sessionId) {
    cache.find(sessionId, handlerId).onSuccess(registration -> {
      if (registration == null) {
        open.compose(map -> map.remove(id)); // its handler is gone
        return;
      }
      Lane running = lanes.get(id);
      if (running != null && !running.stopped() && !running.idle()) {
        return; // a lane already delivers it (a dispatch, or an earlier sweep)
      }
      if (running != null) {
        running.stop();
      }
      Lane lane = new Lane(this, registration, sessionId, null);
      lane.open = true;
      lanes.put(id, lane);
      LOG.info("resuming event handler cursor {} on this node", id);
      lane.next();
    });
  }

  /**
   * After a cold start of the whole cluster (this node alone) the open set is empty: the cursors
   * with events left ({@code delivered_seq < target_seq}) go back into it, walking the cursors in
   * pages (a scan, once per cold start, never on a hot path).
   */
  Future<Void> recoverIfFirst() {
    return Nodes.live(vertx).size() > 1 ? Future.succeededFuture() : walk(null);
  }

  private Future<Void> walk(String after) {
    return store.cursorPage(after, 200).compose(page -> {
      List<Future<Void>> puts = page.stream()
          .filter(c -> c.getLong("delivered_seq", 0L) < c.getLong("target_seq", 0L))
          .map(c -> open.compose(map -> map.put(c.getString("_id"), new JsonObject()
              .put("handler_id", c.getString("handler_id")).put("session_id", c.getString("session_id")))))
          .toList();
      return Future.all(puts).compose(done -> page.size() < 200 ? Future.<Void>succeededFuture()
          : walk(page.get(page.size() - 1).getString("_id")));
    });
  }

  void stopAll() {
    lanes.values().forEach(Lane::stop);
    lanes.clear();
  }

  /** Removes the open entries of the given cursors (unregistered or purged handlers). */
  Future<Void> forgetOpen(Predicate<JsonObject> entry) {
    return open.compose(map -> map.entries().compose(entries -> Future.all(entries.entrySet().stream()
        .filter(e -> entry.test(e.getValue())).map(e -> map.remove(e.getKey())).toList()))).mapEmpty();
  }
}
