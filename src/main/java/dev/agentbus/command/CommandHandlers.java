package dev.agentbus.command;

import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.Bus;
import dev.agentbus.bus.CommandTypes;
import dev.agentbus.bus.FieldErrors.FieldError;
import dev.agentbus.engine.EngineKeys;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Resolves the one handler of a command: session scope first, then global scope (the LLMGine
 * bus rule). Built-ins live in global scope. Registered handlers (webhook, bus) plug into
 * {@link #register} in the handlers issue. One per node ({@link #of}), thread-safe.
 */
public final class CommandHandlers implements io.vertx.core.shareddata.Shareable {
  private final Map<String, CommandHandler> global = new ConcurrentHashMap<>();
  private final Map<String, Map<String, CommandHandler>> bySession = new ConcurrentHashMap<>();

  /** The node's handlers (kept in its {@link dev.agentbus.bus.SharedNames#COMMAND_HANDLERS} local map). */
  public static CommandHandlers of(io.vertx.core.Vertx vertx) {
    return (CommandHandlers) vertx.sharedData().getLocalMap(dev.agentbus.bus.SharedNames.COMMAND_HANDLERS)
        .computeIfAbsent("handlers", k -> new CommandHandlers());
  }

  private CommandHandlers() {
    global.put(CommandTypes.ECHO, context -> Future.succeededFuture(context.parameters()));
    global.put(CommandTypes.ENGINE_PROMPT, new EnginePrompt());
  }

  public Optional<CommandHandler> resolve(String sessionId, String commandType) {
    CommandHandler scoped = bySession.getOrDefault(sessionId, Map.of()).get(commandType);
    return Optional.ofNullable(scoped != null ? scoped : global.get(commandType));
  }

  public void register(String sessionId, String commandType, CommandHandler handler) {
    if (sessionId == null) {
      global.put(commandType, handler);
    } else {
      bySession.computeIfAbsent(sessionId, k -> new ConcurrentHashMap<>()).put(commandType, handler);
    }
  }

  public void forgetSession(String sessionId) {
    bySession.remove(sessionId);
  }

  /**
   * {@code engine.prompt {prompt, engine_id?, agent_id?, llm_config?}}: runs an engine of the session
   * on this node. It starts itself: the engine marks the command started once it holds the lock.
   */
  private static final class EnginePrompt implements CommandHandler {
    @Override
    public boolean startsItself() {
      return true;
    }

    @Override
    public List<FieldError> validate(JsonObject parameters) {
      List<FieldError> errors = new ArrayList<>();
      Object prompt = parameters.getValue("prompt");
      if (!(prompt instanceof String text) || text.isBlank()) {
        errors.add(new FieldError("parameters.prompt", prompt == null ? "is required" : "must be a non-empty string"));
      }
      for (String id : List.of("engine_id", "agent_id")) {
        Object value = parameters.getValue(id);
        if (value != null && !(value instanceof String)) {
          errors.add(new FieldError("parameters." + id, "must be a string"));
        }
      }
      Object llmConfig = parameters.getValue("llm_config");
      if (llmConfig instanceof JsonObject settings) {
        errors.addAll(EngineKeys.badKeys(settings, "parameters.llm_config.", EngineKeys.LLM_CONFIG));
      } else if (llmConfig != null) {
        errors.add(new FieldError("parameters.llm_config", "must be an object"));
      }
      return errors;
    }

    /** A named agent must exist: an unknown one is refused at submit ({@code AGENT_NOT_FOUND}), not at run time. */
    @Override
    public Future<Void> admit(io.vertx.core.Vertx vertx, JsonObject parameters, String requestId) {
      String agentId = parameters.getString("agent_id");
      return agentId == null ? Future.succeededFuture()
          : Bus.request(vertx, Addresses.AGENT_GET, new JsonObject().put("agent_id", agentId), requestId).mapEmpty();
    }

    @Override
    public Future<JsonObject> execute(Context context) {
      JsonObject run = new JsonObject()
          .put("session_id", context.sessionId())
          .put("command_id", context.commandId())
          .put("prompt", context.parameters().getString("prompt"))
          .put("engine_id", context.parameters().getString("engine_id"))
          .put("agent_id", context.parameters().getString("agent_id"))
          .put("llm_config", context.parameters().getJsonObject("llm_config"))
          .put("deadline_ms", context.deadline());
      long timeout = Math.max(1, context.deadline() - System.currentTimeMillis()) + 1_000;
      DeliveryOptions options = Bus.withRequestId(context.requestId()).setSendTimeout(timeout);
      return Bus.request(context.vertx(), Addresses.ENGINE_RUN, run, options);
    }
  }
}
