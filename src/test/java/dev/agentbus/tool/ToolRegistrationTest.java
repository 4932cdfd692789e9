package dev.agentbus.tool;

import static dev.agentbus.support.HttpCalls.assertError;
import static dev.agentbus.support.HttpCalls.assertInvalid;
import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.TestNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Registering, listing, showing and removing tools over HTTP, in session and global scope. */
class ToolRegistrationTest {
  static TestNode node;
  static HttpCalls http;

  @BeforeAll
  static void start() {
    node = TestNode.start(new JsonObject()
        .put("security", new JsonObject().put("allowed_hosts", new JsonArray().add("127.0.0.1"))));
    http = new HttpCalls(node);
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  static String session() {
    return http.createSession(new JsonObject()).getString("session_id");
  }

  static JsonObject schema() {
    return new JsonObject().put("type", "object")
        .put("properties", new JsonObject().put("city", new JsonObject().put("type", "string")))
        .put("required", new JsonArray().add("city"));
  }

  static JsonObject tool(String name, JsonObject implementation) {
    return new JsonObject().put("name", name).put("description", "The weather in a city").put("parameters", schema())
        .put("implementation", implementation);
  }

  static JsonObject httpImpl() {
    return new JsonObject().put("kind", "http").put("url", "http://127.0.0.1:9/weather");
  }

  static JsonObject busImpl(String address) {
    return new JsonObject().put("kind", "bus").put("address", address);
  }

  static HttpResponse<Buffer> register(String base, JsonObject body) {
    return http.post(base + "/tools", body);
  }

  static List<String> names(HttpResponse<Buffer> list) {
    assertThat(list.statusCode()).as(list.bodyAsString()).isEqualTo(200);
    return list.bodyAsJsonObject().getJsonArray("data").stream().map(t -> ((JsonObject) t).getString("name")).toList();
  }

  static List<String> sessionNames(String session) {
    HttpResponse<Buffer> list = http.get("/sessions/" + session + "/tools");
    assertThat(list.statusCode()).as(list.bodyAsString()).isEqualTo(200);
    return list.bodyAsJsonObject().getJsonArray("data").stream().map(JsonObject.class::cast)
        .filter(t -> t.getString("scope").equals("session")).map(t -> t.getString("name")).toList();
  }

  @Test
  @DisplayName("a session tool is registered with 201 and Location, its generated secret shown once, then listed, shown and removed without it")
  void sessionToolLifecycle() {
    String session = session();
    HttpResponse<Buffer> created = register("/sessions/" + session, tool("weather.get", httpImpl()));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    assertThat(created.getHeader("Location")).isEqualTo("/api/v1/sessions/" + session + "/tools/weather.get");
    JsonObject body = created.bodyAsJsonObject();
    assertThat(body.getString("name")).isEqualTo("weather.get");
    assertThat(body.getString("scope")).isEqualTo("session");
    assertThat(body.getString("description")).isEqualTo("The weather in a city");
    assertThat(body.getJsonObject("parameters")).isEqualTo(schema());
    assertThat(body.getString("created_at")).isNotBlank();
    assertThat(body.getJsonObject("implementation").getString("secret")).startsWith("whsec_");

    JsonObject shown = http.get("/sessions/" + session + "/tools/weather.get").bodyAsJsonObject();
    assertThat(shown.getJsonObject("implementation").containsKey("secret")).isFalse();
    assertThat(shown.getJsonObject("implementation").getString("url")).isEqualTo("http://127.0.0.1:9/weather");
    JsonObject listed = http.get("/sessions/" + session + "/tools").bodyAsJsonObject().getJsonArray("data").getJsonObject(0);
    assertThat(listed.getString("name")).isEqualTo("weather.get");
    assertThat(listed.getJsonObject("implementation").containsKey("secret")).isFalse();
    assertThat(http.allEvents(session).stream().map(e -> e.getString("event_type"))).contains("tool.registered");
    assertThat(http.allEvents(session).toString()).doesNotContain(body.getJsonObject("implementation").getString("secret"));

    HttpResponse<Buffer> deleted = http.delete("/sessions/" + session + "/tools/weather.get");
    assertThat(deleted.statusCode()).isEqualTo(200);
    assertThat(deleted.bodyAsJsonObject()).isEqualTo(new JsonObject().put("name", "weather.get").put("scope", "session").put("deleted", true));
    assertError(http.get("/sessions/" + session + "/tools/weather.get"), 404, "TOOL_NOT_FOUND");
    assertError(http.delete("/sessions/" + session + "/tools/weather.get"), 404, "TOOL_NOT_FOUND");
    assertThat(http.allEvents(session).stream().map(e -> e.getString("event_type"))).contains("tool.unregistered");
  }

  @Test
  @DisplayName("a session lists its own tools, then the global ones, then the built-ins, each with its scope; a session tool shadows a global one of its name")
  void scopesInOrder() {
    String session = session();
    String other = session();
    assertThat(register("", tool("scoped.lookup", busImpl("test.global"))).statusCode()).isEqualTo(201);
    assertThat(register("/sessions/" + session, tool("scoped.lookup", busImpl("test.session"))).statusCode()).isEqualTo(201);
    assertThat(register("/sessions/" + session, tool("scoped.only", busImpl("test.session"))).statusCode()).isEqualTo(201);

    JsonArray data = http.get("/sessions/" + session + "/tools").bodyAsJsonObject().getJsonArray("data");
    List<String> scopes = data.stream().map(t -> ((JsonObject) t).getString("scope")).toList();
    assertThat(scopes.subList(0, 2)).containsOnly("session");
    assertThat(scopes.subList(scopes.size() - 2, scopes.size())).containsOnly("builtin");
    assertThat(scopes).isSortedAccordingTo(java.util.Comparator.comparingInt(List.of("session", "global", "builtin")::indexOf));
    assertThat(names(http.get("/sessions/" + session + "/tools"))).containsSubsequence("scoped.lookup", "scoped.only",
        "scoped.lookup", "clock.now", "math.evaluate");
    assertThat(http.get("/sessions/" + session + "/tools/scoped.lookup").bodyAsJsonObject().getString("scope")).isEqualTo("session");
    assertThat(http.get("/sessions/" + other + "/tools/scoped.lookup").bodyAsJsonObject().getString("scope")).isEqualTo("global");
    assertThat(http.get("/sessions/" + other + "/tools/clock.now").bodyAsJsonObject().getString("scope")).isEqualTo("builtin");
    assertThat(names(http.get("/sessions/" + other + "/tools"))).doesNotContain("scoped.only");
    assertThat(names(http.get("/tools"))).contains("scoped.lookup", "clock.now").doesNotContain("scoped.only");
    assertThat(http.get("/tools/scoped.lookup").bodyAsJsonObject().getString("scope")).isEqualTo("global");

    assertThat(http.delete("/tools/scoped.lookup").statusCode()).isEqualTo(200);
    assertError(http.get("/sessions/" + other + "/tools/scoped.lookup"), 404, "TOOL_NOT_FOUND");
    assertThat(http.get("/sessions/" + session + "/tools/scoped.lookup").bodyAsJsonObject().getString("scope")).isEqualTo("session");
  }

  @Test
  @DisplayName("a name already registered in the scope, or a built-in name, is 409 CONFLICT, and the first registration is untouched")
  void conflicts() {
    String session = session();
    assertThat(register("/sessions/" + session, tool("dup.tool", busImpl("test.first"))).statusCode()).isEqualTo(201);
    assertThat(assertError(register("/sessions/" + session, tool("dup.tool", busImpl("test.second"))), 409, "CONFLICT")
        .getJsonObject("details").getString("field")).isEqualTo("name");
    for (String builtIn : List.of("clock.now", "math.evaluate")) {
      assertError(register("/sessions/" + session, tool(builtIn, busImpl("test.x"))), 409, "CONFLICT");
      assertError(register("", tool(builtIn, busImpl("test.x"))), 409, "CONFLICT");
      assertError(http.delete("/tools/" + builtIn), 409, "CONFLICT");
    }
    assertThat(register("", tool("dup.global", busImpl("test.first"))).statusCode()).isEqualTo(201);
    assertError(register("", tool("dup.global", busImpl("test.second"))), 409, "CONFLICT");
    assertThat(http.get("/sessions/" + session + "/tools/dup.tool").bodyAsJsonObject().getJsonObject("implementation")
        .getString("address")).isEqualTo("test.first");
  }

  @Test
  @DisplayName("a given secret is kept (and shown in the registration answer only); a bus or mcp tool has none")
  void givenSecret() {
    String session = session();
    String secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    JsonObject created = register("/sessions/" + session, tool("own.secret", httpImpl().put("secret", secret).put("timeout_ms", 500)))
        .bodyAsJsonObject();
    assertThat(created.getJsonObject("implementation").getString("secret")).isEqualTo(secret);
    assertThat(created.getJsonObject("implementation").getInteger("timeout_ms")).isEqualTo(500);
    JsonObject bus = register("/sessions/" + session, tool("bus.tool", busImpl("shop.quote"))).bodyAsJsonObject();
    assertThat(bus.getJsonObject("implementation")).isEqualTo(busImpl("shop.quote"));
    JsonObject mcp = register("/sessions/" + session, tool("mcp.tool", new JsonObject().put("kind", "mcp")
        .put("server_id", "mcp_1").put("tool", "get-sum"))).bodyAsJsonObject();
    assertThat(mcp.getJsonObject("implementation")).isEqualTo(new JsonObject().put("kind", "mcp").put("server_id", "mcp_1").put("tool", "get-sum"));
  }

  @Test
  @DisplayName("bad registrations are 400 naming each bad field, and nothing is registered")
  void badInput() {
    String session = session();
    String base = "/sessions/" + session;
    assertThat(assertInvalid(register(base, tool("bad.kind", new JsonObject().put("kind", "shell").put("command", "ls")))))
        .contains("implementation.kind");
    assertThat(assertInvalid(register(base, tool("bad.url", new JsonObject().put("kind", "http").put("url", "http://169.254.169.254/latest")))))
        .containsExactly("implementation.url");
    assertThat(assertInvalid(register(base, tool("bad.url", new JsonObject().put("kind", "http").put("url", "not a url")))))
        .containsExactly("implementation.url");
    assertThat(assertInvalid(register(base, tool("bad.url", new JsonObject().put("kind", "http").put("url", "file:///etc/passwd")))))
        .containsExactly("implementation.url");
    assertThat(assertInvalid(register(base, tool("bad.schema", httpImpl()).put("parameters", "a string")))).containsExactly("parameters");
    assertThat(assertInvalid(register(base, tool("bad.schema", httpImpl()).put("parameters", new JsonObject().put("type", "string")))))
        .containsExactly("parameters.type");
    assertThat(assertInvalid(register(base, tool("bad.schema", httpImpl()).put("parameters", new JsonObject().put("type", "object")
        .put("properties", new JsonObject().put("n", new JsonObject().put("minimum", "ten"))))))).containsExactly("parameters.properties.n.minimum");
    JsonObject noSchema = tool("bad.schema", httpImpl());
    noSchema.remove("parameters");
    assertThat(assertInvalid(register(base, noSchema))).containsExactly("parameters");
    JsonObject huge = new JsonObject().put("type", "object").put("description", "x".repeat(70_000));
    JsonObject tooBig = assertError(register(base, tool("bad.size", httpImpl()).put("parameters", huge)), 400, "VALIDATION_ERROR");
    assertThat(tooBig.getJsonObject("details").getString("field")).isEqualTo("parameters");
    assertThat(tooBig.getJsonObject("details").getString("issue")).contains("65536 bytes");
    assertThat(assertInvalid(register(base, tool("bad name!", httpImpl())))).containsExactly("name");
    assertThat(assertInvalid(register(base, tool("x".repeat(65), httpImpl())))).containsExactly("name");
    assertThat(assertInvalid(register(base, tool(null, httpImpl())))).containsExactly("name");
    assertThat(assertInvalid(register(base, tool("bad.extra", httpImpl()).put("color", "red")))).containsExactly("color");
    assertThat(assertInvalid(register(base, tool("bad.impl", null)))).containsExactly("implementation");
    assertThat(assertInvalid(register(base, tool("bad.bus", busImpl("agentbus.session.create"))))).containsExactly("implementation.address");
    assertThat(assertInvalid(register(base, tool("bad.mcp", new JsonObject().put("kind", "mcp")))))
        .containsExactlyInAnyOrder("implementation.server_id", "implementation.tool");
    assertThat(assertInvalid(register(base, tool("bad.secret", httpImpl().put("secret", "hunter2"))))).containsExactly("implementation.secret");
    assertThat(assertInvalid(register(base, tool("bad.timeout", busImpl("test.x").put("timeout_ms", 0))))).containsExactly("implementation.timeout_ms");
    assertError(register("/sessions/ses_nope", tool("no.session", busImpl("test.x"))), 404, "SESSION_NOT_FOUND");

    assertThat(sessionNames(session)).isEmpty();
    assertThat(names(http.get("/tools"))).doesNotContain("code.tool", "bad.url", "bad.schema");
  }

  @Test
  @DisplayName("source code in a registration is 422 UNSUPPORTED naming the http, bus and MCP alternatives, before any other check")
  void codeIsRefused() {
    String session = session();
    for (String key : List.of("function_code", "handler_function", "code")) {
      JsonObject top = assertError(register("/sessions/" + session, new JsonObject().put("name", "bad name!").put(key, "import os")),
          422, "UNSUPPORTED");
      assertThat(top.getJsonObject("details").getString("field")).isEqualTo(key);
      assertThat(top.getJsonObject("details").getJsonArray("alternatives")).containsExactly("webhook", "bus", "mcp");
      assertThat(top.getString("message")).contains("\"http\"").contains("\"bus\"").contains("mcp");
      JsonObject nested = assertError(register("", tool("code.tool", new JsonObject().put("kind", "http").put(key, "rm -rf /"))),
          422, "UNSUPPORTED");
      assertThat(nested.getJsonObject("details").getString("field")).isEqualTo("implementation." + key);
    }
    assertThat(sessionNames(session)).isEmpty();
    assertThat(names(http.get("/tools"))).doesNotContain("code.tool");
  }

  @Test
  @DisplayName("a deleted session's tools are removed from the store, and its tool routes answer 404")
  void sessionDeleteRemovesTools() {
    String session = session();
    assertThat(register("/sessions/" + session, tool("doomed.one", busImpl("test.x"))).statusCode()).isEqualTo(201);
    assertThat(register("/sessions/" + session, tool("doomed.two", httpImpl())).statusCode()).isEqualTo(201);
    assertThat(HttpCalls.await(node.mongo().count("tools", new JsonObject().put("session_id", session)))).isEqualTo(2);

    assertThat(http.delete("/sessions/" + session).statusCode()).isEqualTo(200);

    assertThat(HttpCalls.await(node.mongo().count("tools", new JsonObject().put("session_id", session)))).isZero();
    assertError(http.get("/sessions/" + session + "/tools"), 404, "SESSION_NOT_FOUND");
    assertError(http.get("/sessions/" + session + "/tools/doomed.one"), 404, "SESSION_NOT_FOUND");
  }
  @Test
  @DisplayName("a schema with $schema and property names holding dots is kept exactly, also through an Idempotency-Key replay")
  void schemaKeysAreKept() {
    String session = session();
    JsonObject schema = new JsonObject().put("$schema", "https://json-schema.org/draft/2020-12/schema").put("type", "object")
        .put("properties", new JsonObject().put("geo.lat", new JsonObject().put("type", "number"))
            .put("$ref", new JsonObject().put("type", "string")));
    JsonObject body = tool("odd.keys", busImpl("test.x")).put("parameters", schema);
    HttpResponse<Buffer> created = HttpCalls.await(http.request(io.vertx.core.http.HttpMethod.POST, "/sessions/" + session + "/tools")
        .putHeader("Idempotency-Key", "odd-keys-1").sendJsonObject(body));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    assertThat(created.bodyAsJsonObject().getJsonObject("parameters")).isEqualTo(schema);
    HttpResponse<Buffer> replayed = HttpCalls.await(http.request(io.vertx.core.http.HttpMethod.POST, "/sessions/" + session + "/tools")
        .putHeader("Idempotency-Key", "odd-keys-1").sendJsonObject(body));
    assertThat(replayed.statusCode()).as(replayed.bodyAsString()).isEqualTo(201);
    assertThat(replayed.bodyAsJsonObject().getJsonObject("parameters")).isEqualTo(schema);
    assertThat(http.get("/sessions/" + session + "/tools/odd.keys").bodyAsJsonObject().getJsonObject("parameters")).isEqualTo(schema);
    assertThat(http.allEvents(session).stream().map(e -> e.getString("event_type"))).contains("tool.registered");
  }
}
