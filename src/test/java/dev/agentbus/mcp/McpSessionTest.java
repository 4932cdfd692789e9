package dev.agentbus.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.TestMcpServer;
import dev.agentbus.support.TestNode;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
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

/** MCP calls and tool offers over the bus, and the life of a session: restarts, tool list changes, health. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class McpSessionTest {
  static TestNode node;
  static HttpCalls http;

  @BeforeAll
  static void start() {
    node = TestNode.start(new JsonObject()
        .put("security", new JsonObject().put("allowed_hosts", new JsonArray().add("127.0.0.1")))
        .put("mcp", new JsonObject().put("reconnect_interval_ms", 300)));
    http = new HttpCalls(node);
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
  }

  static String register(String name, TestMcpServer server) {
    HttpResponse<Buffer> created = http.post("/mcp-servers", new JsonObject().put("name", name).put("url", server.url()));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    return created.bodyAsJsonObject().getString("server_id");
  }

  static Future<JsonObject> request(String address, JsonObject body) {
    return node.vertx().eventBus().<JsonObject>request(address, body).map(Message::body);
  }

  static JsonObject call(String serverId, String tool, JsonObject arguments) {
    return HttpCalls.await(request(Addresses.MCP_CALL, new JsonObject().put("server_id", serverId).put("tool", tool)
        .put("arguments", arguments)));
  }

  static BusError callFailure(JsonObject body) {
    Future<JsonObject> call = request(Addresses.MCP_CALL, body);
    await().atMost(Duration.ofSeconds(15)).until(call::isComplete);
    assertThat(call.failed()).as("the call fails: %s", call.result()).isTrue();
    return BusError.from(call.cause(), "test", null);
  }

  static JsonObject healthOf(String serverId) {
    HttpResponse<Buffer> health = http.get("/health");
    assertThat(health.statusCode()).as("a down MCP server never makes the node unhealthy: %s", health.bodyAsString()).isEqualTo(200);
    return health.bodyAsJsonObject().getJsonObject("dependencies").getJsonObject("mcp_servers").getJsonArray("servers")
        .stream().map(JsonObject.class::cast).filter(s -> s.getString("server_id").equals(serverId)).findFirst().orElseThrow();
  }

  @Test
  @DisplayName("mcp.call runs tools/call: the joined text is the result, isError is is_error, an unknown tool is a tool error")
  void callThroughTheBus() {
    try (TestMcpServer server = TestMcpServer.start()) {
      String id = register("calc", server);
      JsonObject sum = call(id, "get-sum", new JsonObject().put("a", 2).put("b", 3));
      assertThat(sum.getValue("result")).isEqualTo("5");
      assertThat(sum.getBoolean("is_error")).isFalse();
      assertThat(call(id, "echo", new JsonObject().put("message", "hi there")).getString("result")).isEqualTo("hi there");
      JsonObject failed = call(id, "fail", new JsonObject());
      assertThat(failed.getBoolean("is_error")).isTrue();
      assertThat(failed.getString("result")).isEqualTo("the tool failed on purpose");
      assertThat(call(id, "no-such-tool", new JsonObject()).getBoolean("is_error")).isTrue();
    }
  }

  @Test
  @DisplayName("without security.secret_key, a registration with headers is refused (400 naming headers) rather than stored in clear")
  void headersNeedASecretKey() {
    try (TestMcpServer server = TestMcpServer.start()) {
      HttpResponse<Buffer> refused = http.post("/mcp-servers", new JsonObject().put("name", "keyless").put("url", server.url())
          .put("headers", new JsonObject().put("Authorization", "Bearer x")));
      assertThat(dev.agentbus.support.HttpCalls.assertInvalid(refused)).containsExactly("headers");
      assertThat(http.get("/mcp-servers").bodyAsString()).doesNotContain("keyless");
    }
  }

  @Test
  @DisplayName("a call that outlives its timeout_ms fails TIMEOUT; an unknown server id fails NOT_FOUND")
  void callTimesOut() {
    try (TestMcpServer server = TestMcpServer.start()) {
      String id = register("sleepy", server);
      BusError late = callFailure(new JsonObject().put("server_id", id).put("tool", "slow")
          .put("arguments", new JsonObject().put("ms", 3000)).put("timeout_ms", 300));
      assertThat(late.code()).isEqualTo(ErrorCode.TIMEOUT);
      assertThat(callFailure(new JsonObject().put("server_id", "mcp_unknown").put("tool", "echo")).code())
          .isEqualTo(ErrorCode.NOT_FOUND);
    }
  }

  @Test
  @DisplayName("after the server restarts (its sessions forgotten), the next call reconnects once and succeeds")
  void sessionReestablishedAfterRestart() {
    try (TestMcpServer server = TestMcpServer.start()) {
      String id = register("phoenix", server);
      assertThat(call(id, "echo", new JsonObject().put("message", "before")).getString("result")).isEqualTo("before");
      server.restart();
      assertThat(call(id, "echo", new JsonObject().put("message", "after")).getString("result")).isEqualTo("after");
      assertThat(healthOf(id).getString("status")).isEqualTo("connected");
    }
  }

  @Test
  @DisplayName("a server down is unavailable in /health with its last error (the node stays healthy), and connected again once it is back")
  void healthShowsEachServer() {
    try (TestMcpServer server = TestMcpServer.start()) {
      String id = register("flaky", server);
      JsonObject up = healthOf(id);
      assertThat(up.getString("status")).isEqualTo("connected");
      assertThat(up.getInteger("tool_count")).isEqualTo(4);
      server.stop();
      assertThat(callFailure(new JsonObject().put("server_id", id).put("tool", "echo")
          .put("arguments", new JsonObject().put("message", "x"))).code()).isEqualTo(ErrorCode.MCP_UNAVAILABLE);
      JsonObject down = healthOf(id);
      assertThat(down.getString("status")).isEqualTo("unavailable");
      assertThat(down.getString("last_error")).isNotBlank();
      server.restart();
      await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(healthOf(id).getString("status")).isEqualTo("connected"));
    }
  }

  @Test
  @DisplayName("a tools/list_changed notification refreshes the cached list; ?refresh=true asks tools/list again")
  void listChangedRefreshes() {
    try (TestMcpServer server = TestMcpServer.start()) {
      String id = register("growing", server);
      server.addTool("added");
      await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(http.get("/mcp-servers/" + id + "/tools")
          .bodyAsJsonObject().getJsonArray("tools").stream().map(t -> ((JsonObject) t).getString("name"))).contains("growing.added"));
      assertThat(http.get("/mcp-servers/" + id).bodyAsJsonObject().getJsonArray("tools")).contains("added");
      HttpResponse<Buffer> refreshed = http.get("/mcp-servers/" + id + "/tools?refresh=true");
      assertThat(refreshed.statusCode()).as(refreshed.bodyAsString()).isEqualTo(200);
      assertThat(refreshed.bodyAsJsonObject().getJsonArray("tools")).hasSize(5);
      assertThat(call(id, "added", new JsonObject()).getString("result")).isEqualTo("added");
    }
  }

  @Test
  @DisplayName("mcp.offer gives the tools of server ids, of a registered URL and of an unregistered URL (connected ad hoc), and names the ones that fail")
  void offer() {
    try (TestMcpServer registered = TestMcpServer.start(); TestMcpServer adHoc = TestMcpServer.start()) {
      String id = register("offered", registered);
      String down = "http://127.0.0.1:" + TestNode.freePort() + "/mcp";
      JsonObject offer = HttpCalls.await(request(Addresses.MCP_OFFER, new JsonObject().put("servers",
          new JsonArray().add(id).add(registered.url()).add(adHoc.url()).add(down).add("http://10.1.2.3/mcp"))));
      JsonArray tools = offer.getJsonArray("tools");
      assertThat(tools.stream().map(t -> ((JsonObject) t).getString("name")))
          .contains("offered.get-sum", "offered.echo", "127-0-0-1-" + adHoc.port() + ".echo");
      JsonObject adHocEcho = tools.stream().map(JsonObject.class::cast)
          .filter(t -> t.getString("name").equals("127-0-0-1-" + adHoc.port() + ".echo")).findFirst().orElseThrow();
      assertThat(adHocEcho.getString("server_id")).startsWith("mcp_url_");
      assertThat(adHocEcho.getString("tool")).isEqualTo("echo");
      assertThat(adHocEcho.getJsonObject("parameters").getString("type")).isEqualTo("object");
      assertThat(offer.getJsonArray("errors").stream().map(e -> ((JsonObject) e).getString("server")))
          .containsExactlyInAnyOrder(down, "http://10.1.2.3/mcp");
      assertThat(call(adHocEcho.getString("server_id"), "echo", new JsonObject().put("message", "ad hoc")).getString("result"))
          .isEqualTo("ad hoc");
    }
  }
}
