package dev.agentbus.http;

import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.stream.Follow;
import dev.agentbus.stream.Follower;
import dev.agentbus.stream.InferSocketFormat;
import dev.agentbus.stream.SocketTransport;
import io.vertx.core.Future;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * {@code WS /ws}: each client frame {@code {prompt, metadata?, session_id?, stream?}} starts a run,
 * answered by {@code {type: "ack", request_id, session_id, status: "processing"}}, then the run in
 * the {@link InferSocketFormat}. {@code {type: "ping"}} → {@code {type: "pong"}}. A bad frame gets an
 * {@code error} frame and the socket stays open. Several runs may be in flight (at most {@value
 * #MAX_RUNS}); a client that cannot keep up is closed with 1013. Runs are not cancelled when the
 * socket closes; it only stops following them. Each prompt frame is charged like {@code POST /infer}
 * to the principal's rate limit ({@code RATE_LIMITED} error frame when over it).
 */
final class InferSocket {
  static final int MAX_RUNS = 16;

  private final Api api;
  private final Limits limits;
  private final RoutingContext ctx;
  private final SocketTransport socket;
  private int running;

  private InferSocket(Api api, Limits limits, RoutingContext ctx, SocketTransport socket) {
    this.api = api;
    this.limits = limits;
    this.ctx = ctx;
    this.socket = socket;
  }

  static void upgrade(Api api, Limits limits, RoutingContext ctx) {
    Validator check = Validator.of(ctx);
    if (!ctx.request().canUpgradeToWebSocket()) {
      check.add("Upgrade", "this endpoint needs a WebSocket upgrade request");
    }
    check.throwIfInvalid();
    api.follower().socket(ctx, false, () -> Future.succeededFuture(new JsonObject()),
        (socket, nothing) -> new InferSocket(api, limits, ctx, socket).open(), failure -> Api.fail(ctx, failure));
  }

  private void open() {
    socket.socket().textMessageHandler(this::onFrame);
    socket.socket().binaryMessageHandler(binary -> sendError(BusError.invalid("frame", "must be JSON text")));
  }

  private void onFrame(String text) {
    JsonObject frame;
    try {
      frame = new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      sendError(BusError.invalid("frame", "is not a JSON object"));
      return;
    }
    Object type = frame.getValue("type");
    if ("ping".equals(type)) {
      socket.send(new JsonObject().put("type", "pong").encode());
    } else if (type == null || "prompt".equals(type)) {
      try {
        prompt(frame);
      } catch (BusError e) {
        sendError(e);
      }
    } else {
      sendError(BusError.invalid("type", "must be absent or \"prompt\" (a run), or \"ping\""));
    }
  }

  /** One bus request per prompt frame: the submit (in a new session unless one is named). */
  private void prompt(JsonObject frame) {
    Validator check = new Validator();
    JsonObject request = Shapes.inference(check, frame, limits, List.of("type", "stream"));
    Boolean stream = check.bool(frame, "", "stream");
    check.throwIfInvalid();
    if (running >= MAX_RUNS) {
      throw new BusError(ErrorCode.RATE_LIMITED, "At most " + MAX_RUNS + " runs may be in flight on one socket; wait for a result");
    }
    running++;
    // A prompt frame costs what POST /infer costs, from the same principal's bucket.
    api.limiter().charge(ctx, "POST", Api.BASE + "/infer")
        .compose(allowed -> api.send(ctx, Addresses.COMMAND_SUBMIT, request)).onSuccess(accepted -> {
      if (socket.socket().isClosed()) {
        return;
      }
      String requestId = accepted.getString("command_id");
      socket.send(new JsonObject().put("type", "ack").put("request_id", requestId)
          .put("session_id", accepted.getString("session_id")).put("status", "processing").encode());
      api.follower().follow(new Follower.Plan(Follow.accepted(accepted),
          new InferSocketFormat(requestId, !Boolean.FALSE.equals(stream))), socket, Api.requestId(ctx))
          .whenEnded(() -> running--);
    }).onFailure(failure -> {
      running--;
      sendError(BusError.from(failure, "ws infer", Api.requestId(ctx)));
    });
  }

  /** An error about a frame (no run started, so no request id). */
  private void sendError(BusError error) {
    socket.send(new JsonObject().put("type", "error").put("error", error.toJson()).encode());
  }
}
