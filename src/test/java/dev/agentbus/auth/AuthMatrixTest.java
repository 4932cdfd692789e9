package dev.agentbus.auth;

import static dev.agentbus.auth.AuthFixtures.ADMIN_KEY;
import static dev.agentbus.auth.AuthFixtures.JWT_SECRET;
import static dev.agentbus.auth.AuthFixtures.bearer;
import static dev.agentbus.auth.AuthFixtures.claims;
import static dev.agentbus.auth.AuthFixtures.jwt;
import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.support.SseClient;
import dev.agentbus.support.TestNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Every route group on REST, SSE and WebSocket against every kind of bad and good credential. */
class AuthMatrixTest {
  static TestNode node;
  static WebSocketClient sockets;
  static String sessionId;

  /** One route of each group: method and path below /api/v1. */
  static final List<String[]> ROUTES = List.of(
      new String[] {"GET", "/sessions"}, new String[] {"POST", "/sessions"}, new String[] {"GET", "/sessions/S"},
      new String[] {"PATCH", "/sessions/S"}, new String[] {"DELETE", "/sessions/S"}, new String[] {"POST", "/sessions/S/tokens"},
      new String[] {"GET", "/sessions/S/commands"}, new String[] {"POST", "/sessions/S/commands"},
      new String[] {"POST", "/sessions/S/commands/batch"}, new String[] {"GET", "/sessions/S/events"},
      new String[] {"POST", "/sessions/S/events"}, new String[] {"GET", "/sessions/S/messages"},
      new String[] {"GET", "/sessions/S/tools"}, new String[] {"POST", "/sessions/S/tools"},
      new String[] {"POST", "/sessions/S/handlers/commands"}, new String[] {"GET", "/sessions/S/handlers/events"},
      new String[] {"GET", "/engines"}, new String[] {"POST", "/engines"}, new String[] {"POST", "/engines/e/execute"},
      new String[] {"GET", "/agents"}, new String[] {"POST", "/agents"}, new String[] {"POST", "/chat"},
      new String[] {"GET", "/chat/S"}, new String[] {"POST", "/chat/S/stream"}, new String[] {"POST", "/infer"},
      new String[] {"GET", "/status/r"}, new String[] {"GET", "/result/r"}, new String[] {"GET", "/keys"},
      new String[] {"POST", "/keys"}, new String[] {"GET", "/mcp-servers"}, new String[] {"GET", "/tools"},
      new String[] {"GET", "/handlers/commands"}, new String[] {"GET", "/handlers/dead-letters"},
      new String[] {"POST", "/internal/chat/stream"}, new String[] {"GET", "/no/such/route"});
  static final List<String> STREAMS = List.of("/sessions/S/events/sse", "/stream/r", "/sessions/S/commands/c/stream");
  static final List<String> SOCKETS = List.of("/ws", "/sessions/S/events/stream");

  @BeforeAll
  static void start() {
    node = TestNode.start(AuthFixtures.authConfig());
    sockets = node.vertx().createWebSocketClient();
    sessionId = AuthFixtures.call(node, HttpMethod.POST, "/sessions", bearer(ADMIN_KEY), new JsonObject()).bodyAsJsonObject().getString("session_id");
  }

  @AfterAll
  static void stop() {
    sockets.close().await();
    node.close();
  }

  private static HttpResponse<Buffer> call(String method, String path, Map<String, String> headers) {
    JsonObject body = method.equals("GET") || method.equals("DELETE") ? null : new JsonObject();
    return AuthFixtures.call(node, HttpMethod.valueOf(method), path.replace("/S", "/" + sessionId), headers, body);
  }

  private static void assertUnauthenticated(HttpResponse<Buffer> response, String what) {
    assertThat(response.statusCode()).as(what).isEqualTo(401);
    assertThat(response.getHeader("WWW-Authenticate")).as(what).startsWith("Bearer");
    assertThat(response.bodyAsJsonObject().getJsonObject("error").getString("code")).as(what).isEqualTo("UNAUTHENTICATED");
  }

  /** The status a WebSocket upgrade is refused with (0 when it was accepted). */
  private static int upgrade(String path, Map<String, String> headers) {
    WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(node.port())
        .setURI("/api/v1" + path.replace("/S", "/" + sessionId));
    headers.forEach(options::addHeader);
    try {
      sockets.connect(options).await().close().await();
      return 0;
    } catch (UpgradeRejectedException refused) {
      return refused.getStatus();
    }
  }

  @Test
  @DisplayName("without credentials every route group is 401 UNAUTHENTICATED with WWW-Authenticate, streams and sockets too")
  void noCredentials() {
    for (String[] route : ROUTES) {
      assertUnauthenticated(call(route[0], route[1], Map.of()), route[0] + " " + route[1]);
    }
    for (String stream : STREAMS) {
      assertUnauthenticated(call("GET", stream, Map.of("Accept", "text/event-stream")), "SSE " + stream);
    }
    for (String socket : SOCKETS) {
      assertThat(upgrade(socket, Map.of())).as("WS " + socket).isEqualTo(401);
    }
  }

  @Test
  @DisplayName("health/live and readiness stay open without credentials")
  void healthIsOpen() {
    assertThat(call("GET", "/health/live", Map.of()).statusCode()).isEqualTo(200);
    assertThat(call("GET", "/health/ready", Map.of()).statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("a malformed Authorization, an unknown API key, an unknown session token and garbage are all 401")
  void malformedAndUnknown() {
    for (Map<String, String> headers : List.of(Map.of("Authorization", "Basic YWRtaW46YWRtaW4="), Map.of("Authorization", "Bearer"),
        bearer("abk_unknownunknownunknown"), Map.of("X-API-Key", "abk_nope"), Map.of("X-Session-Token", "abt_nope"),
        bearer("not-a-credential"), bearer(ADMIN_KEY + "x"))) {
      assertUnauthenticated(call("GET", "/sessions", headers), headers.toString());
      assertThat(upgrade("/ws", headers)).as("WS " + headers).isEqualTo(401);
    }
  }

  @Test
  @DisplayName("the admin key, as Bearer or X-API-Key, passes every route group including the admin-only ones")
  void adminPassesEverything() {
    for (Map<String, String> headers : List.of(bearer(ADMIN_KEY), Map.of("X-API-Key", ADMIN_KEY))) {
      assertThat(call("GET", "/sessions", headers).statusCode()).isEqualTo(200);
      assertThat(call("GET", "/keys", headers).statusCode()).isEqualTo(200);
      assertThat(call("GET", "/mcp-servers", headers).statusCode()).isEqualTo(200);
      assertThat(call("GET", "/tools", headers).statusCode()).isEqualTo(200);
      assertThat(call("GET", "/handlers/commands", headers).statusCode()).isEqualTo(200);
      assertThat(upgrade("/ws", headers)).isZero();
      assertThat(upgrade("/sessions/S/events/stream", headers)).isZero();
    }
  }

  @Test
  @DisplayName("an API key: created once with its secret, listed without it, limited to its scopes (403 naming the scope), revoked at once")
  void apiKeyLifecycle() {
    HttpResponse<Buffer> created = AuthFixtures.call(node, HttpMethod.POST, "/keys", bearer(ADMIN_KEY), new JsonObject().put("name", "reader")
        .put("tenant_id", "default").put("scopes", new JsonArray().add("sessions:read").add("events:read")).put("tier", "premium"));
    assertThat(created.statusCode()).isEqualTo(201);
    String key = created.bodyAsJsonObject().getString("key");
    String keyId = created.bodyAsJsonObject().getString("key_id");
    assertThat(key).startsWith("abk_").hasSizeGreaterThan(40);
    // the tenant of the admin's sessions, so the key reads the session the stream below follows
    assertThat(created.bodyAsJsonObject().getString("tenant_id")).isEqualTo("default");

    String listed = call("GET", "/keys", bearer(ADMIN_KEY)).bodyAsString();
    assertThat(listed).contains(keyId).doesNotContain(key).doesNotContain(Secrets.hash(key));
    assertThat(call("GET", "/keys/" + keyId, bearer(ADMIN_KEY)).bodyAsString()).contains(keyId).doesNotContain(key);

    assertThat(call("GET", "/sessions", bearer(key)).statusCode()).isEqualTo(200);
    assertThat(call("GET", "/sessions", Map.of("X-API-Key", key)).statusCode()).isEqualTo(200);
    SseClient.open(node, "/sessions/" + sessionId + "/events/sse?after_seq=0", bearer(key)).close();
    HttpResponse<Buffer> write = call("POST", "/sessions", bearer(key));
    assertThat(write.statusCode()).isEqualTo(403);
    assertThat(write.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("FORBIDDEN");
    assertThat(write.bodyAsString()).contains("sessions:write").doesNotContain(key);
    assertThat(write.getHeader("WWW-Authenticate")).contains("insufficient_scope").contains("sessions:write");
    assertThat(call("GET", "/keys", bearer(key)).statusCode()).as("keys are the admin's").isEqualTo(403);
    for (String tenantWide : List.of("/mcp-servers", "/tools", "/handlers/commands", "/handlers/dead-letters")) {
      assertThat(call("GET", tenantWide, bearer(key)).statusCode()).as("the tenant's own " + tenantWide).isEqualTo(200);
      assertThat(call("POST", tenantWide, bearer(key)).statusCode()).as("writing " + tenantWide + " needs its scope")
          .isEqualTo(403);
    }
    assertThat(upgrade("/ws", bearer(key))).as("the infer socket runs prompts: commands:write").isEqualTo(403);

    assertThat(call("DELETE", "/keys/" + keyId, bearer(ADMIN_KEY)).statusCode()).isEqualTo(200);
    assertUnauthenticated(call("GET", "/sessions", bearer(key)), "revoked");
    assertThat(upgrade("/sessions/S/events/stream", bearer(key))).isEqualTo(401);
    assertThat(call("GET", "/keys/" + keyId, bearer(ADMIN_KEY)).statusCode()).isEqualTo(404);
  }

  @Test
  @DisplayName("a valid JWT maps its scope claim; expired, alg none, wrong issuer or audience, not-yet-valid and wrongly signed ones are 401")
  void jwts() {
    String valid = jwt("HS256", claims("sessions:read sessions:write"), JWT_SECRET);
    assertThat(call("GET", "/sessions", bearer(valid)).statusCode()).isEqualTo(200);
    assertThat(call("POST", "/sessions", bearer(valid)).statusCode()).isEqualTo(201);
    HttpResponse<Buffer> lacking = call("POST", "/sessions/S/commands", bearer(valid));
    assertThat(lacking.statusCode()).isEqualTo(403);
    assertThat(lacking.bodyAsString()).contains("commands:write");

    long now = System.currentTimeMillis() / 1000;
    Map<String, String> bad = Map.of(
        "expired", jwt("HS256", claims("sessions:read").put("exp", now - 60), JWT_SECRET),
        "alg none", jwt("none", claims("sessions:read"), null),
        "wrong issuer", jwt("HS256", claims("sessions:read").put("iss", "https://evil.test"), JWT_SECRET),
        "wrong audience", jwt("HS256", claims("sessions:read").put("aud", "someone-else"), JWT_SECRET),
        "not yet valid", jwt("HS256", claims("sessions:read").put("nbf", now + 120), JWT_SECRET),
        "wrong key", jwt("HS256", claims("sessions:read"), JWT_SECRET + "x"),
        "no exp", jwt("HS256", claims("sessions:read").put("exp", (Object) null), JWT_SECRET),
        "HS384", jwt("HS256", claims("sessions:read"), JWT_SECRET).replaceFirst("^[^.]+",
            java.util.Base64.getUrlEncoder().withoutPadding().encodeToString("{\"alg\":\"HS384\",\"typ\":\"JWT\"}".getBytes())));
    bad.forEach((what, token) -> {
      assertUnauthenticated(call("GET", "/sessions", bearer(token)), what);
      assertThat(call("GET", "/sessions", bearer(token)).bodyAsString()).as(what).doesNotContain(token);
    });
    String skewed = jwt("HS256", claims("sessions:read").put("exp", now - 2), JWT_SECRET);
    assertThat(call("GET", "/sessions", bearer(skewed)).statusCode()).as("within the clock skew").isEqualTo(200);
  }

  @Test
  @DisplayName("a session token grants its one session (header or ?access_token= on its streams), 403 elsewhere, 401 after the session is deleted")
  void sessionTokens() {
    String own = AuthFixtures.call(node, HttpMethod.POST, "/sessions", bearer(ADMIN_KEY), new JsonObject()).bodyAsJsonObject().getString("session_id");
    String other = AuthFixtures.call(node, HttpMethod.POST, "/sessions", bearer(ADMIN_KEY), new JsonObject()).bodyAsJsonObject().getString("session_id");
    HttpResponse<Buffer> made = AuthFixtures.call(node, HttpMethod.POST, "/sessions/" + own + "/tokens", bearer(ADMIN_KEY),
        new JsonObject().put("ttl_seconds", 600));
    assertThat(made.statusCode()).isEqualTo(201);
    String token = made.bodyAsJsonObject().getString("token");
    assertThat(token).startsWith("abt_");
    assertThat(made.bodyAsJsonObject().getString("expires_at")).isNotBlank();

    Map<String, String> header = Map.of("X-Session-Token", token);
    assertThat(AuthFixtures.call(node, HttpMethod.GET, "/sessions/" + own + "/events", header, null).statusCode()).isEqualTo(200);
    assertThat(AuthFixtures.call(node, HttpMethod.POST, "/sessions/" + own + "/events", header,
        new JsonObject().put("event_type", "note.added").put("data", new JsonObject())).statusCode()).isEqualTo(201);
    SseClient.open(node, "/sessions/" + own + "/events/sse?after_seq=0&access_token=" + token).close();
    assertThat(upgrade("/sessions/" + own + "/events/stream?access_token=" + token, Map.of())).isZero();

    assertThat(AuthFixtures.call(node, HttpMethod.GET, "/sessions/" + other + "/events", header, null).statusCode()).isEqualTo(403);
    assertThat(upgrade("/sessions/" + other + "/events/stream?access_token=" + token, Map.of())).isEqualTo(403);
    assertThat(AuthFixtures.call(node, HttpMethod.GET, "/sessions", header, null).statusCode()).isEqualTo(403);
    assertThat(AuthFixtures.call(node, HttpMethod.GET, "/sessions/" + own, header, null).statusCode())
        .as("sessions:read is not among the default scopes").isEqualTo(403);

    assertThat(call("DELETE", "/sessions/" + own, bearer(ADMIN_KEY)).statusCode()).isEqualTo(200);
    assertUnauthenticated(AuthFixtures.call(node, HttpMethod.GET, "/sessions/" + own + "/events", header, null), "after delete");
  }

  @Test
  @DisplayName("a session token past its ttl_seconds is 401")
  void expiredSessionToken() {
    String token = AuthFixtures.call(node, HttpMethod.POST, "/sessions/" + sessionId + "/tokens", bearer(ADMIN_KEY),
        new JsonObject().put("ttl_seconds", 1)).bodyAsJsonObject().getString("token");
    Map<String, String> header = Map.of("X-Session-Token", token);
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    int status = 200;
    while (status == 200 && System.nanoTime() < deadline) {
      status = AuthFixtures.call(node, HttpMethod.GET, "/sessions/" + sessionId + "/events", header, null).statusCode();
    }
    assertThat(status).isEqualTo(401);
  }

  @Test
  @DisplayName("credentials in the query string are refused outside SSE and WebSocket routes, and never echoed")
  void queryCredentials() {
    for (String param : List.of("access_token", "api_key", "key")) {
      HttpResponse<Buffer> refused = call("GET", "/sessions?" + param + "=" + ADMIN_KEY, Map.of());
      assertThat(refused.statusCode()).as(param).isEqualTo(401);
      assertThat(refused.bodyAsString()).doesNotContain(ADMIN_KEY);
    }
    assertThat(call("GET", "/sessions?access_token=" + ADMIN_KEY, bearer(ADMIN_KEY)).statusCode())
        .as("refused even beside a header").isEqualTo(401);
    SseClient.open(node, "/sessions/" + sessionId + "/events/sse?after_seq=0&access_token=" + ADMIN_KEY).close();
    assertThat(upgrade("/ws?access_token=" + ADMIN_KEY, Map.of())).isZero();
    assertThat(upgrade("/ws?api_key=" + ADMIN_KEY, Map.of())).isEqualTo(401);
  }

  @Test
  @DisplayName("scopes are checked per route: a key with events:read may read events but neither publish nor run commands")
  void scopesPerRoute() {
    String key = AuthFixtures.call(node, HttpMethod.POST, "/keys", bearer(ADMIN_KEY), new JsonObject().put("name", "events")
        .put("scopes", new JsonArray().add("events:read"))).bodyAsJsonObject().getString("key");
    assertThat(call("GET", "/sessions/S/events", bearer(key)).statusCode()).isEqualTo(200);
    assertThat(call("POST", "/sessions/S/events", bearer(key)).statusCode()).isEqualTo(403);
    assertThat(call("POST", "/sessions/S/commands", bearer(key)).statusCode()).isEqualTo(403);
    assertThat(call("POST", "/engines", bearer(key)).statusCode()).isEqualTo(403);
    assertThat(call("POST", "/sessions/S/handlers/commands", bearer(key)).statusCode()).isEqualTo(403);
    assertThat(call("POST", "/sessions/S/tools", bearer(key)).statusCode()).isEqualTo(403);
    assertThat(call("POST", "/keys", bearer(key)).statusCode()).isEqualTo(403);
  }

  @Test
  @DisplayName("on a session's WebSocket, publish and command frames need events:write and commands:write: a read-only key gets FORBIDDEN frames")
  void socketFramesNeedTheirScopes() throws Exception {
    String key = AuthFixtures.call(node, HttpMethod.POST, "/keys", bearer(ADMIN_KEY), new JsonObject().put("name", "socket-reader")
        .put("scopes", new JsonArray().add("events:read"))).bodyAsJsonObject().getString("key");
    WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(node.port())
        .setURI("/api/v1/sessions/" + sessionId + "/events/stream?access_token=" + key);
    java.util.concurrent.LinkedBlockingQueue<JsonObject> frames = new java.util.concurrent.LinkedBlockingQueue<>();
    var socket = sockets.connect(options).await();
    socket.textMessageHandler(text -> frames.add(new JsonObject(text)));
    socket.writeTextMessage(new JsonObject().put("type", "publish").put("request_id", "p1").put("event_type", "note.added")
        .put("data", new JsonObject()).encode()).await();
    socket.writeTextMessage(new JsonObject().put("type", "command").put("request_id", "c1").put("command_type", "echo")
        .put("parameters", new JsonObject()).encode()).await();
    java.util.Map<String, String> codes = new java.util.HashMap<>();
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (codes.size() < 2 && System.nanoTime() < deadline) {
      JsonObject frame = frames.poll(100, java.util.concurrent.TimeUnit.MILLISECONDS);
      if (frame != null && frame.getString("request_id") != null) {
        codes.put(frame.getString("request_id"), frame.getString("type").equals("error")
            ? frame.getJsonObject("error").getString("code") : frame.getString("type"));
      }
    }
    socket.close().await();
    assertThat(codes).containsEntry("p1", "FORBIDDEN").containsEntry("c1", "FORBIDDEN");
  }

  @Test
  @DisplayName("every bus request of an HTTP request carries its principal: a JWT's subject, tenant claim and scopes, an API key's tenant and tier")
  void principalOnTheBus() {
    java.util.concurrent.ConcurrentLinkedQueue<String> seen = new java.util.concurrent.ConcurrentLinkedQueue<>();
    io.vertx.core.Handler<io.vertx.core.eventbus.DeliveryContext<Object>> interceptor = delivery -> {
      if (delivery.message().address().equals(dev.agentbus.bus.Addresses.SESSION_LIST)) {
        seen.add(String.valueOf(delivery.message().headers().get(dev.agentbus.bus.Headers.PRINCIPAL)));
      }
      delivery.next();
    };
    node.vertx().eventBus().addOutboundInterceptor(interceptor);
    try {
      assertThat(call("GET", "/sessions", bearer(jwt("HS256", claims("sessions:read events:read bogus"), JWT_SECRET))).statusCode())
          .isEqualTo(200);
      String key = AuthFixtures.call(node, HttpMethod.POST, "/keys", bearer(ADMIN_KEY), new JsonObject().put("name", "t")
          .put("tenant_id", "globex").put("tier", "premium").put("scopes", new JsonArray().add("sessions:read")))
          .bodyAsJsonObject().getString("key");
      assertThat(call("GET", "/sessions", bearer(key)).statusCode()).isEqualTo(200);
    } finally {
      node.vertx().eventBus().removeOutboundInterceptor(interceptor);
    }
    List<Principal> principals = seen.stream().map(header -> Principal.fromJson(new JsonObject(header))).toList();
    assertThat(principals).hasSize(2);
    assertThat(principals.get(0)).isEqualTo(new Principal("jwt", "user-1", "acme", java.util.Set.of("sessions:read", "events:read"),
        "default", null));
    assertThat(principals.get(1).kind()).isEqualTo("key");
    assertThat(principals.get(1).tenantId()).isEqualTo("globex");
    assertThat(principals.get(1).tier()).isEqualTo("premium");
    assertThat(seen).as("no secret on the bus").noneMatch(header -> header.contains("abk_") || header.contains("eyJ"));
  }

  @Test
  @DisplayName("a handler's callbacks (result, progress) are authenticated by their callback token: none or a wrong one is 401, an API key is no substitute")
  void callbacksNeedTheirToken() {
    JsonObject progress = new JsonObject().put("event_type", "handler.progress").put("command_id", "cmd_unknown").put("data", new JsonObject());
    JsonObject result = new JsonObject().put("result", new JsonObject());
    for (Map<String, String> headers : List.<Map<String, String>>of(Map.of(), bearer("9999999999999.forged"), bearer(ADMIN_KEY))) {
      assertThat(AuthFixtures.call(node, HttpMethod.POST, "/sessions/" + sessionId + "/commands/cmd_unknown/result", headers, result)
          .statusCode()).as("result " + headers.keySet()).isIn(401, 404);
      assertThat(AuthFixtures.call(node, HttpMethod.POST, "/sessions/" + sessionId + "/events", headers, progress)
          .statusCode()).as("progress " + headers.keySet()).isIn(401, 404);
    }
    assertUnauthenticated(AuthFixtures.call(node, HttpMethod.POST, "/sessions/" + sessionId + "/commands/cmd_unknown/result",
        Map.of(), result), "result without a token");
  }
}
