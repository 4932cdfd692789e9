package dev.agentbus.command;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Long polling a command with GET ?wait=N")
class CommandLongPollTest {
  static TestNode node;
  static HttpCalls http;

  @BeforeAll
  static void start() {
    node = TestNode.start();
    http = new HttpCalls(node);
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static String submitSlowPrompt(String sessionId, int tokenDelayMs, String response) {
    String engineId = http.post("/engines", new JsonObject().put("engine_type", "dummy").put("session_id", sessionId)
        .put("configuration", new JsonObject().put("token_delay_ms", tokenDelayMs).put("response", response)))
        .bodyAsJsonObject().getString("engine_id");
    return http.post("/sessions/" + sessionId + "/commands", new JsonObject().put("command_type", "engine.prompt")
        .put("parameters", new JsonObject().put("prompt", "x").put("engine_id", engineId))).bodyAsJsonObject().getString("command_id");
  }

  @Test
  @DisplayName("the poll answers with the final state once the command finishes within the wait")
  void pollReturnsFinalStateWhenItArrives() {
    String sessionId = node.createSession();
    String commandId = submitSlowPrompt(sessionId, 150, "one two three four five");
    JsonObject polled = http.get("/sessions/" + sessionId + "/commands/" + commandId + "?wait=10").bodyAsJsonObject();
    assertThat(polled.getString("status")).isEqualTo("completed");
    assertThat(polled.getJsonObject("result").getString("text")).isEqualTo("one two three four five");
  }

  @Test
  @DisplayName("the poll answers with the current state when the wait runs out first")
  void pollReturnsCurrentStateAfterTheWait() {
    String sessionId = node.createSession();
    String commandId = submitSlowPrompt(sessionId, 5_000, "very slow answer");
    JsonObject polled = http.get("/sessions/" + sessionId + "/commands/" + commandId + "?wait=1").bodyAsJsonObject();
    assertThat(polled.getString("status")).isIn("pending", "executing");
    http.post("/sessions/" + sessionId + "/commands/" + commandId + "/cancel", new JsonObject());
  }

  @Test
  @DisplayName("a finished command answers at once, and a wait over 60 s is a 400 naming wait")
  void finishedAnswersAtOnceAndWaitIsBounded() {
    String sessionId = node.createSession();
    String commandId = http.post("/sessions/" + sessionId + "/commands?wait=5", new JsonObject().put("command_type", "echo"))
        .bodyAsJsonObject().getString("command_id");
    assertThat(http.get("/sessions/" + sessionId + "/commands/" + commandId + "?wait=60").bodyAsJsonObject().getString("status"))
        .isEqualTo("completed");
    assertThat(HttpCalls.assertInvalid(http.get("/sessions/" + sessionId + "/commands/" + commandId + "?wait=61"))).contains("wait");
  }
}
