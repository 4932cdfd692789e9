package dev.agentbus.http;

import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.command.CommandStatus;
import dev.agentbus.stream.EventFeed;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Set;

/**
 * The seed-001 shortcuts over {@code engine.prompt} commands: {@code POST /infer}, {@code GET
 * /status/{id}}, {@code GET /result/{id}} (200 when final, 202 before), {@code GET /stream/{id}}
 * (SSE {@code event:} start, token, complete or error) and {@code WS /ws} (see {@link InferSocket}).
 * A request id is the command id.
 */
final class InferRoutes {
  static final Set<String> PRIORITIES = Set.of("low", "normal", "high");
  private static final List<String> FIELDS = List.of("prompt", "session_id", "metadata");

  private final Api api;
  private final RunStream runs;
  private final Limits limits;

  InferRoutes(Api api, RunStream runs, Limits limits) {
    this.api = api;
    this.runs = runs;
    this.limits = limits;
  }

  void mount(Router router) {
    router.post(Api.BASE + "/infer").handler(this::infer);
    router.get(Api.BASE + "/status/:request_id").handler(ctx -> status(ctx, false));
    router.get(Api.BASE + "/result/:request_id").handler(ctx -> status(ctx, true));
    router.get(Api.BASE + "/stream/:request_id").handler(this::stream);
    router.get(Api.BASE + "/ws").handler(ctx -> InferSocket.upgrade(api, runs, limits, ctx));
  }

  /** An infer request (HTTP body or WebSocket frame) → {@code {parameters, session_id?, metadata?}}; extraKeys are the frame's own. */
  static JsonObject request(Validator check, JsonObject body, Limits limits, List<String> extraKeys) {
    List<String> allowed = new java.util.ArrayList<>(FIELDS);
    allowed.addAll(extraKeys);
    check.onlyKeys(body, "", allowed);
    JsonObject request = new JsonObject()
        .put("parameters", new JsonObject().put("prompt", check.string(body, "", "prompt", true, ChatStreamRoutes.MAX_CONTENT)));
    ChatStreamRoutes.putIfPresent(request, "session_id", check.string(body, "", "session_id", false, 200));
    JsonObject metadata = check.object(body, "", "metadata", false);
    if (metadata != null) {
      check.oneOf(metadata, "metadata.", "priority", PRIORITIES);
      check.integer(metadata, "metadata.", "timeout", false, 1, limits.maxTimeoutSeconds());
      request.put("metadata", metadata);
    }
    return request;
  }

  /** Submits the run: in the given session, or in a new session named "infer" → the accepted command. */
  static Future<JsonObject> submit(Api api, RunStream runs, RoutingContext ctx, JsonObject request) {
    String sessionId = request.getString("session_id");
    Future<String> session = sessionId != null ? Future.succeededFuture(sessionId)
        : api.send(ctx, Addresses.SESSION_CREATE, new JsonObject().put("name", "infer")).map(created -> created.getString("session_id"));
    return session.compose(id -> runs.submit(ctx, id, request.getJsonObject("parameters"), request.getJsonObject("metadata")));
  }

  private void infer(RoutingContext ctx) {
    JsonObject body = Api.body(ctx);
    Validator check = new Validator();
    JsonObject request = request(check, body, limits, List.of());
    check.throwIfInvalid();
    submit(api, runs, ctx, request).onSuccess(accepted -> {
      ctx.response().putHeader("Location", Api.BASE + "/status/" + accepted.getString("command_id"));
      Api.json(ctx, 202, view(accepted));
    }).onFailure(failure -> Api.fail(ctx, failure));
  }

  private void status(RoutingContext ctx, boolean resultPoll) {
    find(ctx).onSuccess(command -> Api.json(ctx, resultPoll && !CommandStatus.isFinal(command.getString("status")) ? 202 : 200,
        view(command))).onFailure(failure -> Api.fail(ctx, failure));
  }

  /** The command behind a request id, looked up by id alone; unknown → 404 naming {@code request_id}. */
  private Future<JsonObject> find(RoutingContext ctx) {
    String requestId = ctx.pathParam("request_id");
    return api.send(ctx, Addresses.COMMAND_GET, new JsonObject().put("command_id", requestId))
        .recover(failure -> Future.failedFuture(BusError.from(failure).code() == ErrorCode.COMMAND_NOT_FOUND
            ? BusError.notFound(ErrorCode.COMMAND_NOT_FOUND, "Request", "request_id", requestId) : failure));
  }

  /** A command in the seed-001 shape {@code {request_id, session_id, status, result, error}}. */
  static JsonObject view(JsonObject command) {
    JsonObject error = command.getJsonObject("error");
    return new JsonObject()
        .put("request_id", command.getString("command_id"))
        .put("session_id", command.getString("session_id"))
        .put("status", status(command.getString("status")))
        .put("result", CommandStatus.COMPLETED.equals(command.getString("status")) ? RunStream.answer(command.getJsonObject("result")) : null)
        .put("error", error == null ? null : new JsonObject().put("code", error.getString("code")).put("message", error.getString("message")));
  }

  /** Command status → seed-001 status: pending, processing, completed, failed, cancelled. */
  static String status(String commandStatus) {
    return switch (commandStatus) {
      case CommandStatus.EXECUTING -> "processing";
      case CommandStatus.FAILED, CommandStatus.TIMED_OUT -> "failed";
      default -> commandStatus;
    };
  }

  /** SSE of one request from its first event (a finished one is replayed), ending after its outcome. */
  private void stream(RoutingContext ctx) {
    Runnable release = runs.streams().acquireSlot();
    find(ctx).onSuccess(command -> {
      String requestId = command.getString("command_id");
      SseResponse sse = SseResponse.open(api, ctx, runs.streams().config(),
          sseFrame("start", new JsonObject().put("request_id", requestId)), release);
      int[] chunk = {0};
      EventFeed feed = runs.follow(command.getString("session_id"), requestId, 0, sse.subscriber(event -> {
        if ("engine.token".equals(event.getString("event_type"))) {
          return sseFrame("token", new JsonObject().put("chunk", chunk[0]++).put("data", RunStream.data(event).getString("text")));
        }
        if (!RunStream.isFinal(event)) {
          return "";
        }
        return CommandStatus.COMPLETED.equals(RunStream.status(event))
            ? sseFrame("complete", new JsonObject().put("status", "done")
                .put("result", RunStream.answer(RunStream.data(event).getJsonObject("result"))))
            : sseFrame("error", RunStream.error(event));
      }, (reason, lastSeq) -> {
        if (!"finished".equals(reason)) {
          sse.write(sseFrame("error", RunStream.interrupted()));
        }
        sse.end();
      }));
      sse.onClientGone(feed::close);
      feed.start();
    }).onFailure(failure -> {
      release.run();
      Api.fail(ctx, failure);
    });
  }

  static String sseFrame(String event, JsonObject data) {
    return "event: " + event + "\ndata: " + data.encode() + "\n\n";
  }
}
