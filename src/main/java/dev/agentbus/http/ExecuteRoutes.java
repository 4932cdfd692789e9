package dev.agentbus.http;

import dev.agentbus.bus.Addresses;
import dev.agentbus.command.CommandStatus;
import dev.agentbus.stream.Follow;
import dev.agentbus.stream.Follower;
import dev.agentbus.stream.SessionSseFormat;
import dev.agentbus.util.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * {@code POST /engines/{id}/execute {prompt, parameters?, metadata?}}: an {@code engine.prompt}
 * command on that engine, in the engine's session. {@code parameters} are engine configuration
 * overrides for this run (the {@code llm_config} of the chat API); {@code metadata} is the
 * command's ({@code priority}, {@code timeout}). Answers like a submitted command (202 +
 * {@code Location}; {@code ?wait=N} answers 200 once final), or with {@code Accept:
 * text/event-stream} streams the run's events in the session SSE format until its final event.
 */
record ExecuteRoutes(Api api, Limits limits, EngineSettings settings) {

  void mount(Router router) {
    router.post(Api.BASE + "/engines/:engine_id/execute").handler(this::execute);
  }

  private void execute(RoutingContext ctx) {
    JsonObject body = Api.body(ctx);
    Validator check = Validator.of(ctx, "wait");
    check.onlyKeys(body, "", List.of("prompt", "parameters", "metadata"));
    JsonObject run = new JsonObject().put("engine_id", ctx.pathParam("engine_id")).put("prompt", check.text(body, "", "prompt"));
    EngineSettings.Checks checks = settings.checks(check);
    Json.putIfPresent(run, "llm_config", Json.nonEmpty(checks.llmConfig(body, "parameters")));
    Json.putIfPresent(run, "metadata", check.commandMetadata(body, "", limits));
    long wait = check.waitSeconds(ctx, limits);
    check.throwIfInvalid();
    String accept = ctx.request().getHeader("Accept");
    if (accept != null && accept.contains("text/event-stream")) {
      api.stream(ctx, () -> checks.verify().compose(valid -> api.send(ctx, Addresses.ENGINE_EXECUTE, run.put("wait_seconds", 0))),
          accepted -> {
            ctx.response().putHeader("Location", Api.commandLocation(accepted));
            return new Follower.Plan(Follow.accepted(accepted), new SessionSseFormat());
          });
      return;
    }
    checks.verify()
        .compose(valid -> api.send(ctx, Addresses.ENGINE_EXECUTE, run.put("wait_seconds", wait), wait))
        .onSuccess(accepted -> {
          ctx.response().putHeader("Location", Api.commandLocation(accepted));
          Api.json(ctx, wait > 0 && CommandStatus.isFinal(accepted.getString("status")) ? 200 : 202, accepted);
        })
        .onFailure(failure -> Api.fail(ctx, failure));
  }
}
