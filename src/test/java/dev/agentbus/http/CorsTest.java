package dev.agentbus.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.agentbus.support.TestNode;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@org.junit.jupiter.api.Timeout(60)
/** CORS allow-list, preflights, exposed headers, and the Origin check on streams and state-changing requests. */
class CorsTest {
  static final String ALLOWED = "http://allowed.example:8443";
  static final String EVIL = "http://evil.example";
  static TestNode node;
  static WebSocketClient sockets;

  @BeforeAll
  static void start() {
    node = TestNode.start(new JsonObject().put("http", new JsonObject()
        .put("cors", new JsonObject().put("allowed_origins", new JsonArray().add(ALLOWED)))));
    sockets = node.vertx().createWebSocketClient();
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static HttpClientResponse call(HttpMethod method, String path, String origin, String... headers) {
    RequestOptions options = new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(node.port()).setURI(path);
    if (origin != null) {
      options.putHeader("Origin", origin);
    }
    for (int i = 0; i < headers.length; i += 2) {
      options.putHeader(headers[i], headers[i + 1]);
    }
    return node.http().request(options).compose(request -> request.send()).timeout(10, TimeUnit.SECONDS).await();
  }

  private static int webSocketStatus(String path, String origin) {
    WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(node.port())
        .setURI(path).setAllowOriginHeader(origin != null);
    if (origin != null) {
      options.addHeader("Origin", origin);
    }
    Throwable failure = catchThrowable(() -> {
      WebSocket socket = sockets.connect(options).timeout(10, TimeUnit.SECONDS).await();
      socket.close().await();
    });
    if (failure == null) {
      return 101;
    }
    assertThat(failure).isInstanceOf(UpgradeRejectedException.class);
    return ((UpgradeRejectedException) failure).getStatus();
  }

  @Test
  @DisplayName("a preflight from an allowed origin is 204 with the allowed methods and headers; from another origin 403 without CORS headers")
  void preflights() {
    HttpClientResponse ok = call(HttpMethod.OPTIONS, "/api/v1/infer", ALLOWED,
        "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "content-type, x-api-key");
    assertThat(ok.statusCode()).isEqualTo(204);
    assertThat(ok.getHeader("Access-Control-Allow-Origin")).isEqualTo(ALLOWED);
    assertThat(ok.getHeader("Access-Control-Allow-Methods")).contains("POST", "DELETE");
    assertThat(ok.getHeader("Access-Control-Allow-Headers")).contains("Authorization", "Content-Type", "Idempotency-Key",
        "X-API-Key", "X-Session-Token", "X-Request-ID", "Last-Event-ID");

    HttpClientResponse refused = call(HttpMethod.OPTIONS, "/api/v1/infer", EVIL, "Access-Control-Request-Method", "POST");
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(refused.getHeader("Access-Control-Allow-Origin")).isNull();
  }

  @Test
  @DisplayName("an allowed origin's response exposes X-Request-ID, Location, Retry-After, RateLimit, RateLimit-Policy and Idempotent-Replayed; a disallowed origin's GET gets no CORS header")
  void exposedHeaders() {
    HttpClientResponse allowed = call(HttpMethod.GET, "/api/v1/sessions", ALLOWED);
    assertThat(allowed.statusCode()).isEqualTo(200);
    assertThat(allowed.getHeader("Access-Control-Allow-Origin")).isEqualTo(ALLOWED);
    assertThat(allowed.getHeader("Access-Control-Expose-Headers"))
        .isEqualTo("X-Request-ID, Location, Retry-After, RateLimit, RateLimit-Policy, Idempotent-Replayed");
    assertThat(allowed.getHeader("Vary")).contains("Origin");

    HttpClientResponse other = call(HttpMethod.GET, "/api/v1/sessions", EVIL);
    assertThat(other.statusCode()).as("a read is answered; the browser hides it").isEqualTo(200);
    assertThat(other.getHeader("Access-Control-Allow-Origin")).isNull();
    assertThat(other.getHeader("Access-Control-Expose-Headers")).isNull();
  }

  @Test
  @DisplayName("WebSocket upgrades: a disallowed Origin is 403 before the upgrade; an allowed, the node's own or no Origin upgrades")
  void webSocketOrigin() {
    String session = node.createSession();
    assertThat(webSocketStatus("/api/v1/ws", EVIL)).isEqualTo(403);
    assertThat(webSocketStatus("/api/v1/sessions/" + session + "/events/stream", EVIL)).isEqualTo(403);
    assertThat(webSocketStatus("/api/v1/ws", "null")).as("a sandboxed or file: page").isEqualTo(403);
    assertThat(webSocketStatus("/api/v1/ws", ALLOWED)).isEqualTo(101);
    assertThat(webSocketStatus("/api/v1/ws", "http://127.0.0.1:" + node.port())).as("same origin").isEqualTo(101);
    assertThat(webSocketStatus("/api/v1/ws", null)).isEqualTo(101);
  }

  @Test
  @DisplayName("SSE: a disallowed Origin is 403 FORBIDDEN before the stream opens; an allowed origin gets the stream")
  void sseOrigin() {
    String session = node.createSession();
    var refused = node.client().get("/api/v1/sessions/" + session + "/events/sse").putHeader("Origin", EVIL)
        .timeout(10_000).send().await();
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(refused.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("FORBIDDEN");
    assertThat(refused.getHeader("Access-Control-Allow-Origin")).isNull();

    HttpClientResponse stream = call(HttpMethod.GET, "/api/v1/sessions/" + session + "/events/sse", ALLOWED);
    assertThat(stream.statusCode()).isEqualTo(200);
    assertThat(stream.getHeader("Content-Type")).startsWith("text/event-stream");
    assertThat(stream.getHeader("Access-Control-Allow-Origin")).isEqualTo(ALLOWED);
    stream.request().connection().close();
  }

  @Test
  @DisplayName("a cross-origin POST of a prompt from a disallowed Origin is 403 and runs nothing; from an allowed origin it runs")
  void promptPost() throws Exception {
    String session = node.createSession();
    // What a page's fetch(..., {mode: "no-cors"}) or form sends: a "simple" POST, no preflight.
    String body = new JsonObject().put("prompt", "steal").put("session_id", session).encode();
    var refused = node.client().post("/api/v1/infer").putHeader("Content-Type", "text/plain").putHeader("Origin", EVIL)
        .timeout(10_000).sendBuffer(io.vertx.core.buffer.Buffer.buffer(body)).await();
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(refused.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("FORBIDDEN");
    assertThat(node.get("/sessions/" + session + "/commands").bodyAsJsonObject().getJsonArray("data"))
        .as("no command was accepted").isEmpty();

    var allowed = node.client().post("/api/v1/infer").putHeader("Origin", ALLOWED)
        .sendJsonObject(new JsonObject().put("prompt", "hello").put("session_id", session)).await();
    assertThat(allowed.statusCode()).isEqualTo(202);
    assertThat(allowed.getHeader("Access-Control-Allow-Origin")).isEqualTo(ALLOWED);
    assertThat(node.get("/sessions/" + session + "/commands").bodyAsJsonObject().getJsonArray("data")).hasSize(1);
  }

  @Test
  @DisplayName("origins are compared as scheme, host and port: a default port may be written or not, another port is another origin")
  void originNormalised() {
    assertThat(Cors.normalize("HTTP://Allowed.Example")).isEqualTo("http://allowed.example:80");
    assertThat(Cors.normalize("https://a.example:443")).isEqualTo(Cors.normalize("https://a.example"));
    assertThat(Cors.normalize("http://a.example:8080")).isNotEqualTo(Cors.normalize("http://a.example"));
    assertThat(Cors.normalize("null")).isEqualTo("null");
  }
}
