package dev.agentbus.http;

import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.stream.Follower;
import dev.agentbus.stream.SocketTransport;
import io.vertx.core.Future;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.function.Function;

/**
 * One WebSocket on {@code /sessions/{id}/events/stream}: the session's event frames out (the
 * {@link Follower} does replay, live and close codes), and {@code ping}, {@code publish}, {@code
 * command}, {@code ack} frames in, each answered by {@code pong}, {@code ack} or {@code error};
 * {@code publish} and {@code command} frames take from the rate limit like their REST requests.
 */
final class WebSocketChannel {
  private static final int MAX_IN_FLIGHT = 64;
  private static final long ACK_FLUSH_MS = 200;

  private final Api api;
  private final Limits limits;
  private final RoutingContext ctx;
  private final SocketTransport socket;
  private final String sessionId;
  private final String subscriberId;
  private int inFlight;
  private long ackedSeq;
  private long storedAckSeq;
  private long ackTimer = -1;

  WebSocketChannel(Api api, Limits limits, RoutingContext ctx, SocketTransport socket, String subscriberId) {
    this.api = api;
    this.limits = limits;
    this.ctx = ctx;
    this.socket = socket;
    this.sessionId = ctx.pathParam("session_id");
    this.subscriberId = subscriberId;
  }

  /** Starts the event feed and frame handling. */
  void open(Follower.Plan plan) {
    socket.onGone(this::storeAck);
    socket.socket().textMessageHandler(this::onFrame);
    socket.socket().binaryMessageHandler(binary -> sendError(null, BusError.invalid("frame", "must be JSON text")));
    api.follower().follow(plan, socket, Api.requestId(ctx));
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
    String type = frame.getValue("type") instanceof String t ? t : "";
    try {
      switch (type) {
        case "ping" -> socket.send(new JsonObject().put("type", "pong").encode());
        case "ack" -> ack(frame, requestId);
        case "publish" -> {
          requireScope("events:write");
          publish(frame, requestId);
        }
        case "command" -> {
          requireScope("commands:write");
          command(frame, requestId);
        }
        case "subscribe", "unsubscribe" -> sendError(requestId, new BusError(ErrorCode.UNSUPPORTED,
            "This socket is bound to session " + sessionId + "; use query parameters after_seq and types"));
        default -> sendError(requestId, BusError.invalid("type", "must be one of ping, publish, command, ack"));
      }
    } catch (BusError e) {
      sendError(requestId, e);
    }
  }

  /**
   * {@code {type: "ack", seq}}: the client has everything up to {@code seq}. For a durable
   * subscriber ({@code ?subscriber_id=}) the highest ack is stored: at once and confirmed with an
   * {@code ack} frame when the frame has a {@code request_id}, else at most every 200 ms and on close.
   */
  private void ack(JsonObject frame, String requestId) {
    Object seq = frame.getValue("seq");
    if (!(seq instanceof Integer || seq instanceof Long) || ((Number) seq).longValue() < 0) {
      throw BusError.invalid("seq", "must be a non-negative integer");
    }
    if (subscriberId == null) {
      return;
    }
    ackedSeq = Math.max(ackedSeq, ((Number) seq).longValue());
    if (requestId != null) {
      storeAck().onSuccess(stored -> send(requestId, new JsonObject().put("type", "ack").put("acked_seq", stored)))
          .onFailure(failure -> sendError(requestId, BusError.from(failure, "ack", requestId)));
    } else if (ackTimer == -1) {
      ackTimer = api.vertx().setTimer(ACK_FLUSH_MS, t -> storeAck());
    }
  }

  /** Stores the highest ack so far (if it moved); completes with the stored cursor. */
  private Future<Long> storeAck() {
    if (ackTimer != -1) {
      api.vertx().cancelTimer(ackTimer);
      ackTimer = -1;
    }
    long seq = ackedSeq;
    if (subscriberId == null || seq <= storedAckSeq) {
      return Future.succeededFuture(storedAckSeq);
    }
    return api.send(ctx, Addresses.SUBSCRIBER_ACK, new JsonObject().put("session_id", sessionId)
            .put("subscriber_id", subscriberId).put("seq", seq))
        .map(stored -> {
          storedAckSeq = Math.max(storedAckSeq, seq);
          return storedAckSeq;
        });
  }

  private void publish(JsonObject frame, String requestId) {
    Validator check = new Validator();
    JsonObject event = Shapes.clientEvent(check, frame, List.of("type", "request_id", "session_id"));
    checkSession(check, frame);
    check.throwIfInvalid();
    request(requestId, Addresses.EVENT_PUBLISH, "/events", event.put("session_id", sessionId), stored -> new JsonObject()
        .put("event_id", stored.getString("event_id")).put("seq", stored.getLong("seq")));
  }

  private void command(JsonObject frame, String requestId) {
    Validator check = new Validator();
    JsonObject command = Shapes.command(check, frame, "", limits, List.of("type", "request_id", "session_id"));
    checkSession(check, frame);
    check.throwIfInvalid();
    request(requestId, Addresses.COMMAND_SUBMIT, "/commands", command.put("session_id", sessionId), accepted -> new JsonObject()
        .put("command_id", accepted.getString("command_id")).put("status", accepted.getString("status")));
  }

  /** A frame that writes needs its scope too: the upgrade only needed {@code events:read}. */
  private void requireScope(String scope) {
    dev.agentbus.auth.Principal principal = Api.principal(ctx);
    if (principal != null && !principal.has(scope)) {
      throw new BusError(ErrorCode.FORBIDDEN, "This credential lacks the scope " + scope + " that this frame needs",
          new JsonObject().put("required_scope", scope));
    }
  }

  private void checkSession(Validator check, JsonObject frame) {
    Object given = frame.getValue("session_id");
    if (given != null && !sessionId.equals(given)) {
      check.add("session_id", "must be this socket's session (" + sessionId + ") or absent");
    }
  }

  /**
   * One bus request per frame, answered by an {@code ack} frame built from the reply, or an {@code
   * error} frame. The frame is charged to the principal's rate limit first, like the REST request
   * it stands for ({@code POST /sessions/{id}<route>}): a socket is no way around the limits.
   */
  private void request(String requestId, String address, String route, JsonObject body, Function<JsonObject, JsonObject> ack) {
    if (inFlight >= MAX_IN_FLIGHT) {
      sendError(requestId, new BusError(ErrorCode.RATE_LIMITED, "Too many unanswered frames on this socket (max " + MAX_IN_FLIGHT + ")"));
      return;
    }
    inFlight++;
    api.limiter().charge(ctx, "POST", Api.BASE + "/sessions/" + sessionId + route)
        .compose(allowed -> api.send(ctx, address, body)).onComplete(done -> inFlight--)
        .onSuccess(result -> send(requestId, ack.apply(result).put("type", "ack")))
        .onFailure(failure -> sendError(requestId, BusError.from(failure, address, requestId)));
  }

  private void send(String requestId, JsonObject frame) {
    socket.send(frame.put("request_id", requestId).encode());
  }

  private void sendError(String requestId, BusError error) {
    send(requestId, new JsonObject().put("type", "error").put("error", error.toJson()));
  }
}
