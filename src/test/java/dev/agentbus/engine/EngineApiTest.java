package dev.agentbus.engine;

import static dev.agentbus.support.HttpCalls.assertError;
import static dev.agentbus.support.HttpCalls.assertInvalid;
import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.TestNode;
import io.vertx.core.buffer.Buffer;
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

@Timeout(value = 60, unit = TimeUnit.SECONDS)
@DisplayName("Engines over HTTP: create, list, read, delete, and the settings validator")
class EngineApiTest {
  static TestNode node;
  static HttpCalls http;

  @BeforeAll
  static void start() {
    node = TestNode.start(new JsonObject().put("security", new JsonObject().put("allowed_hosts", new JsonArray().add("localhost"))));
    http = new HttpCalls(node);
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
  }

  private static JsonObject create(JsonObject body) {
    HttpResponse<Buffer> created = http.post("/engines", body);
    assertThat(created.statusCode()).as("create engine: %s", created.bodyAsString()).isEqualTo(201);
    return created.bodyAsJsonObject();
  }

  private static JsonObject dummy(String sessionId) {
    return create(new JsonObject().put("engine_type", "dummy").put("session_id", sessionId));
  }

  private static List<String> ids(JsonArray engines) {
    return engines.stream().map(e -> ((JsonObject) e).getString("engine_id")).toList();
  }

  /** Every engine of a list query, following next_cursor; asserts the page contract on the way. */
  private static List<String> listAll(String query, int limit) {
    List<String> seen = new ArrayList<>();
    String cursor = null;
    for (int pages = 0; pages < 50; pages++) {
      HttpResponse<Buffer> page = http.get("/engines?limit=" + limit + "&" + query + (cursor == null ? "" : "&cursor=" + cursor));
      assertThat(page.statusCode()).as(page.bodyAsString()).isEqualTo(200);
      JsonObject body = page.bodyAsJsonObject();
      assertThat(body.getJsonArray("data").size()).isLessThanOrEqualTo(limit);
      seen.addAll(ids(body.getJsonArray("data")));
      if (!body.getBoolean("has_more")) {
        assertThat(body.getValue("next_cursor")).isNull();
        return seen;
      }
      cursor = body.getString("next_cursor");
      assertThat(cursor).isNotBlank();
    }
    throw new AssertionError("pagination did not end");
  }

  @Test
  @DisplayName("a created engine has the public shape, its configuration and a Location, and reads back the same")
  void createAndRead() {
    String session = node.createSession();
    JsonObject configuration = new JsonObject().put("temperature", 0.7).put("max_tokens", 4096).put("top_p", 1)
        .put("system_prompt", "Be brief.").put("tools", new JsonArray().add("clock.now")).put("max_iterations", 5)
        .put("base_url", "http://localhost:9999/v1").put("response", "hi").put("token_delay_ms", 0)
        .put("script", new JsonArray()
            .add(new JsonObject().put("reasoning", "thinking").put("tool_calls", new JsonArray()
                .add(new JsonObject().put("name", "clock.now").put("arguments", new JsonObject()))
                .add(new JsonObject().put("name", "math.evaluate").put("arguments", "{\"expression\":\"1+1\"}"))))
            .add(new JsonObject().put("content", "done").put("stall", false))
            .add(new JsonObject().put("fail", new JsonObject().put("message", "boom").put("code", "LLM_ERROR")
                .put("retryable", true).put("after_tokens", 2))));

    HttpResponse<Buffer> created = http.post("/engines", new JsonObject().put("engine_type", "dummy")
        .put("session_id", session).put("configuration", configuration));

    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    JsonObject engine = created.bodyAsJsonObject();
    assertThat(engine.fieldNames()).containsExactlyInAnyOrder("engine_id", "tenant_id", "engine_type", "model_name", "session_id",
        "configuration", "status", "created_at");
    assertThat(engine.getString("engine_id")).startsWith("eng_");
    assertThat(engine.getString("model_name")).isEqualTo("dummy");
    assertThat(engine.getString("status")).isEqualTo("initialized");
    assertThat(engine.getJsonObject("configuration")).isEqualTo(configuration);
    assertThat(created.getHeader("Location")).isEqualTo("/api/v1/engines/" + engine.getString("engine_id"));
    assertThat(http.get("/engines/" + engine.getString("engine_id")).bodyAsJsonObject()).isEqualTo(engine);
  }

  @Test
  @DisplayName("an openai engine's model_name defaults to the configured model; a given one is kept")
  void openaiModelDefault() {
    String session = node.createSession();

    JsonObject defaulted = create(new JsonObject().put("engine_type", "openai").put("session_id", session));
    JsonObject named = create(new JsonObject().put("engine_type", "openai").put("session_id", session).put("model_name", "gpt-4"));

    assertThat(defaulted.getString("model_name")).isEqualTo("gpt-4o-mini");
    assertThat(named.getString("model_name")).isEqualTo("gpt-4");
  }

  @Test
  @DisplayName("an API key in the configuration is refused, naming the field and where keys come from")
  void apiKeysRefused() {
    String session = node.createSession();

    HttpResponse<Buffer> refused = http.post("/engines", new JsonObject().put("engine_type", "openai").put("session_id", session)
        .put("configuration", new JsonObject().put("api_key", "sk-live-123").put("client_secret", "x")
            .put("max_tokens", 10).put("token_delay_ms", 1)));

    assertThat(assertInvalid(refused)).containsExactlyInAnyOrder("configuration.api_key", "configuration.client_secret");
    JsonArray fields = refused.bodyAsJsonObject().getJsonObject("error").getJsonObject("details").getJsonArray("fields");
    assertThat(fields.getJsonObject(0).getString("issue")).contains("never accepted").contains("OPENAI_API_KEY");
    assertThat(refused.bodyAsString()).doesNotContain("sk-live-123");
  }

  @Test
  @DisplayName("every bad setting is named in one 400: unknown key, ranges, tools, base_url scheme, script turns")
  void everyBadSettingNamed() {
    String session = node.createSession();
    JsonObject configuration = new JsonObject()
        .put("temprature", 0.5)
        .put("temperature", 2.5)
        .put("top_p", -0.1)
        .put("max_tokens", 0)
        .put("max_iterations", 51)
        .put("tools", new JsonArray().add("clock.now").add("shell exec; rm -rf /"))
        .put("base_url", "file:///etc/passwd")
        .put("script", new JsonArray()
            .add("not a turn")
            .add(new JsonObject().put("content", 5).put("fail", new JsonObject().put("after_tokens", -1)))
            .add(new JsonObject().put("tool_calls", new JsonArray().add(new JsonObject().put("arguments", 3)))));

    HttpResponse<Buffer> refused = http.post("/engines", new JsonObject().put("engine_type", "dummy")
        .put("session_id", session).put("configuration", configuration));

    List<String> fields = assertInvalid(refused);
    assertThat(fields).containsExactlyInAnyOrder(
        "configuration.temprature", "configuration.temperature", "configuration.top_p", "configuration.max_tokens",
        "configuration.max_iterations", "configuration.tools[1]", "configuration.base_url",
        "configuration.script[0]", "configuration.script[1].content", "configuration.script[1].fail.message",
        "configuration.script[1].fail.after_tokens", "configuration.script[2].tool_calls[0].name",
        "configuration.script[2].tool_calls[0].arguments");
    JsonObject unknown = refused.bodyAsJsonObject().getJsonObject("error").getJsonObject("details").getJsonArray("fields")
        .stream().map(JsonObject.class::cast).filter(f -> f.getString("field").equals("configuration.temprature"))
        .findFirst().orElseThrow();
    assertThat(unknown.getString("issue")).contains("allowed").contains("temperature").contains("max_iterations");
  }

  @Test
  @DisplayName("list filters by session and status, pages by cursor in creation order, and rejects bad paging")
  void listFiltersAndPages() {
    String session = node.createSession();
    String other = node.createSession();
    List<String> created = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      created.add(dummy(session).getString("engine_id"));
    }
    String elsewhere = dummy(other).getString("engine_id");

    assertThat(listAll("session_id=" + session, 2)).containsExactlyElementsOf(created);
    assertThat(listAll("session_id=" + session + "&status=initialized", 500)).containsExactlyElementsOf(created);
    assertThat(listAll("session_id=" + session + "&status=running", 10)).isEmpty();
    assertThat(listAll("session_id=" + other, 10)).containsExactly(elsewhere);
    assertThat(listAll("", 500)).containsAll(created).contains(elsewhere);

    assertThat(assertInvalid(http.get("/engines?limit=0&cursor=not%20a%20cursor")))
        .containsExactlyInAnyOrder("limit", "cursor");
    assertThat(assertInvalid(http.get("/engines?limit=501"))).containsExactly("limit");
  }

  @Test
  @DisplayName("DELETE removes an engine: 200 {engine_id, status: deleted}, then 404 ENGINE_NOT_FOUND")
  void delete() {
    String session = node.createSession();
    String engineId = dummy(session).getString("engine_id");

    HttpResponse<Buffer> deleted = http.delete("/engines/" + engineId);

    assertThat(deleted.statusCode()).isEqualTo(200);
    assertThat(deleted.bodyAsJsonObject()).isEqualTo(new JsonObject().put("engine_id", engineId).put("status", "deleted"));
    JsonObject error = assertError(http.get("/engines/" + engineId), 404, "ENGINE_NOT_FOUND");
    assertThat(error.getJsonObject("details").getString("engine_id")).isEqualTo(engineId);
    assertError(http.delete("/engines/" + engineId), 404, "ENGINE_NOT_FOUND");
    assertThat(listAll("session_id=" + session, 10)).isEmpty();
  }

  @Test
  @DisplayName("deleting a session deletes its engines")
  void sessionDeletionCascades() {
    String session = node.createSession();
    String engineId = dummy(session).getString("engine_id");

    assertThat(http.delete("/sessions/" + session).statusCode()).isEqualTo(200);

    assertError(http.get("/engines/" + engineId), 404, "ENGINE_NOT_FOUND");
    assertThat(listAll("session_id=" + session, 10)).isEmpty();
  }

  @Test
  @DisplayName("an engine for an unknown session is 404 SESSION_NOT_FOUND; an unknown type 422 UNSUPPORTED")
  void businessRules() {
    assertError(http.post("/engines", new JsonObject().put("engine_type", "dummy").put("session_id", "ses_nope")),
        404, "SESSION_NOT_FOUND");
    JsonObject error = assertError(http.post("/engines", new JsonObject().put("engine_type", "skynet")
        .put("session_id", node.createSession())), 422, "UNSUPPORTED");
    assertThat(error.getString("message")).contains("dummy").contains("openai");
  }
}
