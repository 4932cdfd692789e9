package dev.agentbus.http;

import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.Bus;
import dev.agentbus.command.CommandStatus;
import dev.agentbus.stream.EventFeed;
import io.vertx.core.eventbus.DeliveryOptions;
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
final class ExecuteRoutes {
  private final Api api;
  private final RunStream runs;
  private final Limits limits;
  private final EngineSettings settings;

  ExecuteRoutes(Api api, RunStream runs, Limits limits, EngineSettings settings) {
    this.api = api;
    this.runs = runs;
    this.limits = limits;
    this.settings = settings;
  }

  void mount(Router router) {
    router.post(Api.BASE + "/engines/:engine_id/execute").handler(this::execute);
  }

  private void execute(RoutingContext ctx) {
    JsonObject body = Api.body(ctx);
    Validator check = new Validator();
    check.onlyKeys(body, "", List.of("prompt", "parameters", "metadata"));
    String engineId = ctx.pathParam("engine_id");
    JsonObject parameters = new JsonObject()
        .put("prompt", check.string(body, "", "prompt", true, ChatStreamRoutes.MAX_CONTENT)).put("engine_id", engineId);
    EngineSettings.Checks checks = settings.checks(check);
    ChatStreamRoutes.putIfPresent(parameters, "llm_config", ChatStreamRoutes.nonEmpty(checks.llmConfig(body, "parameters")));
    JsonObject metadata = check.object(body, "", "metadata", false);
    if (metadata != null) {
      check.oneOf(metadata, "metadata.", "priority", InferRoutes.PRIORITIES);
      check.integer(metadata, "metadata.", "timeout", false, 1, limits.maxTimeoutSeconds());
    }
    long wait = check.queryLong(ctx, "wait", 0, 0, limits.maxWaitSeconds());
    check.throwIfInvalid();
    String accept = ctx.request().getHeader("Accept");
    boolean streaming = accept != null && accept.contains("text/event-stream");
    Runnable release = streaming ? runs.streams().acquireSlot() : () -> { };
    checks.verify()
        .compose(valid -> api.send(ctx, Addresses.ENGINE_GET, new JsonObject().put("engine_id", engineId)))
        .compose(engine -> {
          JsonObject command = new JsonObject().put("session_id", engine.getString("session_id"))
              .put("command_type", RunStream.PROMPT).put("parameters", parameters)
              .put("wait_seconds", streaming ? 0 : wait);
          ChatStreamRoutes.putIfPresent(command, "metadata", metadata);
          // The reply may take the whole wait: the bus request must outlive it.
          DeliveryOptions delivery = api.delivery(ctx);
          delivery.setSendTimeout(Math.max(delivery.getSendTimeout(), wait * 1000 + 10_000));
          return Bus.request(api.vertx(), Addresses.COMMAND_SUBMIT, command, delivery);
        })
        .onSuccess(accepted -> {
          ctx.response().putHeader("Location", CommandRoutes.location(accepted));
          if (streaming) {
            stream(ctx, accepted, release);
            return;
          }
          Api.json(ctx, wait > 0 && CommandStatus.isFinal(accepted.getString("status")) ? 200 : 202, accepted);
        })
        .onFailure(failure -> {
          release.run();
          Api.fail(ctx, failure);
        });
  }

  private void stream(RoutingContext ctx, JsonObject accepted, Runnable release) {
    SseResponse sse = SseResponse.open(api, ctx, runs.streams().config(), "retry: 2000\n\n", release);
    EventFeed feed = runs.follow(accepted.getString("session_id"), accepted.getString("command_id"), RunStream.after(accepted),
        sse.subscriber(StreamRoutes::sessionFrame, (reason, lastSeq) -> {
          if (!"finished".equals(reason)) {
            sse.write("event: error\ndata: " + new JsonObject().put("error", RunStream.interrupted().put("last_seq", lastSeq)).encode() + "\n\n");
          }
          sse.end();
        }));
    sse.onClientGone(feed::close);
    feed.start();
  }
}
