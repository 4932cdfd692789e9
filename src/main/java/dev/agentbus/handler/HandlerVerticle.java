package dev.agentbus.handler;

import dev.agentbus.auth.Tenancy;
import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.Bus;
import dev.agentbus.bus.BusError;
import dev.agentbus.bus.CommandTypes;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.bus.EventTypes;
import dev.agentbus.bus.Headers;
import dev.agentbus.bus.SharedNames;
import dev.agentbus.config.Settings;
import dev.agentbus.event.Events;
import dev.agentbus.net.Signatures;
import dev.agentbus.net.UrlGuard;
import dev.agentbus.net.Webhook;
import dev.agentbus.session.Sessions;
import dev.agentbus.store.Store;
import dev.agentbus.util.Ids;
import dev.agentbus.util.Times;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Owns registered command handlers ({@link HandlerStore}): registers, lists and removes them,
 * resolves a command type for the command side ({@link Addresses#HANDLER_RESOLVE}, from a node
 * cache that {@link Addresses#HANDLER_CHANGED} notices invalidate), delivers commands to them
 * ({@link Delivery}), takes asynchronous webhooks' results, and removes a deleted session's
 * handlers. One instance per node, deployed before HTTP.
 *
 * <p>Session-scope changes append {@code handler.registered} / {@code handler.unregistered} to the
 * session; global ones append nothing (they belong to no session). Secrets leave this verticle only
 * in a registration's reply and in the signatures of its deliveries.
 */
public class HandlerVerticle extends VerticleBase {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(HandlerVerticle.class);
  private static final int MAX_CACHED = 10_000;

  private record Cached(JsonObject registration, long expiresAt) {}

  private HandlerStore store;
  private Settings settings;
  private HttpClient http;
  private Delivery.Needs needs;
  private Callbacks callbacks;
  private final Map<String, Cached> cache = new HashMap<>();
  private final Map<String, Delivery> deliveries = new HashMap<>();

  @Override
  public Future<?> start() {
    settings = Settings.of(config());
    store = new HandlerStore(Store.client(vertx, settings.mongo()));
    http = vertx.createHttpClient(Webhook.clientOptions(), new io.vertx.core.http.PoolOptions().setHttp1MaxSize(50));
    return callbackKey().compose(key -> {
      Settings.Http listener = settings.http();
      String base = settings.handlers().callbackBaseUrl() != null ? settings.handlers().callbackBaseUrl().replaceAll("/+$", "")
          : "http://" + listener.host() + ":" + listener.port();
      callbacks = new Callbacks(vertx, key);
      needs = new Delivery.Needs(vertx, new Webhook(vertx, http, settings.security()), settings.handlers(), base, key);
      return Future.all(List.of(
          Bus.serve(vertx, Addresses.HANDLER_REGISTER, this::register).completion(),
          Bus.serve(vertx, Addresses.HANDLER_LIST, this::list).completion(),
          Bus.serve(vertx, Addresses.HANDLER_UNREGISTER, this::unregister).completion(),
          Bus.serveLocal(vertx, Addresses.HANDLER_RESOLVE, (body, h) -> resolve(body.getString("session_id"),
              body.getString(Tenancy.FIELD), body.getString("command_type")).map(HandlerVerticle::reference)).completion(),
          Bus.serveLocal(vertx, Addresses.HANDLER_DELIVER, (body, h) -> deliver(body.getJsonObject("command"))).completion(),
          Bus.serve(vertx, Addresses.HANDLER_RESULT, callbacks::result).completion(),
          Bus.serve(vertx, Addresses.HANDLER_PROGRESS, callbacks::progress).completion(),
          Bus.serve(vertx, Addresses.HANDLER_PURGE_SESSION, (body, h) -> purge(body.getString("session_id"))).completion(),
          vertx.eventBus().<JsonObject>consumer(Addresses.HANDLER_CHANGED, message -> forget(message.body())).completion(),
          vertx.eventBus().<JsonObject>consumer(Addresses.COMMAND_ABORTED, message -> {
            Delivery delivery = deliveries.get(message.body().getString("command_id"));
            if (delivery != null) {
              delivery.abort();
            }
          }).completion()));
    });
  }

  @Override
  public Future<?> stop() {
    List.copyOf(deliveries.values()).forEach(Delivery::abort);
    return http.close();
  }

  /** {@code handlers.callback_secret}, else one secret per cluster (the first node to ask makes it). */
  private Future<byte[]> callbackKey() {
    String configured = settings.handlers().callbackSecret();
    if (configured != null && !configured.isBlank()) {
      return Future.succeededFuture(configured.getBytes(StandardCharsets.UTF_8));
    }
    byte[] fresh = new byte[32];
    new SecureRandom().nextBytes(fresh);
    String mine = Base64.getEncoder().encodeToString(fresh);
    return vertx.sharedData().<String, String>getAsyncMap(SharedNames.HANDLERS)
        .compose(map -> map.putIfAbsent("callback_secret", mine))
        .map(existing -> Base64.getDecoder().decode(existing != null ? existing : mine));
  }

  // ---- registrations ----

  private Future<JsonObject> register(JsonObject body, MultiMap headers) {
    String requestId = headers.get(Headers.REQUEST_ID);
    String sessionId = body.getString("session_id");
    String type = body.getString("command_type");
    String scope = sessionId == null ? "global" : "session";
    if (CommandTypes.BUILT_IN.contains(type)) {
      return Future.failedFuture(new BusError(ErrorCode.CONFLICT, "Command type '" + type + "' is built in: it cannot have a registered handler",
          new JsonObject().put("field", "command_type").put("command_type", type)));
    }
    JsonObject handler = body.getJsonObject("handler").copy();
    boolean webhook = "webhook".equals(handler.getString("kind"));
    if (webhook && handler.getString("secret") == null) {
      handler.put("secret", Signatures.newSecret());
    }
    JsonObject doc = new JsonObject()
        .put("handler_id", Ids.next("hdl"))
        .put("session_id", sessionId)
        .put("scope", scope)
        .put("command_type", type)
        .put("handler", handler)
        .put("created_at", Times.now());
    if (body.getValue("timeout_ms") != null) {
      doc.put("timeout_ms", body.getValue("timeout_ms"));
    }
    return HandlerStore.tenantOfScope(vertx, sessionId, headers)
        .compose(tenant -> {
          doc.put("_id", HandlerStore.key(sessionId, tenant, type)).put(Tenancy.FIELD, tenant);
          if (!webhook && !Addresses.givableTo(handler.getString("address"), tenant)) {
            return Future.failedFuture(BusError.invalid("handler.address", "must be an address of this tenant's workers (agentbus.ext."
                + tenant + ".<name>), not another tenant's"));
          }
          return webhook ? UrlGuard.verify(vertx, handler.getString("url"), settings.security(), "handler.url")
              : Future.<Void>succeededFuture();
        })
        .compose(allowed -> store.insert(doc).recover(failure -> Future.failedFuture(Store.isDuplicateKey(failure)
            ? new BusError(ErrorCode.CONFLICT, "Command type '" + type + "' already has a handler in " + scope + " scope",
                new JsonObject().put("field", "command_type").put("command_type", type).put("scope", scope))
            : failure)))
        .compose(stored -> changed(doc.getString("_id"), sessionId, EventTypes.HANDLER_REGISTERED, view(doc, false)))
        .map(noted -> {
          LOG.info("command handler {} registered: {} {} ({}) request_id={}", doc.getString("handler_id"), scope, type,
              handler.getString("kind"), requestId);
          return view(doc, true);
        });
  }

  /** A session's handlers, or the global ones: the caller's tenant's; the admin's: every tenant's, or {@code tenant_id}'s. */
  private Future<JsonObject> list(JsonObject body, MultiMap headers) {
    String sessionId = body.getString("session_id");
    Future<List<JsonObject>> found = sessionId == null ? store.globals(Tenancy.filter(headers, body.getString(Tenancy.FIELD)))
        : Sessions.require(vertx, sessionId, headers).compose(session -> store.list(sessionId));
    return found
        .map(docs -> new JsonObject().put("data", new JsonArray(docs.stream().map(doc -> view(doc, false)).toList()))
            .put("next_cursor", null).put("has_more", false));
  }

  /** Checks the scope first: removing by key alone would let a caller remove another tenant's session handler. */
  private Future<JsonObject> unregister(JsonObject body, MultiMap headers) {
    String sessionId = body.getString("session_id");
    String type = body.getString("command_type");
    return HandlerStore.tenantOfScope(vertx, sessionId, body.getString(Tenancy.FIELD), headers, notFound(sessionId, type))
        .compose(tenant -> unregister(sessionId, tenant, type));
  }

  private static BusError notFound(String sessionId, String type) {
    return new BusError(ErrorCode.NOT_FOUND, "Command type '" + type + "' has no handler in "
        + (sessionId == null ? "global" : "session") + " scope", new JsonObject().put("field", "command_type").put("command_type", type));
  }

  private Future<JsonObject> unregister(String sessionId, String tenant, String type) {
    String key = HandlerStore.key(sessionId, tenant, type);
    return store.remove(key).compose(removed -> {
      if (removed == null) {
        return Future.failedFuture(notFound(sessionId, type));
      }
      return changed(key, sessionId, EventTypes.HANDLER_UNREGISTERED, view(removed, false))
          .map(noted -> new JsonObject().put("handler_id", removed.getString("handler_id")).put("command_type", type)
              .put("scope", removed.getString("scope")).put("deleted", true));
    });
  }

  /** Drops the key here, tells every other node, and notes the change in the session (none for global scope). */
  private Future<Void> changed(String key, String sessionId, String eventType, JsonObject data) {
    cache.remove(key);
    vertx.eventBus().publish(Addresses.HANDLER_CHANGED, new JsonObject().put("key", key));
    return sessionId == null ? Future.succeededFuture()
        : Events.append(vertx, sessionId, eventType, data, null).mapEmpty();
  }

  private void forget(JsonObject notice) {
    String key = notice.getString("key");
    if (key != null) {
      cache.remove(key);
    }
    String sessionId = notice.getString("session_id");
    if (sessionId != null) {
      cache.keySet().removeIf(cached -> cached.startsWith(sessionId + "/"));
    }
  }

  /** The session's command handlers here, its event handlers through {@link Addresses#EVENT_HANDLER_PURGE_SESSION}; then every node forgets them. */
  private Future<JsonObject> purge(String sessionId) {
    JsonObject ref = new JsonObject().put("session_id", sessionId);
    Future<JsonObject> events = Bus.request(vertx, Addresses.EVENT_HANDLER_PURGE_SESSION, ref, Bus.withRequestId(null));
    return Future.all(store.purge(sessionId), events).map(purged -> {
      JsonObject notice = new JsonObject().put("session_id", sessionId);
      forget(notice);
      vertx.eventBus().publish(Addresses.HANDLER_CHANGED, notice);
      return new JsonObject().put("handlers", purged.<Long>resultAt(0)).put("event_handlers", purged.<JsonObject>resultAt(1));
    });
  }

  // ---- resolution ----

  /**
   * The session's registration of the type, else its tenant's global one; fails {@code
   * HANDLER_NOT_FOUND}. {@code tenant}: the session's when the asker knows it; else it is looked up
   * (the session directory caches it), only when the session has no handler of its own.
   */
  private Future<JsonObject> resolve(String sessionId, String tenant, String type) {
    return lookup(HandlerStore.key(sessionId, tenant, type))
        .compose(scoped -> scoped != null ? Future.succeededFuture(scoped)
            : (tenant != null ? Future.succeededFuture(tenant) : HandlerStore.tenantOfSession(vertx, sessionId))
                .compose(sessionTenant -> lookup(HandlerStore.key(null, sessionTenant, type))))
        .compose(found -> found != null ? Future.succeededFuture(found)
            : Future.failedFuture(new BusError(ErrorCode.HANDLER_NOT_FOUND,
                "No handler is registered for command type '" + type + "' in this session or globally",
                new JsonObject().put("field", "command_type").put("command_type", type))));
  }

  private Future<JsonObject> lookup(String key) {
    long now = System.currentTimeMillis();
    Cached hit = cache.get(key);
    if (hit != null && hit.expiresAt() > now) {
      return Future.succeededFuture(hit.registration());
    }
    return store.find(key).onSuccess(found -> {
      if (cache.size() >= MAX_CACHED) {
        cache.clear();
      }
      cache.put(key, new Cached(found, now + settings.handlers().cacheTtlMs()));
    });
  }

  private static JsonObject reference(JsonObject registration) {
    return new JsonObject().put("handler_id", registration.getString("handler_id")).put("scope", registration.getString("scope"))
        .put("command_type", registration.getString("command_type"))
        .put("kind", registration.getJsonObject("handler").getString("kind"));
  }

  /** The API shape; the secret only when {@code withSecret} (the registration's own reply). */
  private static JsonObject view(JsonObject doc, boolean withSecret) {
    JsonObject handler = doc.getJsonObject("handler").copy();
    if (!withSecret) {
      handler.remove("secret");
    }
    JsonObject view = new JsonObject().put("handler_id", doc.getString("handler_id"))
        .put("command_type", doc.getString("command_type")).put("handler", handler).put("scope", doc.getString("scope"))
        .put(Tenancy.FIELD, Tenancy.of(doc));
    if (doc.getValue("timeout_ms") != null) {
      view.put("timeout_ms", doc.getValue("timeout_ms"));
    }
    if (doc.getString("session_id") != null) {
      view.put("session_id", doc.getString("session_id"));
    }
    return view.put("created_at", doc.getString("created_at"));
  }

  // ---- delivery ----

  private Future<JsonObject> deliver(JsonObject command) {
    String id = command.getString("_id");
    return resolve(command.getString("session_id"), command.getString(Tenancy.FIELD), command.getString("command_type"))
        .recover(failure -> Future.failedFuture(BusError.is(failure, ErrorCode.HANDLER_NOT_FOUND)
            ? new BusError(ErrorCode.HANDLER_NOT_FOUND, "The command's handler was removed before it ran",
                new JsonObject().put("command_type", command.getString("command_type")))
            : failure))
        .compose(registration -> {
          Delivery delivery = new Delivery(needs, command, registration);
          deliveries.put(id, delivery);
          return delivery.start().onComplete(done -> deliveries.remove(id));
        });
  }
}
