package dev.agentbus.stream;

import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.bus.EventTypes;
import dev.agentbus.command.CommandStatus;
import io.vertx.core.json.JsonObject;

/** Reading the events of one command's run, for the formats: its final event, status, answer and error. */
public final class RunEvents {
  private RunEvents() {}

  static JsonObject data(JsonObject event) {
    return event.getJsonObject("data", new JsonObject());
  }

  static String type(JsonObject event) {
    return event.getString("event_type");
  }

  /** Whether this event ends its command (a {@code command.completed|failed|cancelled|timed_out}). */
  static boolean isFinal(JsonObject event) {
    String commandId = event.getString("command_id");
    return commandId != null && CommandStatus.isFinalEventOf(event, commandId);
  }

  /** The final status a final event carries. */
  static String status(JsonObject finalEvent) {
    return data(finalEvent).getString("status");
  }

  static boolean completed(JsonObject finalEvent) {
    return CommandStatus.COMPLETED.equals(status(finalEvent));
  }

  /** Whether a token event is reasoning rather than answer text. */
  static boolean reasoning(JsonObject event) {
    return EventTypes.ENGINE_REASONING.equals(type(event)) || "reasoning".equals(data(event).getString("channel"));
  }

  /** The error of a failed, cancelled or timed-out command's final event, in the one error shape. */
  static JsonObject error(JsonObject finalEvent) {
    JsonObject error = data(finalEvent).getJsonObject("error");
    if (error != null && error.getString("code") != null) {
      return error;
    }
    String status = status(finalEvent);
    ErrorCode code = CommandStatus.CANCELLED.equals(status) ? ErrorCode.CANCELLED
        : CommandStatus.TIMED_OUT.equals(status) ? ErrorCode.TIMEOUT : ErrorCode.COMMAND_EXECUTION_FAILED;
    return new BusError(code, "The run ended " + status).toJson();
  }

  /** The answer text of a completed run ({@code result.text}); a non-engine result as it is. */
  public static Object answer(JsonObject result) {
    if (result == null) {
      return null;
    }
    Object text = result.getValue("text");
    return text instanceof String ? text : result;
  }

  /** The answer of a completed run's final event. */
  static Object answerOf(JsonObject finalEvent) {
    return answer(data(finalEvent).getJsonObject("result"));
  }

  /**
   * The last block of a run's SSE stream whose node shuts down while the run goes on: {@code event:
   * server.shutdown}, {@code id:} the last seq sent, and in its data {@code typeField} ({@code type}
   * or {@code event}) = {@code server.shutdown}, the run's id and {@code resume}, the path that
   * follows the rest of the run from that cursor ({@code Last-Event-ID} or {@code ?after_seq=}) on any node.
   */
  static String shutdown(String typeField, long lastSeq, String runId, String resume) {
    return SessionSseFormat.shutdown(lastSeq, new JsonObject().put(typeField, SessionSseFormat.SHUTDOWN_EVENT)
        .put("run_id", runId).put("resume", resume));
  }

  /** Where one command's stream resumes: {@code GET /api/v1/sessions/{sid}/commands/{cid}/stream}. */
  static String commandStream(String sessionId, String commandId) {
    return "/api/v1/sessions/" + sessionId + "/commands/" + commandId + "/stream";
  }

  /** The error of a stream that broke off before its run ended (the store could not be read). */
  static JsonObject interrupted() {
    return new BusError(ErrorCode.SERVICE_UNAVAILABLE,
        "The run's stream was interrupted; its outcome can still be read from its command").toJson();
  }
}
