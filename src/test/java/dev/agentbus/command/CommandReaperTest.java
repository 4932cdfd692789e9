package dev.agentbus.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentbus.support.TestNode;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandReaperTest {
  @TempDir
  Path dataDir;

  private JsonObject config() {
    return TestNode.onDisk(dataDir);
  }

  @Test
  @DisplayName("a command left running by a node that stopped is failed with NODE_LOST after restart")
  void commandOfStoppedNodeIsFailedWithNodeLost() {
    String sessionId;
    String commandId;
    try (TestNode first = TestNode.start(config())) {
      sessionId = first.createSession();
      first.post("/engines", new JsonObject().put("engine_type", "dummy").put("session_id", sessionId)
          .put("configuration", new JsonObject().put("token_delay_ms", 10_000).put("response", "never finishes in time")));
      commandId = first.post("/sessions/" + sessionId + "/commands", new JsonObject().put("command_type", "engine.prompt")
          .put("parameters", new JsonObject().put("prompt", "x"))).bodyAsJsonObject().getString("command_id");
      String path = "/sessions/" + sessionId + "/commands/" + commandId;
      await().atMost(Duration.ofSeconds(10)).until(() -> "executing".equals(first.get(path).bodyAsJsonObject().getString("status")));
    }

    try (TestNode second = TestNode.start(config())) {
      String path = "/sessions/" + sessionId + "/commands/" + commandId;
      await().atMost(Duration.ofSeconds(10)).until(() -> "failed".equals(second.get(path).bodyAsJsonObject().getString("status")));
      JsonObject command = second.get(path).bodyAsJsonObject();
      assertThat(command.getJsonObject("error").getString("code")).isEqualTo("NODE_LOST");
      JsonObject failedEvents = second.get("/sessions/" + sessionId + "/events?event_type=command.failed").bodyAsJsonObject();
      assertThat(failedEvents.getJsonArray("data")).hasSize(1);
    }
  }
}
