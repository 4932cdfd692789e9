package dev.agentbus.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.command.CommandClient;
import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.SseClient;
import dev.agentbus.support.TestNode;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** {@code POST /engines/{id}/execute}: a prompt on one engine, as a command or streamed. */
class EngineExecuteTest {
  static TestNode node;
  static HttpCalls http;
  static CommandClient commands;

  @BeforeAll
  static void start() {
    node = TestNode.start();
    http = new HttpCalls(node);
    commands = new CommandClient(node);
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  @DisplayName("execute answers 202 with the engine.prompt command in the engine's session and its Location; it completes with the answer")
  void executeAsCommand() {
    String session = node.createSession();
    String engine = commands.dummyEngine(session, 1, null);
    commands.dummyEngine(session, 1, "the newest engine, not the one asked for");

    var response = http.post("/engines/" + engine + "/execute", new JsonObject().put("prompt", "hi")
        .put("parameters", new JsonObject().put("temperature", 0.2)).put("metadata", new JsonObject().put("priority", "high")));

    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(202);
    JsonObject command = response.bodyAsJsonObject();
    assertThat(command.getString("session_id")).isEqualTo(session);
    assertThat(command.getString("command_type")).isEqualTo("engine.prompt");
    assertThat(command.getJsonObject("parameters")).isEqualTo(new JsonObject().put("prompt", "hi").put("engine_id", engine)
        .put("llm_config", new JsonObject().put("temperature", 0.2)));
    assertThat(response.getHeader("Location")).isEqualTo("/api/v1/sessions/" + session + "/commands/" + command.getString("command_id"));
    JsonObject done = commands.awaitStatus(session, command.getString("command_id"), "completed");
    assertThat(done.getJsonObject("result").getString("text")).isEqualTo("Echo: hi");
    assertThat(done.getJsonObject("result").getString("engine_id")).isEqualTo(engine);
  }

  @Test
  @DisplayName("execute?wait=N answers 200 with the completed command when it finishes in time")
  void executeAndWait() {
    String session = node.createSession();
    String engine = commands.dummyEngine(session, 1, null);

    var response = http.post("/engines/" + engine + "/execute?wait=10", new JsonObject().put("prompt", "soon"));

    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    assertThat(response.bodyAsJsonObject().getString("status")).isEqualTo("completed");
    assertThat(response.bodyAsJsonObject().getJsonObject("result").getString("text")).isEqualTo("Echo: soon");
  }

  @Test
  @DisplayName("an unknown engine is 404 ENGINE_NOT_FOUND; a missing prompt or bad wait is 400 naming them")
  void errors() {
    String session = node.createSession();
    String engine = commands.dummyEngine(session, 1, null);

    JsonObject notFound = HttpCalls.assertError(http.post("/engines/eng_nope/execute", new JsonObject().put("prompt", "x")), 404, "ENGINE_NOT_FOUND");
    assertThat(notFound.getJsonObject("details").getString("engine_id")).isEqualTo("eng_nope");
    assertThat(HttpCalls.assertInvalid(http.post("/engines/" + engine + "/execute?wait=999",
        new JsonObject().put("parameters", new JsonObject().put("temperature", "hot")))))
        .containsExactlyInAnyOrder("prompt", "parameters.temperature", "wait");
  }

  @Test
  @DisplayName("with Accept: text/event-stream the run's events stream in the session SSE format until the command's final event")
  void executeStreaming() {
    String session = node.createSession();
    String engine = commands.dummyEngine(session, 10, "a b c");

    SseClient call = SseClient.send(node, HttpMethod.POST, "/api/v1/engines/" + engine + "/execute",
        new JsonObject().put("prompt", "x"), Map.of("Accept", "text/event-stream"));
    List<SseClient.Event> frames = call.awaitEnd();

    assertThat(call.status()).isEqualTo(200);
    assertThat(call.header("Content-Type")).startsWith("text/event-stream");
    assertThat(frames).extracting(SseClient.Event::event).containsExactly("command.accepted", "command.started",
        "engine.token", "engine.token", "engine.token", "engine.usage", "engine.message", "command.completed");
    String commandId = frames.get(0).json().getString("command_id");
    assertThat(call.header("Location")).isEqualTo("/api/v1/sessions/" + session + "/commands/" + commandId);
    long previous = 0;
    for (SseClient.Event frame : frames) {
      JsonObject event = frame.json();
      assertThat(frame.id()).isEqualTo(String.valueOf(event.getLong("seq")));
      assertThat(event.getLong("seq")).isGreaterThan(previous);
      assertThat(event.getString("command_id")).isEqualTo(commandId);
      previous = event.getLong("seq");
    }
    assertThat(frames.get(7).json().getJsonObject("data").getJsonObject("result").getString("text")).isEqualTo("a b c");
  }
}
