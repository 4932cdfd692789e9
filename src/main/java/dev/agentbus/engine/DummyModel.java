package dev.agentbus.engine;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * The offline, deterministic model. Without a script it answers {@code "Echo: <prompt>"} (or the
 * configured {@code response}) one word per token, {@code token_delay_ms} apart; after tool
 * results it answers {@code "Result: <results>"}. A {@code script} makes every path of the loop
 * testable without a network: turn {@code i} of the script is the model's {@code i}-th call of a
 * run (past the end, the last turn repeats), and a turn may stream {@code reasoning} and {@code
 * content}, ask for {@code tool_calls}, {@code fail} (after some tokens) or {@code stall}.
 */
final class DummyModel implements Model {
  private final Vertx vertx;
  private final long defaultDelayMs;

  DummyModel(Vertx vertx, long defaultDelayMs) {
    this.vertx = vertx;
    this.defaultDelayMs = defaultDelayMs;
  }

  static List<String> tokenize(String text) {
    List<String> tokens = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < text.length(); i++) {
      if (text.charAt(i) == ' ') {
        tokens.add(text.substring(start, i + 1));
        start = i + 1;
      }
    }
    if (start < text.length()) {
      tokens.add(text.substring(start));
    }
    return tokens;
  }

  @Override
  public Call call(ModelRequest request, Deltas deltas) {
    JsonObject configuration = request.configuration();
    JsonArray messages = request.messages();
    int turnIndex = turnsSinceLastUser(messages);
    JsonArray script = configuration.getJsonArray("script");
    JsonObject turn = script == null || script.isEmpty() ? new JsonObject() : script.getJsonObject(Math.min(turnIndex, script.size() - 1));

    List<ModelTurn.ToolCall> toolCalls = new ArrayList<>();
    JsonArray wanted = turn.getJsonArray("tool_calls", new JsonArray());
    for (int i = 0; i < wanted.size(); i++) {
      JsonObject call = wanted.getJsonObject(i);
      Object arguments = call.getValue("arguments");
      String text = arguments == null ? "{}" : arguments instanceof String s ? s : arguments instanceof JsonObject o ? o.encode() : String.valueOf(arguments);
      toolCalls.add(new ModelTurn.ToolCall("call_" + (turnIndex + 1) + "_" + i, request.wireNames().getOrDefault(call.getString("name"), AgentLoop.wireName(call.getString("name"))), text));
    }
    String content = turn.getString("content");
    if (content == null) {
      content = !toolCalls.isEmpty() ? "" : configuration.getString("response", defaultAnswer(messages));
    }
    String reasoning = turn.getString("reasoning", "");
    DummyCall run = new DummyCall(tokenize(reasoning), tokenize(content), reasoning, content, toolCalls,
        turn.getJsonObject("fail"), turn.getBoolean("stall", false), configuration.getLong("token_delay_ms", defaultDelayMs),
        promptWords(messages), deltas);
    run.next(0);
    return run;
  }

  /** How many model turns this run has had: assistant messages after the last user message. */
  private static int turnsSinceLastUser(JsonArray messages) {
    int turns = 0;
    for (int i = messages.size() - 1; i >= 0; i--) {
      String role = messages.getJsonObject(i).getString("role");
      if ("user".equals(role)) {
        break;
      }
      if ("assistant".equals(role)) {
        turns++;
      }
    }
    return turns;
  }

  private static String defaultAnswer(JsonArray messages) {
    List<String> toolResults = new ArrayList<>();
    for (int i = messages.size() - 1; i >= 0 && "tool".equals(messages.getJsonObject(i).getString("role")); i--) {
      toolResults.add(0, messages.getJsonObject(i).getString("content"));
    }
    if (!toolResults.isEmpty()) {
      return "Result: " + String.join(", ", toolResults);
    }
    for (int i = messages.size() - 1; i >= 0; i--) {
      if ("user".equals(messages.getJsonObject(i).getString("role"))) {
        return "Echo: " + messages.getJsonObject(i).getString("content");
      }
    }
    return "Echo:";
  }

  private static long promptWords(JsonArray messages) {
    long words = 0;
    for (int i = 0; i < messages.size(); i++) {
      String content = messages.getJsonObject(i).getString("content");
      words += content == null ? 0 : tokenize(content).size();
    }
    return words;
  }

  private final class DummyCall implements Call {
    private final List<String> steps = new ArrayList<>();
    private final int reasoningSteps;
    private final String reasoning;
    private final String content;
    private final List<ModelTurn.ToolCall> toolCalls;
    private final JsonObject fail;
    private final boolean stall;
    private final long delayMs;
    private final long promptWords;
    private final Deltas deltas;
    private final Promise<ModelTurn> result = Promise.promise();
    private long timer = -1;

    DummyCall(List<String> reasoningTokens, List<String> contentTokens, String reasoning, String content,
              List<ModelTurn.ToolCall> toolCalls, JsonObject fail, boolean stall, long delayMs, long promptWords, Deltas deltas) {
      steps.addAll(reasoningTokens);
      steps.addAll(contentTokens);
      this.reasoningSteps = reasoningTokens.size();
      this.reasoning = reasoning;
      this.content = content;
      this.toolCalls = toolCalls;
      this.fail = fail;
      this.stall = stall;
      this.delayMs = delayMs;
      this.promptWords = promptWords;
      this.deltas = deltas;
    }

    void next(int index) {
      while (!result.future().isComplete()) {
        if (fail != null && index - reasoningSteps == fail.getInteger("after_tokens", 0)) {
          result.tryFail(new ModelError(fail.getString("message", "scripted failure"), 0, fail.getBoolean("retryable", false), -1));
          return;
        }
        if (index == steps.size()) {
          if (!stall) {
            long completion = steps.size();
            result.tryComplete(new ModelTurn(content, reasoning, toolCalls, new JsonObject().put("prompt_tokens", promptWords)
                .put("completion_tokens", completion).put("total_tokens", promptWords + completion),
                toolCalls.isEmpty() ? "stop" : "tool_calls"));
          }
          return;
        }
        deltas.alive();
        if (index < reasoningSteps) {
          deltas.reasoning(steps.get(index));
        } else {
          deltas.content(steps.get(index));
        }
        index++;
        if (delayMs > 0) {
          int following = index;
          timer = vertx.setTimer(delayMs, t -> next(following));
          return;
        }
      }
    }

    @Override
    public Future<ModelTurn> result() {
      return result.future();
    }

    @Override
    public void cancel() {
      vertx.cancelTimer(timer);
      result.tryFail(new ModelError("cancelled", 0, false, -1));
    }
  }
}
