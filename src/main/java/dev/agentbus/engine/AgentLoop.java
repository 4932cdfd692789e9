package dev.agentbus.engine;

import dev.agentbus.metrics.Metrics;
import dev.agentbus.util.Retry;
import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.bus.EventTypes;
import dev.agentbus.config.Settings.Engines;
import dev.agentbus.tool.RunTools;
import dev.agentbus.tool.ToolBox.ToolOutcome;
import dev.agentbus.tool.ToolBox.ToolSpec;
import dev.agentbus.tool.WireNames;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tool-call loop every engine shares: call the model, stream its text as {@code engine.*}
 * events, run the tools it asks for, feed the results back, until it answers or {@code
 * max_iterations} is reached. Retries, stall timeouts, cancellation and the conversation's
 * persistence live here, not in the {@link Model} adapters.
 */
final class AgentLoop {
  private static final Logger LOG = LoggerFactory.getLogger(AgentLoop.class);
  private static final int MAX_TOOL_RESULT_CHARS = 65_536;

  /** Where a run's events go; the future completes once the event is durable. */
  interface Sink {
    Future<JsonObject> emit(String eventType, JsonObject data);
  }

  /** Limits of one run. */
  record Settings(int maxIterations, long stallTimeoutMs, int maxRetries, long retryBaseMs, long retryMaxMs, long tokenFlushMs,
                  long tokenMaxHoldMs) {
    /**
     * The limits of a run of an engine: {@code engines.*} of the config, with the engine's own
     * {@code max_iterations} (user data in its {@code configuration}) capped at {@code max_iterations_limit}.
     */
    static Settings from(Engines engines, JsonObject configuration) {
      Integer wanted = configuration == null ? null : configuration.getInteger("max_iterations");
      return new Settings(
          Math.min(engines.maxIterationsLimit(), wanted != null ? wanted : engines.maxIterations()),
          engines.stallTimeoutMs(),
          engines.maxRetries(),
          engines.retryBaseMs(),
          engines.retryMaxMs(),
          engines.tokenFlushMs(),
          engines.tokenMaxHoldMs());
    }
  }

  /**
   * Turns a model's deltas into events: the first delta goes out at once, later ones arriving
   * within {@code tokenFlushMs} of the previous event are joined into one. Every event is a
   * durable write, so this bounds writes per stream without delaying the first token. When the
   * store falls behind (this stream's previous event is not stored yet), deltas keep joining until
   * it is — adaptively fewer, larger writes — but no delta waits longer than {@code tokenMaxHoldMs}
   * (0: never held for the store).
   */
  private final class Coalescer {
    private final String eventType;
    private final StringBuilder pending = new StringBuilder();
    private int index;
    private long lastFlush;
    private long heldSince;
    private long timer = -1;
    private Future<JsonObject> lastStored = Future.succeededFuture();

    Coalescer(String eventType) {
      this.eventType = eventType;
    }

    void add(String text) {
      long now = System.currentTimeMillis();
      if (pending.length() == 0) {
        heldSince = now;
      }
      pending.append(text);
      if (timer != -1) {
        return;
      }
      long wait = lastFlush + settings.tokenFlushMs() - now;
      if (wait > 0) {
        timer = vertx.setTimer(wait, t -> {
          timer = -1;
          whenStored();
        });
      } else {
        whenStored();
      }
    }

    /** Flushes now, or — while the previous event is still being stored — once it is, within the hold bound. */
    private void whenStored() {
      long held = System.currentTimeMillis() - heldSince;
      if (lastStored.isComplete() || held >= settings.tokenMaxHoldMs()) {
        flush();
        return;
      }
      Future<JsonObject> awaited = lastStored;
      timer = vertx.setTimer(settings.tokenMaxHoldMs() - held, t -> {
        timer = -1;
        flush();
      });
      awaited.onComplete(stored -> {
        if (awaited == lastStored && timer != -1) {
          flush();
        }
      });
    }

    void flush() {
      vertx.cancelTimer(timer);
      timer = -1;
      if (pending.length() == 0 || stopped()) {
        return;
      }
      JsonObject data = new JsonObject().put("text", pending.toString());
      if (eventType.equals(EventTypes.ENGINE_TOKEN)) {
        data.put("channel", "content");
      }
      lastStored = emit(eventType, data.put("index", index++));
      pending.setLength(0);
      lastFlush = System.currentTimeMillis();
    }

    int count() {
      return index;
    }
  }

  private final Vertx vertx;
  private final Model model;
  private final RunTools.Offer tools;
  private final Settings settings;
  private final Sink sink;
  private final Conversation conversation;
  private final String requestId;
  private final Promise<JsonObject> outcome = Promise.promise();
  private WireNames wireNames = new WireNames(List.of());
  private final JsonArray toolDefinitions = new JsonArray();
  /** Each count summed over the turns that reported it; null while no turn did ("not reported" is not 0). */
  private final JsonObject usage = new JsonObject();
  private final long startedAt = System.currentTimeMillis();
  private boolean firstTokenSeen;
  private Future<JsonObject> lastEmit = Future.succeededFuture();
  private Throwable emitFailure;
  private Model.Call current;
  private long timer = -1;
  private final Coalescer tokens = new Coalescer(EventTypes.ENGINE_TOKEN);
  private final Coalescer reasoning = new Coalescer(EventTypes.ENGINE_REASONING);
  private int iteration;
  private int toolCallCount;

  AgentLoop(Vertx vertx, Model model, RunTools.Offer tools, Settings settings, Sink sink, Conversation conversation, String requestId) {
    this.vertx = vertx;
    this.model = model;
    this.tools = tools;
    this.settings = settings;
    this.sink = sink;
    this.conversation = conversation;
    this.requestId = requestId;
  }

  /**
   * OpenAI function names allow only {@code [a-zA-Z0-9_-]}: {@code math.evaluate} travels as {@code
   * math_evaluate}. Without regard to collisions: a run's offer maps its own names ({@link WireNames}).
   */
  static String wireName(String toolName) {
    return WireNames.base(toolName);
  }

  /**
   * Runs the loop for {@code prompt} on {@code engine} ({@code {model_name, configuration}}) and
   * completes with {@code {text, tokens, iterations, tool_calls, usage}}.
   */
  Future<JsonObject> run(JsonObject engine, String prompt, List<JsonObject> history) {
    JsonObject configuration = engine.getJsonObject("configuration", new JsonObject());
    wireNames = new WireNames(tools.specs().stream().map(ToolSpec::name).toList());
    for (ToolSpec spec : tools.specs()) {
      toolDefinitions.add(new JsonObject().put("type", "function").put("function", new JsonObject()
          .put("name", wireNames.wire(spec.name())).put("description", spec.description()).put("parameters", spec.parameters())));
    }
    JsonArray messages = new JsonArray();
    String systemPrompt = configuration.getString("system_prompt");
    if (systemPrompt != null && !systemPrompt.isBlank()) {
      messages.add(new JsonObject().put("role", "system").put("content", systemPrompt));
    }
    messages.addAll(Conversation.toChatMessages(history));
    messages.add(new JsonObject().put("role", "user").put("content", prompt));
    conversation.save("user", "message", prompt, Conversation.lastAnswerId(history), null)
        .onSuccess(userMessage -> iterate(engine, messages, userMessage.getString("_id")))
        .onFailure(outcome::tryFail);
    return outcome.future();
  }

  /** Stops the run: the model call is aborted (its HTTP request closed) and the result fails with {@code why}. */
  void abort(BusError why) {
    vertx.cancelTimer(timer);
    if (outcome.tryFail(why) && current != null) {
      current.cancel();
    }
  }

  private boolean stopped() {
    return outcome.future().isComplete();
  }

  private void iterate(JsonObject engine, JsonArray messages, String userMessageId) {
    if (stopped()) {
      return;
    }
    if (iteration == settings.maxIterations()) {
      fail(new BusError(ErrorCode.MAX_ITERATIONS_EXCEEDED, "The model still wanted tools after " + iteration
          + " iterations (max_iterations)", new JsonObject().put("max_iterations", settings.maxIterations())));
      return;
    }
    iteration++;
    long turnStarted = System.currentTimeMillis();
    ModelRequest request = new ModelRequest(engine.getString("model_name"), messages.copy(), toolDefinitions,
        engine.getJsonObject("configuration", new JsonObject()), wireNames.asMap());
    callWithRetries(request, 0).onComplete(turn -> {
      if (stopped()) {
        return;
      }
      if (turn.failed()) {
        fail(turn.cause() instanceof ModelError e
            ? new BusError(ErrorCode.LLM_ERROR, "The model failed: " + e.getMessage(),
                new JsonObject().put("http_status", e.httpStatus()).put("iteration", iteration))
            : turn.cause());
        return;
      }
      addUsage(turn.result().usage());
      Metrics.modelUsage(turn.result().usage());
      handleTurn(engine, messages, userMessageId, turn.result(), System.currentTimeMillis() - turnStarted);
    });
  }

  private void handleTurn(JsonObject engine, JsonArray messages, String userMessageId, ModelTurn turn, long turnMs) {
    Future<?> reasoningSaved = turn.reasoning().isEmpty() ? Future.succeededFuture()
        : conversation.save("assistant", "reasoning", turn.reasoning(), userMessageId,
            new JsonObject().put("duration_ms", turnMs).put("iteration", iteration));
    if (turn.toolCalls().isEmpty()) {
      reasoningSaved
          .compose(saved -> conversation.save("assistant", "message", turn.content(), userMessageId,
              new JsonObject().put("duration_ms", System.currentTimeMillis() - startedAt).put("iteration", iteration)))
          .compose(answer -> emit(EventTypes.ENGINE_USAGE, usage.copy())
              .compose(u -> emit(EventTypes.ENGINE_MESSAGE, new JsonObject().put("role", "assistant")
                  .put("content", turn.content()).put("message_id", answer.getString("_id")))))
          .compose(last -> settled())
          .onSuccess(done -> outcome.tryComplete(new JsonObject().put("text", turn.content()).put("tokens", tokens.count())
              .put("iterations", iteration).put("tool_calls", toolCallCount).put("usage", usage.copy())))
          .onFailure(this::fail);
      return;
    }
    JsonArray calls = new JsonArray();
    List<JsonObject> results = new ArrayList<>();
    // Tools run one after another, so their results are announced and stored in the model's order.
    Future<?> chain = reasoningSaved;
    for (int i = 0; i < turn.toolCalls().size(); i++) {
      ModelTurn.ToolCall call = turn.toolCalls().get(i);
      String offered = wireNames.name(call.name());
      String name = offered != null ? offered : call.name();
      calls.add(new JsonObject().put("id", call.id()).put("type", "function")
          .put("function", new JsonObject().put("name", call.name()).put("arguments", call.arguments())));
      toolCallCount++;
      emit(EventTypes.ENGINE_TOOL_CALL, new JsonObject().put("id", call.id()).put("name", name)
          .put("arguments", call.arguments()).put("index", i).put("iteration", iteration));
      JsonObject toolCall = new JsonObject().put("id", call.id()).put("name", name).put("arguments", call.arguments());
      chain = chain
          .compose(previous -> conversation.save("assistant", "tool_call", call.arguments(), userMessageId,
              new JsonObject().put("tool_call", toolCall).put("iteration", iteration)))
          .compose(saved -> stopped() ? Future.failedFuture("stopped") : callTool(name, offered != null, call, saved.getString("_id")))
          .compose(result -> {
            results.add(result);
            return emit(EventTypes.ENGINE_TOOL_RESULT, result);
          });
    }
    JsonObject assistant = new JsonObject().put("role", "assistant")
        .put("content", turn.content().isEmpty() ? null : turn.content()).put("tool_calls", calls);
    chain.onComplete(done -> {
      if (stopped()) {
        return;
      }
      if (done.failed()) {
        fail(done.cause());
        return;
      }
      messages.add(assistant);
      for (JsonObject result : results) {
        messages.add(new JsonObject().put("role", "tool").put("tool_call_id", result.getString("tool_call_id"))
            .put("content", result.getString("result")));
      }
      iterate(engine, messages, userMessageId);
    });
  }

  /** Runs one tool; never fails except on a store error. Its result is stored as a {@code tool_result} message under its call. */
  private Future<JsonObject> callTool(String name, boolean offered, ModelTurn.ToolCall call, String callMessageId) {
    Future<ToolOutcome> ran;
    JsonObject arguments;
    try {
      String text = call.arguments() == null || call.arguments().isBlank() ? "{}" : call.arguments();
      arguments = new JsonObject(text);
      ran = offered ? tools.call(name, call.id(), arguments)
          : Future.succeededFuture(new ToolOutcome("Unknown tool '" + name + "'; available: "
              + String.join(", ", wireNames.asMap().values()), true, 0));
    } catch (DecodeException | ClassCastException e) {
      ran = Future.succeededFuture(new ToolOutcome("Invalid arguments for " + name + ": not a JSON object", true, 0));
    }
    return ran.compose(outcome -> {
      String text = outcome.result().length() > MAX_TOOL_RESULT_CHARS
          ? outcome.result().substring(0, MAX_TOOL_RESULT_CHARS) + " [truncated]" : outcome.result();
      JsonObject result = new JsonObject().put("tool_call_id", call.id()).put("name", name).put("result", text)
          .put("is_error", outcome.isError()).put("duration_ms", outcome.durationMs());
      return conversation.save("tool", "tool_result", text, callMessageId, new JsonObject()
              .put("tool_call_id", call.id()).put("name", name).put("is_error", outcome.isError())
              .put("duration_ms", outcome.durationMs()))
          .map(saved -> result);
    });
  }

  /** One model call, retried while nothing of it has been streamed and the failure is retryable. */
  private Future<ModelTurn> callWithRetries(ModelRequest request, int attempt) {
    boolean[] streamed = {false};
    long[] lastActivity = {System.currentTimeMillis()};
    Promise<ModelTurn> turn = Promise.promise();
    Model.Deltas deltas = new Model.Deltas() {
      @Override
      public void content(String text) {
        if (!stopped() && !text.isEmpty()) {
          if (!firstTokenSeen) {
            firstTokenSeen = true;
            Metrics.firstToken(System.currentTimeMillis() - startedAt);
          }
          Metrics.tokenStreamed();
          streamed[0] = true;
          lastActivity[0] = System.currentTimeMillis();
          reasoning.flush();
          tokens.add(text);
        }
      }

      @Override
      public void reasoning(String text) {
        if (!stopped() && !text.isEmpty()) {
          streamed[0] = true;
          lastActivity[0] = System.currentTimeMillis();
          tokens.flush();
          reasoning.add(text);
        }
      }

      @Override
      public void alive() {
        lastActivity[0] = System.currentTimeMillis();
      }
    };
    Model.Call call = model.call(request, deltas);
    current = call;
    watchForStall(call, lastActivity, turn);
    call.result().onComplete(done -> {
      if (done.succeeded()) {
        turn.tryComplete(done.result());
      } else {
        turn.tryFail(done.cause());
      }
    });
    return turn.future().eventually(() -> {
      vertx.cancelTimer(timer);
      reasoning.flush();
      tokens.flush();
      return Future.succeededFuture();
    }).recover(failure -> {
      if (stopped() || streamed[0] || !(failure instanceof ModelError e) || !e.retryable() || attempt >= settings.maxRetries()) {
        return Future.failedFuture(failure);
      }
      long delay = e.retryAfterMs() >= 0 ? Math.min(e.retryAfterMs(), settings.retryMaxMs())
          : Retry.jitteredBackoff(settings.retryBaseMs(), settings.retryMaxMs(), attempt);
      LOG.warn("model call failed ({}), retry {} of {} in {} ms request_id={}", e.getMessage(), attempt + 1,
          settings.maxRetries(), delay, requestId);
      Metrics.modelRetried();
      emit(EventTypes.ENGINE_RETRY, new JsonObject().put("attempt", attempt + 1).put("delay_ms", delay)
          .put("reason", e.getMessage()).put("http_status", e.httpStatus()));
      Promise<ModelTurn> retried = Promise.promise();
      timer = vertx.setTimer(Math.max(1, delay), t -> {
        if (stopped()) {
          retried.tryFail(failure);
        } else {
          callWithRetries(request, attempt + 1).onComplete(retried);
        }
      });
      return retried.future();
    });
  }

  /** Fails a call that has sent nothing for the stall timeout (retryable, like a dropped connection). */
  private void watchForStall(Model.Call call, long[] lastActivity, Promise<ModelTurn> turn) {
    long idle = System.currentTimeMillis() - lastActivity[0];
    timer = vertx.setTimer(Math.max(1, settings.stallTimeoutMs() - idle), t -> {
      if (turn.future().isComplete() || stopped()) {
        return;
      }
      if (System.currentTimeMillis() - lastActivity[0] >= settings.stallTimeoutMs()) {
        turn.tryFail(new ModelError("no data from the model for " + settings.stallTimeoutMs() + " ms", 0, true, -1));
        call.cancel();
      } else {
        watchForStall(call, lastActivity, turn);
      }
    });
  }

  private Future<JsonObject> emit(String type, JsonObject data) {
    Future<JsonObject> stored = sink.emit(type, data);
    stored.onFailure(failure -> emitFailure = failure);
    lastEmit = stored;
    return stored;
  }

  /** Completes once every event emitted so far is durable; fails if any could not be stored. */
  private Future<Void> settled() {
    return lastEmit.transform(last -> emitFailure == null ? Future.succeededFuture() : Future.failedFuture(emitFailure));
  }

  private void fail(Throwable failure) {
    if (stopped()) {
      return;
    }
    BusError error = BusError.from(failure, "engine run", requestId);
    LOG.info("run failed after {} iteration(s): {} {} request_id={}", iteration, error.code(), error.getMessage(), requestId);
    // Tell subscribers why, before the command's own failure event.
    emit(EventTypes.ENGINE_ERROR, error.toJson())
        .onComplete(told -> outcome.tryFail(error));
  }

  private void addUsage(JsonObject turnUsage) {
    for (String key : ModelTurn.USAGE_KEYS) {
      Long reported = turnUsage == null ? null : turnUsage.getLong(key);
      Long sum = usage.getLong(key);
      if (reported != null) {
        sum = sum == null ? reported : Long.valueOf(sum + reported);
      }
      usage.put(key, sum);
    }
  }
}
