package dev.agentbus.http;

import dev.agentbus.auth.Principal;
import dev.agentbus.bridge.BridgeGate;
import dev.agentbus.bridge.OpenBridgeSockets;
import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.bus.Headers;
import dev.agentbus.config.Settings;
import dev.agentbus.limit.Callers;
import dev.agentbus.limit.PrincipalStreams;
import dev.agentbus.metrics.Metrics;
import dev.agentbus.session.Sessions;
import dev.agentbus.stream.StreamSlots;
import dev.agentbus.util.Draining;
import dev.agentbus.util.Ids;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.bridge.BridgeEventType;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.sockjs.BridgeEvent;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandlerOptions;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import io.vertx.ext.web.handler.sockjs.Transport;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The SockJS event-bus bridge at {@code /eventbus} ({@code @vertx/eventbus-bridge-client.js}),
 * guarded like the rest of the API. The router's handlers run first on every SockJS request: CORS
 * refuses a disallowed origin (403), the {@link AuthHandler} the credential ({@code
 * ?access_token=}, which SockJS keeps on its sub-requests; or a header, outside browsers), the
 * rate limiter counts the upgrade as a stream. Only the WebSocket transport is served: a socket is
 * one upgrade request, authenticated once, never a series of XHR requests another caller could join.
 *
 * <p>This class is the bridge's event handler ({@link BridgeGate} says which addresses pass):
 * <ul>
 *   <li>a socket opens with its principal and takes a stream slot of the node and of the principal
 *       (the limits of SSE and WebSocket streams); it closes (3000) when none is left;</li>
 *   <li>{@code register} of {@code agentbus.session.<id>.events} needs {@code events:read} and a
 *       session the caller may read ({@link Sessions#require}: another tenant's is {@code
 *       SESSION_NOT_FOUND}); the session's events then arrive as REST shows them;</li>
 *   <li>{@code send} to {@link Addresses#BRIDGE_COMMAND} or {@link Addresses#BRIDGE_PUBLISH} is
 *       checked like {@code POST /sessions/{id}/commands} or {@code /events} (scope, a session
 *       token's session, the body by {@link Shapes}, the rate limit), and goes on with the headers
 *       replaced by the bridge's own (request id, {@link Headers#PRINCIPAL}; {@link Headers#REFUSED}
 *       when refused), so a refusal comes back on the reply like any failure;</li>
 *   <li>a refusal the client's handler could not otherwise see (a register, a send elsewhere) is
 *       written to it as an error {@code {failureCode: HTTP status, message: {code, message,
 *       details}}} before Vert.x's own {@code rejected}; a bus publish from the client is refused.</li>
 * </ul>
 * A client that does not read its events fast enough is closed (more than {@code
 * streams.write_queue_max_bytes} unsent), and so is every socket
 * of an API key when it is revoked ({@link Addresses#AUTH_KEY_REVOKED}). Per socket: at most
 * {@link #MAX_HANDLERS} registrations and unanswered requests; silent (no ping) for {@link
 * #PING_TIMEOUT_MS}: closed. A graceful shutdown closes every socket ({@link OpenBridgeSockets}).
 */
final class EventBusBridge {
  static final String PATH = "/eventbus";
  /** Registrations plus unanswered requests one socket may have. */
  static final int MAX_HANDLERS = 64;
  /** The client pings every 5 s ({@code vertxbus_ping_interval}); silent this long is gone. */
  static final long PING_TIMEOUT_MS = 30_000;

  /** One open socket: who it acts for, and the bytes of outbound messages written to it but not yet sent. */
  private static final class Socket {
    final Principal principal;
    final RoutingContext ctx;
    final String encodedPrincipal;
    final Runnable release;
    long unsent;

    Socket(Principal principal, RoutingContext ctx, Runnable release) {
      this.principal = principal;
      this.ctx = ctx;
      this.encodedPrincipal = principal.toJson().encode();
      this.release = release;
    }

    Principal principal() {
      return principal;
    }

    RoutingContext ctx() {
      return ctx;
    }

    String encodedPrincipal() {
      return encodedPrincipal;
    }
  }

  private final Api api;
  private final Limits limits;
  private final StreamSlots slots;
  private final PrincipalStreams perPrincipal;
  private final int maxPerPrincipal;
  private final int writeQueueMaxBytes;
  private final long replyTimeoutMs;
  /** This router's sockets: every bridge event of one router runs on its verticle's event loop. */
  private final Map<SockJSSocket, Socket> sockets = new HashMap<>();

  EventBusBridge(Api api, Limits limits, Settings settings) {
    this.api = api;
    this.limits = limits;
    this.slots = new StreamSlots(api.vertx(), settings.streams().maxConnections());
    this.maxPerPrincipal = settings.limits().enabled() ? settings.limits().maxStreamsPerPrincipal() : Integer.MAX_VALUE;
    this.perPrincipal = new PrincipalStreams(api.vertx(), maxPerPrincipal);
    this.writeQueueMaxBytes = settings.streams().writeQueueMaxBytes();
    this.replyTimeoutMs = settings.http().requestTimeoutMs() + 5_000;
  }

  /** Whether {@code path} is one of the bridge's (every SockJS request is part of a socket: origin-checked). */
  static boolean serves(String path) {
    return path.equals(PATH) || path.startsWith(PATH + "/");
  }

  void mount(Router router) {
    SockJSHandlerOptions options = new SockJSHandlerOptions().setInsertJSESSIONID(false).setRegisterWriteHandler(false);
    for (Transport transport : List.of(Transport.XHR, Transport.EVENT_SOURCE, Transport.HTML_FILE, Transport.JSON_P)) {
      options.addDisabledTransport(transport.toString());
    }
    Router sockJs = SockJSHandler.create(api.vertx(), options)
        .bridge(BridgeGate.options(MAX_HANDLERS, PING_TIMEOUT_MS, replyTimeoutMs), this::handle);
    // What a client asks first, and its socket: a principal at its limit is told 429 before any upgrade.
    router.get(PATH + "/info").handler(this::admit);
    router.get(PATH + "/:server_id/:socket_id/websocket").handler(this::admit);
    router.route(PATH + "/*").subRouter(sockJs);
    // A revoked API key's sockets close at once (as its next HTTP request would be 401).
    api.vertx().eventBus().<JsonObject>consumer(Addresses.AUTH_KEY_REVOKED, revoked -> revoked(revoked.body().getString("key_id")));
  }

  private void revoked(String keyId) {
    List.copyOf(sockets.entrySet()).forEach(open -> {
      Principal principal = open.getValue().principal();
      if ("key".equals(principal.kind()) && principal.id().equals(keyId)) {
        open.getKey().close();
      }
    });
  }

  private void admit(RoutingContext ctx) {
    if (perPrincipal.open(Callers.of(ctx).rateKey()) >= maxPerPrincipal) {
      Api.fail(ctx, new BusError(ErrorCode.RATE_LIMITED, "At most " + maxPerPrincipal + " streams may be open at once; close one first",
          new JsonObject().put("limit", "max_streams_per_principal").put("retry_after_s", 1)));
      return;
    }
    ctx.next();
  }

  private void handle(BridgeEvent event) {
    BridgeEventType type = event.type();
    switch (type) {
      case SOCKET_CREATED -> opened(event);
      case SOCKET_CLOSED -> closed(event);
      case REGISTER -> register(event);
      case SEND -> send(event);
      case RECEIVE -> receive(event);
      // a bus publish from the client: nothing inbound is a publish
      case PUBLISH -> event.complete(false);
      default -> event.complete(true); // UNREGISTER, REGISTERED, SOCKET_PING, SOCKET_IDLE, SOCKET_ERROR
    }
  }

  private void opened(BridgeEvent event) {
    SockJSSocket socket = event.socket();
    RoutingContext ctx = socket.routingContext();
    Principal principal = ctx == null ? null : Api.principal(ctx);
    if (principal == null || Draining.isDraining(api.vertx())) {
      event.complete(false);
      return;
    }
    Runnable release;
    try {
      Runnable node = slots.acquire();
      try {
        Runnable own = perPrincipal.acquire(Callers.of(ctx).rateKey());
        release = () -> {
          own.run();
          node.run();
        };
      } catch (BusError e) {
        node.run();
        throw e;
      }
    } catch (BusError full) {
      event.complete(false);
      return;
    }
    sockets.put(socket, new Socket(principal, ctx, release));
    OpenBridgeSockets.track(api.vertx(), socket);
    event.complete(true);
  }

  private void closed(BridgeEvent event) {
    Socket socket = sockets.remove(event.socket());
    if (socket != null) {
      socket.release.run();
      OpenBridgeSockets.forget(api.vertx(), event.socket());
    }
    event.complete(true);
  }

  /** {@code register}: a session's event address, {@code events:read}, a session the caller may read. */
  private void register(BridgeEvent event) {
    Socket socket = sockets.get(event.socket());
    String address = event.getRawMessage().getString("address");
    String sessionId = BridgeGate.sessionOf(address);
    Future<?> allowed;
    if (socket == null) {
      allowed = Future.failedFuture(new BusError(ErrorCode.UNAUTHENTICATED, "This socket is not open"));
    } else if (sessionId == null) {
      allowed = Future.failedFuture(new BusError(ErrorCode.FORBIDDEN, "Only a session's event address ("
          + Addresses.sessionEvents("<session_id>") + ") may be registered on this bridge", new JsonObject().put("field", "address")));
    } else {
      try {
        requireScope(socket, "events:read");
        requireSession(socket, sessionId);
        allowed = api.limiter().charge(socket.ctx(), "GET", Api.BASE + "/sessions/" + sessionId + "/events")
            .compose(charged -> Sessions.require(api.vertx(), sessionId, headers(socket, Ids.next("req"))));
      } catch (BusError refused) {
        allowed = Future.failedFuture(refused);
      }
    }
    allowed.onComplete(done -> {
      if (done.failed()) {
        refuse(event.socket(), address, done.cause());
      }
      event.complete(done.succeeded());
    });
  }

  /**
   * {@code send}: only to the two inbound addresses, checked like the REST route each stands for;
   * a refused one goes on marked {@link Headers#REFUSED}, so its reply handler gets the error.
   */
  private void send(BridgeEvent event) {
    JsonObject raw = event.getRawMessage();
    String address = raw.getString("address");
    Socket socket = sockets.get(event.socket());
    if (socket == null || !BridgeGate.isInbound(address)) {
      String replyAddress = raw.getString("replyAddress");
      if (replyAddress != null && replyAddress.length() <= 36) {
        refuse(event.socket(), replyAddress, new BusError(ErrorCode.FORBIDDEN, "Only " + String.join(" and ",
            new java.util.TreeSet<>(BridgeGate.INBOUND)) + " take messages on this bridge", new JsonObject().put("field", "address")));
      }
      event.complete(false);
      return;
    }
    boolean command = Addresses.BRIDGE_COMMAND.equals(address);
    String requestId = Ids.next("req");
    Future<JsonObject> checked;
    try {
      requireScope(socket, command ? "commands:write" : "events:write");
      JsonObject body = command ? command(raw.getValue("body")) : clientEvent(raw.getValue("body"));
      String sessionId = body.getString("session_id");
      requireSession(socket, sessionId);
      checked = api.limiter().charge(socket.ctx(), "POST", Api.BASE + "/sessions/" + sessionId + (command ? "/commands" : "/events"))
          .map(charged -> body);
    } catch (BusError refused) {
      checked = Future.failedFuture(refused);
    }
    checked.onComplete(done -> {
      JsonObject headers = new JsonObject().put(Headers.REQUEST_ID, requestId).put(Headers.PRINCIPAL, socket.encodedPrincipal());
      if (done.succeeded()) {
        raw.put("body", done.result());
      } else {
        headers.put(Headers.REFUSED, BusError.from(done.cause(), address, requestId).toWire());
      }
      event.setRawMessage(raw.put("headers", headers));
      event.complete(true);
    });
  }

  /** {@code {session_id, command_type, parameters, metadata}}, as {@code POST /sessions/{id}/commands} takes it. */
  private JsonObject command(Object given) {
    JsonObject body = object(given);
    Validator check = new Validator();
    String sessionId = check.string(body, "", "session_id", true, 200);
    JsonObject command = Shapes.command(check, body, "", limits, List.of("session_id"));
    check.throwIfInvalid();
    return command.put("session_id", sessionId);
  }

  /** {@code {session_id, event_type, data, metadata}}, as {@code POST /sessions/{id}/events} takes it. */
  private static JsonObject clientEvent(Object given) {
    JsonObject body = object(given);
    Validator check = new Validator();
    String sessionId = check.string(body, "", "session_id", true, 200);
    JsonObject event = Shapes.clientEvent(check, body, List.of("session_id"));
    check.throwIfInvalid();
    return event.put("session_id", sessionId);
  }

  private static JsonObject object(Object body) {
    if (!(body instanceof JsonObject object)) {
      throw BusError.invalid("body", "must be a JSON object");
    }
    return object;
  }

  /**
   * Outbound: this handler writes each message itself, counting the bytes not yet sent (a SockJS
   * socket hands every write straight to its WebSocket and never reports a full queue), and closes a
   * client so far behind that they pass {@code streams.write_queue_max_bytes}, rather than buffer for it.
   * Vert.x is told not to write it again.
   */
  private void receive(BridgeEvent event) {
    SockJSSocket socket = event.socket();
    Socket open = sockets.get(socket);
    event.complete(false);
    if (open == null) {
      return;
    }
    String frame = event.getRawMessage().encode();
    if (open.unsent > 0 && open.unsent + frame.length() > writeQueueMaxBytes) {
      Metrics.slowConsumerClosed();
      socket.close(1013, "too slow");
      return;
    }
    open.unsent += frame.length();
    socket.write(frame).onComplete(done -> open.unsent -= frame.length());
  }

  private static void requireScope(Socket socket, String scope) {
    if (!socket.principal().has(scope)) {
      throw new BusError(ErrorCode.FORBIDDEN, "This credential lacks the scope " + scope + " that this message needs",
          new JsonObject().put("required_scope", scope));
    }
  }

  /** A session token acts on its own session only (as on every REST route). */
  private static void requireSession(Socket socket, String sessionId) {
    String own = socket.principal().sessionId();
    if (own != null && !own.equals(sessionId)) {
      throw new BusError(ErrorCode.FORBIDDEN, "This session token grants session " + own + " only",
          new JsonObject().put("field", "session_id"));
    }
  }

  private static MultiMap headers(Socket socket, String requestId) {
    return MultiMap.caseInsensitiveMultiMap().add(Headers.REQUEST_ID, requestId).add(Headers.PRINCIPAL, socket.encodedPrincipal());
  }

  /**
   * Tells the client's handler at {@code address} (a registration, or a send's reply address) why:
   * the frame Vert.x writes for a failed reply, {@code failureCode} the HTTP status and {@code
   * message} the error envelope's JSON.
   */
  private static void refuse(SockJSSocket socket, String address, Throwable failure) {
    BusError error = BusError.from(failure, PATH, null);
    socket.write(new JsonObject().put("type", "err").put("address", address).put("failureCode", error.code().httpStatus())
        .put("failureType", "RECIPIENT_FAILURE").put("message", error.toWire()).encode());
  }
}
