package dev.agentbus.stream;

import dev.agentbus.bus.EventTypes;
import dev.agentbus.bus.StreamEnd;
import dev.agentbus.command.CommandStatus;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;

/**
 * One chat run as SSE {@code data: {"type": ...}} frames ({@code POST /chat/{thread_id}/stream}):
 * {@code init_stream {run_id, thread_id, timestamp}} first, then {@code reasoning}, {@code
 * tool_call}, {@code tool_result} and {@code message} (answer deltas: clients concatenate them), an
 * {@code error} (the error shape {@code code, message, details} inside the frame) when the run
 * failed or the stream broke off, and always {@code end_stream {status, total_duration_ms}} last —
 * but when the node shuts down mid-run: then the last frame is {@code event: server.shutdown} with
 * {@code type: "server.shutdown"}, the resume cursor and the command stream that follows the rest
 * of the run ({@link RunEvents#shutdown}).
 */
public final class ChatFormat extends RunDataFormat {
  private final String threadId;
  private boolean ended;

  public ChatFormat(String runId, String threadId, long started) {
    super(runId, started);
    this.threadId = threadId;
  }

  @Override
  public String opening() {
    return frame(new JsonObject().put("type", "init_stream").put("run_id", runId).put("thread_id", threadId)
        .put("timestamp", started));
  }

  @Override
  public String frames(JsonObject event) {
    JsonObject data = RunEvents.data(event);
    return switch (RunEvents.type(event)) {
      case EventTypes.ENGINE_REASONING -> frame(new JsonObject().put("type", "reasoning").put("content", data.getString("text")));
      case EventTypes.ENGINE_TOKEN -> frame(new JsonObject().put("type", RunEvents.reasoning(event) ? "reasoning" : "message")
          .put("content", data.getString("text")));
      case EventTypes.ENGINE_TOOL_CALL -> frame(new JsonObject().put("type", "tool_call").put("index", data.getValue("index"))
          .put("id", data.getString("id")).put("name", data.getString("name"))
          .put("arguments", argumentsText(data.getValue("arguments"))));
      case EventTypes.ENGINE_TOOL_RESULT -> frame(new JsonObject().put("type", "tool_result")
          .put("tool_call_id", data.getString("tool_call_id")).put("result", data.getValue("result"))
          .put("is_error", data.getBoolean("is_error", false)).put("duration_ms", data.getValue("duration_ms")));
      case EventTypes.ENGINE_ERROR -> error(data);
      default -> RunEvents.isFinal(event) ? end(event) : "";
    };
  }

  @Override
  public String closing(StreamEnd reason, long lastSeq) {
    if (reason == StreamEnd.FINISHED || ended) {
      return "";
    }
    if (reason == StreamEnd.SHUTDOWN) {
      return RunEvents.shutdown("type", lastSeq, runId, RunEvents.commandStream(threadId, runId));
    }
    return error(RunEvents.interrupted()) + endStream("error");
  }

  private String end(JsonObject finalEvent) {
    String status = RunEvents.status(finalEvent);
    boolean failed = CommandStatus.FAILED.equals(status) || CommandStatus.TIMED_OUT.equals(status);
    return (failed ? error(RunEvents.error(finalEvent)) : "") + endStream(switch (status) {
      case CommandStatus.COMPLETED -> "success";
      case CommandStatus.CANCELLED -> "cancelled";
      case CommandStatus.TIMED_OUT -> "timeout";
      default -> "error";
    });
  }

  /** The first error only: an {@code engine.error} and the command's failure carry the same one. */
  private String error(JsonObject error) {
    return outcome(new JsonObject().put("type", "error").mergeIn(error));
  }

  private String endStream(String status) {
    ended = true;
    return frame(new JsonObject().put("type", "end_stream").put("status", status)
        .put("total_duration_ms", elapsed()));
  }

  /** Tool-call arguments as JSON text, whether the event carries text or an object. */
  static String argumentsText(Object arguments) {
    if (arguments == null) {
      return "{}";
    }
    return arguments instanceof String text ? text : Json.encode(arguments);
  }
}
