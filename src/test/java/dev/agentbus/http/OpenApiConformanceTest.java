package dev.agentbus.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.Tenants;
import dev.agentbus.support.TestNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputFormat;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.SchemaRepository;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The document's schemas against what they describe: their own examples, and real responses of a node. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@DisplayName("OpenAPI schemas match the examples and the responses")
class OpenApiConformanceTest {
  private static final String BASE = "https://agentbus.invalid/openapi.json";
  private static final JsonSchemaOptions OPTIONS = new JsonSchemaOptions().setDraft(Draft.DRAFT202012)
      .setBaseUri("https://agentbus.invalid/").setOutputFormat(OutputFormat.Basic);
  static SchemaRepository repository;
  static JsonObject schemas;
  static TestNode node;

  @BeforeAll
  static void start() {
    JsonObject document = OpenApiDocument.document();
    schemas = document.getJsonObject("components").getJsonObject("schemas");
    // a copy: dereferencing marks the schemas it indexes
    repository = SchemaRepository.create(OPTIONS).dereference(BASE, JsonSchema.of(document.copy()));
    node = TestNode.start(Tenants.config());
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
  }

  private static void assertConforms(String schema, Object value) {
    OutputUnit result = repository.validator(JsonSchema.of(new JsonObject()
        .put("$ref", BASE + "#/components/schemas/" + schema)), OPTIONS).validate(value);
    assertThat(result.getValid()).as("%s against %s: %s", value, schema, result.getErrors()).isTrue();
  }

  private static JsonObject body(HttpResponse<Buffer> response, int status) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(status);
    return response.bodyAsJsonObject();
  }

  @Test
  @DisplayName("every example in the document validates against its own schema")
  void examples() {
    int checked = 0;
    for (String name : schemas.fieldNames()) {
      var examples = schemas.getJsonObject(name).getJsonArray("examples");
      if (examples != null) {
        for (Object example : examples) {
          assertConforms(name, example);
          checked++;
        }
      }
    }
    assertThat(checked).isGreaterThan(30);
  }

  @Test
  @DisplayName("every query parameter the document names for a GET is accepted by its route (none is refused as unknown)")
  void queryParameters() {
    HttpCalls admin = Tenants.admin(node);
    JsonObject paths = OpenApiDocument.document().getJsonObject("paths");
    int checked = 0;
    for (String path : paths.fieldNames()) {
      JsonObject get = paths.getJsonObject(path).getJsonObject("get");
      if (get == null || !path.startsWith("/api/v1/") || get.encode().contains("text/event-stream")
          || get.getJsonObject("responses").containsKey("101")) {
        continue; // streams would open; root paths are the same routes as below /api/v1
      }
      for (Object item : get.getJsonArray("parameters", new io.vertx.core.json.JsonArray())) {
        JsonObject parameter = (JsonObject) item;
        if (parameter.containsKey("$ref")) {
          String name = parameter.getString("$ref").substring("#/components/parameters/".length());
          parameter = OpenApiDocument.document().getJsonObject("components").getJsonObject("parameters").getJsonObject(name);
        }
        if (!"query".equals(parameter.getString("in"))) {
          continue;
        }
        String name = parameter.getString("name");
        JsonObject schema = parameter.getJsonObject("schema");
        String value = schema.containsKey("enum") ? String.valueOf(schema.getJsonArray("enum").getValue(0))
            : "integer".equals(schema.getString("type")) ? "1" : "x";
        String query = "deepObject".equals(parameter.getString("style")) ? name + ".k=v" : name + "=" + value;
        String url = path.substring("/api/v1".length()).replaceAll("\\{[a-z_]+}", "x_missing") + "?" + query;
        HttpResponse<Buffer> response = admin.get(url);
        assertThat(response.bodyAsString()).as("GET %s", url).doesNotContain("is not a known query parameter");
        checked++;
      }
    }
    assertThat(checked).isGreaterThan(20);
  }

  @Test
  @DisplayName("real responses (session, command, event, engine, agent, thread, inference, status, config, health, errors) match their schemas")
  void responses() {
    HttpCalls admin = Tenants.admin(node);
    JsonObject session = body(admin.post("/sessions", new JsonObject().put("name", "conformance")), 201);
    assertConforms("Session", session);
    String sessionId = session.getString("session_id");
    assertConforms("Command", body(admin.post("/sessions/" + sessionId + "/commands?wait=10",
        new JsonObject().put("command_type", "echo").put("parameters", new JsonObject().put("a", 1))), 200));
    assertConforms("Event", body(admin.post("/sessions/" + sessionId + "/events",
        new JsonObject().put("event_type", "app.note").put("data", new JsonObject())), 201));
    assertConforms("Engine", body(admin.post("/engines",
        new JsonObject().put("engine_type", "dummy").put("session_id", sessionId)), 201));
    assertConforms("Agent", body(admin.post("/agents", new JsonObject().put("name", "conformance")), 201));
    assertConforms("Thread", body(admin.post("/chat", new JsonObject().put("user_id", "u-1")), 201));
    assertConforms("Inference", body(admin.post("/infer", new JsonObject().put("prompt", "hi")), 202));
    assertConforms("ToolList", body(admin.get("/sessions/" + sessionId + "/tools"), 200));
    JsonObject page = body(admin.get("/sessions/" + sessionId + "/commands"), 200);
    assertThat(page.getJsonArray("data")).isNotEmpty();
    page.getJsonArray("data").forEach(command -> assertConforms("Command", command));
    body(admin.get("/sessions/" + sessionId + "/events"), 200).getJsonArray("data").forEach(event -> assertConforms("Event", event));
    assertConforms("SessionToken", body(admin.post("/sessions/" + sessionId + "/tokens", new JsonObject().put("ttl_seconds", 60)), 201));
    assertConforms("CommandHandler", body(admin.post("/sessions/" + sessionId + "/handlers/commands", new JsonObject()
        .put("command_type", "shop.quote").put("handler", new JsonObject().put("kind", "bus").put("address", "shop.quote"))), 201));
    assertConforms("EventHandler", body(admin.post("/sessions/" + sessionId + "/handlers/events", new JsonObject()
        .put("event_type", "app.*").put("handler", new JsonObject().put("kind", "bus").put("address", "shop.events"))), 201));
    assertConforms("Tool", body(admin.post("/sessions/" + sessionId + "/tools", new JsonObject().put("name", "shop.price")
        .put("parameters", new JsonObject().put("type", "object"))
        .put("implementation", new JsonObject().put("kind", "bus").put("address", "shop.price"))), 201));
    JsonObject key = body(admin.post("/keys", new JsonObject().put("name", "conformance").put("tenant_id", "acme")
        .put("scopes", new io.vertx.core.json.JsonArray().add("sessions:read"))), 201);
    assertConforms("ApiKeyCreated", key);
    assertConforms("ApiKey", body(admin.get("/keys/" + key.getString("key_id")), 200));
    assertConforms("Status", body(admin.get("/status"), 200));
    assertConforms("Config", body(admin.get("/config"), 200));
    assertConforms("Health", body(HttpCalls.await(node.client().get("/health").send()), 200));
    assertConforms("Live", body(HttpCalls.await(node.client().get("/health/live").send()), 200));
    assertConforms("ErrorEnvelope", body(admin.get("/sessions/ses_missing"), 404));
    assertConforms("ErrorEnvelope", body(admin.post("/sessions", new JsonObject().put("nope", 1)), 400));
  }
}
