package dev.agentbus.http;

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
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
@DisplayName("Bad input over HTTP")
class BadInputTest {
  static TestNode node;
  static HttpCalls http;
  String sessionId;
  /** Every error response of the current test, checked for leaks after it. */
  final java.util.List<HttpResponse<Buffer>> errors = new java.util.ArrayList<>();

  @BeforeAll
  static void start() {
    node = TestNode.start();
    http = new HttpCalls(node);
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
  }

  @BeforeEach
  void session() {
    sessionId = http.createSession(new JsonObject().put("name", "bad-input")).getString("session_id");
  }

  @AfterEach
  void noErrorBodyLeaksInternals() {
    for (HttpResponse<Buffer> response : errors) {
      String body = response.bodyAsString();
      assertThat(body).as("error body").doesNotContain("Exception").doesNotContain("\tat ")
          .doesNotContain("dev.agentbus.").doesNotContain("io.vertx.").doesNotContain("java.");
    }
  }

  private HttpResponse<Buffer> raw(HttpMethod method, String apiPath, String contentType, String body) {
    HttpResponse<Buffer> response = http.send(method, apiPath, contentType, Buffer.buffer(body));
    errors.add(response);
    return response;
  }

  private HttpResponse<Buffer> post(String apiPath, JsonObject body) {
    HttpResponse<Buffer> response = http.post(apiPath, body);
    errors.add(response);
    return response;
  }

  private int eventCount() {
    return http.allEvents(sessionId).size();
  }

  @Test
  @DisplayName("a handler registration lists every bad field; an async result needs a bearer token and exactly one of result and error")
  void handlerRegistrationAndResult() {
    String base = "/sessions/" + sessionId + "/handlers/commands";
    HttpResponse<Buffer> bad = post(base, new JsonObject().put("command_type", 7).put("handler", "webhook").put("extra", true));
    assertThat(HttpCalls.assertInvalid(bad)).contains("command_type", "handler", "extra");
    assertThat(HttpCalls.assertInvalid(post(base, new JsonObject().put("command_type", "t").put("timeout_ms", 0)
        .put("handler", new JsonObject().put("kind", "webhook").put("url", "http://example.com").put("headers", 1)))))
        .contains("timeout_ms", "handler.headers");
    HttpCalls.assertError(raw(HttpMethod.POST, base, "application/json", "{nope"), 400, "VALIDATION_ERROR");
    String result = "/sessions/" + sessionId + "/commands/cmd_x/result";
    errors.add(HttpCalls.await(http.request(HttpMethod.POST, result).putHeader("Authorization", "Bearer 1.x")
        .sendJsonObject(new JsonObject())));
    assertThat(HttpCalls.assertInvalid(errors.get(errors.size() - 1))).contains("body");
    HttpCalls.assertError(post(result, new JsonObject().put("result", 1)), 401, "UNAUTHENTICATED");
    errors.add(HttpCalls.await(http.request(HttpMethod.POST, result).putHeader("Authorization", "Bearer 1.x")
        .sendJsonObject(new JsonObject().put("result", 1))));
    HttpCalls.assertError(errors.get(errors.size() - 1), 401, "UNAUTHENTICATED");
  }

  @Test
  @DisplayName("malformed JSON is a 400 VALIDATION_ERROR naming the body")
  void malformedJson() {
    HttpResponse<Buffer> response = raw(HttpMethod.POST, "/sessions/" + sessionId + "/events", "application/json",
        "{\"event_type\": \"x\",");
    assertThat(assertInvalid(response)).containsExactly("body");

    assertThat(assertInvalid(raw(HttpMethod.POST, "/sessions", "application/json", "{\"name\": \"a\",}")))
        .containsExactly("body");
    assertThat(assertInvalid(raw(HttpMethod.PATCH, "/sessions/" + sessionId, "application/json", "not json")))
        .containsExactly("body");
    assertThat(eventCount()).isEqualTo(1);
  }

  @Test
  @DisplayName("a JSON array (or any non-object) body is a 400 naming the body")
  void nonObjectBody() {
    assertThat(assertInvalid(raw(HttpMethod.POST, "/sessions", "application/json", "[{\"name\": \"a\"}]")))
        .containsExactly("body");
    assertThat(assertInvalid(raw(HttpMethod.POST, "/sessions/" + sessionId + "/events", "application/json", "\"text\"")))
        .containsExactly("body");
    assertThat(assertInvalid(raw(HttpMethod.POST, "/sessions/" + sessionId + "/events", "application/json", "42")))
        .containsExactly("body");
  }

  @Test
  @DisplayName("a non-JSON content type is a 415 UNSUPPORTED_MEDIA_TYPE; application/json with a charset is fine")
  void wrongContentType() {
    assertError(raw(HttpMethod.POST, "/sessions/" + sessionId + "/events", "text/plain", "{\"event_type\": \"x\"}"),
        415, "UNSUPPORTED_MEDIA_TYPE");
    assertError(raw(HttpMethod.POST, "/sessions", "application/x-www-form-urlencoded", "name=a"),
        415, "UNSUPPORTED_MEDIA_TYPE");
    assertError(raw(HttpMethod.POST, "/sessions/" + sessionId + "/events", null, "{\"event_type\": \"x\"}"),
        415, "UNSUPPORTED_MEDIA_TYPE");
    assertThat(eventCount()).isEqualTo(1);

    HttpResponse<Buffer> ok = http.send(HttpMethod.POST, "/sessions/" + sessionId + "/events",
        "application/json; charset=utf-8", Buffer.buffer("{\"event_type\": \"x\"}"));
    assertThat(ok.statusCode()).as(ok.bodyAsString()).isEqualTo(201);
  }

  @Test
  @DisplayName("every missing or wrongly typed field of one request is listed in details.fields")
  void everyBadFieldListed() {
    HttpResponse<Buffer> event = post("/sessions/" + sessionId + "/events",
        new JsonObject().put("data", new JsonArray()).put("metadata", "m").put("extra", true));
    assertThat(assertInvalid(event)).containsExactlyInAnyOrder("event_type", "data", "metadata", "extra");

    HttpResponse<Buffer> command = post("/sessions/" + sessionId + "/commands",
        new JsonObject().put("command_type", 5).put("parameters", "p")
            .put("metadata", new JsonObject().put("priority", "urgent").put("timeout", 0)));
    assertThat(assertInvalid(command)).containsExactlyInAnyOrder(
        "command_type", "parameters", "metadata.priority", "metadata.timeout");

    HttpResponse<Buffer> session = post("/sessions",
        new JsonObject().put("name", new JsonObject()).put("metadata", 1).put("ttl_seconds", 1.5));
    assertThat(assertInvalid(session)).containsExactlyInAnyOrder("name", "metadata", "ttl_seconds");
    assertThat(eventCount()).isEqualTo(1);
  }

  @Test
  @DisplayName("metadata keys that cannot be stored ($-prefixed, dotted) are a 400 naming the key")
  void unstorableKeys() {
    HttpResponse<Buffer> response = post("/sessions/" + sessionId + "/events", new JsonObject().put("event_type", "x")
        .put("data", new JsonObject().put("$where", 1).put("ok", new JsonObject().put("a.b", 2))));
    assertThat(assertInvalid(response)).containsExactlyInAnyOrder("data.$where", "data.ok.a.b");
    assertThat(eventCount()).isEqualTo(1);
  }

  @Test
  @DisplayName("a body over 1 MiB is a 413 PAYLOAD_TOO_LARGE and nothing is stored")
  void bodyTooLarge() {
    String big = "x".repeat(1_100_000);
    HttpResponse<Buffer> event = post("/sessions/" + sessionId + "/events",
        new JsonObject().put("event_type", "big").put("data", new JsonObject().put("blob", big)));
    assertError(event, 413, "PAYLOAD_TOO_LARGE");
    assertThat(eventCount()).isEqualTo(1);

    String name = "big-" + UUID.randomUUID();
    HttpResponse<Buffer> session = post("/sessions",
        new JsonObject().put("name", name).put("metadata", new JsonObject().put("blob", big)));
    assertError(session, 413, "PAYLOAD_TOO_LARGE");
    assertThat(http.get("/sessions?name_prefix=" + name).bodyAsJsonObject().getJsonArray("data")).isEmpty();

    // Just under the limit is accepted.
    HttpResponse<Buffer> fits = http.post("/sessions/" + sessionId + "/events",
        new JsonObject().put("event_type", "fits").put("data", new JsonObject().put("blob", "y".repeat(1_000_000))));
    assertThat(fits.statusCode()).isEqualTo(201);
  }

  @Test
  @DisplayName("an unknown route is a 404 NOT_FOUND in the error envelope, whatever the method")
  void unknownRoute() {
    HttpResponse<Buffer> response = http.get("/no-such-thing");
    errors.add(response);
    assertError(response, 404, "NOT_FOUND");

    HttpResponse<Buffer> deleted = http.delete("/no-such-thing");
    errors.add(deleted);
    assertError(deleted, 404, "NOT_FOUND");

    assertError(raw(HttpMethod.POST, "/no-such-thing", "application/json", "{}"), 404, "NOT_FOUND");

    HttpResponse<Buffer> nested = http.get("/sessions/" + sessionId + "/nothing/here");
    errors.add(nested);
    assertError(nested, 404, "NOT_FOUND");
  }

  @Test
  @DisplayName("a known route with the wrong method is a 405 METHOD_NOT_ALLOWED and changes nothing")
  void wrongMethod() {
    HttpResponse<Buffer> put = raw(HttpMethod.PUT, "/sessions/" + sessionId, "application/json", "{\"name\": \"x\"}");
    assertError(put, 405, "METHOD_NOT_ALLOWED");
    HttpResponse<Buffer> delete = http.delete("/sessions");
    errors.add(delete);
    assertError(delete, 405, "METHOD_NOT_ALLOWED");
    assertThat(http.get("/sessions/" + sessionId).bodyAsJsonObject().getString("name")).isEqualTo("bad-input");
  }

  @Test
  @DisplayName("a given X-Request-ID is echoed on success and on errors, and is the request_id of the error body")
  void requestIdEchoed() {
    HttpResponse<Buffer> ok = HttpCalls.await(http.request(HttpMethod.GET, "/sessions/" + sessionId)
        .putHeader("X-Request-ID", "client-req-123").send());
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.getHeader("X-Request-ID")).isEqualTo("client-req-123");

    HttpResponse<Buffer> missing = HttpCalls.await(http.request(HttpMethod.GET, "/sessions/ses_absent")
        .putHeader("X-Request-ID", "client-req-456").send());
    errors.add(missing);
    assertError(missing, 404, "SESSION_NOT_FOUND");
    assertThat(missing.getHeader("X-Request-ID")).isEqualTo("client-req-456");
    assertThat(missing.bodyAsJsonObject().getString("request_id")).isEqualTo("client-req-456");

    HttpResponse<Buffer> invalid = HttpCalls.await(http.request(HttpMethod.POST, "/sessions")
        .putHeader("X-Request-ID", "client-req-789").sendJsonObject(new JsonObject().put("bogus", 1)));
    errors.add(invalid);
    assertInvalid(invalid);
    assertThat(invalid.bodyAsJsonObject().getString("request_id")).isEqualTo("client-req-789");
  }

  @Test
  @DisplayName("without X-Request-ID (or with an unusable one) each response gets its own fresh req_ id")
  void requestIdGenerated() {
    HttpResponse<Buffer> first = http.get("/sessions/" + sessionId);
    HttpResponse<Buffer> second = http.get("/sessions/" + sessionId);
    assertThat(first.getHeader("X-Request-ID")).startsWith("req_");
    assertThat(second.getHeader("X-Request-ID")).startsWith("req_").isNotEqualTo(first.getHeader("X-Request-ID"));

    HttpResponse<Buffer> unsafe = HttpCalls.await(http.request(HttpMethod.GET, "/sessions/" + sessionId)
        .putHeader("X-Request-ID", "bad id <script>").send());
    assertThat(unsafe.getHeader("X-Request-ID")).startsWith("req_");
  }

  @Test
  @DisplayName("metadata nested deeper than the limit is a 400 naming a metadata path, not a server error")
  void deeplyNested() {
    JsonObject deep = new JsonObject().put("leaf", 1);
    for (int i = 0; i < 40; i++) {
      deep = new JsonObject().put("n", deep);
    }
    HttpResponse<Buffer> response = post("/sessions/" + sessionId + "/events",
        new JsonObject().put("event_type", "deep").put("metadata", deep));
    assertThat(assertInvalid(response)).allMatch(field -> field.startsWith("metadata"));
    assertThat(eventCount()).isEqualTo(1);
  }
}
