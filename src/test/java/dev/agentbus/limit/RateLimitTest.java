package dev.agentbus.limit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentbus.config.AppConfig;
import dev.agentbus.config.Settings;
import dev.agentbus.support.TestNode;
import dev.agentbus.support.WsClient;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Rate limits on one node, each test with its own node and low limits (the suite's {@link TestNode}
 * default raises them far above what the other tests send). No credentials from loopback: the
 * protected-mode local principal, tier {@code default}.
 */
@Timeout(120)
class RateLimitTest {
  private static TestNode node(JsonObject limits) {
    return TestNode.start(new JsonObject().put("limits", limits));
  }

  private static JsonObject local(int quota) {
    return new JsonObject().put("tiers", new JsonObject().put("default", quota));
  }

  private static HttpClientResponse openSse(TestNode node, String session) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(node.port())
        .setURI("/api/v1/sessions/" + session + "/events/sse");
    return node.http().request(options).compose(request -> request.send()).timeout(10, TimeUnit.SECONDS).await();
  }

  @Test
  @DisplayName("every counted response carries RateLimit-Policy and RateLimit in structured-field form, errors too; health checks are not counted")
  void headersOnEveryResponse() {
    try (TestNode node = node(local(50))) {
      HttpResponse<Buffer> first = node.get("/sessions");
      assertThat(first.statusCode()).isEqualTo(200);
      assertThat(first.getHeader("RateLimit-Policy")).isEqualTo("\"default\";q=50;w=60");
      assertThat(first.getHeader("RateLimit")).matches("\"default\";r=49;t=\\d+");
      HttpResponse<Buffer> missing = node.get("/no-such-route");
      assertThat(missing.statusCode()).isEqualTo(404);
      assertThat(missing.getHeader("RateLimit")).matches("\"default\";r=48;t=\\d+");
      HttpResponse<Buffer> health = node.get("/health");
      assertThat(health.getHeader("RateLimit")).isNull();
      assertThat(node.get("/sessions").getHeader("RateLimit")).as("health took nothing").startsWith("\"default\";r=47;");
    }
  }

  @Test
  @DisplayName("the console's files cost nothing: past the quota, / and its assets still load while the API is refused")
  void consoleFilesNotCounted() {
    try (TestNode node = node(local(2))) {
      for (int i = 0; i < 2; i++) {
        assertThat(node.get("/sessions").statusCode()).isEqualTo(200);
      }
      assertThat(node.get("/sessions").statusCode()).isEqualTo(429);
      for (String file : java.util.List.of("/", "/console/console.js", "/console/console.css")) {
        HttpResponse<Buffer> page = node.client().get(file).send().await();
        assertThat(page.statusCode()).as(file).isEqualTo(200);
        assertThat(page.getHeader("RateLimit")).as(file).isNull();
      }
    }
  }

  @Test
  @DisplayName("after the quota a request is 429 RATE_LIMITED with Retry-After in seconds; health checks still answer")
  void quotaThen429() {
    try (TestNode node = node(local(5))) {
      for (int i = 0; i < 5; i++) {
        assertThat(node.get("/sessions").statusCode()).isEqualTo(200);
      }
      HttpResponse<Buffer> refused = node.get("/sessions");
      assertThat(refused.statusCode()).isEqualTo(429);
      assertThat(refused.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("RATE_LIMITED");
      assertThat(Long.parseLong(refused.getHeader("Retry-After"))).isBetween(1L, 60L);
      assertThat(refused.getHeader("RateLimit")).startsWith("\"default\";r=0;");
      assertThat(node.get("/health").statusCode()).isEqualTo(200);
    }
  }

  @Test
  @DisplayName("with auth configured, refused credentials spend the client IP's anonymous bucket: a guesser meets 429, a valid credential keeps its own bucket")
  void refusedCredentialsAreLimited() {
    try (TestNode node = TestNode.start(new JsonObject().put("auth", new JsonObject().put("admin_key", "admin-" + "k".repeat(40)))
        .put("limits", new JsonObject().put("tiers", new JsonObject().put("anonymous", 3))))) {
      for (int i = 0; i < 3; i++) {
        HttpResponse<Buffer> guess = node.client().get(node.port(), "127.0.0.1", "/api/v1/sessions")
            .putHeader("Authorization", "Bearer guess-" + i).send().await();
        assertThat(guess.statusCode()).isEqualTo(401);
      }
      HttpResponse<Buffer> refused = node.client().get(node.port(), "127.0.0.1", "/api/v1/sessions")
          .putHeader("Authorization", "Bearer guess-4").send().await();

      assertThat(refused.statusCode()).as(refused.bodyAsString()).isEqualTo(429);
      assertThat(refused.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("RATE_LIMITED");
      assertThat(Long.parseLong(refused.getHeader("Retry-After"))).isBetween(1L, 60L);
      HttpResponse<Buffer> admin = node.client().get(node.port(), "127.0.0.1", "/api/v1/sessions")
          .putHeader("Authorization", "Bearer admin-" + "k".repeat(40)).send().await();
      assertThat(admin.statusCode()).as("a valid credential has its own bucket").isEqualTo(200);
    }
  }

  @Test
  @DisplayName("a route's cost is taken from the bucket: a prompt costing 10 of a quota of 21 runs twice, then is refused")
  void routeCost() {
    try (TestNode node = node(local(21).put("route_costs", new JsonObject().put("POST /api/v1/infer", 10)))) {
      HttpResponse<Buffer> one = node.post("/infer", new JsonObject().put("prompt", "one"));
      assertThat(one.statusCode()).isEqualTo(202);
      assertThat(one.getHeader("RateLimit")).startsWith("\"default\";r=11;");
      assertThat(node.post("/infer", new JsonObject().put("prompt", "two")).getHeader("RateLimit")).startsWith("\"default\";r=1;");
      HttpResponse<Buffer> three = node.post("/infer", new JsonObject().put("prompt", "three"));
      assertThat(three.statusCode()).isEqualTo(429);
      assertThat(node.get("/sessions").statusCode()).as("a cost-1 request still fits").isEqualTo(200);
    }
  }

  @Test
  @DisplayName("a prompt frame on WS /ws costs what POST /infer costs, from the same bucket: over the quota it is a RATE_LIMITED error frame")
  void webSocketPromptsCharged() {
    try (TestNode node = node(local(21).put("route_costs", new JsonObject().put("POST /api/v1/infer", 10)))) {
      try (WsClient ws = WsClient.open(WsClient.newClient(node), node, "/ws")) { // the upgrade takes 1
        for (int i = 0; i < 2; i++) {
          ws.send(new JsonObject().put("prompt", "p" + i));
          int acks = i + 1;
          await().atMost(Duration.ofSeconds(20)).until(() -> ws.frames().stream().filter(f -> "ack".equals(f.getString("type"))).count() == acks);
        }
        ws.send(new JsonObject().put("prompt", "one too many"));
        JsonObject error = ws.awaitFrame(f -> "error".equals(f.getString("type")), Duration.ofSeconds(20));
        assertThat(error.getJsonObject("error").getString("code")).isEqualTo("RATE_LIMITED");
      }
    }
  }

  @Test
  @DisplayName("publish and command frames on a session WebSocket take from the bucket like their REST requests: over the quota, a RATE_LIMITED error frame and nothing stored")
  void sessionSocketFramesCharged() {
    try (TestNode node = node(local(6).put("route_costs", new JsonObject().put("POST /api/v1/sessions/*/events", 2)))) {
      String session = node.createSession(); // takes 1
      try (WsClient ws = WsClient.open(WsClient.newClient(node), node, "/sessions/" + session + "/events/stream")) { // takes 1
        ws.send(new JsonObject().put("type", "publish").put("request_id", "p1").put("event_type", "app.one").put("data", new JsonObject()));
        ws.awaitFrame(f -> "p1".equals(f.getString("request_id")) && "ack".equals(f.getString("type")), Duration.ofSeconds(20)); // takes 2
        ws.send(new JsonObject().put("type", "command").put("request_id", "c1").put("command_type", "echo")
            .put("parameters", new JsonObject()));
        ws.awaitFrame(f -> "c1".equals(f.getString("request_id")) && "ack".equals(f.getString("type")), Duration.ofSeconds(20)); // takes 1
        ws.send(new JsonObject().put("type", "publish").put("request_id", "p2").put("event_type", "app.two").put("data", new JsonObject()));
        JsonObject refused = ws.awaitFrame(f -> "p2".equals(f.getString("request_id")), Duration.ofSeconds(20));
        assertThat(refused.getString("type")).isEqualTo("error");
        assertThat(refused.getJsonObject("error").getString("code")).isEqualTo("RATE_LIMITED");
        assertThat(refused.getJsonObject("error").getJsonObject("details").getInteger("retry_after_s")).isPositive();
      }
      assertThat(node.mongo().count("events", new JsonObject().put("session_id", session).put("event_type", "app.one")).await())
          .as("the admitted frame was stored").isEqualTo(1);
      assertThat(node.mongo().count("events", new JsonObject().put("session_id", session).put("event_type", "app.two")).await())
          .as("the refused frame stored nothing").isZero();
    }
  }

  @Test
  @DisplayName("stream connects are limited per client IP: the third SSE stream in the window is 429 with Retry-After")
  void streamConnectsPerIp() {
    try (TestNode node = node(new JsonObject().put("stream_connects_per_ip", 2))) {
      String session = node.createSession();
      for (int i = 0; i < 2; i++) {
        HttpClientResponse stream = openSse(node, session);
        assertThat(stream.statusCode()).isEqualTo(200);
        assertThat(stream.getHeader("RateLimit-Policy")).endsWith(", \"streams\";q=2;w=60");
        stream.request().connection().close().await();
      }
      HttpResponse<Buffer> third = node.get("/sessions/" + session + "/events/sse");
      assertThat(third.statusCode()).isEqualTo(429);
      assertThat(third.getHeader("Retry-After")).isNotNull();
      assertThat(third.getHeader("RateLimit")).contains("\"streams\";r=0;");
      assertThat(node.get("/sessions").statusCode()).as("other requests pass").isEqualTo(200);
    }
  }

  @Test
  @DisplayName("a principal may have at most max_streams_per_principal streams open at once; closing one frees its slot")
  void concurrentStreamCap() {
    try (TestNode node = node(new JsonObject().put("max_streams_per_principal", 1))) {
      String session = node.createSession();
      HttpClientResponse open = openSse(node, session);
      assertThat(open.statusCode()).isEqualTo(200);
      HttpResponse<Buffer> second = node.get("/sessions/" + session + "/events/sse");
      assertThat(second.statusCode()).isEqualTo(429);
      assertThat(second.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("RATE_LIMITED");
      open.request().connection().close().await();
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        HttpClientResponse again = openSse(node, session);
        try {
          assertThat(again.statusCode()).isEqualTo(200);
        } finally {
          again.request().connection().close().await();
        }
      });
    }
  }

  @Test
  @DisplayName("AGENTBUS_RATE_LIMITS sets the named tiers and keeps the others; AGENTBUS_CORS_ORIGINS is a comma-separated list")
  void environment() {
    JsonObject config = AppConfig.load(List.of(), Map.of("AGENTBUS_RATE_LIMITS", "premium=5, default=7",
        "AGENTBUS_CORS_ORIGINS", "https://a.example, http://b.example:3000"));
    Settings settings = Settings.of(config);
    assertThat(settings.limits().tiers()).containsEntry("premium", 5).containsEntry("default", 7).containsEntry("anonymous", 100);
    assertThat(settings.cors().allowedOrigins()).containsExactly("https://a.example", "http://b.example:3000");
  }

  @Test
  @DisplayName("a node's buckets are bounded: past max_tracked_keys the least recently used are dropped")
  void bucketsBounded() {
    Vertx vertx = Vertx.vertx();
    try {
      LocalBuckets buckets = LocalBuckets.shared(vertx, 3);
      for (int i = 0; i < 10; i++) {
        buckets.take("k" + i, 10, 60_000, 1).await();
      }
      assertThat(buckets.size()).isEqualTo(3);
    } finally {
      vertx.close().await();
    }
  }

  @Test
  @DisplayName("the token bucket refills continuously: a drained bucket of 60 per minute has one token after a second")
  void tokenBucketArithmetic() {
    long[] state = null;
    for (int i = 0; i < 60; i++) {
      state = TokenBucket.take(state, 60, 60_000, 1, 1_000);
    }
    Take empty = TokenBucket.answer(TokenBucket.take(state, 60, 60_000, 1, 1_000));
    assertThat(empty.allowed()).isFalse();
    assertThat(empty.retryAfterSeconds()).isEqualTo(1);
    assertThat(empty.resetSeconds()).isEqualTo(60);
    long[] later = TokenBucket.take(state, 60, 60_000, 1, 2_000);
    assertThat(TokenBucket.answer(later).allowed()).isTrue();
    assertThat(TokenBucket.answer(TokenBucket.take(null, 5, 60_000, 6, 0)).allowed()).as("a cost above the quota never fits").isFalse();
  }
}
