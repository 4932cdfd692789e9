package dev.agentbus.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentbus.bus.Addresses;
import dev.agentbus.store.EmbeddedStore;
import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.TestCluster;
import dev.agentbus.support.TestMcpServer;
import dev.agentbus.support.TestNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Two clustered nodes sharing one store: a server registered on one is connected and callable on the other. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class McpClusterTest {
  static EmbeddedStore store;
  static Vertx memberA;
  static Vertx memberB;
  static TestNode nodeA;
  static TestNode nodeB;
  static TestMcpServer mcp;

  @BeforeAll
  static void start() {
    mcp = TestMcpServer.start();
    store = EmbeddedStore.start("memory", null, "127.0.0.1", 0);
    TestCluster cluster = new TestCluster();
    memberA = cluster.member();
    memberB = cluster.member();
    JsonObject shared = new JsonObject().put("mongodb", new JsonObject().put("uri", store.uri()))
        .put("security", new JsonObject().put("allowed_hosts", new JsonArray().add("127.0.0.1")).put("secret_key", "cluster-key"))
        // a first connection attempt that fails under load is tried again soon, not after the default 30 s
        .put("mcp", new JsonObject().put("reconnect_interval_ms", 1000));
    nodeA = TestNode.start(memberA, false, shared.copy());
    nodeB = TestNode.start(memberB, false, shared.copy());
  }

  @AfterAll
  static void stop() {
    nodeA.close();
    nodeB.close();
    Future.join(memberA.close(), memberB.close()).await();
    store.close();
    mcp.close();
  }

  static JsonObject requestOnB(String address, JsonObject body) {
    // local only: node B's own McpVerticle answers, not whichever member the cluster picks
    return HttpCalls.await(memberB.eventBus().<JsonObject>request(address, body, new DeliveryOptions().setLocalOnly(true))
        .map(Message::body));
  }

  static JsonArray healthServers(TestNode node) {
    return node.get("/health").bodyAsJsonObject().getJsonObject("dependencies").getJsonObject("mcp_servers").getJsonArray("servers");
  }

  @Test
  @DisplayName("registered on node A (with a credential header), the server is connected on node B, called there with the header, and dropped there when deleted")
  void registeredOnACalledOnB() {
    HttpResponse<Buffer> created = nodeA.post("/mcp-servers", new JsonObject().put("name", "shared").put("url", mcp.url())
        .put("headers", new JsonObject().put("Authorization", "Bearer cluster-secret")));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    String id = created.bodyAsJsonObject().getString("server_id");
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(healthServers(nodeB).stream().map(JsonObject.class::cast)
        .filter(s -> s.getString("server_id").equals(id)).map(s -> s.getString("status"))).containsExactly("connected"));

    int before = mcp.authorizations().size();
    JsonObject echoed = requestOnB(Addresses.MCP_CALL, new JsonObject().put("server_id", id).put("tool", "echo")
        .put("arguments", new JsonObject().put("message", "from B")));
    assertThat(echoed.getString("result")).isEqualTo("from B");
    assertThat(mcp.authorizations().subList(before, mcp.authorizations().size())).contains("Bearer cluster-secret");

    assertThat(nodeA.delete("/mcp-servers/" + id).statusCode()).isEqualTo(200);
    assertThat(healthServers(nodeB).stream().map(s -> ((JsonObject) s).getString("server_id"))).doesNotContain(id);
    assertThat(nodeB.get("/mcp-servers/" + id).statusCode()).isEqualTo(404);
  }

  @Test
  @DisplayName("an unregistered URL offered on node A is called by its synthetic id on node B")
  void adHocIdWorksOnEveryNode() {
    JsonObject offer = HttpCalls.await(memberA.eventBus().<JsonObject>request(Addresses.MCP_OFFER,
        new JsonObject().put("servers", new JsonArray().add(mcp.url())), new DeliveryOptions().setLocalOnly(true)).map(Message::body));
    assertThat(offer.getJsonArray("errors")).isEmpty();
    String adHocId = offer.getJsonArray("tools").getJsonObject(0).getString("server_id");
    assertThat(adHocId).startsWith("mcp_url_");
    JsonObject sum = requestOnB(Addresses.MCP_CALL, new JsonObject().put("server_id", adHocId).put("tool", "get-sum")
        .put("arguments", new JsonObject().put("a", 40).put("b", 2)));
    assertThat(sum.getString("result")).isEqualTo("42");
  }
}
