package dev.agentbus.support;

import dev.agentbus.command.CommandHandler;
import dev.agentbus.command.CommandHandlers;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A command handler that runs until the test lets it finish ({@link #finish}): for commands
 * slower than anything the node holds back, and for races with their completion. It completes on
 * the node's context, as a real handler's future would.
 */
public final class GatedHandler implements CommandHandler {
  private record Running(io.vertx.core.Context context, Promise<JsonObject> outcome) {}

  private final Map<String, Running> running = new ConcurrentHashMap<>();

  /** Registers a gated handler for {@code commandType} in one session of the node. */
  public static GatedHandler register(Vertx node, String sessionId, String commandType) {
    GatedHandler handler = new GatedHandler();
    CommandHandlers.of(node).register(sessionId, commandType, handler);
    return handler;
  }

  @Override
  public Future<JsonObject> execute(Context context) {
    Promise<JsonObject> outcome = Promise.promise();
    running.put(context.commandId(), new Running(Vertx.currentContext(), outcome));
    return outcome.future();
  }

  /** Whether the command's handler has been called. */
  public boolean isRunning(String commandId) {
    return running.containsKey(commandId);
  }

  /** Lets the command's handler return {@code result} (on the node's context). */
  public void finish(String commandId, JsonObject result) {
    Running run = running.get(commandId);
    run.context().runOnContext(v -> run.outcome().tryComplete(result));
  }
}
