package dev.agentbus.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.config.AppConfig;
import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.Tenants;
import dev.agentbus.support.TestNode;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.SchemaRepository;
import io.vertx.openapi.contract.OpenAPIVersion;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
@DisplayName("OpenAPI document and /docs")
class OpenApiDocumentTest {
  private static final Set<String> METHODS = Set.of("get", "post", "put", "patch", "delete");
  static TestNode node;

  @BeforeAll
  static void start() {
    // authentication configured: the document and the docs must be served without any credential
    node = TestNode.start(Tenants.config());
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
  }

  /** {@code METHOD /path/{param}} of every operation the document describes. */
  private static Set<String> documented(JsonObject document) {
    Set<String> operations = new TreeSet<>();
    JsonObject paths = document.getJsonObject("paths");
    for (String path : paths.fieldNames()) {
      for (String method : paths.getJsonObject(path).fieldNames()) {
        if (METHODS.contains(method)) {
          operations.add(method.toUpperCase() + " " + path);
        }
      }
    }
    return operations;
  }

  @Test
  @DisplayName("every route the router serves is documented, and every documented operation is served")
  void routesMatchTheDocument() {
    Vertx vertx = Vertx.vertx();
    try {
      JsonObject config = AppConfig.defaults();
      Router router = HttpApiVerticle.router(vertx, config);
      Set<String> served = new TreeSet<>();
      List<String> prefixRoutes = new java.util.ArrayList<>();
      for (Route route : router.getRoutes()) {
        String path = route.getPath();
        if (path == null || route.methods() == null || route.methods().isEmpty()) {
          continue; // the handlers every request passes (ids, CORS, body, auth, limits, idempotency)
        }
        if (!route.isExactPath()) {
          prefixRoutes.add(path); // static files below a prefix: not API operations
          continue;
        }
        for (HttpMethod method : route.methods()) {
          served.add(method.name() + " " + path.replaceAll(":([a-z_]+)", "{$1}"));
        }
      }
      assertThat(prefixRoutes).as("the only prefix routes are Swagger UI's and the console's files")
          .containsExactlyInAnyOrder("/docs/", "/console/");
      served.remove("GET /docs/"); // the UI page again, as /docs and /docs/index.html
      served.remove("GET /docs/index.html");
      served.remove("GET /docs/swagger-initializer.js");
      Set<String> documented = documented(OpenApiDocument.document());
      Set<String> undocumented = new TreeSet<>(served);
      undocumented.removeAll(documented);
      Set<String> notServed = new TreeSet<>(documented);
      notServed.removeAll(served);
      assertThat(undocumented).as("served but not in /openapi.json").isEmpty();
      assertThat(notServed).as("in /openapi.json but not served").isEmpty();
      assertThat(served).hasSizeGreaterThan(80);
    } finally {
      vertx.close().await();
    }
  }

  @Test
  @DisplayName("the document is valid OpenAPI 3.1 (the 3.1 meta-schema, every $ref resolving) and swagger-parser reads it without a message")
  void validOpenApi() {
    JsonObject document = new JsonObject(OpenApiDocument.json());
    assertThat(document.getString("openapi")).isEqualTo("3.1.0");
    Vertx vertx = Vertx.vertx();
    try {
      // The OpenAPI 3.1 meta-schema check of OpenAPIContract.from; not the contract itself, whose
      // router refuses operations answering text/html or text/event-stream. (Its $ref resolver cannot
      // encode null example values: swagger-parser below resolves every $ref instead.)
      OpenAPIVersion version = OpenAPIVersion.fromContract(document);
      assertThat(version).isEqualTo(OpenAPIVersion.V3_1);
      SchemaRepository repository = version.getRepository(vertx, "app:///").await();
      OutputUnit result = version.validateContract(vertx, repository, document).await();
      assertThat(result.getValid()).as("OpenAPI 3.1 meta-schema: %s", result.getErrors()).isTrue();
      JsonObject broken = document.copy();
      broken.getJsonObject("paths").getJsonObject("/api/v1/sessions").getJsonObject("post").put("responses", "none");
      assertThat(version.validateContract(vertx, repository, broken).await().getValid()).as("the validator bites").isFalse();
    } finally {
      vertx.close().await();
    }
    ParseOptions options = new ParseOptions();
    options.setResolve(true);
    SwaggerParseResult parsed = new OpenAPIV3Parser().readContents(document.encode(), null, options);
    assertThat(parsed.getMessages()).as("swagger-parser messages").isEmpty();
    assertThat(parsed.getOpenAPI().getPaths()).hasSizeGreaterThan(60);
  }

  @Test
  @DisplayName("each operation names its security from the route's scope, its error codes, and unique operation ids")
  void securityAndErrors() {
    JsonObject document = OpenApiDocument.document();
    JsonObject paths = document.getJsonObject("paths");
    JsonObject createSession = paths.getJsonObject("/api/v1/sessions").getJsonObject("post");
    assertThat(createSession.getJsonArray("security").getJsonObject(0).getJsonArray("bearer")).containsExactly("sessions:write");
    assertThat(createSession.getJsonObject("responses").fieldNames()).contains("201", "400", "401", "403", "415", "429");
    assertThat(createSession.getJsonObject("requestBody").getJsonObject("content").getJsonObject("application/json")
        .getValue("example")).isNotNull();
    assertThat(paths.getJsonObject("/health").getJsonObject("get").getJsonArray("security")).isEmpty();
    assertThat(paths.getJsonObject("/openapi.json").getJsonObject("get").getJsonArray("security")).isEmpty();
    assertThat(paths.getJsonObject("/api/v1/config").getJsonObject("get").getString("x-required-scope")).isEqualTo("admin");
    JsonArray sseSecurity = paths.getJsonObject("/api/v1/sessions/{session_id}/events/sse").getJsonObject("get").getJsonArray("security");
    assertThat(sseSecurity.stream().map(s -> ((JsonObject) s).fieldNames().iterator().next())).contains("accessToken");
    assertThat(paths.getJsonObject("/api/v1/sessions/{session_id}/events/stream").getJsonObject("get")
        .getJsonObject("responses").fieldNames()).contains("101");
    JsonObject notFound = document.getJsonObject("components").getJsonObject("responses").getJsonObject("Error404");
    assertThat(notFound.getString("description")).contains("SESSION_NOT_FOUND", "COMMAND_NOT_FOUND");
    Set<String> ids = new TreeSet<>();
    int operations = 0;
    for (String path : paths.fieldNames()) {
      for (String method : paths.getJsonObject(path).fieldNames()) {
        operations++;
        ids.add(paths.getJsonObject(path).getJsonObject(method).getString("operationId"));
      }
    }
    assertThat(ids).as("operation ids are unique").hasSize(operations);
  }

  @Test
  @DisplayName("/openapi.json and /api/v1/openapi.json serve the same document without credentials")
  void servedOpen() {
    HttpResponse<Buffer> root = HttpCalls.await(node.client().get("/openapi.json").send());
    HttpResponse<Buffer> api = HttpCalls.await(node.client().get("/api/v1/openapi.json").send());
    assertThat(root.statusCode()).as(root.bodyAsString()).isEqualTo(200);
    assertThat(root.getHeader("Content-Type")).startsWith("application/json");
    assertThat(root.bodyAsJsonObject().getString("openapi")).isEqualTo("3.1.0");
    assertThat(api.statusCode()).isEqualTo(200);
    assertThat(api.bodyAsString()).isEqualTo(root.bodyAsString());
  }

  @Test
  @DisplayName("/docs is Swagger UI from the jar, with our initializer pointing at /openapi.json (not the Petstore)")
  void docs() {
    for (String path : List.of("/docs", "/docs/", "/docs/index.html")) {
      HttpResponse<Buffer> page = HttpCalls.await(node.client().get(path).send());
      assertThat(page.statusCode()).as(path).isEqualTo(200);
      assertThat(page.getHeader("Content-Type")).startsWith("text/html");
      assertThat(page.bodyAsString()).contains("/docs/swagger-ui-bundle.js", "/docs/swagger-initializer.js", "id=\"swagger-ui\"");
    }
    HttpResponse<Buffer> initializer = HttpCalls.await(node.client().get("/docs/swagger-initializer.js").send());
    assertThat(initializer.statusCode()).isEqualTo(200);
    assertThat(initializer.bodyAsString()).contains("url: \"/openapi.json\"").doesNotContainIgnoringCase("petstore");
    for (String asset : List.of("/docs/swagger-ui-bundle.js", "/docs/swagger-ui-standalone-preset.js", "/docs/swagger-ui.css")) {
      HttpResponse<Buffer> file = HttpCalls.await(node.client().get(asset).send());
      assertThat(file.statusCode()).as(asset).isEqualTo(200);
      assertThat(file.body().length()).as(asset).isGreaterThan(10_000);
    }
  }
}
