package dev.agentbus.engine;

import static dev.agentbus.command.CommandClient.errorCode;
import static dev.agentbus.command.CommandClient.prompt;
import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.command.CommandClient;
import dev.agentbus.support.FakeOpenAi;
import dev.agentbus.support.FakeOpenAi.Reply;
import dev.agentbus.support.TestNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The {@code openai} engine end to end: real commands over HTTP, the shared loop, the adapter, and a
 * local server speaking the OpenAI streaming wire format.
 */
class OpenAiEngineTest {
  private static final String KEY = "sk-test-never-leak-4242";
  static Vertx fakeVertx;
  static FakeOpenAi fake;
  static TestNode node;
  static CommandClient commands;

  @BeforeAll
  static void start() {
    fakeVertx = Vertx.vertx();
    fake = FakeOpenAi.start(fakeVertx);
    node = TestNode.start(new JsonObject()
        .put("engines", new JsonObject().put("stall_timeout_ms", 400).put("max_retries", 2).put("retry_base_ms", 10)
            .put("openai", new JsonObject().put("base_url", fake.baseUrl()).put("api_key", KEY).put("model", "fake-model")))
        .put("security", new JsonObject().put("allowed_hosts", new JsonArray().add("localhost"))));
    commands = new CommandClient(node);
  }

  @AfterAll
  static void stop() {
    node.close();
    fake.close();
    fakeVertx.close().await();
  }

  @BeforeEach
  void clean() {
    fake.reset();
  }

  private static String openAiEngine(String session, JsonObject configuration) {
    HttpResponse<Buffer> created = node.post("/engines", new JsonObject().put("engine_type", "openai")
        .put("session_id", session).put("configuration", configuration));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    return created.bodyAsJsonObject().getString("engine_id");
  }

  @Test
  @DisplayName("a tool call whose arguments arrive in many chunks is reassembled, run, and its result sent back to the model")
  void toolCallLoop() {
    String session = node.createSession();
    String engine = openAiEngine(session, new JsonObject().put("temperature", 0.2));
    fake.enqueue(Reply.toolCall("call_abc", "math_evaluate", "{\"expression\": \"6*7\"}", 7).withUsage(30, 9),
        Reply.text("The answer ", "is 42.").withUsage(50, 4));

    String id = commands.start(session, prompt("what is 6*7?", engine));
    JsonObject done = commands.awaitStatus(session, id, "completed");

    assertThat(done.getJsonObject("result").getString("text")).isEqualTo("The answer is 42.");
    assertThat(done.getJsonObject("result").getJsonObject("usage"))
        .isEqualTo(new JsonObject().put("prompt_tokens", 80L).put("completion_tokens", 13L).put("total_tokens", 93L));
    JsonObject call = commands.events(session, id, "engine.tool_call").get(0).getJsonObject("data");
    assertThat(call.getString("name")).isEqualTo("math.evaluate");
    assertThat(new JsonObject(call.getString("arguments")).getString("expression")).isEqualTo("6*7");
    assertThat(commands.events(session, id, "engine.tool_result").get(0).getJsonObject("data").getString("result")).isEqualTo("42");

    List<JsonObject> requests = fake.requests();
    assertThat(requests).hasSize(2);
    JsonObject first = requests.get(0);
    assertThat(first.getString("model")).isEqualTo("fake-model");
    assertThat(first.getBoolean("stream")).isTrue();
    assertThat(first.getDouble("temperature")).isEqualTo(0.2);
    assertThat(first.getJsonArray("tools").stream().map(t -> ((JsonObject) t).getJsonObject("function").getString("name")).toList())
        .contains("math_evaluate", "clock_now");
    JsonArray followUp = requests.get(1).getJsonArray("messages");
    JsonObject assistant = followUp.getJsonObject(followUp.size() - 2);
    JsonObject toolMessage = followUp.getJsonObject(followUp.size() - 1);
    assertThat(assistant.getJsonArray("tool_calls").getJsonObject(0).getJsonObject("function").getString("arguments"))
        .isEqualTo("{\"expression\": \"6*7\"}");
    assertThat(toolMessage).isEqualTo(new JsonObject().put("role", "tool").put("tool_call_id", "call_abc").put("content", "42"));
    assertThat(fake.received().get(0).header("Authorization")).isEqualTo("Bearer " + KEY);
  }

  @Test
  @DisplayName("a model that sends no usage chunk is reported with null token counts, not zeros")
  void noUsageReported() {
    String session = node.createSession();
    String engine = openAiEngine(session, new JsonObject());
    fake.enqueue(Reply.text("No ", "counts."));

    String id = commands.start(session, prompt("hi", engine));
    JsonObject done = commands.awaitStatus(session, id, "completed");

    JsonObject notReported = new JsonObject().putNull("prompt_tokens").putNull("completion_tokens").putNull("total_tokens");
    JsonObject usage = commands.events(session, id, "engine.usage").get(0).getJsonObject("data");
    assertThat(usage).isEqualTo(notReported);
    assertThat(done.getJsonObject("result").getJsonObject("usage")).isEqualTo(notReported);
  }

  @Test
  @DisplayName("a count is summed over the turns that reported it; a count no turn reported stays null")
  void usageOfSomeTurns() {
    String session = node.createSession();
    String engine = openAiEngine(session, new JsonObject());
    fake.enqueue(Reply.toolCall("call_1", "math_evaluate", "{\"expression\": \"1+1\"}", 2)
            .withUsage(new JsonObject().put("prompt_tokens", 30)),
        Reply.text("Two.").withUsage(new JsonObject().put("prompt_tokens", 40)));

    String id = commands.start(session, prompt("1+1?", engine));
    commands.awaitStatus(session, id, "completed");

    JsonObject usage = commands.events(session, id, "engine.usage").get(0).getJsonObject("data");
    assertThat(usage).isEqualTo(new JsonObject().put("prompt_tokens", 70L).putNull("completion_tokens").putNull("total_tokens"));
  }

  @Test
  @DisplayName("a second prompt in the session sends the first exchange as history")
  void conversationHistory() {
    String session = node.createSession();
    String engine = openAiEngine(session, new JsonObject().put("system_prompt", "Be brief."));
    fake.enqueue(Reply.text("Hi Ada."), Reply.text("Your name is Ada."));

    commands.awaitStatus(session, commands.start(session, prompt("My name is Ada.", engine)), "completed");
    commands.awaitStatus(session, commands.start(session, prompt("What is my name?", engine)), "completed");

    JsonArray messages = fake.requests().get(1).getJsonArray("messages");
    assertThat(messages.stream().map(m -> ((JsonObject) m).getString("role") + ": " + ((JsonObject) m).getString("content")).toList())
        .containsExactly("system: Be brief.", "user: My name is Ada.", "assistant: Hi Ada.", "user: What is my name?");
  }

  @Test
  @DisplayName("a 429 with Retry-After and a 500 are retried with backoff, and the run then succeeds")
  void retries() {
    String session = node.createSession();
    String engine = openAiEngine(session, new JsonObject());
    fake.enqueue(Reply.status(429, "{\"error\":{\"message\":\"slow down\"}}").header("Retry-After", "1"),
        Reply.status(500, "{\"error\":{\"message\":\"boom\"}}"), Reply.text("finally"));

    String id = commands.start(session, prompt("hello", engine));
    JsonObject done = commands.awaitStatus(session, id, "completed");

    assertThat(done.getJsonObject("result").getString("text")).isEqualTo("finally");
    List<JsonObject> retries = commands.events(session, id, "engine.retry");
    assertThat(retries).hasSize(2);
    assertThat(retries.get(0).getJsonObject("data").getLong("delay_ms")).isEqualTo(1000L);
    assertThat(retries.get(0).getJsonObject("data").getInteger("http_status")).isEqualTo(429);
    assertThat(retries.get(1).getJsonObject("data").getInteger("http_status")).isEqualTo(500);
    assertThat(fake.requests()).hasSize(3);
  }

  @Test
  @DisplayName("a stream cut in the middle fails the command with LLM_ERROR after the tokens already sent")
  void cutMidStream() {
    String session = node.createSession();
    String engine = openAiEngine(session, new JsonObject());
    // The first chunk carries only the role: the cut comes after "one " and "two ".
    fake.enqueue(Reply.text("one ", "two ", "three ", "four").cutAfter(3));

    String id = commands.start(session, prompt("count", engine));
    JsonObject failed = commands.awaitStatus(session, id, "failed");

    assertThat(failed.getJsonObject("error").getString("code")).isEqualTo("LLM_ERROR");
    assertThat(commands.events(session, id, "engine.token")).extracting(e -> e.getJsonObject("data").getString("text"))
        .containsExactly("one ", "two ");
    assertThat(commands.events(session, id, "engine.error")).hasSize(1);
    assertThat(fake.requests()).as("not retried once tokens went out").hasSize(1);
  }

  @Test
  @DisplayName("a model that stalls past the timeout is cut off, its connection closed, and the command fails LLM_ERROR")
  void stall() throws Exception {
    String session = node.createSession();
    String engine = openAiEngine(session, new JsonObject());
    fake.enqueue(Reply.text("partial ", "answer").stallAfter(2));
    Future<Void> closed = fake.nextClientClose();

    String id = commands.start(session, prompt("think hard", engine));
    JsonObject failed = commands.awaitStatus(session, id, "failed");

    assertThat(failed.getJsonObject("error").getString("code")).isEqualTo("LLM_ERROR");
    assertThat(failed.getJsonObject("error").getString("message")).contains("400 ms");
    closed.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("cancelling the command aborts the outgoing model request")
  void cancelAbortsRequest() throws Exception {
    String session = node.createSession();
    String engine = openAiEngine(session, new JsonObject());
    fake.enqueue(Reply.text("a ", "b ", "c").chunkDelayMs(150).stallAfter(2));
    Future<Void> closed = fake.nextClientClose();

    String id = commands.start(session, prompt("go", engine));
    commands.awaitFirstToken(session, id);
    commands.cancel(session, id);

    closed.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(commands.awaitFinal(session, id).getString("status")).isEqualTo("cancelled");
  }

  @Test
  @DisplayName("deleting the session aborts the outgoing model request of its running command")
  void deleteSessionAbortsRequest() throws Exception {
    String session = node.createSession();
    String engine = openAiEngine(session, new JsonObject());
    fake.enqueue(Reply.text("a ", "b ", "c").stallAfter(2));
    Future<Void> closed = fake.nextClientClose();

    String id = commands.start(session, prompt("go", engine));
    commands.awaitFirstToken(session, id);
    assertThat(node.delete("/sessions/" + session).statusCode()).isEqualTo(200);

    closed.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("the API key is never returned, stored in events, or sent to a base_url the user chose")
  void keyNeverLeaks() {
    String session = node.createSession();
    String userUrl = "http://localhost:" + fake.port() + "/v1";
    String engine = openAiEngine(session, new JsonObject().put("base_url", userUrl));
    fake.enqueue(Reply.status(401, "{\"error\":{\"message\":\"bad key " + KEY + "\"}}"));

    String id = commands.start(session, prompt("hello", engine));
    JsonObject failed = commands.awaitStatus(session, id, "failed");

    assertThat(fake.received().get(0).header("Authorization")).as("no operator key for a user's URL").isNull();
    assertThat(failed.encode()).doesNotContain(KEY);
    assertThat(node.get("/engines/" + engine).bodyAsString()).doesNotContain(KEY);
    assertThat(commands.events(session).toString()).doesNotContain(KEY);
  }

  @Test
  @DisplayName("an API key in a prompt command's llm_config is refused with 400 and the command is not stored")
  void keyInCommandRefused() {
    String session = node.createSession();
    JsonObject command = prompt("hello");
    command.getJsonObject("parameters").put("llm_config", new JsonObject().put("provider", "openai").put("api_key", "sk-client"));

    HttpResponse<Buffer> refused = commands.submit(session, command);

    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(CommandClient.badFields(refused)).containsExactly("parameters.llm_config.api_key");
    assertThat(refused.bodyAsString()).doesNotContain("sk-client");
    assertThat(commands.list(session, "").bodyAsJsonObject().getJsonArray("data")).isEmpty();
  }

  @Test
  @DisplayName("a base_url on a private or loopback address that is not allow-listed is refused with 400")
  void hostileBaseUrl() {
    String session = node.createSession();

    HttpResponse<Buffer> loopback = node.post("/engines", new JsonObject().put("engine_type", "openai").put("session_id", session)
        .put("configuration", new JsonObject().put("base_url", "http://127.0.0.1:" + fake.port() + "/v1")));
    HttpResponse<Buffer> metadata = node.post("/engines", new JsonObject().put("engine_type", "openai").put("session_id", session)
        .put("configuration", new JsonObject().put("base_url", "http://169.254.169.254/latest")));

    assertThat(loopback.statusCode()).as(loopback.bodyAsString()).isEqualTo(400);
    assertThat(CommandClient.badFields(loopback)).containsExactly("configuration.base_url");
    assertThat(metadata.statusCode()).isEqualTo(400);
    assertThat(errorCode(metadata)).isEqualTo("VALIDATION_ERROR");
  }

  @Test
  @DisplayName("an agent's system prompt and model reach the model when a prompt names the agent")
  void agentConfiguration() {
    HttpResponse<Buffer> agent = node.post("/agents", new JsonObject().put("name", "weather-agent")
        .put("llm_config", new JsonObject().put("provider", "openai").put("model", "agent-model").put("max_tokens", 64))
        .put("system_prompt", "You are a weather assistant."));
    assertThat(agent.statusCode()).as(agent.bodyAsString()).isEqualTo(201);
    String session = node.createSession();
    fake.enqueue(Reply.text("Sunny."));

    JsonObject command = prompt("weather?");
    command.getJsonObject("parameters").put("agent_id", agent.bodyAsJsonObject().getString("agent_id"));
    String id = commands.start(session, command);
    commands.awaitStatus(session, id, "completed");

    JsonObject request = fake.requests().get(0);
    assertThat(request.getString("model")).isEqualTo("agent-model");
    assertThat(request.getInteger("max_tokens")).isEqualTo(64);
    assertThat(request.getJsonArray("messages").getJsonObject(0))
        .isEqualTo(new JsonObject().put("role", "system").put("content", "You are a weather assistant."));
  }
}
