package dev.agentbus.http;

import dev.agentbus.auth.Principal;
import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.stream.SocketTransport;
import dev.agentbus.util.Draining;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.function.Function;

/**
 * The client frames both WebSockets take — the per-session stream ({@link WebSocketChannel}) and the
 * multiplexed {@code /ws} ({@link InferSocket}) — written once: parsing, {@code ping} → {@code pong},
 * {@code publish} and {@code command} (each needs its scope, is charged to the rate limit like its
 * REST request, and at most {@value #MAX_IN_FLIGHT} may be unanswered), {@code ack} (a durable
 * subscriber's cursor, {@link DurableCursor}), and the answers: {@code ack} or {@code error} frames
 * carrying the {@code request_id} of the frame they answer. Each socket adds its own frame types and
 * says which session a frame acts on ({@link Sessions}).
 */
final class SocketFrames {
  static final int MAX_IN_FLIGHT = 64;

  /** Which session a frame acts on, on this socket. */
  interface Sessions {
    /** The session {@code frame} acts on; what is wrong with its {@code session_id} goes to {@code check}. */
    String of(Validator check, JsonObject frame);

    /** Where the session's acks are kept: null when they are not (no {@code subscriber_id}); throws when acks make no sense. */
    DurableCursor cursor(String sessionId);
  }

  /** A socket's own frame type. */
  interface Frame {
    void handle(JsonObject frame, String requestId);
  }

  private final Api api;
  private final Limits limits;
  private final RoutingContext ctx;
  private final SocketTransport socket;
  private final Sessions sessions;
  private final Map<String, Frame> types = new LinkedHashMap<>();
  private final Set<String> refused = new HashSet<>();
  private String untyped;
  private int inFlight;

  SocketFrames(Api api, Limits limits, RoutingContext ctx, SocketTransport socket, Sessions sessions) {
    this.api = api;
    this.limits = limits;
    this.ctx = ctx;
    this.socket = socket;
    this.sessions = sessions;
    types.put("ping", (frame, requestId) -> socket.send(new JsonObject().put("type", "pong").encode()));
    types.put("publish", (frame, requestId) -> {
      requireScope("events:write");
      publish(frame, requestId);
    });
    types.put("command", (frame, requestId) -> {
      requireScope("commands:write");
      command(frame, requestId);
    });
    types.put("ack", this::ack);
  }

  /** Adds (or replaces) a frame type. */
  SocketFrames on(String type, Frame handler) {
    types.put(type, handler);
    return this;
  }

  /** A frame type this socket knows but does not take: answered with {@code error}. */
  SocketFrames refuse(String type, Supplier<BusError> why) {
    refused.add(type);
    return on(type, (frame, requestId) -> {
      throw why.get();
    });
  }

  /** A frame without {@code type} is one of {@code type} (else it is refused). */
  SocketFrames untyped(String type) {
    untyped = type;
    return this;
  }

  /** Starts reading the client's frames. */
  void listen() {
    socket.socket().textMessageHandler(this::onFrame);
    socket.socket().binaryMessageHandler(binary -> sendError(null, BusError.invalid("frame", "must be JSON text")));
  }

  private void onFrame(String text) {
    JsonObject frame;
    try {
      frame = new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      sendError(null, BusError.invalid("frame", "is not a JSON object"));
      return;
    }
    Object rawId = frame.getValue("request_id");
    String requestId = rawId == null ? null : String.valueOf(rawId);
    Object type = frame.getValue("type");
    Frame handler = type == null && untyped != null ? types.get(untyped) : type instanceof String name ? types.get(name) : null;
    try {
      if (handler == null) {
        throw BusError.invalid("type", "must be one of " + String.join(", ", accepted())
            + (untyped == null ? "" : " (absent: " + untyped + ")"));
      }
      handler.handle(frame, requestId);
    } catch (BusError e) {
      sendError(requestId, e);
    }
  }

  /** The frame types this socket takes. */
  private List<String> accepted() {
    return types.keySet().stream().filter(type -> !refused.contains(type)).toList();
  }

  /**
   * {@code {type: "ack", seq}}: the client has everything up to {@code seq}. Where the session keeps
   * a durable cursor, the ack is stored: at once, and confirmed with {@code {type: "ack", request_id,
   * session_id, acked_seq}}, when the frame has a {@code request_id}; else within 200 ms and when the
   * stream ends. Without a durable cursor an ack is accepted silently.
   */
  private void ack(JsonObject frame, String requestId) {
    Validator check = new Validator();
    Object seq = frame.getValue("seq");
    if (!(seq instanceof Integer || seq instanceof Long) || ((Number) seq).longValue() < 0) {
      check.add("seq", "must be a non-negative integer");
    }
    String sessionId = sessions.of(check, frame);
    check.throwIfInvalid();
    DurableCursor cursor = sessions.cursor(sessionId);
    if (cursor == null) {
      return;
    }
    cursor.ack(((Number) seq).longValue());
    if (requestId != null) {
      cursor.store().onSuccess(stored -> send(requestId, new JsonObject().put("type", "ack").put("session_id", sessionId)
              .put("acked_seq", stored)))
          .onFailure(failure -> sendError(requestId, BusError.from(failure, "ack", requestId)));
    }
  }

  private void publish(JsonObject frame, String requestId) {
    Validator check = new Validator();
    JsonObject event = Shapes.clientEvent(check, frame, List.of("type", "request_id", "session_id"));
    String sessionId = sessions.of(check, frame);
    check.throwIfInvalid();
    request(requestId, sessionId, Addresses.EVENT_PUBLISH, "/events", event.put("session_id", sessionId), stored -> new JsonObject()
        .put("session_id", sessionId).put("event_id", stored.getString("event_id")).put("seq", stored.getLong("seq")));
  }

  private void command(JsonObject frame, String requestId) {
    Validator check = new Validator();
    JsonObject command = Shapes.command(check, frame, "", limits, List.of("type", "request_id", "session_id"));
    String sessionId = sessions.of(check, frame);
    check.throwIfInvalid();
    request(requestId, sessionId, Addresses.COMMAND_SUBMIT, "/commands", command.put("session_id", sessionId), accepted -> new JsonObject()
        .put("session_id", sessionId).put("command_id", accepted.getString("command_id")).put("status", accepted.getString("status")));
  }

  /** A frame that needs a scope the upgrade did not ({@code FORBIDDEN} naming it). */
  void requireScope(String scope) {
    Principal principal = Api.principal(ctx);
    if (principal != null && !principal.has(scope)) {
      throw new BusError(ErrorCode.FORBIDDEN, "This credential lacks the scope " + scope + " that this frame needs",
          new JsonObject().put("required_scope", scope));
    }
  }

  /** A frame that would start work while the node drains is refused, as REST is ({@code SERVICE_UNAVAILABLE}). */
  void refuseWhileDraining() {
    if (Draining.isDraining(api.vertx())) {
      throw new BusError(ErrorCode.SERVICE_UNAVAILABLE, "This node is shutting down; retry through another node",
          new JsonObject().put("reason", "shutting_down").put("retry_after_s", Draining.RETRY_AFTER_SECONDS));
    }
  }

  /**
   * One bus request per frame, answered by an {@code ack} frame built from the reply, or an {@code
   * error} frame. The frame is charged to the principal's rate limit first, like the REST request
   * it stands for ({@code <method> /sessions/{id}<route>}): a socket is no way around the limits.
   */
  private void request(String requestId, String sessionId, String address, String route, JsonObject body,
                       Function<JsonObject, JsonObject> ack) {
    refuseWhileDraining();
    if (inFlight >= MAX_IN_FLIGHT) {
      throw new BusError(ErrorCode.RATE_LIMITED, "Too many unanswered frames on this socket (max " + MAX_IN_FLIGHT + ")");
    }
    inFlight++;
    api.limiter().charge(ctx, "POST", Api.BASE + "/sessions/" + sessionId + route)
        .compose(allowed -> api.send(ctx, address, body)).onComplete(done -> inFlight--)
        .onSuccess(result -> send(requestId, ack.apply(result).put("type", "ack")))
        .onFailure(failure -> sendError(requestId, BusError.from(failure, address, requestId)));
  }

  void send(String requestId, JsonObject frame) {
    socket.send(frame.put("request_id", requestId).encode());
  }

  void sendError(String requestId, BusError error) {
    send(requestId, new JsonObject().put("type", "error").put("error", error.toJson()));
  }
}
