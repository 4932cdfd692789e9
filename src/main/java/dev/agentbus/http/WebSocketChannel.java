package dev.agentbus.http;

import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.stream.Follower;
import dev.agentbus.stream.SocketTransport;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * One WebSocket on {@code /sessions/{id}/events/stream}: the session's event frames out (the
 * {@link Follower} does replay, live and close codes), and {@code ping}, {@code publish}, {@code
 * command}, {@code ack} frames in ({@link SocketFrames}), each acting on this socket's session (a
 * frame's {@code session_id} must be it or absent). {@code subscribe} and {@code unsubscribe} are
 * for {@code /ws}: here they are {@code UNSUPPORTED}.
 */
final class WebSocketChannel {
  private final Api api;
  private final RoutingContext ctx;
  private final SocketTransport socket;
  private final String sessionId;
  private final DurableCursor cursor;
  private final SocketFrames frames;

  WebSocketChannel(Api api, Limits limits, RoutingContext ctx, SocketTransport socket, String subscriberId) {
    this.api = api;
    this.ctx = ctx;
    this.socket = socket;
    this.sessionId = ctx.pathParam("session_id");
    this.cursor = subscriberId == null ? null : new DurableCursor(api, ctx, sessionId, subscriberId);
    this.frames = new SocketFrames(api, limits, ctx, socket, new SocketFrames.Sessions() {
      @Override
      public String of(Validator check, JsonObject frame) {
        Object given = frame.getValue("session_id");
        if (given != null && !sessionId.equals(given)) {
          check.add("session_id", "must be this socket's session (" + sessionId + ") or absent");
        }
        return sessionId;
      }

      @Override
      public DurableCursor cursor(String session) {
        return cursor;
      }
    });
    BusError bound = new BusError(ErrorCode.UNSUPPORTED,
        "This socket is bound to session " + sessionId + "; use query parameters after_seq and types, or /ws to subscribe");
    frames.refuse("subscribe", () -> bound).refuse("unsubscribe", () -> bound);
  }

  /** Starts the event feed and frame handling. */
  void open(Follower.Plan plan) {
    if (cursor != null) {
      socket.onGone(cursor::store);
    }
    frames.listen();
    api.follower().follow(plan, socket, Api.requestId(ctx));
  }
}
