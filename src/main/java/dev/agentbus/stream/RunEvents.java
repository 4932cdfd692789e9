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

  /** The error of a stream that broke off before its run ended (the store could not be read). */
  static JsonObject interrupted() {
    return new BusError(ErrorCode.SERVICE_UNAVAILABLE,
        "The run's stream was interrupted; its outcome can still be read from its command").toJson();
  }
}
