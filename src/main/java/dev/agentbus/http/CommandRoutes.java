package dev.agentbus.http;

import dev.agentbus.bus.Addresses;
import dev.agentbus.command.CommandStatus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Set;

/** {@code /sessions/{id}/commands}: submit, batch, poll, list, cancel. */
record CommandRoutes(Api api, Limits limits) {

  void mount(Router router) {
    String base = Api.BASE + "/sessions/:session_id/commands";
    router.post(base).handler(this::submit);
    router.get(base).handler(this::list);
    router.post(base + "/batch").handler(this::batch);
    router.get(base + "/:command_id").handler(this::get);
    router.post(base + "/:command_id/cancel").handler(ctx -> api.forwardPlain(ctx, Addresses.COMMAND_CANCEL, Api.path(ctx, "session_id", "command_id"), 200));
  }

  private void submit(RoutingContext ctx) {
    JsonObject body = Api.body(ctx);
    Validator check = Validator.of(ctx, "wait");
    JsonObject command = Shapes.command(check, body, "", limits, List.of());
    long wait = check.waitSeconds(ctx, limits);
    check.throwIfInvalid();
    JsonObject request = command.put("session_id", ctx.pathParam("session_id")).put("wait_seconds", wait);
    api.send(ctx, Addresses.COMMAND_SUBMIT, request, wait).onSuccess(accepted -> {
      ctx.response().putHeader("Location", Api.commandLocation(accepted));
      boolean done = wait > 0 && CommandStatus.isFinal(accepted.getString("status"));
      Api.json(ctx, done ? 200 : 202, accepted);
    }).onFailure(failure -> Api.fail(ctx, failure));
  }

  /** Poll; with {@code ?wait=N} (long poll) the answer comes once the command is final, or after N seconds. */
  private void get(RoutingContext ctx) {
    Validator check = Validator.of(ctx, "wait");
    long wait = check.waitSeconds(ctx, limits);
    check.throwIfInvalid();
    api.send(ctx, Addresses.COMMAND_GET, Api.path(ctx, "session_id", "command_id").put("wait_seconds", wait), wait)
        .onSuccess(command -> Api.json(ctx, 200, command))
        .onFailure(failure -> Api.fail(ctx, failure));
  }

  private void batch(RoutingContext ctx) {
    JsonObject body = Api.body(ctx);
    Validator check = Validator.of(ctx);
    check.onlyKeys(body, "", List.of("commands", "mode", "stop_on_error"));
    JsonArray items = check.array(body, "", "commands", 1, limits.maxBatch());
    String mode = check.oneOf(body, "", "mode", Set.of("parallel", "sequential"));
    Boolean stopOnError = check.bool(body, "", "stop_on_error");
    JsonArray commands = new JsonArray();
    if (items != null) {
      for (int i = 0; i < items.size(); i++) {
        if (items.getValue(i) instanceof JsonObject item) {
          commands.add(Shapes.command(check, item, "commands[" + i + "].", limits, List.of()));
        } else {
          check.add("commands[" + i + "]", "must be a JSON object");
        }
      }
    }
    check.throwIfInvalid();
    JsonObject request = Api.path(ctx, "session_id").put("commands", commands)
        .put("mode", mode == null ? "parallel" : mode).put("stop_on_error", Boolean.TRUE.equals(stopOnError));
    api.forward(ctx, Addresses.COMMAND_BATCH, request, 202);
  }

  private void list(RoutingContext ctx) {
    Validator check = Validator.of(ctx, "limit", "cursor", "status", "command_type");
    JsonObject query = Api.path(ctx, "session_id")
        .put("limit", check.limit(ctx, limits))
        .put("status", check.queryOneOf(ctx, "status", CommandStatus.ALL))
        .put("command_type", check.queryString(ctx, "command_type"))
        .put("cursor", check.idCursor(ctx));
    check.throwIfInvalid();
    api.forward(ctx, Addresses.COMMAND_LIST, query, 200);
  }
}
