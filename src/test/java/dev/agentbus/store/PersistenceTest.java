package dev.agentbus.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.TestNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 90, unit = TimeUnit.SECONDS)
@DisplayName("Persistence across a restart (embedded H2 store)")
class PersistenceTest {
  @TempDir
  Path dataDir;

  private TestNode node;

  @AfterEach
  void stop() {
    if (node != null) {
      node.close();
    }
  }

  private TestNode startNode() {
    return TestNode.start(new JsonObject().put("store",
        new JsonObject().put("embedded", "h2").put("data_dir", dataDir.toString())));
  }

  @Test
  @DisplayName("sessions, events and commands survive a restart, and seq continues from the last one")
  void survivesRestart() {
    node = startNode();
    HttpCalls http = new HttpCalls(node);

    JsonObject session = http.createSession(new JsonObject().put("name", "durable")
        .put("metadata", new JsonObject().put("owner", "alice")).put("ttl_seconds", 3600));
    String sessionId = session.getString("session_id");
    for (int i = 0; i < 3; i++) {
      HttpResponse<Buffer> published = http.post("/sessions/" + sessionId + "/events",
          new JsonObject().put("event_type", "note").put("data", new JsonObject().put("i", i)));
      assertThat(published.statusCode()).as(published.bodyAsString()).isEqualTo(201);
    }
    JsonObject parameters = new JsonObject().put("text", "hello").put("n", 7);
    HttpResponse<Buffer> ran = http.post("/sessions/" + sessionId + "/commands?wait=5",
        new JsonObject().put("command_type", "echo").put("parameters", parameters));
    assertThat(ran.statusCode()).as(ran.bodyAsString()).isEqualTo(200);
    JsonObject command = ran.bodyAsJsonObject();
    assertThat(command.getString("status")).isEqualTo("completed");
    assertThat(command.getJsonObject("result")).isEqualTo(parameters);
    String commandId = command.getString("command_id");

    JsonObject sessionBefore = http.get("/sessions/" + sessionId).bodyAsJsonObject();
    List<JsonObject> eventsBefore = http.allEvents(sessionId);
    JsonObject commandBefore = http.get("/sessions/" + sessionId + "/commands/" + commandId).bodyAsJsonObject();
    long lastSeq = eventsBefore.get(eventsBefore.size() - 1).getLong("seq");
    assertThat(eventsBefore.stream().map(e -> e.getString("event_type")))
        .contains("session.created", "note", "command.accepted", "command.completed");

    node.close();
    node = null;
    node = startNode();
    http = new HttpCalls(node);

    HttpResponse<Buffer> sessionAfter = http.get("/sessions/" + sessionId);
    assertThat(sessionAfter.statusCode()).as(sessionAfter.bodyAsString()).isEqualTo(200);
    assertThat(sessionAfter.bodyAsJsonObject()).isEqualTo(sessionBefore);
    assertThat(http.get("/sessions?name_prefix=durable&metadata.owner=alice").bodyAsJsonObject().getJsonArray("data"))
        .containsExactly(sessionBefore);

    assertThat(http.allEvents(sessionId)).isEqualTo(eventsBefore);

    HttpResponse<Buffer> commandAfter = http.get("/sessions/" + sessionId + "/commands/" + commandId);
    assertThat(commandAfter.statusCode()).as(commandAfter.bodyAsString()).isEqualTo(200);
    assertThat(commandAfter.bodyAsJsonObject()).isEqualTo(commandBefore);
    assertThat(commandAfter.bodyAsJsonObject().getString("status")).isEqualTo("completed");
    assertThat(commandAfter.bodyAsJsonObject().getJsonObject("result")).isEqualTo(parameters);

    HttpResponse<Buffer> next = http.post("/sessions/" + sessionId + "/events",
        new JsonObject().put("event_type", "after-restart"));
    assertThat(next.statusCode()).as(next.bodyAsString()).isEqualTo(201);
    assertThat(next.bodyAsJsonObject().getLong("seq")).isEqualTo(lastSeq + 1);
    assertThat(http.allEvents(sessionId)).hasSize(eventsBefore.size() + 1);
  }
}
