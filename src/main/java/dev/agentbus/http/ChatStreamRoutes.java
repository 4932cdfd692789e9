package dev.agentbus.http;

import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.BusError;
import dev.agentbus.bus.CommandTypes;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.stream.ChatFormat;
import dev.agentbus.stream.Follow;
import dev.agentbus.stream.Follower;
import dev.agentbus.util.Json;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Set;

/**
 * {@code POST /chat/{thread_id}/stream}: runs the thread's engine on {@code content} and streams
 * the run in the {@link ChatFormat}. A thread is a session.
 *
 * <p>{@code on_busy} (a thread is busy while it has an unfinished {@code engine.prompt}):
 * {@code reject} (default, 409), {@code enqueue} (runs after the active one), {@code interrupt}
 * (cancels the active runs first). {@code on_disconnect}: {@code continue} (default: the run goes
 * on and can be followed through the session's event stream) or {@code cancel}.
 */
record ChatStreamRoutes(Api api, EngineSettings settings) {
  private static final List<String> FIELDS = List.of("content", "agent_id", "llm_config", "engine_id", "on_busy", "on_disconnect");
  private static final Set<String> ON_BUSY = Set.of("reject", "enqueue", "interrupt");
  private static final Set<String> ON_DISCONNECT = Set.of("continue", "cancel");

  void mount(Router router) {
    router.post(Api.BASE + "/chat/:thread_id/stream").handler(this::stream);
  }

  private void stream(RoutingContext ctx) {
    long started = System.currentTimeMillis();
    JsonObject body = Api.body(ctx);
    Validator check = Validator.of(ctx);
    check.onlyKeys(body, "", FIELDS);
    JsonObject parameters = new JsonObject().put("prompt", check.text(body, "", "content"));
    Json.putIfPresent(parameters, "agent_id", check.string(body, "", "agent_id", false, 200));
    Json.putIfPresent(parameters, "engine_id", check.string(body, "", "engine_id", false, 200));
    EngineSettings.Checks checks = settings.checks(check);
    Json.putIfPresent(parameters, "llm_config", Json.nonEmpty(checks.llmConfig(body, "llm_config")));
    String onBusy = check.oneOf(body, "", "on_busy", ON_BUSY);
    boolean cancelOnDisconnect = "cancel".equals(check.oneOf(body, "", "on_disconnect", ON_DISCONNECT));
    check.throwIfInvalid();
    String threadId = ctx.pathParam("thread_id");
    JsonObject submit = new JsonObject().put("session_id", threadId).put("command_type", CommandTypes.ENGINE_PROMPT)
        .put("parameters", parameters).put("if_busy", onBusy == null ? "reject" : onBusy);
    api.stream(ctx, () -> checks.verify().compose(valid -> api.send(ctx, Addresses.COMMAND_SUBMIT, submit))
            .recover(failure -> Future.failedFuture(inThreadTerms(threadId, failure))),
        accepted -> new Follower.Plan(Follow.accepted(accepted),
            new ChatFormat(accepted.getString("command_id"), threadId, started), cancelOnDisconnect));
  }

  /** A failure in the chat's words: an unknown session is an unknown thread; a busy session names its active run. */
  private static Throwable inThreadTerms(String threadId, Throwable failure) {
    if (BusError.is(failure, ErrorCode.SESSION_NOT_FOUND)) {
      return BusError.notFound(ErrorCode.THREAD_NOT_FOUND, "Thread", "thread_id", threadId);
    }
    if (!BusError.is(failure, ErrorCode.CONFLICT)) {
      return failure;
    }
    String activeRunId = BusError.from(failure, "chat", null).details().getString("active_command_id");
    if (activeRunId == null) {
      return failure;
    }
    return new BusError(ErrorCode.CONFLICT, "Thread '" + threadId + "' has a run in progress (" + activeRunId
        + "); wait for it, or send on_busy: enqueue or interrupt",
        new JsonObject().put("field", "on_busy").put("thread_id", threadId).put("active_run_id", activeRunId));
  }
}
