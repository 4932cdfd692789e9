package dev.agentbus.engine;

import static dev.agentbus.command.CommandClient.prompt;
import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.command.CommandClient;
import dev.agentbus.support.TestNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The shared tool-call loop, driven by the scripted dummy model through real {@code engine.prompt} commands. */
class AgentLoopTest {
  static TestNode node;
  static CommandClient commands;

  @BeforeAll
  static void start() {
    node = TestNode.start(new JsonObject().put("engines", new JsonObject()
        .put("stall_timeout_ms", 300).put("max_retries", 1).put("retry_base_ms", 10)));
    commands = new CommandClient(node);
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static String scriptedEngine(String session, JsonObject configuration) {
    HttpResponse<Buffer> created = node.post("/engines", new JsonObject().put("engine_type", "dummy")
        .put("session_id", session).put("configuration", configuration));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    return created.bodyAsJsonObject().getString("engine_id");
  }

  private static JsonObject turn(String key, Object value) {
    return new JsonObject().put(key, value);
  }

  private static JsonArray toolCalls(String name, JsonObject arguments) {
    return new JsonArray().add(new JsonObject().put("name", name).put("arguments", arguments));
  }

  private static List<String> engineEventTypes(String session, String commandId) {
    return commands.events(session, commandId).stream().map(e -> e.getString("event_type"))
        .filter(t -> t.startsWith("engine.")).toList();
  }

  @Test
  @DisplayName("a model that reasons, calls math.evaluate and then answers streams every step, and the tool result reaches the model")
  void reasoningToolCallAndAnswer() {
    String session = node.createSession();
    String engine = scriptedEngine(session, new JsonObject().put("script", new JsonArray()
        .add(turn("reasoning", "I should compute this").put("tool_calls", toolCalls("math.evaluate", new JsonObject().put("expression", "6*7"))))
        .add(new JsonObject())));

    String id = commands.start(session, prompt("what is six times seven?", engine));
    JsonObject done = commands.awaitStatus(session, id, "completed");

    assertThat(done.getJsonObject("result").getString("text")).isEqualTo("Result: 42");
    assertThat(done.getJsonObject("result").getInteger("iterations")).isEqualTo(2);
    assertThat(done.getJsonObject("result").getInteger("tool_calls")).isEqualTo(1);
    List<String> types = engineEventTypes(session, id);
    assertThat(types).containsExactly("engine.reasoning", "engine.reasoning", "engine.reasoning", "engine.reasoning",
        "engine.tool_call", "engine.tool_result", "engine.token", "engine.token", "engine.usage", "engine.message");
    JsonObject call = commands.events(session, id, "engine.tool_call").get(0).getJsonObject("data");
    assertThat(call.getString("name")).isEqualTo("math.evaluate");
    assertThat(new JsonObject(call.getString("arguments"))).isEqualTo(new JsonObject().put("expression", "6*7"));
    JsonObject result = commands.events(session, id, "engine.tool_result").get(0).getJsonObject("data");
    assertThat(result.getString("tool_call_id")).isEqualTo(call.getString("id"));
    assertThat(result.getString("result")).isEqualTo("42");
    assertThat(result.getBoolean("is_error")).isFalse();
    assertThat(result.getLong("duration_ms")).isNotNegative();
    JsonObject usage = commands.events(session, id, "engine.usage").get(0).getJsonObject("data");
    assertThat(usage.getLong("completion_tokens")).isEqualTo(6L);
  }

  @Test
  @DisplayName("arguments that fail the tool's schema become a tool error the model sees, and the run goes on")
  void badArgumentsAreAToolError() {
    String session = node.createSession();
    String engine = scriptedEngine(session, new JsonObject().put("script", new JsonArray()
        .add(turn("tool_calls", toolCalls("math.evaluate", new JsonObject().put("formula", "1+1"))))
        .add(new JsonObject())));

    String id = commands.start(session, prompt("add", engine));
    JsonObject done = commands.awaitStatus(session, id, "completed");

    JsonObject result = commands.events(session, id, "engine.tool_result").get(0).getJsonObject("data");
    assertThat(result.getBoolean("is_error")).isTrue();
    assertThat(result.getString("result")).contains("expression");
    assertThat(done.getJsonObject("result").getString("text")).startsWith("Result: ").contains("expression");
  }

  @Test
  @DisplayName("a tool the model invents is an error result, not a crash")
  void unknownTool() {
    String session = node.createSession();
    String engine = scriptedEngine(session, new JsonObject().put("script", new JsonArray()
        .add(turn("tool_calls", toolCalls("weather.forecast", new JsonObject()))).add(new JsonObject())));

    String id = commands.start(session, prompt("weather?", engine));
    commands.awaitStatus(session, id, "completed");

    JsonObject result = commands.events(session, id, "engine.tool_result").get(0).getJsonObject("data");
    assertThat(result.getBoolean("is_error")).isTrue();
    assertThat(result.getString("result")).contains("Unknown tool").contains("weather_forecast");
  }

  @Test
  @DisplayName("a model that keeps calling tools is stopped at max_iterations with MAX_ITERATIONS_EXCEEDED")
  void maxIterations() {
    String session = node.createSession();
    String engine = scriptedEngine(session, new JsonObject().put("max_iterations", 3)
        .put("script", new JsonArray().add(turn("tool_calls", toolCalls("clock.now", new JsonObject())))));

    String id = commands.start(session, prompt("loop forever", engine));
    JsonObject failed = commands.awaitStatus(session, id, "failed");

    assertThat(failed.getJsonObject("error").getString("code")).isEqualTo("MAX_ITERATIONS_EXCEEDED");
    assertThat(commands.events(session, id, "engine.tool_call")).hasSize(3);
    assertThat(commands.events(session, id, "engine.tool_result")).hasSize(3);
    assertThat(commands.events(session, id, "engine.error").get(0).getJsonObject("data").getString("code"))
        .isEqualTo("MAX_ITERATIONS_EXCEEDED");
    assertThat(commands.events(session, id, "engine.message")).isEmpty();
  }

  @Test
  @DisplayName("a model failing mid-stream fails the command with LLM_ERROR after the tokens it sent, with an engine.error event")
  void failureMidStream() {
    String session = node.createSession();
    String engine = scriptedEngine(session, new JsonObject().put("script", new JsonArray()
        .add(turn("content", "one two three four").put("fail", new JsonObject().put("message", "upstream exploded")
            .put("after_tokens", 2).put("retryable", true)))));

    String id = commands.start(session, prompt("go", engine));
    JsonObject failed = commands.awaitStatus(session, id, "failed");

    assertThat(failed.getJsonObject("error").getString("code")).isEqualTo("LLM_ERROR");
    assertThat(failed.getJsonObject("error").getString("message")).contains("upstream exploded");
    assertThat(commands.events(session, id, "engine.token")).hasSize(2);
    assertThat(commands.events(session, id, "engine.retry")).as("nothing is retried once tokens went out").isEmpty();
    assertThat(engineEventTypes(session, id)).endsWith("engine.error");
  }

  @Test
  @DisplayName("a stalled model is retried, then the run fails with LLM_ERROR naming the stall")
  void stall() {
    String session = node.createSession();
    String engine = scriptedEngine(session, new JsonObject().put("script", new JsonArray().add(turn("stall", true).put("content", ""))));

    String id = commands.start(session, prompt("hello?", engine));
    JsonObject failed = commands.awaitStatus(session, id, "failed");

    assertThat(failed.getJsonObject("error").getString("code")).isEqualTo("LLM_ERROR");
    assertThat(failed.getJsonObject("error").getString("message")).contains("no data from the model");
    assertThat(commands.events(session, id, "engine.retry")).hasSize(1);
  }

  @Test
  @DisplayName("two prompts in one session run one at a time: one answers completely before the other streams a token")
  void oneRunPerConversation() {
    String session = node.createSession();
    String engine = commands.dummyEngine(session, 5, CommandClient.words(10));

    String first = commands.start(session, prompt("first", engine));
    String second = commands.start(session, prompt("second", engine));
    commands.awaitStatus(session, second, "completed");
    commands.awaitStatus(session, first, "completed");

    long firstStart = commands.events(session, first, "engine.token").get(0).getLong("seq");
    long firstEnd = commands.seqOf(session, first, "engine.message");
    long secondStart = commands.events(session, second, "engine.token").get(0).getLong("seq");
    long secondEnd = commands.seqOf(session, second, "engine.message");
    assertThat(firstEnd < secondStart || secondEnd < firstStart).as("runs do not overlap: %d-%d and %d-%d",
        firstStart, firstEnd, secondStart, secondEnd).isTrue();
  }

  @Test
  @DisplayName("llm_config on a prompt overrides the engine's settings for that run")
  void llmConfigOverrides() {
    String session = node.createSession();
    String engine = commands.dummyEngine(session, 0, "from the engine");

    JsonObject command = prompt("hi", engine);
    command.getJsonObject("parameters").put("llm_config", new JsonObject().put("response", "from the request"));
    String id = commands.start(session, command);

    assertThat(commands.awaitStatus(session, id, "completed").getJsonObject("result").getString("text")).isEqualTo("from the request");
  }

  @Test
  @DisplayName("with token_flush_ms, the first delta is sent at once and later ones are joined into fewer events, losing nothing")
  void coalescedTokens() {
    try (TestNode coalescing = TestNode.start(new JsonObject().put("engines", new JsonObject().put("token_flush_ms", 500)))) {
      CommandClient client = new CommandClient(coalescing);
      String session = coalescing.createSession();
      String engine = client.dummyEngine(session, 1, CommandClient.words(30));

      String id = client.start(session, prompt("talk", engine));
      JsonObject done = client.awaitStatus(session, id, "completed");

      List<String> texts = client.events(session, id, "engine.token").stream()
          .map(e -> e.getJsonObject("data").getString("text")).toList();
      assertThat(texts.get(0)).isEqualTo("w0 ");
      assertThat(texts).hasSizeLessThan(30);
      assertThat(String.join("", texts)).isEqualTo(CommandClient.words(30));
      assertThat(done.getJsonObject("result").getInteger("tokens")).isEqualTo(texts.size());
    }
  }

  @Test
  @DisplayName("while a stream's previous token event is still being stored, new deltas join the next event, losing nothing")
  void tokensJoinWhileTheStoreIsBehind() {
    JsonObject engines = new JsonObject().put("token_flush_ms", 0).put("token_max_hold_ms", 5_000);
    try (TestNode adaptive = TestNode.start(new JsonObject().put("engines", engines))) {
      CommandClient client = new CommandClient(adaptive);
      String session = adaptive.createSession();
      // No delay: every delta arrives before the first token event is stored.
      String engine = client.dummyEngine(session, 0, CommandClient.words(100));

      String id = client.start(session, prompt("talk", engine));
      client.awaitStatus(session, id, "completed");

      List<String> texts = client.events(session, id, "engine.token").stream()
          .map(e -> e.getJsonObject("data").getString("text")).toList();
      assertThat(texts.get(0)).isEqualTo("w0 ");
      assertThat(texts).hasSizeLessThan(10);
      assertThat(String.join("", texts)).isEqualTo(CommandClient.words(100));
    }
  }

  @Test
  @DisplayName("with no hold for the store, every delta is its own event")
  void noHoldMeansOneEventPerDelta() {
    String session = node.createSession();
    String engine = commands.dummyEngine(session, 0, CommandClient.words(100));

    String id = commands.start(session, prompt("talk", engine));
    commands.awaitStatus(session, id, "completed");

    assertThat(commands.events(session, id, "engine.token")).hasSize(100);
  }
}
