package dev.agentbus.stream;

import dev.agentbus.bus.EventTypes;
import dev.agentbus.bus.StreamEnd;
import io.vertx.core.json.JsonObject;

/**
 * One conversation turn as semantic SSE {@code data: {"event": ...}} frames ({@code POST
 * /internal/chat/stream}): {@code tool_start {tool}} per tool call, {@code route_decision {route:
 * tools|direct}} once before the first answer token, {@code token {channel: final|reasoning,
 * content}}, then {@code complete {stats}} or {@code error} (the error shape inside the frame); when
 * the node shuts down mid-run, {@code event: server.shutdown} instead, with the resume cursor ({@link RunEvents#shutdown}).
 */
public final class SemanticFormat extends RunDataFormat {
  private final String conversationId;
  private final String sessionId;
  private int tokens;
  private int toolCalls;
  private boolean routed;
  private JsonObject usage;

  /** {@code sessionId}: the session the conversation runs in (where the run's stream resumes). */
  public SemanticFormat(String runId, String conversationId, String sessionId, long started) {
    super(runId, started);
    this.conversationId = conversationId;
    this.sessionId = sessionId;
  }

  @Override
  public String opening() {
    return ": run " + runId + "\n\n";
  }

  @Override
  public String frames(JsonObject event) {
    JsonObject data = RunEvents.data(event);
    switch (RunEvents.type(event)) {
      case EventTypes.ENGINE_TOOL_CALL -> {
        toolCalls++;
        return frame(new JsonObject().put("event", "tool_start").put("tool", data.getString("name")));
      }
      case EventTypes.ENGINE_REASONING -> {
        return token("reasoning", data.getString("text"));
      }
      case EventTypes.ENGINE_TOKEN -> {
        if (RunEvents.reasoning(event)) {
          return token("reasoning", data.getString("text"));
        }
        tokens++;
        return route() + token("final", data.getString("text"));
      }
      case EventTypes.ENGINE_USAGE -> {
        usage = data;
        return "";
      }
      case EventTypes.ENGINE_ERROR -> {
        return error(data);
      }
      default -> {
        return RunEvents.isFinal(event) ? end(event) : "";
      }
    }
  }

  @Override
  public String closing(StreamEnd reason, long lastSeq) {
    if (reason == StreamEnd.FINISHED) {
      return "";
    }
    return reason == StreamEnd.SHUTDOWN
        ? RunEvents.shutdown("event", lastSeq, runId, RunEvents.commandStream(sessionId, runId))
        : error(RunEvents.interrupted());
  }

  private String end(JsonObject finalEvent) {
    if (!RunEvents.completed(finalEvent)) {
      return error(RunEvents.error(finalEvent));
    }
    JsonObject result = RunEvents.data(finalEvent).getJsonObject("result", new JsonObject());
    JsonObject stats = new JsonObject().put("tokens", result.getValue("tokens") instanceof Number n ? n : tokens)
        .put("tool_calls", toolCalls).put("conversation_id", conversationId)
        .put("duration_ms", elapsed());
    JsonObject reported = usage != null ? usage : result.getJsonObject("usage");
    if (reported != null) {
      stats.put("usage", reported);
    }
    return route() + outcome(new JsonObject().put("event", "complete").put("stats", stats));
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

  private String error(JsonObject error) {
    return outcome(new JsonObject().put("event", "error").mergeIn(error));
  }
}
