package dev.agentbus.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.Tenants;
import dev.agentbus.support.TestNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The tenancy rows of the auth matrix: one tenant's key, holding every scope but {@code admin},
 * against another tenant's resources over every route group — REST, SSE and WebSocket. Each is 404
 * (never 403: the resource's existence is not revealed), and the owner's resources survive.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@DisplayName("Another tenant's resources are not found, on every route group")
class AuthTenancyMatrixTest {
  static TestNode node;
  static WebSocketClient sockets;
  static HttpCalls acme;
  static String globexKey;
  static HttpCalls globex;
  static String session;
  static String command;
  static String event;
  static String engine;
  static String agent;

  @BeforeAll
  static void start() {
    node = TestNode.start(Tenants.config());
    sockets = node.vertx().createWebSocketClient();
    acme = Tenants.as(node, "acme");
    globexKey = Tenants.key(node, "globex");
    globex = new HttpCalls(node, globexKey);

    session = acme.createSession(new JsonObject().put("name", "acme-only")).getString("session_id");
    command = created(acme.post("/sessions/" + session + "/commands?wait=10",
        new JsonObject().put("command_type", "echo").put("parameters", new JsonObject().put("x", 1))), "command_id");
    event = created(acme.post("/sessions/" + session + "/events",
        new JsonObject().put("event_type", "app.note").put("data", new JsonObject())), "event_id");
    engine = created(acme.post("/engines", new JsonObject().put("engine_type", "dummy").put("session_id", session)), "engine_id");
    agent = created(acme.post("/agents", new JsonObject().put("name", "acme-agent")), "agent_id");
    assertThat(acme.post("/sessions/" + session + "/tools", tool("acme.quote")).statusCode()).isEqualTo(201);
    assertThat(acme.post("/tools", tool("acme.global")).statusCode()).isEqualTo(201);
    assertThat(acme.post("/sessions/" + session + "/handlers/commands", new JsonObject().put("command_type", "acme.reserve")
        .put("handler", new JsonObject().put("kind", "bus").put("address", "acme.reserve"))).statusCode()).isEqualTo(201);
    assertThat(acme.post("/handlers/commands", new JsonObject().put("command_type", "acme.global")
        .put("handler", new JsonObject().put("kind", "bus").put("address", "acme.global"))).statusCode()).isEqualTo(201);
  }

  @AfterAll
  static void stop() {
    if (sockets != null) {
      sockets.close().await();
    }
    if (node != null) {
      node.close();
    }
  }

  private static String created(HttpResponse<Buffer> response, String idField) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isBetween(200, 202);
    return response.bodyAsJsonObject().getString(idField);
  }

  private static JsonObject tool(String name) {
    return new JsonObject().put("name", name).put("description", "a tool of acme")
        .put("parameters", new JsonObject().put("type", "object"))
        .put("implementation", new JsonObject().put("kind", "bus").put("address", name).put("timeout_ms", 2000));
  }

  private static String uri(String path) {
    return path.replace("{S}", session).replace("{C}", command).replace("{E}", event).replace("{ENG}", engine)
        .replace("{A}", agent);
  }

  @Test
  @DisplayName("REST: every route naming another tenant's session, command, event, engine, agent, tool or handler is 404")
  void restRoutesAreNotFound() {
    JsonObject prompt = new JsonObject().put("command_type", "echo").put("parameters", new JsonObject());
    List<Object[]> routes = List.of(
        new Object[] {HttpMethod.GET, "/sessions/{S}", null},
        new Object[] {HttpMethod.PATCH, "/sessions/{S}", new JsonObject().put("name", "x")},
        new Object[] {HttpMethod.DELETE, "/sessions/{S}", null},
        new Object[] {HttpMethod.POST, "/sessions/{S}/tokens", new JsonObject()},
        new Object[] {HttpMethod.POST, "/sessions/{S}/commands", prompt},
        new Object[] {HttpMethod.POST, "/sessions/{S}/commands/batch", new JsonObject().put("commands", new JsonArray().add(prompt))},
        new Object[] {HttpMethod.GET, "/sessions/{S}/commands", null},
        new Object[] {HttpMethod.GET, "/sessions/{S}/commands/{C}", null},
        new Object[] {HttpMethod.POST, "/sessions/{S}/commands/{C}/cancel", new JsonObject()},
        new Object[] {HttpMethod.GET, "/sessions/{S}/events", null},
        new Object[] {HttpMethod.GET, "/sessions/{S}/events/{E}", null},
        new Object[] {HttpMethod.POST, "/sessions/{S}/events", new JsonObject().put("event_type", "app.x").put("data", new JsonObject())},
        new Object[] {HttpMethod.GET, "/sessions/{S}/messages", null},
        new Object[] {HttpMethod.GET, "/sessions/{S}/tools", null},
        new Object[] {HttpMethod.GET, "/sessions/{S}/tools/acme.quote", null},
        new Object[] {HttpMethod.POST, "/sessions/{S}/tools", tool("globex.sneak")},
        new Object[] {HttpMethod.POST, "/sessions/{S}/tools/acme.quote/execute", new JsonObject().put("arguments", new JsonObject())},
        new Object[] {HttpMethod.GET, "/sessions/{S}/handlers/commands", null},
        new Object[] {HttpMethod.GET, "/sessions/{S}/handlers/events", null},
        new Object[] {HttpMethod.GET, "/chat/{S}", null},
        new Object[] {HttpMethod.GET, "/status/{C}", null},
        new Object[] {HttpMethod.GET, "/result/{C}", null},
        new Object[] {HttpMethod.GET, "/engines/{ENG}", null},
        new Object[] {HttpMethod.POST, "/engines/{ENG}/execute", new JsonObject().put("prompt", "hi")},
        new Object[] {HttpMethod.DELETE, "/engines/{ENG}", null},
        new Object[] {HttpMethod.GET, "/agents/{A}", null},
        new Object[] {HttpMethod.PATCH, "/agents/{A}", new JsonObject().put("system_prompt", "x")},
        new Object[] {HttpMethod.DELETE, "/agents/{A}", null},
        new Object[] {HttpMethod.GET, "/tools/acme.global", null},
        new Object[] {HttpMethod.DELETE, "/tools/acme.global", null},
        new Object[] {HttpMethod.DELETE, "/handlers/commands/acme.global", null});
    List<String> wrong = new ArrayList<>();
    for (Object[] route : routes) {
      String path = uri((String) route[1]);
      HttpResponse<Buffer> response = route[2] == null
          ? HttpCalls.await(globex.request((HttpMethod) route[0], path).send())
          : HttpCalls.await(globex.request((HttpMethod) route[0], path).sendJsonObject((JsonObject) route[2]));
      if (response.statusCode() != 404 || !response.bodyAsJsonObject().getJsonObject("error").getString("code").endsWith("NOT_FOUND")) {
        wrong.add(route[0] + " " + route[1] + " → " + response.statusCode() + " " + response.bodyAsString());
      }
    }
    assertThat(wrong).as("routes that did not answer 404 *_NOT_FOUND").isEmpty();

    assertThat(acme.get("/sessions/" + session).statusCode()).as("the owner's session survives").isEqualTo(200);
    assertThat(acme.get("/sessions/" + session + "/commands/" + command).bodyAsJsonObject().getString("status"))
        .isEqualTo("completed");
    assertThat(acme.get("/engines/" + engine).statusCode()).isEqualTo(200);
    assertThat(acme.get("/agents/" + agent).statusCode()).isEqualTo(200);
    assertThat(acme.get("/tools/acme.global").statusCode()).isEqualTo(200);
    assertThat(acme.get("/sessions/" + session + "/tools/acme.quote").statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("lists show a tenant only its own: sessions, engines, agents, tools, handlers")
  void listsHideOtherTenants() {
    for (String list : List.of("/sessions", "/engines", "/agents", "/tools", "/handlers/commands")) {
      HttpResponse<Buffer> page = globex.get(list);
      assertThat(page.statusCode()).as(list + ": " + page.bodyAsString()).isEqualTo(200);
      assertThat(page.bodyAsString()).as(list).doesNotContain(session).doesNotContain(engine).doesNotContain(agent)
          .doesNotContain("acme.global");
      assertThat(acme.get(list).bodyAsString()).as("the owner lists " + list)
          .containsAnyOf(session, engine, agent, "acme.global");
    }
  }

  @Test
  @DisplayName("SSE and WebSocket streams of another tenant's session or command are refused with 404 before anything streams")
  void streamsAreNotFound() {
    for (String stream : List.of("/sessions/{S}/events/sse?after_seq=0", "/sessions/{S}/commands/{C}/stream", "/stream/{C}")) {
      HttpResponse<Buffer> response = HttpCalls.await(globex.request(HttpMethod.GET, uri(stream))
          .putHeader("Accept", "text/event-stream").send());
      assertThat(response.statusCode()).as("SSE " + stream + ": " + response.bodyAsString()).isEqualTo(404);
      assertThat(response.bodyAsString()).as(stream).doesNotContain("app.note");
    }
    WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(node.port())
        .setURI("/api/v1/sessions/" + session + "/events/stream").addHeader("Authorization", "Bearer " + globexKey);
    int refused;
    try {
      sockets.connect(options).await().close().await();
      refused = 0;
    } catch (UpgradeRejectedException rejected) {
      refused = rejected.getStatus();
    }
    assertThat(refused).as("the session WebSocket of another tenant").isEqualTo(404);
  }
}
