package dev.agentbus.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.config.Redacted;
import dev.agentbus.store.EmbeddedStore;
import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.Tenants;
import dev.agentbus.support.TestCluster;
import dev.agentbus.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
@DisplayName("/status, /config and /health at the root")
class SystemRoutesTest {
  static final String JWT_SECRET = "status-test-jwt-secret-0123456789abcdef";
  static final String SECRET_KEY = "status-test-secret-key-fedcba9876543210";
  static final String OPENAI_KEY = "sk-status-test-openai-key-0123456789";
  static final String CALLBACK_SECRET = "status-test-callback-secret-0123456789";
  static TestNode node;

  @BeforeAll
  static void start() {
    JsonObject overrides = Tenants.config();
    overrides.getJsonObject("auth").put("jwt", new JsonObject().put("secret", JWT_SECRET));
    overrides.put("security", new JsonObject().put("secret_key", SECRET_KEY))
        .put("engines", new JsonObject().put("openai", new JsonObject().put("api_key", OPENAI_KEY)))
        .put("handlers", new JsonObject().put("callback_secret", CALLBACK_SECRET));
    node = TestNode.start(overrides);
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
  }

  @Test
  @DisplayName("/config shows the admin the effective configuration with no secret's value anywhere in the body")
  void configRedactsSecrets() {
    HttpResponse<Buffer> response = Tenants.admin(node).get("/config");
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    String body = response.bodyAsString();
    for (String secret : List.of(Tenants.ADMIN_KEY, JWT_SECRET, SECRET_KEY, OPENAI_KEY, CALLBACK_SECRET)) {
      assertThat(body).as("the body leaks a secret").doesNotContain(secret);
    }
    JsonObject config = response.bodyAsJsonObject().getJsonObject("config");
    assertThat(config.getJsonObject("auth").getString("admin_key")).isEqualTo(Redacted.MARK);
    assertThat(config.getJsonObject("auth").getJsonObject("jwt").getString("secret")).isEqualTo(Redacted.MARK);
    assertThat(config.getJsonObject("auth").getJsonObject("jwt").getValue("public_key")).as("unset stays null").isNull();
    assertThat(config.getJsonObject("security").getString("secret_key")).isEqualTo(Redacted.MARK);
    assertThat(config.getJsonObject("engines").getJsonObject("openai").getString("api_key")).isEqualTo(Redacted.MARK);
    assertThat(config.getJsonObject("handlers").getString("callback_secret")).isEqualTo(Redacted.MARK);
    // what is not secret is shown as the node runs it
    assertThat(config.getJsonObject("http").getInteger("port")).isEqualTo(node.port());
    assertThat(config.getJsonObject("limits").getInteger("max_tracked_keys")).isPositive();
  }

  @Test
  @DisplayName("credentials inside URIs are redacted, the rest of the URI kept")
  void uriCredentials() {
    JsonObject redacted = Redacted.of(new JsonObject().put("mongodb", new JsonObject()
        .put("uri", "mongodb://agent:hunter2@db.example.com:27017/agentbus?authSource=admin"))
        .put("list", new JsonArray().add(new JsonObject().put("password", "p4ss")).add("https://u:pw@h.example/x")));
    String encoded = redacted.encode();
    assertThat(encoded).doesNotContain("hunter2", "agent:", "p4ss", "u:pw");
    assertThat(redacted.getJsonObject("mongodb").getString("uri")).isEqualTo("mongodb://[redacted]@db.example.com:27017/agentbus?authSource=admin");
  }

  @Test
  @DisplayName("/config needs admin: a tenant's key with every other scope is 403, no credential is 401")
  void configNeedsAdmin() {
    HttpCalls.assertError(Tenants.as(node, "acme").get("/config"), 403, "FORBIDDEN");
    HttpCalls.assertError(new HttpCalls(node).get("/config"), 401, "UNAUTHENTICATED");
  }

  @Test
  @DisplayName("/status shows this node, its version and uptime, and the cluster (standalone: itself, ready, at its HTTP address)")
  void status() {
    HttpResponse<Buffer> response = Tenants.as(node, "acme").get("/status");
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    JsonObject status = response.bodyAsJsonObject();
    assertThat(status.getString("node_id")).isNotBlank();
    assertThat(status.getString("version")).isEqualTo(HealthRoutes.VERSION);
    assertThat(status.getLong("uptime_seconds")).isNotNegative();
    JsonObject cluster = status.getJsonObject("cluster");
    assertThat(cluster.getString("mode")).isEqualTo("standalone");
    assertThat(cluster.getInteger("member_count")).isEqualTo(1);
    JsonObject self = cluster.getJsonArray("members").getJsonObject(0);
    assertThat(self.getString("node_id")).isEqualTo(status.getString("node_id"));
    assertThat(self.getBoolean("self")).isTrue();
    assertThat(self.getBoolean("ready")).isTrue();
    assertThat(self.getString("http_address")).isEqualTo("127.0.0.1:" + node.port());
    assertThat(status.getJsonObject("streams").getInteger("open")).isNotNegative();
    assertThat(status.getJsonObject("commands").getInteger("open")).isNotNegative();
    assertThat(status.getJsonObject("store").getString("status")).isEqualTo("UP");
  }

  @Test
  @DisplayName("/status needs metrics:read: a key without it is 403 naming the scope")
  void statusNeedsMetricsRead() {
    HttpResponse<Buffer> created = Tenants.admin(node).post("/keys", new JsonObject().put("name", "reader")
        .put("tenant_id", "acme").put("scopes", new JsonArray().add("sessions:read")));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    JsonObject error = HttpCalls.assertError(new HttpCalls(node, created.bodyAsJsonObject().getString("key")).get("/status"),
        403, "FORBIDDEN");
    assertThat(error.getJsonObject("details").getString("required_scope")).isEqualTo("metrics:read");
  }

  @Test
  @DisplayName("/health is served at the root too, without credentials, listing the engines and MCP servers")
  void rootHealth() {
    HttpResponse<Buffer> root = HttpCalls.await(node.client().get("/health").send());
    assertThat(root.statusCode()).as(root.bodyAsString()).isEqualTo(200);
    JsonObject dependencies = root.bodyAsJsonObject().getJsonObject("dependencies");
    assertThat(dependencies.fieldNames()).contains("mongodb", "cluster", "engines", "mcp_servers");
    JsonObject engines = dependencies.getJsonObject("engines");
    assertThat(engines.getString("default_type")).isEqualTo("dummy");
    assertThat(engines.getJsonObject("openai").getBoolean("api_key_set")).isTrue();
    assertThat(engines.getJsonObject("openai").getString("base_url")).isEqualTo("https://api.openai.com/v1");
    assertThat(root.bodyAsString()).doesNotContain(OPENAI_KEY);
    for (String path : List.of("/health/live", "/health/ready")) {
      assertThat(HttpCalls.await(node.client().get(path).send()).statusCode()).as(path).isEqualTo(200);
    }
  }

  @Test
  @DisplayName("on a two-node cluster /status on either node lists both members, each ready at its own HTTP address")
  void clusterStatus() {
    EmbeddedStore store = EmbeddedStore.start("memory", null, "127.0.0.1", 0);
    TestCluster cluster = new TestCluster();
    Vertx memberA = cluster.member();
    Vertx memberB = cluster.member();
    JsonObject shared = Tenants.config().put("mongodb", new JsonObject().put("uri", store.uri()));
    TestNode a = TestNode.start(memberA, false, shared.copy());
    TestNode b = TestNode.start(memberB, false, shared.copy());
    try {
      for (TestNode asked : List.of(a, b)) {
        JsonObject status = Tenants.admin(asked).get("/status").bodyAsJsonObject();
        JsonObject clustered = status.getJsonObject("cluster");
        assertThat(clustered.getString("mode")).isEqualTo("clustered");
        assertThat(clustered.getInteger("member_count")).isEqualTo(2);
        List<String> addresses = clustered.getJsonArray("members").stream()
            .map(m -> ((JsonObject) m).getString("http_address")).toList();
        assertThat(addresses).containsExactlyInAnyOrder("127.0.0.1:" + a.port(), "127.0.0.1:" + b.port());
        assertThat(clustered.getJsonArray("members").stream().filter(m -> ((JsonObject) m).getBoolean("self")).count()).isEqualTo(1);
        assertThat(clustered.getJsonArray("members").stream().allMatch(m -> ((JsonObject) m).getBoolean("ready"))).isTrue();
      }
    } finally {
      a.close();
      b.close();
      memberA.close().await();
      memberB.close().await();
      store.close();
    }
  }
}
