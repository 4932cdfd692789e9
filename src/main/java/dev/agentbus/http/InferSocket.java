package dev.agentbus.http;

import dev.agentbus.bus.Bus;
import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.command.CommandStatus;
import dev.agentbus.stream.BoundedWriter;
import dev.agentbus.stream.EventFeed;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code WS /ws} (seed 001): each client frame {@code {prompt, metadata?, session_id?, stream?}}
 * starts a run, answered by {@code {type: "ack", request_id, session_id, status: "processing"}},
 * then (when {@code stream} is not false) {@code {type: "token", request_id, chunk, data}} per
 * token, then {@code {type: "result", request_id, status: "completed", result}} or {@code {type:
 * "error", request_id, error: {code, message}}}. {@code {type: "ping"}} → {@code {type: "pong"}}.
 * A bad frame gets an {@code error} frame and the socket stays open. Several runs may be in
 * flight (at most {@value #MAX_RUNS}); a client that cannot keep up is closed with 1013. Runs are
 * not cancelled when the socket closes; it only stops following them.
 */
final class InferSocket {
  static final int MAX_RUNS = 16;
  private static final long PING_MS = 15_000;

  private final Api api;
  private final RunStream runs;
  private final Limits limits;
  private final RoutingContext ctx;
  private final ServerWebSocket socket;
  private final BoundedWriter writer;
  private final Set<EventFeed> following = new HashSet<>();
  private int starting;

  private InferSocket(Api api, RunStream runs, Limits limits, RoutingContext ctx, ServerWebSocket socket) {
    this.api = api;
    this.runs = runs;
    this.limits = limits;
    this.ctx = ctx;
    this.socket = socket;
    JsonObject streams = runs.streams().config();
    socket.setWriteQueueMaxSize(streams.getInteger("write_queue_max_bytes", 262_144));
    this.writer = new BoundedWriter(socket, socket::writeTextMessage, streams.getInteger("max_queued_frames", 1000));
  }

  static void upgrade(Api api, RunStream runs, Limits limits, RoutingContext ctx) {
    if (!ctx.request().canUpgradeToWebSocket()) {
      throw BusError.invalid("Upgrade", "this endpoint needs a WebSocket upgrade request");
    }
    Runnable release = runs.streams().acquireSlot();
    ctx.request().toWebSocket()
        .onSuccess(socket -> new InferSocket(api, runs, limits, ctx, socket).open(release))
        .onFailure(failure -> {
          release.run();
          Api.fail(ctx, failure);
        });
  }

  private void open(Runnable release) {
    long pings = api.vertx().setPeriodic(PING_MS, t -> socket.writePing(Buffer.buffer("ping")));
    socket.closeHandler(closed -> {
      release.run();
      api.vertx().cancelTimer(pings);
      List.copyOf(following).forEach(EventFeed::close);
      following.clear();
    });
    socket.textMessageHandler(this::onFrame);
    socket.binaryMessageHandler(binary -> sendError(BusError.invalid("frame", "must be JSON text")));
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
      send(new JsonObject().put("type", "pong"));
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

  private void prompt(JsonObject frame) {
    Validator check = new Validator();
    JsonObject request = InferRoutes.request(check, frame, limits, List.of("type", "stream"));
    Boolean stream = check.bool(frame, "", "stream");
    check.throwIfInvalid();
    if (following.size() + starting >= MAX_RUNS) {
      throw new BusError(ErrorCode.RATE_LIMITED, "At most " + MAX_RUNS + " runs may be in flight on one socket; wait for a result");
    }
    starting++;
    InferRoutes.submit(api, runs, ctx, request).onComplete(done -> starting--).onSuccess(accepted -> {
      String requestId = accepted.getString("command_id");
      if (socket.isClosed()) {
        return;
      }
      send(new JsonObject().put("type", "ack").put("request_id", requestId).put("session_id", accepted.getString("session_id"))
          .put("status", "processing"));
      follow(accepted, !Boolean.FALSE.equals(stream));
    }).onFailure(failure -> sendError(Bus.asBusError(failure, "ws infer", Api.requestId(ctx))));
  }

  private void follow(JsonObject accepted, boolean streamTokens) {
    String requestId = accepted.getString("command_id");
    int[] chunk = {0};
    EventFeed[] feed = new EventFeed[1];
    feed[0] = runs.follow(accepted.getString("session_id"), requestId, RunStream.after(accepted),
        EventFeed.Subscriber.writingTo(writer, event -> {
          if (streamTokens && "engine.token".equals(event.getString("event_type"))) {
            return new JsonObject().put("type", "token").put("request_id", requestId).put("chunk", chunk[0]++)
                .put("data", RunStream.data(event).getString("text")).encode();
          }
          if (!RunStream.isFinal(event)) {
            return null;
          }
          return (CommandStatus.COMPLETED.equals(RunStream.status(event))
              ? new JsonObject().put("type", "result").put("request_id", requestId).put("status", "completed")
                  .put("result", RunStream.answer(RunStream.data(event).getJsonObject("result")))
              : new JsonObject().put("type", "error").put("request_id", requestId).put("error", RunStream.error(event))).encode();
        }, (reason, lastSeq) -> {
      following.remove(feed[0]);
      switch (reason) {
        case "finished" -> { }
        case "overflow" -> socket.close((short) 1013, "too slow; read the outcome from /status/" + requestId);
        default -> send(new JsonObject().put("type", "error").put("request_id", requestId).put("error", RunStream.interrupted()));
      }
    }));
    following.add(feed[0]);
    feed[0].start();
  }

  private void send(JsonObject frame) {
    if (!socket.isClosed() && !writer.write(frame.encode())) {
      socket.close((short) 1013, "too slow");
    }
  }

  /** An error about a frame (no run started, so no request id). */
  private void sendError(BusError error) {
    send(new JsonObject().put("type", "error").put("error", error.toJson()));
  }
}
