package dev.agentbus.http;

import static dev.agentbus.command.CommandClient.words;
import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.command.CommandClient;
import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.SseClient;
import dev.agentbus.support.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** {@code POST /chat/{thread_id}/stream}: the seed-000 SSE frames, busy-thread and disconnect policies. */
class ChatStreamTest {
  static TestNode node;
  static HttpCalls http;
  static CommandClient commands;

  @BeforeAll
  static void start() {
    node = TestNode.start(new JsonObject().put("streams", new JsonObject().put("keepalive_ms", 100)));
    http = new HttpCalls(node);
    commands = new CommandClient(node);
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  static SseClient chat(String threadId, JsonObject body) {
    return SseClient.post(node, "/api/v1/chat/" + threadId + "/stream", body);
  }

  static List<String> types(List<JsonObject> frames) {
    return frames.stream().map(f -> f.getString("type")).toList();
  }

  static String messages(List<JsonObject> frames) {
    return frames.stream().filter(f -> "message".equals(f.getString("type"))).map(f -> f.getString("content")).collect(Collectors.joining());
  }

  /** A dummy engine in the thread answering a 30-word text 200 ms per word: a run that stays busy. */
  static String slowEngine(String thread) {
    return commands.dummyEngine(thread, 200, words(30));
  }

  @Test
  @DisplayName("chatting 'hello' streams init_stream, message deltas that concatenate to 'Echo: hello', then end_stream success")
  void helloStream() {
    String thread = node.createSession();
    long before = System.currentTimeMillis();

    SseClient call = chat(thread, new JsonObject().put("content", "hello"));
    call.awaitEnd();

    assertThat(call.status()).isEqualTo(200);
    assertThat(call.header("Content-Type")).startsWith("text/event-stream");
    assertThat(call.events()).as("plain data: frames, no event: lines").allMatch(f -> f.event() == null && f.id() == null);
    List<JsonObject> frames = call.json();
    List<String> types = types(frames);
    assertThat(types.get(0)).isEqualTo("init_stream");
    assertThat(types.subList(1, types.size() - 1)).isNotEmpty().containsOnly("message");
    assertThat(types.get(types.size() - 1)).isEqualTo("end_stream");
    JsonObject init = frames.get(0);
    assertThat(init.fieldNames()).containsExactlyInAnyOrder("type", "run_id", "thread_id", "timestamp");
    assertThat(init.getString("run_id")).startsWith("cmd_");
    assertThat(init.getString("thread_id")).isEqualTo(thread);
    assertThat(init.getLong("timestamp")).isBetween(before, System.currentTimeMillis());
    assertThat(messages(frames)).isEqualTo("Echo: hello");
    JsonObject end = frames.get(frames.size() - 1);
    assertThat(end.getString("status")).isEqualTo("success");
    assertThat(end.getLong("total_duration_ms")).isNotNull().isGreaterThanOrEqualTo(0L);

    // run_id is the command: it is completed with the answer.
    JsonObject command = commands.get(thread, init.getString("run_id"));
    assertThat(command.getString("status")).isEqualTo("completed");
    assertThat(command.getString("command_type")).isEqualTo("engine.prompt");
    assertThat(command.getJsonObject("parameters").getString("prompt")).isEqualTo("hello");
  }

  @Test
  @DisplayName("an unknown thread is 404 THREAD_NOT_FOUND naming the thread, before any SSE byte")
  void unknownThread() {
    var response = http.post("/chat/ses_nope/stream", new JsonObject().put("content", "hi"));

    JsonObject error = HttpCalls.assertError(response, 404, "THREAD_NOT_FOUND");
    assertThat(error.getJsonObject("details").getString("thread_id")).isEqualTo("ses_nope");
  }

  @Test
  @DisplayName("a bad body is 400 naming every bad field: blank content, unknown on_busy, bad llm_config, unknown keys")
  void invalidBody() {
    String thread = node.createSession();

    var response = http.post("/chat/" + thread + "/stream", new JsonObject().put("content", "  ").put("on_busy", "shove")
        .put("on_disconnect", "explode").put("llm_config", new JsonObject().put("temperature", 7).put("max_tokens", 0))
        .put("colour", "red"));
    var missing = http.post("/chat/" + thread + "/stream", new JsonObject());
    var tooLong = http.post("/chat/" + thread + "/stream", new JsonObject().put("content", "x".repeat(100_001)));

    assertThat(HttpCalls.assertInvalid(response)).containsExactlyInAnyOrder("content", "on_busy", "on_disconnect",
        "llm_config.temperature", "llm_config.max_tokens", "colour");
    assertThat(HttpCalls.assertInvalid(missing)).containsExactly("content");
    assertThat(HttpCalls.assertInvalid(tooLong)).containsExactly("content");
    assertThat(commands.list(thread, "").bodyAsJsonObject().getJsonArray("data")).as("no run started").isEmpty();
  }

  @Test
  @DisplayName("content, engine_id and llm_config reach the run's engine.prompt command")
  void parametersReachTheRun() {
    String thread = node.createSession();
    String engine = commands.dummyEngine(thread, 1, null);
    JsonObject llmConfig = new JsonObject().put("model", "gpt-4").put("temperature", 0.7).put("max_tokens", 4096);

    List<JsonObject> frames = chat(thread, new JsonObject().put("content", "hi").put("engine_id", engine).put("llm_config", llmConfig))
        .awaitEnd().stream().map(SseClient.Event::json).toList();

    JsonObject command = commands.get(thread, frames.get(0).getString("run_id"));
    assertThat(command.getJsonObject("parameters")).isEqualTo(new JsonObject().put("prompt", "hi").put("engine_id", engine)
        .put("llm_config", llmConfig));
    assertThat(command.getJsonObject("result").getString("engine_id")).isEqualTo(engine);
  }

  @Test
  @DisplayName("an unknown agent_id is 404 AGENT_NOT_FOUND before any run starts (needs the agents verticle)")
  void unknownAgent() {
    String thread = node.createSession();

    var response = http.post("/chat/" + thread + "/stream", new JsonObject().put("content", "hi").put("agent_id", "agt_nope"));

    HttpCalls.assertError(response, 404, "AGENT_NOT_FOUND");
    assertThat(commands.list(thread, "").bodyAsJsonObject().getJsonArray("data")).isEmpty();
  }

  @Test
  @DisplayName("a run that fails streams init_stream, an error with its code, then end_stream error")
  void failedRun() {
    String thread = node.createSession();

    List<JsonObject> frames = chat(thread, new JsonObject().put("content", "hi").put("engine_id", "eng_missing")).awaitEnd()
        .stream().map(SseClient.Event::json).toList();

    assertThat(types(frames)).containsExactly("init_stream", "error", "end_stream");
    assertThat(frames.get(1).getString("code")).isEqualTo("ENGINE_NOT_FOUND");
    assertThat(frames.get(1).getString("message")).isNotBlank();
    assertThat(frames.get(2).getString("status")).isEqualTo("error");
  }

  @Test
  @DisplayName("while a run streams, keep-alive comments are sent every streams.keepalive_ms")
  void keepAlive() {
    String thread = node.createSession();
    SseClient call = chat(thread, new JsonObject().put("content", "hi").put("engine_id", commands.dummyEngine(thread, 400, words(3))));

    call.awaitEnd();

    assertThat(call.comments()).contains("keep-alive");
    assertThat(messages(call.json())).isEqualTo(words(3));
  }

  @Test
  @DisplayName("on_busy reject (the default): a second message while a run is active is 409 CONFLICT naming the active run")
  void busyReject() {
    String thread = node.createSession();
    SseClient first = chat(thread, new JsonObject().put("content", "one").put("engine_id", slowEngine(thread)));
    String runId = first.awaitJson(f -> "init_stream".equals(f.getString("type"))).getString("run_id");

    var second = http.post("/chat/" + thread + "/stream", new JsonObject().put("content", "two"));
    var explicit = http.post("/chat/" + thread + "/stream", new JsonObject().put("content", "two").put("on_busy", "reject"));

    for (var response : List.of(second, explicit)) {
      JsonObject details = HttpCalls.assertError(response, 409, "CONFLICT").getJsonObject("details");
      assertThat(details.getString("field")).isEqualTo("on_busy");
      assertThat(details.getString("thread_id")).isEqualTo(thread);
      assertThat(details.getString("active_run_id")).isEqualTo(runId);
    }
    commands.cancel(thread, runId);
    assertThat(first.awaitEnd().get(first.events().size() - 1).json().getString("status")).isEqualTo("cancelled");
  }

  @Test
  @DisplayName("on_busy interrupt cancels the active run (its stream ends cancelled) and the new one runs to success")
  void busyInterrupt() {
    String thread = node.createSession();
    SseClient first = chat(thread, new JsonObject().put("content", "one").put("engine_id", slowEngine(thread)));
    String firstRun = first.awaitJson(f -> "init_stream".equals(f.getString("type"))).getString("run_id");
    String fast = commands.dummyEngine(thread, 1, null);

    SseClient second = chat(thread, new JsonObject().put("content", "two").put("on_busy", "interrupt").put("engine_id", fast));
    List<JsonObject> secondFrames = second.awaitEnd().stream().map(SseClient.Event::json).toList();
    List<JsonObject> firstFrames = first.awaitEnd().stream().map(SseClient.Event::json).toList();

    assertThat(second.status()).isEqualTo(200);
    assertThat(messages(secondFrames)).isEqualTo("Echo: two");
    assertThat(secondFrames.get(secondFrames.size() - 1).getString("status")).isEqualTo("success");
    assertThat(firstFrames.get(firstFrames.size() - 1).getString("type")).isEqualTo("end_stream");
    assertThat(firstFrames.get(firstFrames.size() - 1).getString("status")).isEqualTo("cancelled");
    assertThat(commands.get(thread, firstRun).getString("status")).isEqualTo("cancelled");
  }

  @Test
  @DisplayName("on_busy enqueue accepts the second message while a run is active; both runs end in success")
  void busyEnqueue() {
    String thread = node.createSession();
    String engine = commands.dummyEngine(thread, 50, words(5));
    SseClient first = chat(thread, new JsonObject().put("content", "one").put("engine_id", engine));
    first.awaitJson(f -> "init_stream".equals(f.getString("type")));

    SseClient second = chat(thread, new JsonObject().put("content", "two").put("on_busy", "enqueue").put("engine_id", engine));

    assertThat(second.status()).isEqualTo(200);
    for (SseClient call : List.of(first, second)) {
      List<JsonObject> frames = call.awaitEnd().stream().map(SseClient.Event::json).toList();
      assertThat(messages(frames)).isEqualTo(words(5));
      assertThat(frames.get(frames.size() - 1).getString("status")).isEqualTo("success");
    }
  }

  @Test
  @DisplayName("a client that goes away mid-stream does not stop the run (on_disconnect continue, the default)")
  void disconnectContinues() {
    String thread = node.createSession();
    SseClient call = chat(thread, new JsonObject().put("content", "x").put("engine_id", commands.dummyEngine(thread, 50, words(20))));
    call.awaitJson(f -> "message".equals(f.getString("type")));
    String runId = call.json().get(0).getString("run_id");

    call.close();

    JsonObject command = commands.awaitStatus(thread, runId, "completed");
    assertThat(command.getJsonObject("result").getString("text")).isEqualTo(words(20));
  }

  @Test
  @DisplayName("with on_disconnect cancel, a client that goes away mid-stream cancels its run")
  void disconnectCancels() {
    String thread = node.createSession();
    SseClient call = chat(thread, new JsonObject().put("content", "x").put("on_disconnect", "cancel")
        .put("engine_id", slowEngine(thread)));
    call.awaitJson(f -> "message".equals(f.getString("type")));
    String runId = call.json().get(0).getString("run_id");

    call.close();

    commands.awaitStatus(thread, runId, "cancelled");
  }

  // ---- these need the lead's scriptable dummy engine and tool loop (engine configuration.script) ----

  static String scriptedEngine(String thread, JsonArray script) {
    var created = node.post("/engines", new JsonObject().put("engine_type", "dummy").put("session_id", thread)
        .put("configuration", new JsonObject().put("token_delay_ms", 1).put("script", script)));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    return created.bodyAsJsonObject().getString("engine_id");
  }

  @Test
  @DisplayName("a run that reasons and calls a tool streams reasoning, tool_call, tool_result, then the answer and end_stream")
  void reasoningAndTools() {
    String thread = node.createSession();
    String engine = scriptedEngine(thread, new JsonArray()
        .add(new JsonObject().put("reasoning", "I should compute it").put("tool_calls", new JsonArray()
            .add(new JsonObject().put("name", "math.evaluate").put("arguments", new JsonObject().put("expression", "6*7")))))
        .add(new JsonObject().put("content", "The answer is 42")));

    List<JsonObject> frames = chat(thread, new JsonObject().put("content", "what is 6*7?").put("engine_id", engine)).awaitEnd()
        .stream().map(SseClient.Event::json).toList();

    List<String> types = types(frames);
    assertThat(types.get(0)).isEqualTo("init_stream");
    assertThat(types.get(types.size() - 1)).isEqualTo("end_stream");
    assertThat(types).containsSubsequence("reasoning", "tool_call", "tool_result", "message", "end_stream");
    assertThat(frames.stream().filter(f -> "reasoning".equals(f.getString("type"))).map(f -> f.getString("content"))
        .collect(Collectors.joining())).isEqualTo("I should compute it");
    JsonObject call = frames.stream().filter(f -> "tool_call".equals(f.getString("type"))).findFirst().orElseThrow();
    assertThat(call.getInteger("index")).isEqualTo(0);
    assertThat(call.getString("name")).isEqualTo("math.evaluate");
    assertThat(new JsonObject(call.getString("arguments")).getString("expression")).isEqualTo("6*7");
    JsonObject result = frames.stream().filter(f -> "tool_result".equals(f.getString("type"))).findFirst().orElseThrow();
    assertThat(result.getString("tool_call_id")).isEqualTo(call.getString("id"));
    assertThat(result.getString("result")).contains("42");
    assertThat(result.getBoolean("is_error")).isFalse();
    assertThat(result.getLong("duration_ms")).isGreaterThanOrEqualTo(0L);
    assertThat(messages(frames)).isEqualTo("The answer is 42");
    assertThat(frames.get(frames.size() - 1).getString("status")).isEqualTo("success");
  }

  @Test
  @DisplayName("an engine error mid-run streams one error frame with its code, then end_stream error")
  void engineError() {
    String thread = node.createSession();
    String engine = scriptedEngine(thread, new JsonArray()
        .add(new JsonObject().put("fail", new JsonObject().put("code", "LLM_ERROR").put("message", "model unavailable"))));

    List<JsonObject> frames = chat(thread, new JsonObject().put("content", "hi").put("engine_id", engine)).awaitEnd()
        .stream().map(SseClient.Event::json).toList();

    assertThat(types(frames)).containsExactly("init_stream", "error", "end_stream");
    assertThat(frames.get(1).getString("code")).isEqualTo("LLM_ERROR");
    assertThat(frames.get(2).getString("status")).isEqualTo("error");
  }
}
