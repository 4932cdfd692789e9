package dev.agentbus.handler;

import dev.agentbus.auth.Principal;
import dev.agentbus.auth.Tenancy;
import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.Bus;
import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.bus.EventTypes;
import dev.agentbus.bus.Headers;
import dev.agentbus.config.Settings;
import dev.agentbus.event.Events;
import dev.agentbus.net.Signatures;
import dev.agentbus.net.UrlGuard;
import dev.agentbus.net.Webhook;
import dev.agentbus.session.Sessions;
import dev.agentbus.store.ScopedCollection;
import dev.agentbus.store.Store;
import dev.agentbus.util.Ids;
import dev.agentbus.util.Json;
import dev.agentbus.util.Nodes;
import dev.agentbus.util.Pages;
import dev.agentbus.util.Times;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Set;

/**
 * Owns event handlers ({@link EventHandlerStore}): registers, lists (with each cursor's delivery
 * state) and removes them, records the cursors of every stored event that matches ({@link
 * Addresses#HANDLER_EVENTS_STORED}, see {@link EventDispatch}), delivers them in lanes ({@link
 * Lane}, {@link EventDelivery}), keeps and retries dead letters, and purges a deleted session's.
 * One instance per node, deployed before the event log (so every event this node stores passes
 * through it) and undeployed after it.
 *
 * <p>Session-scope changes append {@code handler.registered} / {@code handler.unregistered} to the
 * session; global ones append nothing. A registration or removal is answered once every live node
 * dropped the scope from its cache ({@link Addresses#eventHandlerChangedOn}). Secrets leave this
 * verticle only in a registration's reply and in the signatures of its deliveries.
 */
public class EventHandlerVerticle extends VerticleBase {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(EventHandlerVerticle.class);
  private static final long NOTICE_TIMEOUT_MS = 2_000;

  private Settings settings;
  private EventHandlerStore store;
  private EventDispatch dispatch;
  private EventDelivery delivery;
  private HttpClient http;
  private long membershipTimer = -1;

  @Override
  public Future<?> start() {
    settings = Settings.of(config());
    store = new EventHandlerStore(Store.client(vertx, settings.mongo()), settings.store().writeBatch(), settings.store().maxQueuedWrites());
    http = vertx.createHttpClient(Webhook.clientOptions(), new io.vertx.core.http.PoolOptions().setHttp1MaxSize(50));
    delivery = new EventDelivery(vertx, new Webhook(vertx, http, settings.security()), settings.handlers());
    dispatch = new EventDispatch(vertx, store, delivery, settings.handlers());
    return Future.all(List.of(
        Bus.serve(vertx, Addresses.EVENT_HANDLER_REGISTER, this::register).completion(),
        Bus.serve(vertx, Addresses.EVENT_HANDLER_LIST, this::list).completion(),
        Bus.serve(vertx, Addresses.EVENT_HANDLER_UNREGISTER, this::unregister).completion(),
        Bus.serveLocal(vertx, Addresses.HANDLER_EVENTS_STORED, (body, h) -> dispatch.stored(body.getJsonArray("events"), body.getJsonObject("traces", new JsonObject()))).completion(),
        Bus.serve(vertx, Addresses.DEAD_LETTER_LIST, this::deadLetters).completion(),
        Bus.serve(vertx, Addresses.DEAD_LETTER_RETRY, (body, h) -> retry(body.getString("dead_letter_id"), h)).completion(),
        Bus.serveLocal(vertx, Addresses.EVENT_HANDLER_PURGE_SESSION, (body, h) -> purge(body.getString("session_id"))).completion(),
        Bus.serve(vertx, Addresses.eventHandlerChangedOn(Nodes.self(vertx)), (body, h) -> changedHere(body)).completion(),
        Bus.serve(vertx, Addresses.eventHandlerWakeOn(Nodes.self(vertx)), (body, h) ->
            Future.succeededFuture(dispatch.wake(body.getJsonArray("cursors")))).completion(),
        vertx.eventBus().<JsonObject>consumer(Addresses.HANDLER_CHANGED, message -> {
          String sessionId = message.body().getString("session_id");
          if (sessionId != null) {
            dispatch.changed(sessionId, lane -> lane.sessionId().equals(sessionId));
          }
        }).completion()))
        .compose(served -> dispatch.announce(true))
        .onSuccess(announced -> {
          dispatch.recoverIfFirst().onFailure(failure -> LOG.error("recovering open event cursors failed", failure))
              .onComplete(recovered -> dispatch.membership());
          membershipTimer = vertx.setPeriodic(settings.handlers().events().membershipCheckMs(), t -> dispatch.membership());
        });
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(membershipTimer);
    dispatch.stopAll();
    return dispatch.announce(false).otherwiseEmpty().compose(gone -> http.close());
  }

  // ---- registrations ----

  private Future<JsonObject> register(JsonObject body, MultiMap headers) {
    String requestId = headers.get(Headers.REQUEST_ID);
    String sessionId = body.getString("session_id");
    JsonObject handler = body.getJsonObject("handler").copy();
    boolean webhook = "webhook".equals(handler.getString("kind"));
    if (webhook && handler.getString("secret") == null) {
      handler.put("secret", Signatures.newSecret());
    }
    JsonObject registration = new JsonObject().put("handler_id", Ids.next("hdl")).put("event_type", body.getString("event_type"))
        .put("handler", handler).put("scope", sessionId == null ? "global" : "session").put("session_id", sessionId)
        .put("created_at", Times.now());
    if (body.getValue("timeout_ms") != null) {
      registration.put("timeout_ms", body.getValue("timeout_ms"));
    }
    return ScopedCollection.tenantOfScope(vertx, sessionId, headers).compose(tenant -> {
      registration.put(Tenancy.FIELD, tenant);
      if (!webhook && !Addresses.givableTo(handler.getString("address"), tenant)) {
        return Future.failedFuture(BusError.invalid("handler.address", "must be an address of this tenant's workers (agentbus.ext."
            + tenant + ".<name>), not another tenant's"));
      }
      Future<Void> listed = sessionId == null && !Principal.DEFAULT_TENANT.equals(tenant) ? store.addGlobalTenant(tenant)
          : Future.succeededFuture();
      return listed.compose(done -> webhook ? UrlGuard.verify(vertx, handler.getString("url"), settings.security(), "handler.url")
              : Future.succeededFuture())
          .compose(allowed -> add(EventHandlerStore.scopeOf(sessionId, tenant), registration));
    }).map(added -> {
      LOG.info("event handler {} registered: {} {} ({}) request_id={}", registration.getString("handler_id"),
          registration.getString("scope"), registration.getString("event_type"), handler.getString("kind"), requestId);
      return view(registration, true);
    });
  }

  /** Adds the registration to its scope (within {@code handlers.events.max_per_scope}), tells every node, notes it in the session. */
  private Future<Void> add(String scope, JsonObject registration) {
    String sessionId = registration.getString("session_id");
    int max = settings.handlers().events().maxPerScope();
    return store.sets(List.of(scope))
        .compose(sets -> sets.get(scope).size() >= max ? Future.failedFuture(new BusError(ErrorCode.CONFLICT,
            "This scope already has " + max + " event handlers (handlers.events.max_per_scope)", new JsonObject()
                .put("field", "event_type").put("max", max))) : store.add(scope, sessionId, registration))
        .compose(added -> notifyNodes(scope, List.of()))
        .compose(noted -> sessionId == null ? Future.succeededFuture()
            : Events.append(vertx, sessionId, EventTypes.HANDLER_REGISTERED, view(registration, false), null).mapEmpty());
  }

  /** A session's handlers, or the global ones: the caller's tenant's; the admin's: every tenant's, or {@code tenant_id}'s. */
  private Future<JsonObject> list(JsonObject body, MultiMap headers) {
    String sessionId = body.getString("session_id");
    Future<List<String>> scopes = sessionId != null ? Sessions.require(vertx, sessionId, headers).map(session -> List.of(sessionId))
        : globalScopes(headers, body.getString(Tenancy.FIELD));
    return scopes.compose(listed -> store.sets(listed).map(sets -> listed.stream().flatMap(s -> sets.get(s).stream()).toList()))
        .compose(registrations -> withStates(registrations, sessionId));
  }

  /** The list's page: each registration with its delivery state (a global one's aggregates its cursors). */
  private Future<JsonObject> withStates(List<JsonObject> registrations, String sessionId) {
    Future<List<JsonObject>> states = sessionId != null
        ? store.cursors(registrations.stream().map(r -> EventHandlerStore.cursorId(r.getString("handler_id"), sessionId)).toList())
            .map(cursors -> registrations.stream().map(r -> DeliveryState.of(cursors.stream().filter(c -> c.getString("_id")
                .equals(EventHandlerStore.cursorId(r.getString("handler_id"), sessionId))).toList(), false)).toList())
        : Future.all(registrations.stream().map(r -> store.cursorsOf(r.getString("handler_id"))
            .map(cursors -> DeliveryState.of(cursors, true))).toList()).map(all -> all.<JsonObject>list());
    return states.map(state -> {
      JsonArray data = new JsonArray();
      for (int i = 0; i < registrations.size(); i++) {
        data.add(view(registrations.get(i), false).mergeIn(state.get(i)));
      }
      return new JsonObject().put("data", data).put("next_cursor", null).put("has_more", false);
    });
  }

  /** The global scopes a list shows: the caller's tenant's; the admin's (and agentbus's): {@code requested}'s, or every tenant's. */
  private Future<List<String>> globalScopes(MultiMap headers, String requested) {
    Principal caller = Tenancy.requester(headers);
    if (caller != null && !"admin".equals(caller.kind())) {
      return Future.succeededFuture(requested != null && !requested.equals(Tenancy.home(headers)) ? List.of()
          : List.of(EventHandlerStore.scopeOf(null, Tenancy.home(headers))));
    }
    if (requested != null) {
      return Future.succeededFuture(List.of(EventHandlerStore.scopeOf(null, requested)));
    }
    return store.globalTenants().map(tenants -> java.util.stream.Stream.concat(java.util.stream.Stream.of(Principal.DEFAULT_TENANT),
        tenants.stream()).map(tenant -> EventHandlerStore.scopeOf(null, tenant)).toList());
  }

  /** Checks the scope first: removing by scope alone would let a caller remove another tenant's session handlers. */
  private Future<JsonObject> unregister(JsonObject body, MultiMap headers) {
    String sessionId = body.getString("session_id");
    String type = body.getString("event_type");
    return ScopedCollection.tenantOfScope(vertx, sessionId, body.getString(Tenancy.FIELD), headers, notFound(sessionId, type))
        .compose(tenant -> unregister(sessionId, EventHandlerStore.scopeOf(sessionId, tenant), type));
  }

  private static BusError notFound(String sessionId, String type) {
    return new BusError(ErrorCode.NOT_FOUND, "Event type '" + type + "' has no handler in " + (sessionId == null ? "global" : "session")
        + " scope", new JsonObject().put("field", "event_type").put("event_type", type));
  }

  private Future<JsonObject> unregister(String sessionId, String scope, String type) {
    return store.removeType(scope, type).compose(removed -> {
      if (removed.isEmpty()) {
        return Future.failedFuture(notFound(sessionId, type));
      }
      List<String> ids = removed.stream().map(r -> r.getString("handler_id")).toList();
      Set<String> gone = Set.copyOf(ids);
      return notifyNodes(scope, ids)
          .compose(noted -> store.removeCursors(ids))
          .compose(cursors -> dispatch.forgetOpen(entry -> gone.contains(entry.getString("handler_id"))))
          .compose(forgotten -> sessionId == null ? Future.succeededFuture() : Events.appendAll(vertx, removed.stream()
              .map(r -> Events.draft(sessionId, EventTypes.HANDLER_UNREGISTERED, view(r, false), null)).toList()))
          .map(appended -> new JsonObject().put("event_type", type).put("scope", sessionId == null ? "global" : "session")
              .put("handler_ids", new JsonArray(ids)).put("deleted", true));
    });
  }

  /** Every live node drops the scope and stops the removed handlers' lanes; answers when all did (or timed out). */
  private Future<Void> notifyNodes(String scope, List<String> removed) {
    JsonObject notice = new JsonObject().put("event_scope", scope).put("removed", new JsonArray(removed));
    DeliveryOptions options = new DeliveryOptions().setLocalOnly(false).setSendTimeout(NOTICE_TIMEOUT_MS);
    return Future.join(Nodes.live(vertx).stream().map(node -> Bus.request(vertx, Addresses.eventHandlerChangedOn(node), notice, options))
        .toList()).<Void>mapEmpty().otherwiseEmpty();
  }

  private Future<JsonObject> changedHere(JsonObject notice) {
    Set<String> removed = Set.copyOf(notice.getJsonArray("removed", new JsonArray()).stream().map(String.class::cast).toList());
    dispatch.changed(notice.getString("event_scope"), lane -> removed.contains(lane.handlerId()));
    return Future.succeededFuture(new JsonObject());
  }

  private Future<JsonObject> purge(String sessionId) {
    return store.removeScope(sessionId).compose(removed -> {
      dispatch.changed(sessionId, lane -> lane.sessionId().equals(sessionId));
      return store.purge(sessionId)
          .compose(purged -> dispatch.forgetOpen(entry -> sessionId.equals(entry.getString("session_id")))
              .map(forgotten -> purged.put("event_handlers", removed.size())));
    });
  }

  /** The API shape; the secret only when {@code withSecret} (the registration's own reply). */
  static JsonObject view(JsonObject registration, boolean withSecret) {
    JsonObject view = registration.copy();
    if (!withSecret) {
      view.getJsonObject("handler").remove("secret");
    }
    if (view.getValue("session_id") == null) {
      view.remove("session_id");
    }
    return view;
  }

  // ---- dead letters ----

  private Future<JsonObject> deadLetters(JsonObject query, MultiMap headers) {
    int limit = query.getInteger("limit", 50);
    return store.deadLetters(query.getString("cursor"), query.getString("session_id"), query.getString("handler_id"),
            Tenancy.filter(headers, query.getString(Tenancy.FIELD)), limit)
        .map(docs -> Pages.of(docs.stream().map(EventHandlerVerticle::deadLetterView).toList(), limit,
            last -> last.getString("dead_letter_id")));
  }

  private static JsonObject deadLetterView(JsonObject doc) {
    return Json.view(doc, "dead_letter_id", List.of("handler_id", "session_id", "scope", "event", "attempts", "last_error",
        "created_at", "updated_at"), List.of()).put(Tenancy.FIELD, Tenancy.of(doc));
  }

  /** One attempt now: success removes the dead letter, failure keeps it with the new error. */
  private Future<JsonObject> retry(String id, MultiMap headers) {
    return store.deadLetterOf(id).compose(doc -> {
      if (doc == null || !Tenancy.sees(headers, doc)) {
        return Future.failedFuture(BusError.notFound(ErrorCode.NOT_FOUND, "Dead letter", "dead_letter_id", id));
      }
      String handlerId = doc.getString("handler_id");
      return dispatch.registrations().find(doc.getString("session_id"), handlerId).compose(registration -> {
        if (registration == null) {
          return Future.failedFuture(new BusError(ErrorCode.CONFLICT, "The dead letter's handler " + handlerId
              + " is no longer registered", new JsonObject().put("dead_letter_id", id).put("handler_id", handlerId)));
        }
        int attempts = doc.getInteger("attempts", 0) + 1;
        JsonObject answer = new JsonObject().put("dead_letter_id", id).put("attempts", attempts);
        return delivery.attempt(registration, doc.getJsonObject("event"), null).transform(outcome -> outcome.succeeded()
            ? store.removeDeadLetter(id).map(removed -> answer.put("delivered", true).putNull("last_error"))
            : store.retried(id, outcome.cause().getMessage())
                .map(kept -> answer.put("delivered", false).put("last_error", outcome.cause().getMessage())));
      });
    });
  }
}
