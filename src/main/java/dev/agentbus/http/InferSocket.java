package dev.agentbus.http;

import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.stream.Follow;
import dev.agentbus.stream.Follower;
import dev.agentbus.stream.InferSocketFormat;
import dev.agentbus.stream.MultiplexTransport;
import dev.agentbus.stream.SocketTransport;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * {@code WS /ws}, the multiplexed socket: the WebSocket protocol's frames ({@link SocketFrames}:
 * {@code ping}, {@code publish}, {@code command}, {@code ack}, each naming its {@code session_id}),
 * session subscriptions ({@link Subscriptions}: {@code subscribe}, {@code unsubscribe}), and runs:
 * a {@code prompt} frame (or one without {@code type}) {@code {prompt, metadata?, session_id?,
 * stream?}} starts one, answered by {@code {type: "ack", request_id, session_id, status:
 * "processing"}} ({@code request_id} is the run's id), then the run in the {@link
 * InferSocketFormat}. At most {@value #MAX_RUNS} runs may be in flight; each prompt is charged like
 * {@code POST /infer}. Runs are not cancelled when the socket closes. All feeds share the socket
 * ({@link MultiplexTransport}: how it closes for a slow reader or a shutdown).
 */
final class InferSocket {
  static final int MAX_RUNS = 16;

  private final Api api;
  private final Limits limits;
  private final RoutingContext ctx;
  private final SocketTransport socket;
  private final MultiplexTransport mux;
  private final SocketFrames frames;
  private int running;

  private InferSocket(Api api, Limits limits, RoutingContext ctx, SocketTransport socket) {
    this.api = api;
    this.limits = limits;
    this.ctx = ctx;
    this.socket = socket;
    this.mux = new MultiplexTransport(socket);
    Subscriptions subscriptions = new Subscriptions(api, ctx, mux);
    this.frames = new SocketFrames(api, limits, ctx, socket, subscriptions).on("prompt", this::prompt).untyped("prompt");
    subscriptions.handle(frames);
  }

  static void upgrade(Api api, Limits limits, RoutingContext ctx) {
    Validator check = Validator.of(ctx);
    if (!ctx.request().canUpgradeToWebSocket()) {
      check.add("Upgrade", "this endpoint needs a WebSocket upgrade request");
    }
    check.throwIfInvalid();
    api.follower().socket(ctx, false, () -> Future.succeededFuture(new JsonObject()),
        (socket, nothing) -> new InferSocket(api, limits, ctx, socket).frames.listen(), failure -> Api.fail(ctx, failure));
  }

  /**
   * One bus request per prompt frame: the submit (in a new session unless one is named). A frame's
   * own {@code request_id} is only on the error frame that refuses it; once accepted, {@code
   * request_id} is the run's id.
   */
  private void prompt(JsonObject frame, String frameRequestId) {
    Validator check = new Validator();
    JsonObject request = Shapes.inference(check, frame, limits, List.of("type", "stream", "request_id"));
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
        running--;
        return;
      }
      String requestId = accepted.getString("command_id");
      frames.send(requestId, new JsonObject().put("type", "ack").put("session_id", accepted.getString("session_id"))
          .put("status", "processing"));
      MultiplexTransport.Lane lane = mux.run();
      lane.attach(api.follower().follow(new Follower.Plan(Follow.accepted(accepted),
          new InferSocketFormat(requestId, !Boolean.FALSE.equals(stream))), lane, Api.requestId(ctx))
          .whenEnded(() -> running--));
    }).onFailure(failure -> {
      running--;
      frames.sendError(frameRequestId, BusError.from(failure, "ws infer", Api.requestId(ctx)));
    });
  }
}
