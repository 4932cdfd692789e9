package dev.agentbus.http;

import static dev.agentbus.support.HttpCalls.assertError;
import static dev.agentbus.support.HttpCalls.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.TestNode;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Idempotency-Key on POST")
class IdempotencyTest {
  static TestNode node;
  static HttpCalls http;

  @BeforeAll
  static void start() {
    node = TestNode.start();
    http = new HttpCalls(node);
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static HttpResponse<Buffer> post(String path, String key, JsonObject body) {
    return await(http.request(HttpMethod.POST, path).putHeader("Idempotency-Key", key).sendJsonObject(body));
  }

  private static int sessionsNamed(String prefix) {
    return http.get("/sessions?limit=500&name_prefix=" + prefix).bodyAsJsonObject().getJsonArray("data").size();
  }

  @Test
  @DisplayName("a retry with the same key and body gets the first response and creates nothing new")
  void retryReplaysFirstResponse() {
    String name = "idem-" + UUID.randomUUID();
    String key = UUID.randomUUID().toString();
    HttpResponse<Buffer> first = post("/sessions", key, new JsonObject().put("name", name));
    HttpResponse<Buffer> retry = post("/sessions", key, new JsonObject().put("name", name));

    assertThat(first.statusCode()).isEqualTo(201);
    assertThat(first.getHeader("Idempotent-Replayed")).isNull();
    assertThat(retry.statusCode()).isEqualTo(201);
    assertThat(retry.getHeader("Idempotent-Replayed")).isEqualTo("true");
    assertThat(retry.bodyAsJsonObject()).isEqualTo(first.bodyAsJsonObject());
    assertThat(retry.getHeader("Location")).isEqualTo(first.getHeader("Location"));
    assertThat(sessionsNamed(name)).isEqualTo(1);
  }

  @Test
  @DisplayName("the same key with a different body is refused with 422 IDEMPOTENCY_KEY_REUSED")
  void sameKeyOtherBodyIsRefused() {
    String key = UUID.randomUUID().toString();
    assertThat(post("/sessions", key, new JsonObject().put("name", "one")).statusCode()).isEqualTo(201);
    assertError(post("/sessions", key, new JsonObject().put("name", "two")), 422, "IDEMPOTENCY_KEY_REUSED");
  }

  @Test
  @DisplayName("a retried command submission returns the same command instead of running it twice")
  void commandSubmissionIsNotRepeated() {
    String sessionId = http.createSession(new JsonObject().put("name", "idem-commands")).getString("session_id");
    String key = UUID.randomUUID().toString();
    JsonObject command = new JsonObject().put("command_type", "echo").put("parameters", new JsonObject().put("n", 1));
    String first = post("/sessions/" + sessionId + "/commands", key, command).bodyAsJsonObject().getString("command_id");
    String second = post("/sessions/" + sessionId + "/commands", key, command).bodyAsJsonObject().getString("command_id");

    assertThat(second).isEqualTo(first);
    assertThat(http.get("/sessions/" + sessionId + "/commands").bodyAsJsonObject().getJsonArray("data")).hasSize(1);
  }

  @Test
  @DisplayName("concurrent requests with one key run once; the others replay it or are told it is in progress")
  void concurrentRequestsWithOneKeyRunOnce() {
    String name = "idem-race-" + UUID.randomUUID();
    String key = UUID.randomUUID().toString();
    List<Future<HttpResponse<Buffer>>> racing = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      racing.add(http.request(HttpMethod.POST, "/sessions").putHeader("Idempotency-Key", key)
          .sendJsonObject(new JsonObject().put("name", name)));
    }
    await(Future.join(racing));

    assertThat(sessionsNamed(name)).isEqualTo(1);
    List<String> createdIds = new ArrayList<>();
    for (Future<HttpResponse<Buffer>> response : racing) {
      HttpResponse<Buffer> reply = response.result();
      if (reply.statusCode() == 201) {
        createdIds.add(reply.bodyAsJsonObject().getString("session_id"));
      } else {
        assertError(reply, 409, "IDEMPOTENCY_IN_PROGRESS");
      }
    }
    assertThat(createdIds).isNotEmpty().allMatch(createdIds.get(0)::equals);
  }

  @Test
  @DisplayName("a failed first request releases its key, so a corrected retry with the same key runs")
  void failedRequestReleasesTheKey() {
    String sessionId = http.createSession(new JsonObject().put("name", "idem-release")).getString("session_id");
    String key = UUID.randomUUID().toString();
    String path = "/sessions/" + sessionId + "/events";
    assertThat(HttpCalls.assertInvalid(post(path, key, new JsonObject().put("event_type", "session.forged")))).contains("event_type");
    HttpResponse<Buffer> corrected = post(path, key, new JsonObject().put("event_type", "app.fixed"));
    assertThat(corrected.statusCode()).as(corrected.bodyAsString()).isEqualTo(201);
    assertThat(corrected.getHeader("Idempotent-Replayed")).isNull();
  }

  @Test
  @DisplayName("a key that is not 1 to 255 visible ASCII characters is a 400 naming the header")
  void malformedKeyIsRejected() {
    HttpResponse<Buffer> response = post("/sessions", "x".repeat(256), new JsonObject().put("name", "bad-key"));
    assertThat(HttpCalls.assertInvalid(response)).contains("Idempotency-Key");
  }
}
