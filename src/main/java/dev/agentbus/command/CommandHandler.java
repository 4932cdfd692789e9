package dev.agentbus.command;

import dev.agentbus.bus.FieldErrors.FieldError;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** Executes one command type. Exactly one handler answers a command (session scope, then global). */
public interface CommandHandler {
  /** What the command's execution may use. {@code deadline} is epoch millis. */
  record Context(Vertx vertx, JsonObject command, String requestId, long deadline) {
    public String commandId() {
      return command.getString("_id");
    }

    public String sessionId() {
      return command.getString("session_id");
    }

    public JsonObject parameters() {
      return command.getJsonObject("parameters", new JsonObject());
    }
  }

  /** Problems with the parameters, checked before the command is accepted; empty when valid. */
  default List<FieldError> validate(JsonObject parameters) {
    return List.of();
  }

  /**
   * Checks, before the command is accepted, what only the bus can tell (a referenced resource
   * exists); fails with the code the submitter gets.
   */
  default Future<Void> admit(Vertx vertx, JsonObject parameters, String requestId) {
    return Future.succeededFuture();
  }

  /** {@link #admit(Vertx, JsonObject, String)} for a handler that needs the command's session (a tool of that session). */
  default Future<Void> admit(Vertx vertx, String sessionId, JsonObject parameters, String requestId) {
    return admit(vertx, parameters, requestId);
  }

  /**
   * Whether the handler marks its command started itself. By default the command goes {@code
   * pending → executing} (with {@code command.started}) just before {@link #execute}; a handler
   * that first waits for something (the engine waits for the conversation lock) returns true and
   * requests {@link dev.agentbus.bus.Addresses#COMMAND_START} when the work really begins, so the
   * session's events tell when it ran. Its {@link Context#command} is then still the pending command.
   */
  default boolean startsItself() {
    return false;
  }

  /**
   * A failure whose error is given as is ({@code {code, message, details}}): a registered handler's
   * own code, which need not be one of agentbus's {@link dev.agentbus.bus.ErrorCode}s.
   */
  final class Failure extends RuntimeException {
    private final JsonObject error;

    public Failure(JsonObject error) {
      super(error.getString("message"), null, false, false);
      this.error = error;
    }

    public JsonObject error() {
      return error;
    }
  }

  /** The command's result, or a failure (a {@link dev.agentbus.bus.BusError} keeps its code, a {@link Failure} its error). */
  Future<JsonObject> execute(Context context);
}
