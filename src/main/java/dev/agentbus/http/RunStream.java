package dev.agentbus.http;

import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.command.CommandStatus;
import dev.agentbus.stream.EventFeed;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * What every front door over an engine run shares (chat stream, seed-001 shortcuts, seed-003
 * stream, engine execute): submit one {@code engine.prompt} command, then follow that command's
 * events in its session's event log (replay, then live) until its final {@code command.*} event.
 * The front doors only map those events to their own frames.
 */
final class RunStream {
  static final String PROMPT = "engine.prompt";

  private final Api api;
  private final StreamRoutes streams;

  RunStream(Api api, StreamRoutes streams) {
    this.api = api;
    this.streams = streams;
  }

  StreamRoutes streams() {
    return streams;
  }

  /**
   * Submits {@code engine.prompt} with {@code parameters} ({@code prompt, engine_id?, agent_id?,
   * llm_config?}) in the session → the accepted command, with {@code accepted_seq}. {@code ifBusy}
   * (null: enqueue) is the command verticle's busy-session policy.
   */
  Future<JsonObject> submit(RoutingContext ctx, String sessionId, JsonObject parameters, JsonObject metadata) {
    return submit(ctx, sessionId, parameters, metadata, null);
  }

  Future<JsonObject> submit(RoutingContext ctx, String sessionId, JsonObject parameters, JsonObject metadata, String ifBusy) {
    JsonObject command = new JsonObject().put("session_id", sessionId).put("command_type", PROMPT)
        .put("parameters", parameters);
    if (metadata != null) {
      command.put("metadata", metadata);
    }
    if (ifBusy != null) {
      command.put("if_busy", ifBusy);
    }
    return api.send(ctx, Addresses.COMMAND_SUBMIT, command);
  }

  /**
   * A feed (not started yet) of one command's events from {@code afterSeq} on, ending after the
   * command's final event. Use {@link #after} for a command just accepted, 0 for any other.
   */
  EventFeed follow(String sessionId, String commandId, long afterSeq, EventFeed.Subscriber subscriber) {
    return streams.feed(sessionId, afterSeq, event -> commandId.equals(event.getString("command_id")),
        event -> CommandStatus.isFinalEventOf(event, commandId), subscriber);
  }

  /** Where to start following a command just accepted: right before its {@code command.accepted} event. */
  static long after(JsonObject accepted) {
    return Math.max(0, accepted.getLong("accepted_seq", 1L) - 1);
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

  /** The {@code {code, message}} of a failed, cancelled or timed-out command's final event. */
  static JsonObject error(JsonObject finalEvent) {
    JsonObject error = data(finalEvent).getJsonObject("error");
    if (error != null && error.getString("code") != null) {
      return new JsonObject().put("code", error.getString("code")).put("message", error.getString("message", ""));
    }
    String status = status(finalEvent);
    ErrorCode code = CommandStatus.CANCELLED.equals(status) ? ErrorCode.CANCELLED
        : CommandStatus.TIMED_OUT.equals(status) ? ErrorCode.TIMEOUT : ErrorCode.COMMAND_EXECUTION_FAILED;
    return new JsonObject().put("code", code.name()).put("message", "The run ended " + status);
  }

  /** The answer text of a completed run ({@code result.text}); a non-engine result as it is. */
  static Object answer(JsonObject result) {
    if (result == null) {
      return null;
    }
    Object text = result.getValue("text");
    return text instanceof String ? text : result;
  }

  /** The error a feed that broke off (store unreachable) reports, in {@code {code, message}} form. */
  static JsonObject interrupted() {
    return new JsonObject().put("code", ErrorCode.SERVICE_UNAVAILABLE.name())
        .put("message", "The run's stream was interrupted; its outcome can still be read from its command");
  }

  static JsonObject data(JsonObject event) {
    return event.getJsonObject("data", new JsonObject());
  }
}
