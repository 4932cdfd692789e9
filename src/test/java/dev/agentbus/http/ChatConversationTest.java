package dev.agentbus.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.command.CommandClient;
import dev.agentbus.support.SseClient;
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

/** A chat thread end to end: stream a tool-using answer, then read it back as history and messages. */
class ChatConversationTest {
  static TestNode node;

  @BeforeAll
  static void start() {
    node = TestNode.start();
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static String thread() {
    HttpResponse<Buffer> created = node.post("/chat", new JsonObject().put("user_id", "user_123"));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    return created.bodyAsJsonObject().getString("thread_id");
  }

  private static JsonObject toolScript() {
    return new JsonObject().put("provider", "dummy").put("script", new JsonArray()
        .add(new JsonObject().put("reasoning", "I need the calculator").put("tool_calls", new JsonArray()
            .add(new JsonObject().put("name", "math.evaluate").put("arguments", new JsonObject().put("expression", "17*23")))))
        .add(new JsonObject()));
  }

  @Test
  @DisplayName("a streamed answer that used a tool is persisted: GET /chat shows the user message, reasoning, tool call and result, and the answer")
  void historyAfterStream() {
    String thread = thread();

    SseClient call = SseClient.post(node, "/api/v1/chat/" + thread + "/stream",
        new JsonObject().put("content", "What is 17*23?").put("llm_config", toolScript()));
    List<JsonObject> frames = call.awaitEnd().stream().map(SseClient.Event::json).toList();

    assertThat(frames.stream().map(f -> f.getString("type")).distinct().toList())
        .containsExactly("init_stream", "reasoning", "tool_call", "tool_result", "message", "end_stream");
    JsonObject toolResult = frames.stream().filter(f -> "tool_result".equals(f.getString("type"))).findFirst().orElseThrow();
    assertThat(toolResult.getString("result")).isEqualTo("391");

    HttpResponse<Buffer> history = node.get("/chat/" + thread);
    assertThat(history.statusCode()).as(history.bodyAsString()).isEqualTo(200);
    JsonObject body = history.bodyAsJsonObject();
    assertThat(body.getString("thread_id")).isEqualTo(thread);
    assertThat(body.getString("user_id")).isEqualTo("user_123");
    assertThat(body.getBoolean("has_more")).isFalse();
    List<JsonObject> messages = body.getJsonArray("messages").stream().map(JsonObject.class::cast).toList();
    assertThat(messages).extracting(m -> m.getString("role") + "/" + m.getString("type")).containsExactly(
        "user/message", "assistant/reasoning", "assistant/tool_call", "tool/tool_result", "assistant/message");
    JsonObject user = messages.get(0);
    JsonObject answer = messages.get(4);
    assertThat(user.getString("content")).isEqualTo("What is 17*23?");
    assertThat(answer.getString("content")).isEqualTo("Result: 391");
    assertThat(answer.getString("parent_id")).isEqualTo(user.getString("id"));
    assertThat(answer.getLong("duration_ms")).isNotNull().isNotNegative();
    assertThat(messages.get(3).getString("content")).isEqualTo("391");
    assertThat(messages.get(3).getString("parent_id")).as("a tool result is threaded under its call").isEqualTo(messages.get(2).getString("id"));
    assertThat(messages.get(1).getString("parent_id")).isEqualTo(user.getString("id"));
  }

  @Test
  @DisplayName("the second message of a thread is threaded under the first answer and the model sees the first exchange")
  void secondTurn() {
    String thread = thread();
    SseClient.post(node, "/api/v1/chat/" + thread + "/stream", new JsonObject().put("content", "first")).awaitEnd();
    SseClient.post(node, "/api/v1/chat/" + thread + "/stream", new JsonObject().put("content", "second")).awaitEnd();

    List<JsonObject> messages = node.get("/chat/" + thread).bodyAsJsonObject().getJsonArray("messages").stream()
        .map(JsonObject.class::cast).toList();
    assertThat(messages).extracting(m -> m.getString("content")).containsExactly("first", "Echo: first", "second", "Echo: second");
    assertThat(messages.get(2).getString("parent_id")).isEqualTo(messages.get(1).getString("id"));

    HttpResponse<Buffer> search = node.get("/sessions/" + thread + "/messages?role=assistant&q=ECHO:%20SEC");
    assertThat(search.bodyAsJsonObject().getJsonArray("data").stream().map(m -> ((JsonObject) m).getString("content")).toList())
        .containsExactly("Echo: second");
  }

  @Test
  @DisplayName("an API key in llm_config is refused with 400 naming the field, before anything runs")
  void apiKeyRefused() {
    String thread = thread();

    HttpResponse<Buffer> refused = node.post("/chat/" + thread + "/stream", new JsonObject().put("content", "hi")
        .put("llm_config", new JsonObject().put("provider", "openai").put("api_key", "sk-mine")));

    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(CommandClient.badFields(refused)).containsExactly("llm_config.api_key");
    assertThat(refused.bodyAsString()).doesNotContain("sk-mine");
    assertThat(node.get("/sessions/" + thread + "/commands").bodyAsJsonObject().getJsonArray("data")).isEmpty();
  }
}
