package dev.agentbus.handler;

import static dev.agentbus.support.HttpCalls.assertError;
import static dev.agentbus.support.HttpCalls.assertInvalid;
import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.TestNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Registering, listing and removing command handlers; resolution; refusals. */
class HandlerRegistrationTest {
  static TestNode node;
  static HttpCalls http;

  @BeforeAll
  static void start() {
    node = TestNode.start(new JsonObject()
        .put("security", new JsonObject().put("allowed_hosts", new JsonArray().add("127.0.0.1"))));
    http = new HttpCalls(node);
    node.vertx().eventBus().<JsonObject>consumer("test.scope.session", m -> m.reply(new JsonObject().put("scope", "session")));
    node.vertx().eventBus().<JsonObject>consumer("test.scope.global", m -> m.reply(new JsonObject().put("scope", "global")));
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  static String session() {
    return http.createSession(new JsonObject()).getString("session_id");
  }

  static JsonObject webhook(String url) {
    return new JsonObject().put("kind", "webhook").put("url", url);
  }

  static JsonObject bus(String address) {
    return new JsonObject().put("kind", "bus").put("address", address);
  }

  static HttpResponse<Buffer> register(String base, String type, JsonObject handler) {
    return http.post(base + "/handlers/commands", new JsonObject().put("command_type", type).put("handler", handler));
  }

  @Test
  @DisplayName("a registration retried with the same Idempotency-Key replays the 201 without the secret, and the store keeps none")
  void idempotentReplayNeverShowsTheSecretAgain() {
    String session = session();
    JsonObject body = new JsonObject().put("command_type", "shop.replayed").put("handler", webhook("http://127.0.0.1:9/hook"));
    HttpResponse<Buffer> first = node.client().post("/api/v1/sessions/" + session + "/handlers/commands")
        .putHeader("Idempotency-Key", "register-once").sendJsonObject(body).await();
    assertThat(first.statusCode()).as(first.bodyAsString()).isEqualTo(201);
    assertThat(first.bodyAsJsonObject().getJsonObject("handler").getString("secret")).startsWith("whsec_");

    HttpResponse<Buffer> replay = node.client().post("/api/v1/sessions/" + session + "/handlers/commands")
        .putHeader("Idempotency-Key", "register-once").sendJsonObject(body).await();
    assertThat(replay.statusCode()).isEqualTo(201);
    assertThat(replay.getHeader("Idempotent-Replayed")).isEqualTo("true");
    assertThat(replay.bodyAsJsonObject().getString("handler_id")).isEqualTo(first.bodyAsJsonObject().getString("handler_id"));
    assertThat(replay.bodyAsString()).doesNotContain("whsec_");
    assertThat(node.mongo().find("idempotency_keys", new JsonObject()).await())
        .allSatisfy(record -> assertThat(record.encode()).doesNotContain("whsec_"));
  }

  @Test
  @DisplayName("a webhook registration answers 201 with the generated secret once; the listing never shows it")
  void createdShapeAndSecretOnce() {
    String session = session();
    HttpResponse<Buffer> created = register("/sessions/" + session, "shop.order", webhook("http://127.0.0.1:9/hook"));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    JsonObject body = created.bodyAsJsonObject();
    assertThat(body.getString("handler_id")).startsWith("hdl_");
    assertThat(body.getString("command_type")).isEqualTo("shop.order");
    assertThat(body.getString("scope")).isEqualTo("session");
    assertThat(body.getString("created_at")).isNotBlank();
    assertThat(body.getJsonObject("handler").getString("secret")).matches("whsec_[A-Za-z0-9+/=]{32}");
    assertThat(created.getHeader("Location")).isEqualTo("/api/v1/sessions/" + session + "/handlers/commands/shop.order");

    HttpResponse<Buffer> listed = http.get("/sessions/" + session + "/handlers/commands");
    assertThat(listed.statusCode()).isEqualTo(200);
    JsonObject only = listed.bodyAsJsonObject().getJsonArray("data").getJsonObject(0);
    assertThat(only.getString("handler_id")).isEqualTo(body.getString("handler_id"));
    assertThat(only.getJsonObject("handler").fieldNames()).containsExactlyInAnyOrder("kind", "url");
    assertThat(listed.bodyAsString()).doesNotContain("whsec_");
    assertThat(http.allEvents(session).stream().filter(e -> e.getString("event_type").equals("handler.registered")).toList())
        .singleElement().satisfies(e -> assertThat(e.encode()).doesNotContain("whsec_"));
  }

  @Test
  @DisplayName("a second handler of a type in one scope, or a handler of a built-in type, is 409")
  void conflicts() {
    String session = session();
    assertThat(register("/sessions/" + session, "dup.type", bus("test.scope.session")).statusCode()).isEqualTo(201);
    assertError(register("/sessions/" + session, "dup.type", bus("test.other")), 409, "CONFLICT");
    for (String builtIn : new String[] {"echo", "engine.prompt", "tool.call"}) {
      assertError(register("/sessions/" + session, builtIn, bus("test.other")), 409, "CONFLICT");
      assertError(register("", builtIn, bus("test.other")), 409, "CONFLICT");
    }
    assertThat(http.get("/sessions/" + session + "/handlers/commands").bodyAsJsonObject().getJsonArray("data")).hasSize(1);
  }

  @Test
  @DisplayName("a command resolves to the session's handler, then the global one; without either it is 422 HANDLER_NOT_FOUND")
  void resolution() {
    String withOwn = session();
    String without = session();
    assertThat(register("", "scope.probe", bus("test.scope.global")).statusCode()).isEqualTo(201);
    assertThat(register("/sessions/" + withOwn, "scope.probe", bus("test.scope.session")).statusCode()).isEqualTo(201);
    assertThat(run(withOwn, "scope.probe").getJsonObject("result")).isEqualTo(new JsonObject().put("scope", "session"));
    assertThat(run(without, "scope.probe").getJsonObject("result")).isEqualTo(new JsonObject().put("scope", "global"));
    assertThat(http.get("/handlers/commands").bodyAsJsonObject().getJsonArray("data").stream()
        .map(h -> ((JsonObject) h).getString("command_type"))).contains("scope.probe");

    assertThat(http.delete("/handlers/commands/scope.probe").statusCode()).isEqualTo(200);
    assertError(http.delete("/handlers/commands/scope.probe"), 404, "NOT_FOUND");
    assertError(http.post("/sessions/" + without + "/commands", new JsonObject().put("command_type", "scope.probe")),
        422, "HANDLER_NOT_FOUND");
    assertThat(http.delete("/sessions/" + withOwn + "/handlers/commands/scope.probe").statusCode()).isEqualTo(200);
    assertThat(http.allEvents(withOwn).stream().map(e -> e.getString("event_type"))).contains("handler.unregistered");
  }

  static JsonObject run(String session, String type) {
    HttpResponse<Buffer> done = http.post("/sessions/" + session + "/commands?wait=10", new JsonObject().put("command_type", type));
    assertThat(done.statusCode()).as(done.bodyAsString()).isEqualTo(200);
    return done.bodyAsJsonObject();
  }

  @Test
  @DisplayName("code in a registration is 422 UNSUPPORTED naming the alternatives, even when the rest of the body is invalid")
  void codeIsUnsupported() {
    String session = session();
    for (JsonObject body : new JsonObject[] {
        new JsonObject().put("command_type", "x").put("function_code", "print(1)"),
        new JsonObject().put("handler_function", "def f(): pass").put("handler", "nonsense"),
        new JsonObject().put("command_type", "x").put("handler", new JsonObject().put("kind", "python").put("code", "1"))}) {
      JsonObject error = assertError(http.post("/sessions/" + session + "/handlers/commands", body), 422, "UNSUPPORTED");
      assertThat(error.getString("message")).contains("webhook").contains("bus").contains("MCP");
      assertError(http.post("/handlers/commands", body), 422, "UNSUPPORTED");
    }
  }

  @Test
  @DisplayName("an unknown kind, a missing, blocked or malformed URL, a missing address are 400 naming the field; nothing is registered")
  void badInput() {
    String session = session();
    String base = "/sessions/" + session;
    assertThat(assertInvalid(register(base, "bad.kind", new JsonObject().put("kind", "lambda")))).contains("handler.kind");
    assertThat(assertInvalid(register(base, "bad.kind", new JsonObject()))).contains("handler.kind");
    assertThat(assertInvalid(register(base, "bad.url", new JsonObject().put("kind", "webhook")))).contains("handler.url");
    assertThat(assertInvalid(register(base, "bad.url", webhook("http://169.254.169.254/latest")))).containsExactly("handler.url");
    assertThat(assertInvalid(register(base, "bad.url", webhook("http://10.0.0.1/hook")))).containsExactly("handler.url");
    assertThat(assertInvalid(register(base, "bad.url", webhook("ftp://example.com/x")))).containsExactly("handler.url");
    assertThat(assertInvalid(register(base, "bad.url", webhook("not a url")))).containsExactly("handler.url");
    assertThat(assertInvalid(register(base, "bad.bus", new JsonObject().put("kind", "bus")))).contains("handler.address");
    assertThat(assertInvalid(register(base, "bad.bus", bus("agentbus.session.delete")))).contains("handler.address");
    assertThat(assertInvalid(register(base, "bad.secret", webhook("http://127.0.0.1:9/x").put("secret", "plain"))))
        .contains("handler.secret");
    assertThat(assertInvalid(register(base, "bad/type", bus("test.x")))).contains("command_type");
    assertThat(assertInvalid(http.get(base + "/handlers/commands?limit=5"))).contains("limit");
    assertError(register("/sessions/ses_missing", "a.b", bus("test.x")), 404, "SESSION_NOT_FOUND");
    assertThat(http.get(base + "/handlers/commands").bodyAsJsonObject().getJsonArray("data")).isEmpty();
  }

  @Test
  @DisplayName("deleting a session removes its handlers")
  void sessionDeleteRemovesHandlers() {
    String session = session();
    assertThat(register("/sessions/" + session, "gone.soon", bus("test.scope.session")).statusCode()).isEqualTo(201);
    assertThat(http.delete("/sessions/" + session).statusCode()).isEqualTo(200);
    long left = HttpCalls.await(node.mongo().count("command_handlers", new JsonObject().put("session_id", session)));
    assertThat(left).isZero();
  }
}
