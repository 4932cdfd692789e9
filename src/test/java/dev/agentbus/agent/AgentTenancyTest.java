package dev.agentbus.agent;

import static dev.agentbus.support.HttpCalls.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.SseClient;
import dev.agentbus.support.TenantNode;
import dev.agentbus.support.Tenants;
import dev.agentbus.support.TestNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
@DisplayName("Agents belong to their creator's tenant")
class AgentTenancyTest {
  @RegisterExtension
  static final TenantNode tenants = new TenantNode();
  static TestNode node;
  static HttpCalls acme;
  static HttpCalls globex;
  static HttpCalls admin;

  @BeforeAll
  static void start() {
    node = tenants.node();
    acme = tenants.acme();
    globex = tenants.globex();
    admin = tenants.admin();
  }

  private static JsonObject agent(HttpCalls caller, String name) {
    HttpResponse<Buffer> created = caller.post("/agents", new JsonObject().put("name", name)
        .put("llm_config", new JsonObject().put("provider", "dummy")));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    return created.bodyAsJsonObject();
  }

  private static List<String> listed(HttpCalls caller, String query) {
    HttpResponse<Buffer> page = caller.get("/agents?limit=200" + query);
    assertThat(page.statusCode()).as(page.bodyAsString()).isEqualTo(200);
    return page.bodyAsJsonObject().getJsonArray("data").stream().map(a -> ((JsonObject) a).getString("agent_id")).toList();
  }

  /** The error code a prompt naming {@code agentId} in the caller's new session ends with (null: it completed). */
  private static String promptWith(HttpCalls caller, String agentId) {
    String sessionId = caller.createSession(new JsonObject()).getString("session_id");
    HttpResponse<Buffer> submitted = caller.post("/sessions/" + sessionId + "/commands?wait=10", new JsonObject()
        .put("command_type", "engine.prompt").put("parameters", new JsonObject().put("prompt", "hi").put("agent_id", agentId)));
    JsonObject body = submitted.bodyAsJsonObject();
    if (submitted.statusCode() == 404) {
      return body.getJsonObject("error").getString("code");
    }
    assertThat(submitted.statusCode()).as(submitted.bodyAsString()).isEqualTo(200);
    return "completed".equals(body.getString("status")) ? null : body.getJsonObject("error").getString("code");
  }

  @Test
  @DisplayName("an agent carries its creator's tenant; another tenant gets 404 on get, patch and delete, and it survives")
  void anotherTenantsAgentIsNotFound() {
    JsonObject agent = agent(acme, "acme-private");
    String id = agent.getString("agent_id");
    assertThat(agent.getString("tenant_id")).isEqualTo("acme");

    assertError(globex.get("/agents/" + id), 404, "AGENT_NOT_FOUND");
    assertError(globex.patch("/agents/" + id, new JsonObject().put("name", "stolen")), 404, "AGENT_NOT_FOUND");
    assertError(globex.delete("/agents/" + id), 404, "AGENT_NOT_FOUND");

    HttpResponse<Buffer> own = acme.get("/agents/" + id);
    assertThat(own.statusCode()).isEqualTo(200);
    assertThat(own.bodyAsJsonObject().getString("name")).isEqualTo("acme-private");
    assertThat(admin.get("/agents/" + id).statusCode()).as("the admin sees every tenant").isEqualTo(200);
    assertThat(acme.patch("/agents/" + id, new JsonObject().put("name", "renamed")).statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("a tenant lists only its own agents, even by the same name; the admin lists all, or one tenant's with ?tenant_id=")
  void listsAreFilteredByTenant() {
    String name = "shared-name-" + System.nanoTime();
    String mine = agent(acme, name).getString("agent_id");
    String theirs = agent(globex, name).getString("agent_id");

    assertThat(listed(acme, "&name_prefix=" + name)).containsExactly(mine);
    assertThat(listed(globex, "")).contains(theirs).doesNotContain(mine);
    assertThat(listed(globex, "&tenant_id=acme")).as("another tenant's id lists nothing").isEmpty();
    assertThat(listed(admin, "&name_prefix=" + name)).containsExactly(mine, theirs);
    assertThat(listed(admin, "&tenant_id=acme")).contains(mine).doesNotContain(theirs);
    assertThat(HttpCalls.assertInvalid(admin.get("/agents?tenant_id=no%20spaces"))).contains("tenant_id");
  }

  @Test
  @DisplayName("a prompt in one tenant's session naming another tenant's agent fails as not found")
  void promptsRunOnlyTheirTenantsAgents() {
    String acmeAgent = agent(acme, "acme-runner").getString("agent_id");

    assertThat(promptWith(acme, acmeAgent)).as("its own tenant's prompt runs").isNull();
    String sessionId = globex.createSession(new JsonObject()).getString("session_id");
    assertError(globex.post("/sessions/" + sessionId + "/commands", new JsonObject().put("command_type", "engine.prompt")
        .put("parameters", new JsonObject().put("prompt", "hi").put("agent_id", acmeAgent))), 404, "AGENT_NOT_FOUND");
    assertThat(globex.get("/sessions/" + sessionId + "/commands").bodyAsJsonObject().getJsonArray("data"))
        .as("refused at submit: no command stored").isEmpty();
  }

  @Test
  @DisplayName("a chat in one tenant's thread naming another tenant's agent fails as not found")
  void chatsRunOnlyTheirTenantsAgents() {
    String acmeAgent = agent(acme, "acme-chat").getString("agent_id");
    String globexKey = Tenants.key(node, "globex");
    String thread = new HttpCalls(node, globexKey).createSession(new JsonObject()).getString("session_id");

    SseClient chat = SseClient.send(node, HttpMethod.POST, "/api/v1/chat/" + thread + "/stream",
        new JsonObject().put("content", "hi").put("agent_id", acmeAgent), Map.of("Authorization", "Bearer " + globexKey));

    // Refused before the run (404), or the run fails at once: either way, as if the agent did not exist.
    String code = chat.status() == 404 ? new JsonObject(chat.awaitBody()).getJsonObject("error").getString("code")
        : chat.awaitEnd().stream().map(SseClient.Event::json).filter(frame -> "error".equals(frame.getString("type")))
            .map(frame -> frame.getString("code")).findFirst().orElse(null);
    assertThat(code).isEqualTo("AGENT_NOT_FOUND");
  }

  @Test
  @DisplayName("an agent stored before tenancy belongs to default, and default's prompts run on it")
  void oldAgentsBelongToDefault() {
    String old = "agt_pretenancy" + System.nanoTime();
    HttpCalls.await(node.mongo().insert(AgentStore.AGENTS, new JsonObject().put("_id", old).put("name", "old")
        .put("llm_config", new JsonObject().put("provider", "dummy")).put("mcp_servers", new JsonArray())
        .put("metadata", new JsonObject()).put("created_at", "2026-01-01T00:00:00Z").put("updated_at", "2026-01-01T00:00:00Z")));
    HttpCalls defaults = Tenants.as(node, "default");

    HttpResponse<Buffer> seen = defaults.get("/agents/" + old);
    assertThat(seen.statusCode()).as(seen.bodyAsString()).isEqualTo(200);
    assertThat(seen.bodyAsJsonObject().getString("tenant_id")).isEqualTo("default");
    assertThat(listed(defaults, "")).contains(old);
    assertThat(listed(admin, "&tenant_id=default")).contains(old);
    assertError(acme.get("/agents/" + old), 404, "AGENT_NOT_FOUND");
    assertThat(listed(acme, "")).doesNotContain(old);
    assertThat(promptWith(defaults, old)).isNull();
    assertThat(promptWith(acme, old)).isEqualTo("AGENT_NOT_FOUND");
  }
}
