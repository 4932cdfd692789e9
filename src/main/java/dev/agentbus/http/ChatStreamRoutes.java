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
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /chat/{thread_id}/stream} (seed 000): runs the thread's engine on {@code content}
 * and streams the run as SSE {@code data: {"type": ...}} frames: {@code init_stream} first, then
 * {@code reasoning}, {@code tool_call}, {@code tool_result} and {@code message} (content deltas:
 * clients concatenate them; the final message is not sent again), {@code error} on failure, and
 * always {@code end_stream} last. A thread is a session.
 *
 * <p>{@code on_busy} (a thread is busy while it has an unfinished {@code engine.prompt}):
 * {@code reject} (default, 409), {@code enqueue} (runs after the active one), {@code interrupt}
 * (cancels the active runs first). {@code on_disconnect}: {@code continue} (default: the run goes
 * on and can be followed through the session's event stream) or {@code cancel}.
 */
final class ChatStreamRoutes {
  static final int MAX_CONTENT = 100_000;
  private static final Logger LOG = LoggerFactory.getLogger(ChatStreamRoutes.class);
  private static final List<String> FIELDS = List.of("content", "agent_id", "llm_config", "engine_id", "on_busy", "on_disconnect");
  private static final Set<String> ON_BUSY = Set.of("reject", "enqueue", "interrupt");
  private static final Set<String> ON_DISCONNECT = Set.of("continue", "cancel");

  private final Api api;
  private final RunStream runs;
  private final EngineSettings settings;

  ChatStreamRoutes(Api api, RunStream runs, EngineSettings settings) {
    this.api = api;
    this.runs = runs;
    this.settings = settings;
  }

  void mount(Router router) {
    router.post(Api.BASE + "/chat/:thread_id/stream").handler(this::stream);
  }

  private void stream(RoutingContext ctx) {
    long started = System.currentTimeMillis();
    JsonObject body = Api.body(ctx);
    Validator check = new Validator();
    check.onlyKeys(body, "", FIELDS);
    JsonObject parameters = new JsonObject().put("prompt", check.string(body, "", "content", true, MAX_CONTENT));
    String agentId = check.string(body, "", "agent_id", false, 200);
    putIfPresent(parameters, "agent_id", agentId);
    putIfPresent(parameters, "engine_id", check.string(body, "", "engine_id", false, 200));
    EngineSettings.Checks checks = settings.checks(check);
    putIfPresent(parameters, "llm_config", nonEmpty(checks.llmConfig(body, "llm_config")));
    String onBusy = check.oneOf(body, "", "on_busy", ON_BUSY);
    boolean cancelOnDisconnect = "cancel".equals(check.oneOf(body, "", "on_disconnect", ON_DISCONNECT));
    check.throwIfInvalid();
    String threadId = ctx.pathParam("thread_id");
    List<Runnable> release = new ArrayList<>(1);
    checks.verify()
        .compose(valid -> api.send(ctx, Addresses.SESSION_GET, new JsonObject().put("session_id", threadId)))
        .recover(failure -> Future.failedFuture(BusError.from(failure).code() == ErrorCode.SESSION_NOT_FOUND
            ? BusError.notFound(ErrorCode.THREAD_NOT_FOUND, "Thread", "thread_id", threadId) : failure))
        .compose(thread -> agentId == null ? Future.succeededFuture()
            : api.send(ctx, Addresses.AGENT_GET, new JsonObject().put("agent_id", agentId)))
        .compose(agent -> {
          release.add(runs.streams().acquireSlot());
          return runs.submit(ctx, threadId, parameters, null, onBusy == null ? "reject" : onBusy)
              .recover(failure -> Future.failedFuture(busyThread(threadId, failure)));
        })
        .onSuccess(accepted -> follow(ctx, threadId, accepted, started, cancelOnDisconnect, release.get(0)))
        .onFailure(failure -> {
          release.forEach(Runnable::run);
          Api.fail(ctx, failure);
        });
  }

  /** The command verticle's busy-session conflict, in the chat's words (the thread, its active run, {@code on_busy}). */
  private static Throwable busyThread(String threadId, Throwable failure) {
    BusError error = BusError.from(failure);
    String activeRunId = error.details().getString("active_command_id");
    if (error.code() != ErrorCode.CONFLICT || activeRunId == null) {
      return failure;
    }
    return new BusError(ErrorCode.CONFLICT, "Thread '" + threadId + "' has a run in progress (" + activeRunId
        + "); wait for it, or send on_busy: enqueue or interrupt",
        new JsonObject().put("field", "on_busy").put("thread_id", threadId).put("active_run_id", activeRunId));
  }

  private void follow(RoutingContext ctx, String threadId, JsonObject accepted, long started, boolean cancelOnDisconnect,
                      Runnable release) {
    String runId = accepted.getString("command_id");
    JsonObject init = new JsonObject().put("type", "init_stream").put("run_id", runId).put("thread_id", threadId)
        .put("timestamp", started);
    SseResponse sse = SseResponse.open(api, ctx, runs.streams().config(), frame(init), release);
    ChatFrames frames = new ChatFrames(started);
    EventFeed feed = runs.follow(threadId, runId, RunStream.after(accepted), sse.subscriber(frames::of, (reason, lastSeq) -> {
      if (!"finished".equals(reason)) {
        sse.write(frames.brokenOff());
      }
      sse.end();
    }));
    sse.onClientGone(() -> {
      feed.close();
      if (cancelOnDisconnect && !frames.ended) {
        api.send(ctx, Addresses.COMMAND_CANCEL, new JsonObject().put("session_id", threadId).put("command_id", runId))
            .onFailure(failure -> LOG.warn("could not cancel run {} after its client left: {} request_id={}",
                runId, failure.getMessage(), Api.requestId(ctx)));
      }
    });
    feed.start();
  }

  /** Maps one run's events to seed-000 frames; remembers whether an error was sent and whether the run ended. */
  private static final class ChatFrames {
    private final long started;
    private boolean errorSent;
    boolean ended;

    ChatFrames(long started) {
      this.started = started;
    }

    String of(JsonObject event) {
      JsonObject data = RunStream.data(event);
      return switch (event.getString("event_type")) {
        case "engine.reasoning" -> frame(new JsonObject().put("type", "reasoning").put("content", data.getString("text")));
        case "engine.token" -> frame(new JsonObject().put("type", "reasoning".equals(data.getString("channel")) ? "reasoning" : "message")
            .put("content", data.getString("text")));
        case "engine.tool_call" -> frame(new JsonObject().put("type", "tool_call").put("index", data.getValue("index"))
            .put("id", data.getString("id")).put("name", data.getString("name")).put("arguments", argumentsText(data.getValue("arguments"))));
        case "engine.tool_result" -> frame(new JsonObject().put("type", "tool_result").put("tool_call_id", data.getString("tool_call_id"))
            .put("result", data.getValue("result")).put("is_error", data.getBoolean("is_error", false))
            .put("duration_ms", data.getValue("duration_ms")));
        case "engine.error" -> error(data);
        default -> RunStream.isFinal(event) ? end(event) : "";
      };
    }

    private String end(JsonObject finalEvent) {
      String status = RunStream.status(finalEvent);
      String error = CommandStatus.FAILED.equals(status) || CommandStatus.TIMED_OUT.equals(status) ? error(RunStream.error(finalEvent)) : "";
      return error + endStream(switch (status) {
        case CommandStatus.COMPLETED -> "success";
        case CommandStatus.CANCELLED -> "cancelled";
        case CommandStatus.TIMED_OUT -> "timeout";
        default -> "error";
      });
    }

    /** The stream ended before the run did (store unreachable, thread deleted): error, then end_stream. */
    String brokenOff() {
      return ended ? "" : error(RunStream.interrupted()) + endStream("error");
    }

    private String error(JsonObject error) {
      if (errorSent) {
        return "";
      }
      errorSent = true;
      return frame(new JsonObject().put("type", "error").put("code", error.getString("code")).put("message", error.getString("message")));
    }

    private String endStream(String status) {
      ended = true;
      return frame(new JsonObject().put("type", "end_stream").put("status", status)
          .put("total_duration_ms", System.currentTimeMillis() - started));
    }
  }

  static String frame(JsonObject json) {
    return "data: " + json.encode() + "\n\n";
  }

  /** Tool-call arguments as the JSON text the seed shows, whether the event carries text or an object. */
  static String argumentsText(Object arguments) {
    if (arguments == null) {
      return "{}";
    }
    return arguments instanceof String text ? text : io.vertx.core.json.Json.encode(arguments);
  }

  /**
   * Engine configuration overrides ({@code provider?, model?, temperature?, max_tokens?, ...}):
   * the known keys are type-checked here, the rest pass on to the engine.
   */
  /** Null for an absent or empty settings object, so a run without overrides carries none. */
  static JsonObject nonEmpty(JsonObject settings) {
    return settings == null || settings.isEmpty() ? null : settings;
  }

  static void putIfPresent(JsonObject target, String key, Object value) {
    if (value != null) {
      target.put(key, value);
    }
  }
}
