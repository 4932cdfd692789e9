package dev.agentbus.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentbus.store.EmbeddedStore;
import dev.agentbus.support.TestCluster;
import dev.agentbus.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** A node that leaves the cluster loses no acknowledged data, and its unfinished commands are finished by the others. */
class ClusterNodeLossTest {
  private EmbeddedStore store;
  private Vertx survivorMember;
  private TestNode survivor;

  @AfterEach
  void stop() {
    if (survivor != null) {
      survivor.close();
      survivorMember.close().await();
    }
    store.close();
  }

  @Test
  @DisplayName("when the node running a command leaves, another node fails it with NODE_LOST and keeps its events")
  void commandsOfALeavingNodeAreFailedWithNodeLost() {
    store = EmbeddedStore.start("memory", null, "127.0.0.1", 0);
    TestCluster cluster = new TestCluster();
    JsonObject config = new JsonObject().put("mongodb", new JsonObject().put("uri", store.uri()))
        .put("commands", new JsonObject().put("reaper_period_ms", 300));
    Vertx leavingMember = cluster.member();
    survivorMember = cluster.member();
    TestNode leaving = TestNode.start(leavingMember, true, config.copy());
    survivor = TestNode.start(survivorMember, false, config.copy());

    String sessionId = leaving.createSession();
    leaving.post("/engines", new JsonObject().put("engine_type", "dummy").put("session_id", sessionId)
        .put("configuration", new JsonObject().put("token_delay_ms", 10_000).put("response", "slow slow slow")));
    String commandId = leaving.post("/sessions/" + sessionId + "/commands", new JsonObject().put("command_type", "engine.prompt")
        .put("parameters", new JsonObject().put("prompt", "x"))).bodyAsJsonObject().getString("command_id");
    String path = "/sessions/" + sessionId + "/commands/" + commandId;
    await().atMost(Duration.ofSeconds(10)).until(() -> "executing".equals(survivor.get(path).bodyAsJsonObject().getString("status")));
    long publishedSeq = leaving.post("/sessions/" + sessionId + "/events", new JsonObject().put("event_type", "app.before-leaving"))
        .bodyAsJsonObject().getLong("seq");

    leaving.close();

    await().atMost(Duration.ofSeconds(20)).until(() -> "failed".equals(survivor.get(path).bodyAsJsonObject().getString("status")));
    assertThat(survivor.get(path).bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("NODE_LOST");
    JsonObject events = survivor.get("/sessions/" + sessionId + "/events?limit=500").bodyAsJsonObject();
    assertThat(events.getJsonArray("data").stream().map(e -> ((JsonObject) e).getString("event_type")))
        .contains("app.before-leaving", "command.started", "command.failed");
    long next = survivor.post("/sessions/" + sessionId + "/events", new JsonObject().put("event_type", "app.after-leaving"))
        .bodyAsJsonObject().getLong("seq");
    assertThat(next).isGreaterThan(publishedSeq);
  }
}
