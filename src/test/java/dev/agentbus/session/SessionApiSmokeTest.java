package dev.agentbus.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.support.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class SessionApiSmokeTest {
  static TestNode node;

  @BeforeAll
  static void start() {
    node = TestNode.start();
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  @DisplayName("a created session can be read back")
  void createAndGet() {
    var created = node.post("/sessions", new JsonObject().put("name", "a"));
    assertThat(created.statusCode()).isEqualTo(201);
    String id = created.bodyAsJsonObject().getString("session_id");
    assertThat(node.get("/sessions/" + id).bodyAsJsonObject().getString("name")).isEqualTo("a");
  }
}
