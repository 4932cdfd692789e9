package dev.agentbus.mcp;

import static dev.agentbus.support.HttpCalls.assertError;
import static dev.agentbus.support.HttpCalls.assertInvalid;
import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.TestMcpServer;
import dev.agentbus.support.TestNode;
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

/** Registering, reading and removing MCP servers over HTTP, against a real MCP server (the SDK's, in this JVM). */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class McpServerApiTest {
  static final String SECRET = "Bearer s3cret-token-value";
  static TestMcpServer mcp;
  static TestNode node;
  static HttpCalls http;

  @BeforeAll
  static void start() {
    mcp = TestMcpServer.start();
    node = TestNode.start(new JsonObject()
        .put("security", new JsonObject().put("allowed_hosts", new JsonArray().add("127.0.0.1")).put("secret_key", "test-secret-key")));
    http = new HttpCalls(node);
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
    if (mcp != null) {
      mcp.close();
    }
  }

  static HttpResponse<Buffer> register(String name, String url) {
    return http.post("/mcp-servers", new JsonObject().put("name", name).put("url", url));
  }

  static JsonObject registered(String name, String url) {
    HttpResponse<Buffer> created = register(name, url);
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    return created.bodyAsJsonObject();
  }

  @Test
  @DisplayName("a registration connects to the server and answers 201 with an mcp_ id, the connected status and its tool names")
  void registerListsTools() {
    HttpResponse<Buffer> created = register("everything", mcp.url());
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    JsonObject server = created.bodyAsJsonObject();
    String id = server.getString("server_id");
    assertThat(id).startsWith("mcp_");
    assertThat(created.getHeader("Location")).isEqualTo("/api/v1/mcp-servers/" + id);
    assertThat(server.getString("name")).isEqualTo("everything");
    assertThat(server.getString("url")).isEqualTo(mcp.url());
    assertThat(server.getString("status")).isEqualTo("connected");
    assertThat(server.getJsonArray("tools")).contains("get-sum", "echo", "fail", "slow");

    JsonObject read = http.get("/mcp-servers/" + id).bodyAsJsonObject();
    assertThat(read.getString("status")).isEqualTo("connected");
    assertThat(read.getInteger("tool_count")).isEqualTo(4);
    assertThat(http.get("/mcp-servers").bodyAsJsonObject().getJsonArray("data").stream()
        .map(s -> ((JsonObject) s).getString("server_id"))).contains(id);

    HttpResponse<Buffer> tools = http.get("/mcp-servers/" + id + "/tools");
    assertThat(tools.statusCode()).as(tools.bodyAsString()).isEqualTo(200);
    JsonObject sum = tools.bodyAsJsonObject().getJsonArray("tools").stream().map(JsonObject.class::cast)
        .filter(t -> t.getString("tool").equals("get-sum")).findFirst().orElseThrow();
    assertThat(sum.getString("name")).isEqualTo("everything.get-sum");
    assertThat(sum.getString("server_id")).isEqualTo(id);
    assertThat(sum.getString("description")).isEqualTo("Adds two numbers");
    assertThat(sum.getJsonObject("parameters").getJsonObject("properties").fieldNames()).containsExactlyInAnyOrder("a", "b");
  }

  @Test
  @DisplayName("an unreachable URL, or one that does not speak MCP, is 422 MCP_UNAVAILABLE with the reason, and nothing is registered")
  void unreachableIs422() {
    JsonObject refused = assertError(register("nobody", "http://127.0.0.1:" + TestNode.freePort() + "/mcp"), 422, "MCP_UNAVAILABLE");
    assertThat(refused.getJsonObject("details").getString("reason")).isNotBlank();
    JsonObject notMcp = assertError(register("not-mcp", "http://127.0.0.1:" + node.port() + "/api/v1/health"), 422, "MCP_UNAVAILABLE");
    assertThat(notMcp.getString("message")).contains("not-mcp");
    assertThat(http.get("/mcp-servers").bodyAsString()).doesNotContain("\"nobody\"").doesNotContain("\"not-mcp\"");
  }

  @Test
  @DisplayName("a blocked or malformed URL is 400 naming url; a bad name is 400 naming name")
  void blockedUrlIs400() {
    assertThat(assertInvalid(register("private", "http://10.0.0.1/mcp"))).containsExactly("url");
    assertThat(assertInvalid(register("metadata", "http://169.254.169.254/mcp"))).containsExactly("url");
    assertThat(assertInvalid(register("ftp", "ftp://127.0.0.1/mcp"))).containsExactly("url");
    assertThat(assertInvalid(register("has.dot", mcp.url()))).containsExactly("name");
    assertThat(assertInvalid(http.post("/mcp-servers", new JsonObject().put("url", mcp.url())))).containsExactly("name");
  }

  @Test
  @DisplayName("code in a registration is 422 UNSUPPORTED naming the field, whatever else is wrong, and registers nothing")
  void codeIsUnsupported() {
    HttpResponse<Buffer> refused = http.post("/mcp-servers", new JsonObject().put("name", "runner")
        .put("url", mcp.url()).put("code", "import os; os.system('id')"));

    assertError(refused, 422, "UNSUPPORTED");
    assertThat(refused.bodyAsJsonObject().getJsonObject("error").getJsonObject("details").getString("field")).isEqualTo("code");
    assertError(http.post("/mcp-servers", new JsonObject().put("function_code", "x")), 422, "UNSUPPORTED");
    assertThat(http.get("/mcp-servers").bodyAsJsonObject().getJsonArray("data").stream()
        .map(s -> ((JsonObject) s).getString("name"))).doesNotContain("runner");
  }

  @Test
  @DisplayName("a second server with a taken name is 409 CONFLICT")
  void duplicateNameIs409() {
    registered("twice", mcp.url());
    assertError(register("twice", mcp.url()), 409, "CONFLICT");
  }

  @Test
  @DisplayName("header values are sent to the server, stored encrypted, and never returned: replies show header names only")
  void headersNeverReturned() {
    HttpResponse<Buffer> created = http.post("/mcp-servers", new JsonObject().put("name", "secured").put("url", mcp.url())
        .put("headers", new JsonObject().put("Authorization", SECRET).put("X-Team", "blue")));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    String id = created.bodyAsJsonObject().getString("server_id");
    assertThat(created.bodyAsJsonObject().getJsonArray("headers")).containsExactlyInAnyOrder("Authorization", "X-Team");
    assertThat(mcp.authorizations()).contains(SECRET);
    for (String body : List.of(created.bodyAsString(), http.get("/mcp-servers/" + id).bodyAsString(),
        http.get("/mcp-servers").bodyAsString(), http.get("/mcp-servers/" + id + "/tools").bodyAsString())) {
      assertThat(body).doesNotContain("s3cret").doesNotContain("blue");
    }
    JsonObject stored = HttpCalls.await(node.mongo().findOne("mcp_servers", new JsonObject().put("_id", id), null));
    assertThat(stored.encode()).doesNotContain("s3cret").doesNotContain("blue");
    assertThat(stored.getJsonObject("headers").getString("Authorization")).startsWith("v1:");
  }

  @Test
  @DisplayName("a failure reason never carries a header value, even when the server echoes the request in its error")
  void reasonsAreScrubbed() {
    McpConnections.Spec spec = new McpConnections.Spec("mcp_x", "x", "http://127.0.0.1/mcp",
        java.util.Map.of("Authorization", "Bearer abcdefgh12345"), "default");
    assertThat(McpConnections.scrub(spec, "401: header was 'Bearer abcdefgh12345', token abcdefgh12345"))
        .doesNotContain("abcdefgh12345").contains("[redacted]");
  }

  @Test
  @DisplayName("headers the transport sets itself, or with control characters, are 400 naming them")
  void badHeadersAre400() {
    HttpResponse<Buffer> refused = http.post("/mcp-servers", new JsonObject().put("name", "bad-headers").put("url", mcp.url())
        .put("headers", new JsonObject().put("Host", "x").put("X-Ok", "line\nbreak").put("Mcp-Session-Id", "s")));
    assertThat(assertInvalid(refused)).containsExactlyInAnyOrder("headers.Host", "headers.X-Ok", "headers.Mcp-Session-Id");
  }

  @Test
  @DisplayName("a deleted server is gone: 200 deleted, then 404 for it, its tools and a second delete")
  void delete() {
    String id = registered("short-lived", mcp.url()).getString("server_id");
    HttpResponse<Buffer> deleted = http.delete("/mcp-servers/" + id);
    assertThat(deleted.statusCode()).as(deleted.bodyAsString()).isEqualTo(200);
    assertThat(deleted.bodyAsJsonObject().getBoolean("deleted")).isTrue();
    assertError(http.get("/mcp-servers/" + id), 404, "NOT_FOUND");
    assertError(http.get("/mcp-servers/" + id + "/tools"), 404, "NOT_FOUND");
    assertError(http.delete("/mcp-servers/" + id), 404, "NOT_FOUND");
  }

  @Test
  @DisplayName("an agent's mcp_servers accepts registered server ids beside URLs; an unknown id is 400 naming it")
  void agentTakesServerIds() {
    String id = registered("for-agents", mcp.url()).getString("server_id");
    HttpResponse<Buffer> agent = http.post("/agents", new JsonObject().put("name", "with-mcp")
        .put("mcp_servers", new JsonArray().add(id).add(mcp.url())));
    assertThat(agent.statusCode()).as(agent.bodyAsString()).isEqualTo(201);
    assertThat(agent.bodyAsJsonObject().getJsonArray("mcp_servers")).containsExactly(id, mcp.url());
    assertThat(assertInvalid(http.post("/agents", new JsonObject().put("name", "ghost")
        .put("mcp_servers", new JsonArray().add(mcp.url()).add("mcp_doesnotexist"))))).containsExactly("mcp_servers[1]");
  }
}
