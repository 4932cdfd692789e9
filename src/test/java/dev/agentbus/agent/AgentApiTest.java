package dev.agentbus.agent;

import static dev.agentbus.support.HttpCalls.assertError;
import static dev.agentbus.support.HttpCalls.assertInvalid;
import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.TestNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
@DisplayName("Agents over HTTP (seed 000 agent configs)")
class AgentApiTest {
  static TestNode node;
  static HttpCalls http;

  @BeforeAll
  static void start() {
    // The seed's MCP servers are on localhost: allow-listed, as an operator running them locally would.
    node = TestNode.start(new JsonObject().put("security", new JsonObject().put("allowed_hosts", new JsonArray().add("localhost"))));
    http = new HttpCalls(node);
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
  }

  /** The seed 000 "Create Agent Config" request. */
  private static JsonObject seedAgent(String name) {
    return new JsonObject()
        .put("name", name)
        .put("llm_config", new JsonObject().put("model", "gpt-4").put("temperature", 0.7).put("max_tokens", 4096))
        .put("mcp_servers", "http://localhost:8000/mcp,http://localhost:8001/mcp")
        .put("system_prompt", "You are a helpful weather assistant.")
        .put("metadata", new JsonObject().put("description", "Agent for weather queries"));
  }

  private static JsonObject create(JsonObject body) {
    HttpResponse<Buffer> created = http.post("/agents", body);
    assertThat(created.statusCode()).as("create agent: %s", created.bodyAsString()).isEqualTo(201);
    return created.bodyAsJsonObject();
  }

  private static List<String> listAll(String query, int limit) {
    List<String> seen = new ArrayList<>();
    String cursor = null;
    for (int pages = 0; pages < 50; pages++) {
      HttpResponse<Buffer> page = http.get("/agents?limit=" + limit + "&" + query + (cursor == null ? "" : "&cursor=" + cursor));
      assertThat(page.statusCode()).as(page.bodyAsString()).isEqualTo(200);
      JsonObject body = page.bodyAsJsonObject();
      assertThat(body.getJsonArray("data").size()).isLessThanOrEqualTo(limit);
      body.getJsonArray("data").forEach(a -> seen.add(((JsonObject) a).getString("agent_id")));
      if (!body.getBoolean("has_more")) {
        assertThat(body.getValue("next_cursor")).isNull();
        return seen;
      }
      cursor = body.getString("next_cursor");
    }
    throw new AssertionError("pagination did not end");
  }

  @Test
  @DisplayName("GET /agents filters by status (none given is active) and by q, a case-insensitive search of name and description;"
      + " a bad status or an unknown parameter is 400 naming it")
  void filters() {
    String tag = "flt" + System.nanoTime();
    String plain = createId(new JsonObject().put("name", tag + "-plain").put("llm_config", new JsonObject().put("provider", "dummy")));
    String archived = createId(new JsonObject().put("name", tag + "-old").put("status", "archived")
        .put("description", "Forecasts (Weather) for sailors"));
    String paused = createId(new JsonObject().put("name", tag + "-paused").put("description", "weather too"));
    assertThat(http.patch("/agents/" + paused, new JsonObject().put("status", "inactive")).bodyAsJsonObject().getString("status"))
        .isEqualTo("inactive");

    assertThat(ids("?name_prefix=" + tag + "&status=active")).containsExactly(plain);
    assertThat(ids("?name_prefix=" + tag + "&status=archived")).containsExactly(archived);
    assertThat(ids("?name_prefix=" + tag + "&q=WEATHER")).containsExactlyInAnyOrder(archived, paused);
    assertThat(ids("?name_prefix=" + tag + "&q=(weather)")).containsExactly(archived);
    assertThat(ids("?q=" + tag + "-PL")).containsExactly(plain);

    assertThat(assertInvalid(http.get("/agents?status=sleeping"))).containsExactly("status");
    assertThat(assertInvalid(http.get("/agents?colour=red"))).containsExactly("colour");
    assertThat(assertInvalid(http.post("/agents", new JsonObject().put("name", "x").put("status", "gone")))).containsExactly("status");
    assertThat(assertInvalid(http.patch("/agents/" + plain, new JsonObject().put("status", null)))).containsExactly("status");
  }

  private static String createId(JsonObject body) {
    HttpResponse<Buffer> created = http.post("/agents", body);
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    return created.bodyAsJsonObject().getString("agent_id");
  }

  private static java.util.List<String> ids(String query) {
    HttpResponse<Buffer> listed = http.get("/agents" + query.replace("(", "%28").replace(")", "%29"));
    assertThat(listed.statusCode()).as(listed.bodyAsString()).isEqualTo(200);
    return listed.bodyAsJsonObject().getJsonArray("data").stream().map(a -> ((JsonObject) a).getString("agent_id")).toList();
  }

  @Test
  @DisplayName("the seed 000 request creates an agent: 201, agt_ id, mcp_servers as an array, Location; GET reads it back")
  void createSeedAgent() {
    JsonObject request = seedAgent("weather-agent");

    HttpResponse<Buffer> created = http.post("/agents", request);

    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    JsonObject agent = created.bodyAsJsonObject();
    assertThat(agent.fieldNames()).containsExactlyInAnyOrder("agent_id", "tenant_id", "name", "description", "status", "llm_config",
        "mcp_servers", "system_prompt", "metadata", "created_at", "updated_at");
    assertThat(agent.getString("status")).isEqualTo("active");
    assertThat(agent.getString("agent_id")).startsWith("agt_");
    assertThat(agent.getString("name")).isEqualTo("weather-agent");
    assertThat(agent.getJsonObject("llm_config")).isEqualTo(request.getJsonObject("llm_config"));
    assertThat(agent.getJsonArray("mcp_servers"))
        .isEqualTo(new JsonArray().add("http://localhost:8000/mcp").add("http://localhost:8001/mcp"));
    assertThat(agent.getString("system_prompt")).isEqualTo("You are a helpful weather assistant.");
    assertThat(agent.getJsonObject("metadata")).isEqualTo(request.getJsonObject("metadata"));
    assertThat(agent.getString("created_at")).isEqualTo(agent.getString("updated_at")).isNotBlank();
    assertThat(created.getHeader("Location")).isEqualTo("/api/v1/agents/" + agent.getString("agent_id"));

    HttpResponse<Buffer> read = http.get("/agents/" + agent.getString("agent_id"));
    assertThat(read.statusCode()).isEqualTo(200);
    assertThat(read.bodyAsJsonObject()).isEqualTo(agent);
  }

  @Test
  @DisplayName("only a name is required; mcp_servers may be an array; the rest defaults to empty")
  void minimalAgent() {
    JsonObject agent = create(new JsonObject().put("name", "bare").put("mcp_servers", new JsonArray().add("https://localhost/mcp")));

    assertThat(agent.getJsonObject("llm_config")).isEqualTo(new JsonObject());
    assertThat(agent.getJsonArray("mcp_servers")).containsExactly("https://localhost/mcp");
    assertThat(agent.getValue("system_prompt")).isNull();
    assertThat(agent.getJsonObject("metadata")).isEqualTo(new JsonObject());
  }

  @Test
  @DisplayName("an unknown agent is 404 AGENT_NOT_FOUND naming the agent_id, for GET, PATCH and DELETE")
  void notFound() {
    for (HttpResponse<Buffer> response : List.of(http.get("/agents/agt_nope"),
        http.patch("/agents/agt_nope", new JsonObject().put("name", "x")), http.delete("/agents/agt_nope"))) {
      JsonObject error = assertError(response, 404, "AGENT_NOT_FOUND");
      assertThat(error.getJsonObject("details").getString("agent_id")).isEqualTo("agt_nope");
    }
  }

  @Test
  @DisplayName("a bad agent is refused with every bad field named: name, API key, provider, settings, hostile MCP URLs")
  void everyBadFieldNamed() {
    JsonObject request = new JsonObject()
        .put("name", "")
        .put("llm_config", new JsonObject().put("provider", "anthropic").put("api_key", "sk-1").put("temperature", 5)
            .put("stream", true))
        .put("mcp_servers", "file:///etc/passwd, ftp://localhost/x ,http://localhost:8000/mcp")
        .put("system_prompt", 42)
        .put("owner", "me");

    HttpResponse<Buffer> refused = http.post("/agents", request);

    assertThat(assertInvalid(refused)).containsExactlyInAnyOrder("name", "llm_config.provider", "llm_config.api_key",
        "llm_config.temperature", "llm_config.stream", "mcp_servers[0]", "mcp_servers[1]", "system_prompt", "owner");
    assertThat(refused.bodyAsString()).doesNotContain("sk-1");
  }

  @Test
  @DisplayName("more than 20 MCP servers, or mcp_servers of the wrong type, is a 400 naming mcp_servers")
  void mcpServerBounds() {
    JsonArray many = new JsonArray();
    for (int i = 0; i < 21; i++) {
      many.add("http://localhost:" + (8000 + i) + "/mcp");
    }

    assertThat(assertInvalid(http.post("/agents", new JsonObject().put("name", "a").put("mcp_servers", many))))
        .containsExactly("mcp_servers");
    assertThat(assertInvalid(http.post("/agents", new JsonObject().put("name", "a").put("mcp_servers", 7))))
        .containsExactly("mcp_servers");
  }

  @Test
  @DisplayName("PATCH changes only the given fields; metadata merges and a null value removes its key")
  void patchMerges() {
    JsonObject agent = create(seedAgent("patch-me").put("metadata", new JsonObject().put("keep", 1).put("drop", 2)));
    String id = agent.getString("agent_id");

    HttpResponse<Buffer> patched = http.patch("/agents/" + id, new JsonObject()
        .put("name", "patched")
        .put("llm_config", new JsonObject().put("provider", "dummy").put("response", "hello"))
        .put("metadata", new JsonObject().put("drop", null).put("added", "yes")));

    assertThat(patched.statusCode()).as(patched.bodyAsString()).isEqualTo(200);
    JsonObject updated = patched.bodyAsJsonObject();
    assertThat(updated.getString("name")).isEqualTo("patched");
    assertThat(updated.getJsonObject("llm_config")).isEqualTo(new JsonObject().put("provider", "dummy").put("response", "hello"));
    assertThat(updated.getJsonObject("metadata"))
        .isEqualTo(new JsonObject().put("keep", 1).put("added", "yes"));
    assertThat(updated.getJsonArray("mcp_servers")).isEqualTo(agent.getJsonArray("mcp_servers"));
    assertThat(updated.getString("system_prompt")).isEqualTo(agent.getString("system_prompt"));
    assertThat(updated.getString("created_at")).isEqualTo(agent.getString("created_at"));
    assertThat(updated.getString("updated_at")).isGreaterThanOrEqualTo(agent.getString("updated_at"));
    assertThat(http.get("/agents/" + id).bodyAsJsonObject()).isEqualTo(updated);

    JsonObject cleared = http.patch("/agents/" + id, new JsonObject().put("system_prompt", null).put("mcp_servers", "")).bodyAsJsonObject();
    assertThat(cleared.getValue("system_prompt")).isNull();
    assertThat(cleared.getJsonArray("mcp_servers")).isEmpty();
  }

  @Test
  @DisplayName("a bad PATCH is refused whole: empty body, null metadata, bad settings")
  void badPatch() {
    String id = create(seedAgent("bad-patch")).getString("agent_id");

    assertThat(assertInvalid(http.patch("/agents/" + id, new JsonObject()))).containsExactly("body");
    assertThat(assertInvalid(http.patch("/agents/" + id, new JsonObject().put("metadata", null).put("name", null)
        .put("llm_config", new JsonObject().put("max_tokens", 0))))).containsExactlyInAnyOrder("metadata", "name", "llm_config.max_tokens");
    assertThat(http.get("/agents/" + id).bodyAsJsonObject().getString("name")).isEqualTo("bad-patch");
  }

  @Test
  @DisplayName("DELETE removes an agent: it is gone from GET and from the list")
  void delete() {
    String prefix = "del-" + UUID.randomUUID() + "-";
    String id = create(seedAgent(prefix + "a")).getString("agent_id");

    HttpResponse<Buffer> deleted = http.delete("/agents/" + id);

    assertThat(deleted.statusCode()).isEqualTo(200);
    assertThat(deleted.bodyAsJsonObject()).isEqualTo(new JsonObject().put("agent_id", id).put("deleted", true));
    assertError(http.get("/agents/" + id), 404, "AGENT_NOT_FOUND");
    assertThat(listAll("name_prefix=" + prefix, 10)).isEmpty();
  }

  @Test
  @DisplayName("the list filters by name prefix (taken literally) and pages by cursor in creation order")
  void listByPrefix() {
    String prefix = "list-" + UUID.randomUUID().toString().substring(0, 8) + ".*-";
    List<String> created = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      created.add(create(new JsonObject().put("name", prefix + i)).getString("agent_id"));
    }
    create(new JsonObject().put("name", prefix.replace(".*", "xx") + "other"));

    assertThat(listAll("name_prefix=" + prefix.replace("*", "%2A"), 2)).containsExactlyElementsOf(created);
    assertThat(assertInvalid(http.get("/agents?limit=abc"))).containsExactly("limit");
  }

  @Test
  @DisplayName("POST /agents with an Idempotency-Key creates one agent; the retry replays the first response")
  void idempotentCreate() {
    String name = "idem-" + UUID.randomUUID();
    JsonObject body = seedAgent(name);

    HttpResponse<Buffer> first = HttpCalls.await(http.request(HttpMethod.POST, "/agents")
        .putHeader("Idempotency-Key", name).sendJsonObject(body));
    HttpResponse<Buffer> retry = HttpCalls.await(http.request(HttpMethod.POST, "/agents")
        .putHeader("Idempotency-Key", name).sendJsonObject(body));

    assertThat(first.statusCode()).isEqualTo(201);
    assertThat(retry.statusCode()).isEqualTo(201);
    assertThat(retry.getHeader("Idempotent-Replayed")).isEqualTo("true");
    assertThat(retry.bodyAsJsonObject()).isEqualTo(first.bodyAsJsonObject());
    assertThat(retry.getHeader("Location")).isEqualTo(first.getHeader("Location"));
    assertThat(listAll("name_prefix=" + name, 10)).containsExactly(first.bodyAsJsonObject().getString("agent_id"));
  }
}
