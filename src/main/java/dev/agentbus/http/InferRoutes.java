package dev.agentbus.http;

import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.command.CommandStatus;
import dev.agentbus.stream.Follow;
import dev.agentbus.stream.Follower;
import dev.agentbus.stream.InferSseFormat;
import dev.agentbus.stream.RunEvents;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * The inference shortcuts over {@code engine.prompt} commands: {@code POST /infer}, {@code GET
 * /status/{id}}, {@code GET /result/{id}} (200 when final, 202 before), {@code GET /stream/{id}}
 * (SSE, see {@link InferSseFormat}) and {@code WS /ws} (see {@link InferSocket}). A request id is
 * the command id.
 */
record InferRoutes(Api api, Limits limits) {

  void mount(Router router) {
    router.post(Api.BASE + "/infer").handler(this::infer);
    router.get(Api.BASE + "/status/:request_id").handler(ctx -> status(ctx, false));
    router.get(Api.BASE + "/result/:request_id").handler(ctx -> status(ctx, true));
    router.get(Api.BASE + "/stream/:request_id").handler(this::stream);
    router.get(Api.BASE + "/ws").handler(ctx -> InferSocket.upgrade(api, limits, ctx));
  }

  private void infer(RoutingContext ctx) {
    JsonObject body = Api.body(ctx);
    Validator check = Validator.of(ctx);
    JsonObject request = Shapes.inference(check, body, limits, List.of());
    check.throwIfInvalid();
    api.send(ctx, Addresses.COMMAND_SUBMIT, request).onSuccess(accepted -> {
      ctx.response().putHeader("Location", Api.BASE + "/status/" + accepted.getString("command_id"));
      Api.json(ctx, 202, view(accepted));
    }).onFailure(failure -> Api.fail(ctx, failure));
  }

  private void status(RoutingContext ctx, boolean resultPoll) {
    Validator.of(ctx).throwIfInvalid();
    find(ctx).onSuccess(command -> Api.json(ctx, resultPoll && !CommandStatus.isFinal(command.getString("status")) ? 202 : 200,
        view(command))).onFailure(failure -> Api.fail(ctx, failure));
  }

  /**
   * SSE of one request from its first event (a finished one is replayed), or after {@code
   * Last-Event-ID} / {@code ?after_seq=} (where a stream cut by a shutdown resumes), ending after its outcome.
   */
  private void stream(RoutingContext ctx) {
    Validator check = Validator.of(ctx, "after_seq");
    long afterSeq = check.resumeCursor(ctx);
    check.throwIfInvalid();
    api.stream(ctx, () -> find(ctx), command -> new Follower.Plan(
        Follow.command(command.getString("session_id"), command.getString("command_id"), afterSeq),
        new InferSseFormat(command.getString("command_id"))));
  }

  /** The command behind a request id, looked up by id alone; unknown → 404 naming {@code request_id}. */
  private Future<JsonObject> find(RoutingContext ctx) {
    String requestId = ctx.pathParam("request_id");
    return api.send(ctx, Addresses.COMMAND_GET, new JsonObject().put("command_id", requestId))
        .recover(failure -> Future.failedFuture(BusError.is(failure, ErrorCode.COMMAND_NOT_FOUND)
            ? BusError.notFound(ErrorCode.COMMAND_NOT_FOUND, "Request", "request_id", requestId) : failure));
  }

  /**
   * A command as an inference request {@code {request_id, session_id, status, result, error}}; this
   * view's {@code error} is the error shape without {@code details} ({@code {code, message}}), as
   * the inference API has always answered.
   */
  static JsonObject view(JsonObject command) {
    JsonObject error = command.getJsonObject("error");
    return new JsonObject()
        .put("request_id", command.getString("command_id"))
        .put("session_id", command.getString("session_id"))
        .put("status", status(command.getString("status")))
        .put("result", CommandStatus.COMPLETED.equals(command.getString("status")) ? RunEvents.answer(command.getJsonObject("result")) : null)
        .put("error", error == null ? null : new JsonObject().put("code", error.getString("code")).put("message", error.getString("message")));
  }

  /** Command status → request status: pending, processing, completed, failed, cancelled. */
  static String status(String commandStatus) {
    return switch (commandStatus) {
      case CommandStatus.EXECUTING -> "processing";
      case CommandStatus.FAILED, CommandStatus.TIMED_OUT -> "failed";
      default -> commandStatus;
    };
  }
}
