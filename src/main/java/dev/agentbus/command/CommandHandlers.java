package dev.agentbus.command;

import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.Bus;
import dev.agentbus.bus.BusError;
import dev.agentbus.bus.CommandTypes;
import dev.agentbus.bus.ErrorCode;
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
    global.put(CommandTypes.TOOL_CALL, new ToolCall());
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

    /**
     * A named agent must exist in the session's tenant: an unknown one, or another tenant's, is
     * refused at submit ({@code AGENT_NOT_FOUND}), not at run time.
     */
    @Override
    public Future<Void> admit(io.vertx.core.Vertx vertx, String sessionId, JsonObject parameters, String requestId) {
      String agentId = parameters.getString("agent_id");
      if (agentId == null) {
        return Future.succeededFuture();
      }
      Future<JsonObject> agent = Bus.request(vertx, Addresses.AGENT_GET, new JsonObject().put("agent_id", agentId), requestId);
      Future<JsonObject> session = dev.agentbus.session.Sessions.require(vertx, sessionId, requestId);
      return Future.all(agent, session).compose(both -> dev.agentbus.auth.Tenancy.of(agent.result())
              .equals(dev.agentbus.auth.Tenancy.of(session.result())) ? Future.<Void>succeededFuture()
          : Future.failedFuture(BusError.notFound(ErrorCode.AGENT_NOT_FOUND, "Agent", "agent_id", agentId)));
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
  /**
   * {@code tool.call {name, arguments?}}: runs a tool of the session, as {@code POST
   * /sessions/{id}/tools/{name}/execute} does (the same {@code tool.*} events). The tool must exist
   * and the arguments pass its schema at submit ({@code TOOL_NOT_FOUND}, {@code VALIDATION_ERROR}
   * naming {@code parameters.arguments.<field>}). The result is the execute answer {@code
   * {tool_call_id, name, result, is_error, duration_ms}}: a tool that answered with an error still
   * completes the command, with {@code is_error: true}, like the endpoint's 200 — the command ran, the
   * tool said no. The call's time budget is the tool's own timeout, within the command's deadline.
   */
  private static final class ToolCall implements CommandHandler {
    /** It starts itself, so that {@code command.started} is stored before the tool's {@code tool.started}. */
    @Override
    public boolean startsItself() {
      return true;
    }

    @Override
    public List<FieldError> validate(JsonObject parameters) {
      List<FieldError> errors = new ArrayList<>();
      for (String key : parameters.fieldNames()) {
        if (!key.equals("name") && !key.equals("arguments")) {
          errors.add(new FieldError("parameters." + key, "is not a known field; allowed: name, arguments"));
        }
      }
      Object name = parameters.getValue("name");
      if (!(name instanceof String text) || text.isBlank() || text.length() > 200) {
        errors.add(new FieldError("parameters.name", name == null ? "is required" : "must be a tool name (a string of at most 200 characters)"));
      }
      Object arguments = parameters.getValue("arguments");
      if (arguments != null && !(arguments instanceof JsonObject)) {
        errors.add(new FieldError("parameters.arguments", "must be a JSON object"));
      }
      return errors;
    }

    @Override
    public Future<Void> admit(io.vertx.core.Vertx vertx, String sessionId, JsonObject parameters, String requestId) {
      if (!(parameters.getValue("name") instanceof String) || !(parameters.getValue("arguments", new JsonObject()) instanceof JsonObject)) {
        return Future.succeededFuture(); // refused by validate, which the submitter hears first
      }
      return Bus.request(vertx, Addresses.TOOL_CHECK, new JsonObject().put("session_id", sessionId)
          .put("name", parameters.getString("name")).put("arguments", parameters.getJsonObject("arguments", new JsonObject())),
          requestId).mapEmpty();
    }

    @Override
    public Future<JsonObject> execute(Context context) {
      JsonObject call = new JsonObject()
          .put("session_id", context.sessionId())
          .put("command_id", context.commandId())
          .put("name", context.parameters().getString("name"))
          .put("arguments", context.parameters().getJsonObject("arguments", new JsonObject()))
          .put("deadline_ms", context.deadline())
          .put("direct", true);
      long timeout = Math.max(1, context.deadline() - System.currentTimeMillis()) + 1_000;
      return Bus.request(context.vertx(), Addresses.COMMAND_START, new JsonObject().put("command_id", context.commandId()),
              Bus.withRequestId(context.requestId()))
          .compose(started -> Bus.request(context.vertx(), Addresses.TOOL_EXECUTE, call,
              Bus.withRequestId(context.requestId()).setSendTimeout(timeout)));
    }
  }
}
