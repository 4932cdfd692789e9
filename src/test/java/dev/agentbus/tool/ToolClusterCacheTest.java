package dev.agentbus.tool;

import static dev.agentbus.support.HttpCalls.assertError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentbus.store.EmbeddedStore;
import dev.agentbus.support.TestCluster;
import dev.agentbus.support.TestNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Two clustered nodes sharing one store: a tool registered or removed on one is seen by the other at once, not after the cache TTL. */
class ToolClusterCacheTest {
  static EmbeddedStore store;
  static Vertx memberA;
  static Vertx memberB;
  static TestNode nodeA;
  static TestNode nodeB;

  @BeforeAll
  static void startCluster() {
    store = EmbeddedStore.start("memory", null, "127.0.0.1", 0);
    TestCluster cluster = new TestCluster();
    memberA = cluster.member();
    memberB = cluster.member();
    // A TTL far beyond the test: only the tool.changed notices can make node B see the changes in time.
    JsonObject shared = new JsonObject().put("mongodb", new JsonObject().put("uri", store.uri()))
        .put("tools", new JsonObject().put("cache_ttl_ms", 600_000));
    nodeA = TestNode.start(memberA, false, shared.copy());
    nodeB = TestNode.start(memberB, false, shared.copy());
  }

  @AfterAll
  static void stopCluster() {
    nodeA.close();
    nodeB.close();
    Future.join(memberA.close(), memberB.close()).await();
    store.close();
  }

  @Test
  @DisplayName("node B, having cached that a tool is missing, sees it registered on node A, and then removed, within seconds")
  void changesReachOtherNodes() {
    String session = nodeA.createSession();
    String path = "/sessions/" + session + "/tools/shared.tool";
    assertError(nodeB.get(path), 404, "TOOL_NOT_FOUND");
    assertError(nodeB.get("/tools/shared.global"), 404, "TOOL_NOT_FOUND");
    assertThat(nodeB.get("/sessions/" + session + "/tools").statusCode()).isEqualTo(200);

    JsonObject tool = new JsonObject().put("parameters", new JsonObject().put("type", "object"))
        .put("implementation", new JsonObject().put("kind", "bus").put("address", "shared.x"));
    assertThat(nodeA.post("/sessions/" + session + "/tools", tool.copy().put("name", "shared.tool")).statusCode()).isEqualTo(201);
    assertThat(nodeA.post("/tools", tool.copy().put("name", "shared.global")).statusCode()).isEqualTo(201);

    await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50)).until(() -> nodeB.get(path).statusCode() == 200
        && nodeB.get("/tools/shared.global").statusCode() == 200
        && nodeB.get("/sessions/" + session + "/tools").bodyAsString().contains("shared.tool"));

    assertThat(nodeA.delete(path).statusCode()).isEqualTo(200);
    assertThat(nodeA.delete("/tools/shared.global").statusCode()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50)).until(() -> nodeB.get(path).statusCode() == 404
        && nodeB.get("/tools/shared.global").statusCode() == 404
        && !nodeB.get("/sessions/" + session + "/tools").bodyAsString().contains("shared."));
  }
}
