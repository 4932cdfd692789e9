package dev.agentbus.mcp;

import static dev.agentbus.support.HttpCalls.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.Bus;
import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.Tenants;
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

@Timeout(value = 60, unit = TimeUnit.SECONDS)
@DisplayName("MCP servers belong to a tenant")
class McpTenancyTest {
  static TestMcpServer server;
  static TestNode node;
  static HttpCalls acme;
  static HttpCalls globex;
  static HttpCalls admin;
  static String acmeServer;

  @BeforeAll
  static void start() {
    server = TestMcpServer.start();
    node = TestNode.start(Tenants.config()
        .put("security", new JsonObject().put("allowed_hosts", new JsonArray().add("127.0.0.1").add("localhost"))));
    acme = Tenants.as(node, "acme");
    globex = Tenants.as(node, "globex");
    admin = Tenants.admin(node);
    HttpResponse<Buffer> created = acme.post("/mcp-servers", new JsonObject().put("name", "everything").put("url", server.url()));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    assertThat(created.bodyAsJsonObject().getString("tenant_id")).isEqualTo("acme");
    acmeServer = created.bodyAsJsonObject().getString("server_id");
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
    if (server != null) {
      server.close();
    }
  }

  static List<String> listed(HttpCalls caller, String query) {
    HttpResponse<Buffer> page = caller.get("/mcp-servers" + query);
    assertThat(page.statusCode()).as(page.bodyAsString()).isEqualTo(200);
    return page.bodyAsJsonObject().getJsonArray("data").stream().map(s -> ((JsonObject) s).getString("server_id")).toList();
  }

  static JsonObject offer(String session) {
    return Bus.request(node.vertx(), Addresses.TOOL_OFFER, new JsonObject().put("session_id", session)
        .put("mcp_servers", new JsonArray().add(acmeServer)), Bus.withRequestId(null)).await();
  }

  static List<String> offeredNames(JsonObject offer) {
    return offer.getJsonArray("tools").stream().map(t -> ((JsonObject) t).getString("name")).toList();
  }

  @Test
  @DisplayName("another tenant gets 404 for a tenant's MCP server (get, tools, delete), does not list it, and may use its name")
  void anotherTenantsServerIsNotFound() {
    assertError(globex.get("/mcp-servers/" + acmeServer), 404, "NOT_FOUND");
    assertError(globex.get("/mcp-servers/" + acmeServer + "/tools"), 404, "NOT_FOUND");
    assertError(globex.delete("/mcp-servers/" + acmeServer), 404, "NOT_FOUND");
    assertThat(listed(globex, "")).doesNotContain(acmeServer);

    HttpResponse<Buffer> sameName = globex.post("/mcp-servers", new JsonObject().put("name", "everything").put("url", server.url()));
    assertThat(sameName.statusCode()).as(sameName.bodyAsString()).isEqualTo(201);
    String globexServer = sameName.bodyAsJsonObject().getString("server_id");
    assertError(acme.post("/mcp-servers", new JsonObject().put("name", "everything").put("url", server.url())), 409, "CONFLICT");

    assertThat(acme.get("/mcp-servers/" + acmeServer).statusCode()).isEqualTo(200);
    assertThat(listed(acme, "")).contains(acmeServer).doesNotContain(globexServer);
    assertThat(listed(admin, "")).contains(acmeServer, globexServer);
    assertThat(listed(admin, "?tenant_id=globex")).contains(globexServer).doesNotContain(acmeServer);
    assertThat(globex.delete("/mcp-servers/" + globexServer).statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("a tenant's MCP server is offered to its own sessions' runs, not to another tenant's, and cannot be called for them")
  void serverIsNotOfferedToAnotherTenantsRuns() {
    String acmeSession = acme.createSession(new JsonObject()).getString("session_id");
    String globexSession = globex.createSession(new JsonObject()).getString("session_id");

    assertThat(offeredNames(offer(acmeSession))).contains("everything.get-sum");
    JsonObject refused = offer(globexSession);
    assertThat(offeredNames(refused)).noneMatch(name -> name.startsWith("everything."));
    assertThat(refused.getJsonArray("errors").encode()).contains(acmeServer);

    Throwable call = Bus.request(node.vertx(), Addresses.MCP_CALL, new JsonObject().put("server_id", acmeServer).put("tool", "get-sum")
        .put("arguments", new JsonObject().put("a", 1).put("b", 2)).put("tenant_id", "globex"), Bus.withRequestId(null))
        .map(answer -> (Throwable) null).otherwise(failure -> failure).await();
    assertThat(BusError.is(call, ErrorCode.NOT_FOUND)).as(String.valueOf(call)).isTrue();
  }

  @Test
  @DisplayName("another tenant cannot register a tool that calls a tenant's MCP server: 404")
  void mcpToolOfAnotherTenantsServerIsRefused() {
    JsonObject tool = new JsonObject().put("name", "borrowed-sum").put("parameters", new JsonObject().put("type", "object"))
        .put("implementation", new JsonObject().put("kind", "mcp").put("server_id", acmeServer).put("tool", "get-sum"));
    assertError(globex.post("/tools", tool), 404, "NOT_FOUND");
    HttpResponse<Buffer> own = acme.post("/tools", tool);
    assertThat(own.statusCode()).as(own.bodyAsString()).isEqualTo(201);
  }
}
