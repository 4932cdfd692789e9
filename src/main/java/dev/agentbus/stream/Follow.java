package dev.agentbus.stream;

import dev.agentbus.command.CommandStatus;
import io.vertx.core.json.JsonObject;
import java.util.function.Predicate;

/**
 * What a stream follows: a session's events after {@code afterSeq} that pass {@code filter}, and,
 * when {@code commandId} is set, only that command's events, ending after its final event.
 */
public record Follow(String sessionId, String commandId, long afterSeq, Predicate<JsonObject> filter) {

  /** Every event of a session after {@code afterSeq} that passes {@code filter}; never finishes on its own. */
  public static Follow session(String sessionId, long afterSeq, Predicate<JsonObject> filter) {
    return new Follow(sessionId, null, afterSeq, filter);
  }

  /** One command's events after {@code afterSeq}, until its final {@code command.*} event. */
  public static Follow command(String sessionId, String commandId, long afterSeq) {
    return new Follow(sessionId, commandId, afterSeq, event -> commandId.equals(event.getString("command_id")));
  }

  /** A command just accepted (a submit reply with {@code accepted_seq}): its events from its {@code command.accepted} on. */
  public static Follow accepted(JsonObject accepted) {
    return command(accepted.getString("session_id"), accepted.getString("command_id"),
        Math.max(0, accepted.getLong("accepted_seq", 1L) - 1));
  }

  /** Whether {@code event} is the last one this stream wants. */
  boolean endsWith(JsonObject event) {
    return commandId != null && CommandStatus.isFinalEventOf(event, commandId);
  }
}
