package dev.agentbus.http;

import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.Bus;
import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.stream.BoundedWriter;
import dev.agentbus.stream.EventFeed;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.function.Predicate;

/**
 * One WebSocket on {@code /sessions/{id}/events/stream}: event frames out (replay, then live),
 * and {@code ping}, {@code publish}, {@code command}, {@code ack} frames in, each answered by
 * {@code pong}, {@code ack} or {@code error}. Close codes: 1000 session deleted, 1013 too slow
 * (resume with {@code after_seq}), 1011 stream failure.
 */
final class WebSocketChannel {
  private static final int MAX_IN_FLIGHT = 64;
  private static final long PING_MS = 15_000;

  private final Api api;
  private final StreamRoutes streams;
  private final Limits limits;
  private final RoutingContext ctx;
  private final ServerWebSocket socket;
  private final String sessionId;
  private static final long ACK_FLUSH_MS = 200;

  private final BoundedWriter writer;
  private final String subscriberId;
  private int inFlight;
  private long ackedSeq;
  private long storedAckSeq;
  private long ackTimer = -1;

  WebSocketChannel(Api api, StreamRoutes streams, Limits limits, RoutingContext ctx, ServerWebSocket socket, String subscriberId) {
    this.subscriberId = subscriberId;
    this.api = api;
    this.streams = streams;
    this.limits = limits;
    this.ctx = ctx;
    this.socket = socket;
    this.sessionId = ctx.pathParam("session_id");
    socket.setWriteQueueMaxSize(streams.writeQueueMaxBytes());
    this.writer = new BoundedWriter(socket, socket::writeTextMessage, streams.maxQueuedFrames());
  }

  /** Starts the event feed and frame handling; {@code release} runs once the socket has closed. */
  void open(long afterSeq, Predicate<JsonObject> filter, Runnable release) {
    EventFeed feed = streams.feed(sessionId, afterSeq, filter, event -> false, EventFeed.Subscriber.writingTo(writer,
        event -> new JsonObject().put("type", "event").put("event", event).encode(),
        (reason, lastSeq) -> {
          switch (reason) {
            case "overflow" -> socket.close((short) 1013, "too slow; resume with after_seq=" + lastSeq);
            case "session_deleted" -> socket.close((short) 1000, "session deleted");
            default -> socket.close((short) 1011, "stream interrupted; resume with after_seq=" + lastSeq);
          }
        }));
    long pings = api.vertx().setPeriodic(PING_MS, t -> socket.writePing(Buffer.buffer("ping")));
    socket.closeHandler(closed -> {
      release.run();
      storeAck();
      api.vertx().cancelTimer(pings);
      feed.close();
    });
    socket.textMessageHandler(this::onFrame);
    socket.binaryMessageHandler(binary -> sendError(null, new BusError(ErrorCode.VALIDATION_ERROR, "Frames must be JSON text")));
    feed.start();
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
        case "ping" -> send(new JsonObject().put("type", "pong"));
        case "ack" -> ack(frame, requestId);
        case "publish" -> publish(frame, requestId);
        case "command" -> command(frame, requestId);
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
      storeAck().onSuccess(stored -> send(new JsonObject().put("type", "ack").put("request_id", requestId).put("acked_seq", stored)))
          .onFailure(failure -> sendError(requestId, Bus.asBusError(failure, "ack", requestId)));
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
    return Bus.request(api.vertx(), Addresses.SUBSCRIBER_ACK, new JsonObject().put("session_id", sessionId)
            .put("subscriber_id", subscriberId).put("seq", seq), api.delivery(ctx))
        .map(stored -> {
          storedAckSeq = Math.max(storedAckSeq, seq);
          return storedAckSeq;
        });
  }

  private void publish(JsonObject frame, String requestId) {
    Validator check = new Validator();
    JsonObject event = EventRoutes.clientEvent(check, frame, List.of("type", "request_id", "session_id"));
    checkSession(check, frame);
    check.throwIfInvalid();
    request(requestId, Addresses.EVENT_PUBLISH, event.put("session_id", sessionId), stored -> new JsonObject()
        .put("event_id", stored.getString("event_id")).put("seq", stored.getLong("seq")));
  }

  private void command(JsonObject frame, String requestId) {
    Validator check = new Validator();
    JsonObject command = CommandRoutes.commandFields(check, frame, "", limits, List.of("type", "request_id", "session_id"));
    checkSession(check, frame);
    check.throwIfInvalid();
    request(requestId, Addresses.COMMAND_SUBMIT, command.put("session_id", sessionId), accepted -> new JsonObject()
        .put("command_id", accepted.getString("command_id")).put("status", accepted.getString("status")));
  }

  private void checkSession(Validator check, JsonObject frame) {
    Object given = frame.getValue("session_id");
    if (given != null && !sessionId.equals(given)) {
      check.add("session_id", "must be this socket's session (" + sessionId + ") or absent");
    }
  }

  private void request(String requestId, String address, JsonObject body, java.util.function.Function<JsonObject, JsonObject> ack) {
    if (inFlight >= MAX_IN_FLIGHT) {
      sendError(requestId, new BusError(ErrorCode.RATE_LIMITED, "Too many unanswered frames on this socket (max " + MAX_IN_FLIGHT + ")"));
      return;
    }
    inFlight++;
    Future<JsonObject> reply = Bus.request(api.vertx(), address, body, api.delivery(ctx));
    reply.onComplete(done -> inFlight--)
        .onSuccess(result -> send(ack.apply(result).put("type", "ack").put("request_id", requestId)))
        .onFailure(failure -> sendError(requestId, Bus.asBusError(failure, address, requestId)));
  }

  private void send(JsonObject frame) {
    if (!socket.isClosed() && !writer.write(frame.encode())) {
      socket.close((short) 1013, "too slow");
    }
  }

  private void sendError(String requestId, BusError error) {
    send(new JsonObject().put("type", "error").put("request_id", requestId).put("error", error.toJson()));
  }
}
