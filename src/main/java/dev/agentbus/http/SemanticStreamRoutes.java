package dev.agentbus.http;

import dev.agentbus.bus.Addresses;
import dev.agentbus.command.CommandStatus;
import dev.agentbus.stream.EventFeed;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * {@code POST /internal/chat/stream} (seed 003, also under {@code /api/v1}): {@code {input:
 * {message}, conversation: {id, user_id, company_id}}} runs the conversation's engine and streams
 * semantic events as SSE {@code data: {"event": ...}} frames: {@code tool_start} per tool call,
 * {@code route_decision} once before the first answer token ({@code tools} when a tool was
 * called in this run, else {@code direct}), {@code token} ({@code channel} {@code final} or
 * {@code reasoning}), then {@code complete} with stats, or {@code error} and the end. The same
 * conversation always runs in the same session, so its history carries over.
 */
final class SemanticStreamRoutes {
  private final Api api;
  private final RunStream runs;

  SemanticStreamRoutes(Api api, RunStream runs) {
    this.api = api;
    this.runs = runs;
  }

  void mount(Router router) {
    router.post("/internal/chat/stream").handler(this::stream);
    router.post(Api.BASE + "/internal/chat/stream").handler(this::stream);
  }

  private void stream(RoutingContext ctx) {
    long started = System.currentTimeMillis();
    JsonObject body = Api.body(ctx);
    Validator check = new Validator();
    check.onlyKeys(body, "", List.of("input", "conversation"));
    JsonObject input = nested(check, body, "input");
    JsonObject conversation = nested(check, body, "conversation");
    String message = check.string(input, "input.", "message", true, ChatStreamRoutes.MAX_CONTENT);
    JsonObject open = new JsonObject()
        .put("conversation_id", check.string(conversation, "conversation.", "id", true, 200))
        .put("user_id", check.string(conversation, "conversation.", "user_id", true, 200))
        .put("company_id", check.string(conversation, "conversation.", "company_id", true, 200));
    check.throwIfInvalid();
    Runnable release = runs.streams().acquireSlot();
    api.send(ctx, Addresses.CONVERSATION_OPEN, open)
        .compose(opened -> runs.submit(ctx, opened.getString("session_id"), new JsonObject().put("prompt", message), null)
            .onSuccess(accepted -> follow(ctx, opened.getString("session_id"), accepted, open.getString("conversation_id"), started, release)))
        .onFailure(failure -> {
          release.run();
          Api.fail(ctx, failure);
        });
  }

  /** A nested object of the body; absent counts as empty, so every missing field inside it is named. */
  private static JsonObject nested(Validator check, JsonObject body, String key) {
    Object value = body.getValue(key);
    if (value != null && !(value instanceof JsonObject)) {
      check.add(key, "must be a JSON object");
      return new JsonObject();
    }
    return value == null ? new JsonObject() : (JsonObject) value;
  }

  private void follow(RoutingContext ctx, String sessionId, JsonObject accepted, String conversationId, long started, Runnable release) {
    SemanticFrames frames = new SemanticFrames(conversationId, started);
    SseResponse sse = SseResponse.open(api, ctx, runs.streams().config(), ": run " + accepted.getString("command_id") + "\n\n", release);
    EventFeed feed = runs.follow(sessionId, accepted.getString("command_id"), RunStream.after(accepted),
        sse.subscriber(frames::of, (reason, lastSeq) -> {
          if (!"finished".equals(reason)) {
            sse.write(frames.error(RunStream.interrupted()));
          }
          sse.end();
        }));
    sse.onClientGone(feed::close);
    feed.start();
  }

  /** Maps one run's events to seed-003 frames, counting tokens and tool calls for the stats. */
  private static final class SemanticFrames {
    private final String conversationId;
    private final long started;
    private int tokens;
    private int toolCalls;
    private boolean routed;
    private boolean over;
    private JsonObject usage;

    SemanticFrames(String conversationId, long started) {
      this.conversationId = conversationId;
      this.started = started;
    }

    String of(JsonObject event) {
      JsonObject data = RunStream.data(event);
      switch (event.getString("event_type")) {
        case "engine.tool_call" -> {
          toolCalls++;
          return frame(new JsonObject().put("event", "tool_start").put("tool", data.getString("name")));
        }
        case "engine.reasoning" -> {
          return token("reasoning", data.getString("text"));
        }
        case "engine.token" -> {
          if ("reasoning".equals(data.getString("channel"))) {
            return token("reasoning", data.getString("text"));
          }
          tokens++;
          return route() + token("final", data.getString("text"));
        }
        case "engine.usage" -> {
          usage = data;
          return "";
        }
        case "engine.error" -> {
          return error(data);
        }
        default -> {
          return RunStream.isFinal(event) ? end(event) : "";
        }
      }
    }

    private String end(JsonObject finalEvent) {
      if (!CommandStatus.COMPLETED.equals(RunStream.status(finalEvent))) {
        return error(RunStream.error(finalEvent));
      }
      JsonObject result = RunStream.data(finalEvent).getJsonObject("result", new JsonObject());
      JsonObject stats = new JsonObject().put("tokens", result.getValue("tokens") instanceof Number n ? n : tokens)
          .put("tool_calls", toolCalls).put("conversation_id", conversationId)
          .put("duration_ms", System.currentTimeMillis() - started);
      JsonObject usage = this.usage != null ? this.usage : result.getJsonObject("usage");
      if (usage != null) {
        stats.put("usage", usage);
      }
      over = true;
      return route() + frame(new JsonObject().put("event", "complete").put("stats", stats));
    }

    /** The route decision, once, before the first answer token (or before complete when there was none). */
    private String route() {
      if (routed) {
        return "";
      }
      routed = true;
      return frame(new JsonObject().put("event", "route_decision").put("route", toolCalls > 0 ? "tools" : "direct"));
    }

    private String token(String channel, String text) {
      return frame(new JsonObject().put("event", "token").put("channel", channel).put("content", text));
    }

    String error(JsonObject error) {
      if (over) {
        return "";
      }
      over = true;
      return frame(new JsonObject().put("event", "error").put("code", error.getString("code")).put("message", error.getString("message")));
    }

    private static String frame(JsonObject json) {
      return "data: " + json.encode() + "\n\n";
    }
  }
}
