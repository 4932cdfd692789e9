package dev.agentbus.auth;

import static dev.agentbus.auth.AuthFixtures.ADMIN_KEY;
import static dev.agentbus.auth.AuthFixtures.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.support.TestNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** {@code Idempotency-Key} belongs to the principal that sent it: another one's same key is a new request. */
class AuthIdempotencyTest {
  static TestNode node;

  @BeforeAll
  static void start() {
    node = TestNode.start(AuthFixtures.authConfig());
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  static String key(String name) {
    HttpResponse<Buffer> created = AuthFixtures.call(node, HttpMethod.POST, "/keys", bearer(ADMIN_KEY), new JsonObject()
        .put("name", name).put("tenant_id", name).put("scopes", new JsonArray().add("sessions:read").add("sessions:write")));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    return created.bodyAsJsonObject().getString("key");
  }

  static HttpResponse<Buffer> create(String credential, String idempotencyKey) {
    Map<String, String> headers = new HashMap<>(bearer(credential));
    headers.put("Idempotency-Key", idempotencyKey);
    return AuthFixtures.call(node, HttpMethod.POST, "/sessions", headers, new JsonObject().put("name", "same"));
  }

  @Test
  @DisplayName("two API keys sending the same Idempotency-Key and body each get their own session; each key's retry replays its own")
  void keysArePerPrincipal() {
    String alice = key("alice");
    String bob = key("bob");

    HttpResponse<Buffer> first = create(alice, "order-1");
    HttpResponse<Buffer> other = create(bob, "order-1");
    HttpResponse<Buffer> retry = create(alice, "order-1");

    assertThat(first.statusCode()).isEqualTo(201);
    assertThat(other.statusCode()).as(other.bodyAsString()).isEqualTo(201);
    assertThat(other.getHeader("Idempotent-Replayed")).isNull();
    assertThat(other.bodyAsJsonObject().getString("session_id")).isNotEqualTo(first.bodyAsJsonObject().getString("session_id"));
    assertThat(retry.getHeader("Idempotent-Replayed")).isEqualTo("true");
    assertThat(retry.bodyAsJsonObject().getString("session_id")).isEqualTo(first.bodyAsJsonObject().getString("session_id"));
  }
}
