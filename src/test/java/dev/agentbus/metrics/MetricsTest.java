package dev.agentbus.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.agentbus.metrics.PrometheusParser.Sample;
import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.SseClient;
import dev.agentbus.support.Tenants;
import dev.agentbus.support.TestNode;
import dev.agentbus.support.WebhookReceiver;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code GET /metrics} and {@code GET /observability/metrics} over real HTTP on a node with auth
 * configured; each scrape is read by the Prometheus client's own text-format parser. One node for
 * the class: nodes of one JVM share the default registry, which closes with the first to stop.
 */
@Timeout(120)
class MetricsTest {
  /** Unauthenticated requests spend this anonymous bucket: the fourth from loopback is 429. */
  private static final int ANONYMOUS_QUOTA = 3;
  private static final String WEBHOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  private static TestNode node;
  private static String key;
  private static WebhookReceiver receiver;

  @BeforeAll
  static void start() {
    JsonObject config = Tenants.config()
        .put("limits", new JsonObject().put("tiers", new JsonObject().put("anonymous", ANONYMOUS_QUOTA)))
        .put("security", new JsonObject().put("allowed_hosts", new JsonArray().add("127.0.0.1")));
    node = TestNode.start(config);
    key = Tenants.key(node, "acme");
    receiver = new WebhookReceiver(node.vertx());
  }

  @AfterAll
  static void stop() {
    receiver.close();
    node.close();
  }

  private static HttpResponse<Buffer> getMetrics(String credential) {
    var request = node.client().get("/metrics").timeout(HttpCalls.TIMEOUT_MS);
    if (credential != null) {
      request.putHeader("Authorization", "Bearer " + credential);
    }
    return HttpCalls.await(request.send());
  }

  private static List<Sample> scrape() throws Exception {
    HttpResponse<Buffer> response = getMetrics(key);
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    assertThat(response.getHeader("Content-Type")).startsWith("text/plain; version=0.0.4");
    return PrometheusParser.parse(response.bodyAsString());
  }

  /** The sum of the samples named {@code name} whose labels include {@code labels}. */
  private static double sum(List<Sample> samples, String name, Map<String, String> labels) {
    return samples.stream().filter(s -> s.name().equals(name))
        .filter(s -> s.labels().entrySet().containsAll(labels.entrySet()))
        .mapToDouble(Sample::value).sum();
  }

  private static double sum(List<Sample> samples, String name) {
    return sum(samples, name, Map.of());
  }

  private static JsonObject awaitCommand(HttpCalls calls, String session, String commandId) {
    return Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
        .until(() -> calls.get("/sessions/" + session + "/commands/" + commandId).bodyAsJsonObject(),
            command -> command.getString("status").equals("completed"));
  }

  @Test
  @DisplayName("a scrape parses as Prometheus text, names the listed metrics, and they move under load: commands, events, streams, engine runs, webhooks, 429s")
  void namedMetricsMoveUnderLoad() throws Exception {
    assumeTrue(PrometheusParser.available(), "python3-prometheus-client is not installed (scripts/ensure-test-tools.sh installs it)");
    HttpCalls calls = new HttpCalls(node, key);
    String session = calls.createSession(new JsonObject().put("name", "metrics")).getString("session_id");
    List<Sample> before = scrape();

    for (int i = 0; i < 5; i++) {
      HttpResponse<Buffer> accepted = calls.post("/sessions/" + session + "/commands",
          new JsonObject().put("command_type", "echo").put("parameters", new JsonObject().put("i", i)));
      assertThat(accepted.statusCode()).as(accepted.bodyAsString()).isEqualTo(202);
      awaitCommand(calls, session, accepted.bodyAsJsonObject().getString("command_id"));
    }
    for (int i = 0; i < 3; i++) {
      HttpResponse<Buffer> published = calls.post("/sessions/" + session + "/events",
          new JsonObject().put("event_type", "test.note").put("data", new JsonObject().put("i", i)));
      assertThat(published.statusCode()).as(published.bodyAsString()).isEqualTo(201);
    }
    HttpResponse<Buffer> run = calls.post("/sessions/" + session + "/commands",
        new JsonObject().put("command_type", "engine.prompt").put("parameters", new JsonObject().put("prompt", "say a few words")));
    assertThat(run.statusCode()).as(run.bodyAsString()).isEqualTo(202);
    awaitCommand(calls, session, run.bodyAsJsonObject().getString("command_id"));
    int limited = 0;
    for (int i = 0; i <= ANONYMOUS_QUOTA && limited == 0; i++) {
      limited += new HttpCalls(node).get("/sessions").statusCode() == 429 ? 1 : 0;
    }
    assertThat(limited).as("an unauthenticated caller meets 429").isEqualTo(1);
    receiver.script("/reserve", WEBHOOK_SECRET, WebhookReceiver.Answer.of(200, new JsonObject().put("result", new JsonObject())));
    HttpResponse<Buffer> registered = calls.post("/sessions/" + session + "/handlers/commands", new JsonObject()
        .put("command_type", "shop.reserve").put("handler", new JsonObject().put("kind", "webhook")
            .put("url", receiver.url("/reserve")).put("secret", WEBHOOK_SECRET)));
    assertThat(registered.statusCode()).as(registered.bodyAsString()).isEqualTo(201);
    HttpResponse<Buffer> reserve = calls.post("/sessions/" + session + "/commands",
        new JsonObject().put("command_type", "shop.reserve").put("parameters", new JsonObject()));
    assertThat(reserve.statusCode()).as(reserve.bodyAsString()).isEqualTo(202);
    awaitCommand(calls, session, reserve.bodyAsJsonObject().getString("command_id"));

    SseClient stream = SseClient.open(node, "/sessions/" + session + "/events/sse?after_seq=0",
        Map.of("Authorization", "Bearer " + key));
    try {
      assertThat(sum(scrape(), "agentbus_streams_open")).as("the open stream").isGreaterThanOrEqualTo(1);
    } finally {
      stream.close();
    }
    List<Sample> after = scrape();

    Map<String, String> echoCompleted = Map.of("command_type", "echo", "status", "completed");
    assertThat(sum(after, "agentbus_commands_total", echoCompleted) - sum(before, "agentbus_commands_total", echoCompleted))
        .isEqualTo(5);
    assertThat(sum(after, "agentbus_commands_total", Map.of("command_type", "engine.prompt", "status", "completed")))
        .isGreaterThanOrEqualTo(1);
    assertThat(sum(after, "agentbus_commands_total", Map.of("command_type", "other", "status", "completed"))
        - sum(before, "agentbus_commands_total", Map.of("command_type", "other", "status", "completed")))
        .as("the user-chosen type shop.reserve, counted as other").isEqualTo(1);
    assertThat(sum(after, "agentbus_webhook_deliveries_total", Map.of("outcome", "2xx"))
        - sum(before, "agentbus_webhook_deliveries_total", Map.of("outcome", "2xx"))).isEqualTo(1);
    assertThat(sum(after, "agentbus_command_duration_seconds_count", Map.of("command_type", "echo"))
        - sum(before, "agentbus_command_duration_seconds_count", Map.of("command_type", "echo"))).isEqualTo(5);
    // 3 published, and each command's accepted/started/completed events: at least 3 + 5 × 2.
    assertThat(sum(after, "agentbus_events_appended_total") - sum(before, "agentbus_events_appended_total"))
        .isGreaterThanOrEqualTo(13);
    assertThat(sum(after, "agentbus_event_write_batch_size_count")).isGreaterThan(sum(before, "agentbus_event_write_batch_size_count"));
    assertThat(sum(after, "agentbus_engine_time_to_first_token_seconds_count")).isGreaterThanOrEqualTo(1);
    assertThat(sum(after, "agentbus_engine_streamed_deltas_total")).isGreaterThan(sum(before, "agentbus_engine_streamed_deltas_total"));
    assertThat(sum(after, "agentbus_rate_limit_rejections_total") - sum(before, "agentbus_rate_limit_rejections_total"))
        .isGreaterThanOrEqualTo(1);
    // Vert.x's own meters: HTTP server, event bus, pools, JVM.
    assertThat(sum(after, "vertx_http_server_requests_total")).isGreaterThan(sum(before, "vertx_http_server_requests_total"));
    assertThat(sum(after, "vertx_http_server_requests_total", Map.of("code", "429"))).isGreaterThanOrEqualTo(1);
    assertThat(sum(after, "vertx_eventbus_processed_total")).isGreaterThan(sum(before, "vertx_eventbus_processed_total"));
    assertThat(after).anyMatch(s -> s.name().startsWith("vertx_pool_"));
    assertThat(after).anyMatch(s -> s.name().startsWith("jvm_memory_used_bytes"));
    assertThat(after.stream().map(Sample::family)).contains("agentbus_stream_slow_consumer_closes",
        "agentbus_engine_model_retries", "agentbus_webhook_deliveries").as("declared before they first count");
    // No series is labelled by a path, an address, a session or a key.
    Set<String> labelNames = after.stream().flatMap(s -> s.labels().keySet().stream()).collect(Collectors.toSet());
    assertThat(labelNames).doesNotContain("path", "address", "session_id", "command_id", "key_id", "tenant_id", "remote", "local");
    assertThat(after.stream().map(Sample::labels).flatMap(l -> l.values().stream())).noneMatch(v -> v.contains(session));
  }

  @Test
  @DisplayName("fifty made-up command types and webhook answers of every status add a bounded number of series")
  void labelsStayBounded() throws Exception {
    assumeTrue(PrometheusParser.available(), "python3-prometheus-client is not installed (scripts/ensure-test-tools.sh installs it)");
    for (int i = 0; i < 50; i++) {
      Metrics.commandFinished(new JsonObject().put("command_type", "made.up." + i).put("status", "completed")
          .put("created_at", "2026-01-01T00:00:00.000Z").put("completed_at", "2026-01-01T00:00:00.250Z"));
      Metrics.webhookDelivery(100 + i * 10);
    }
    List<Sample> samples = scrape();
    Set<String> commandTypes = samples.stream().filter(s -> s.family().equals("agentbus_commands"))
        .map(s -> s.labels().get("command_type")).collect(Collectors.toSet());
    assertThat(commandTypes).isSubsetOf("echo", "engine.prompt", "tool.call", "other").contains("other");
    assertThat(sum(samples, "agentbus_commands_total", Map.of("command_type", "other", "status", "completed")))
        .isGreaterThanOrEqualTo(50);
    Set<String> outcomes = samples.stream().filter(s -> s.family().equals("agentbus_webhook_deliveries"))
        .map(s -> s.labels().get("outcome")).collect(Collectors.toSet());
    assertThat(outcomes).isSubsetOf("1xx", "2xx", "3xx", "4xx", "5xx", "failed");
    long agentbusSeries = samples.stream().filter(s -> s.name().startsWith("agentbus_")).count();
    assertThat(agentbusSeries).as("agentbus series in all").isLessThan(200);
  }

  @Test
  @DisplayName("/metrics needs metrics:read: 401 without a credential, 403 for a key without the scope, 200 for the admin key")
  void scopeGuardsTheScrape() {
    HttpResponse<Buffer> created = Tenants.admin(node).post("/keys", new JsonObject().put("name", "no-metrics")
        .put("tenant_id", "acme").put("scopes", new JsonArray().add("sessions:read")));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    String withoutScope = created.bodyAsJsonObject().getString("key");

    HttpResponse<Buffer> forbidden = getMetrics(withoutScope);
    HttpCalls.assertError(forbidden, 403, "FORBIDDEN");
    assertThat(forbidden.getHeader("WWW-Authenticate")).contains("scope=\"metrics:read\"");
    HttpCalls.assertError(new HttpCalls(node, withoutScope).get("/observability/metrics"), 403, "FORBIDDEN");
    assertThat(getMetrics(Tenants.ADMIN_KEY).statusCode()).isEqualTo(200);
    assertThat(getMetrics(null).statusCode()).isIn(401, 429);
  }

  @Test
  @DisplayName("/observability/metrics answers counts and latency percentiles as JSON, and refuses ?session_id= with 400")
  void jsonSummary() {
    HttpCalls calls = new HttpCalls(node, key);
    String session = calls.createSession(new JsonObject().put("name", "summary")).getString("session_id");
    HttpResponse<Buffer> accepted = calls.post("/sessions/" + session + "/commands",
        new JsonObject().put("command_type", "echo").put("parameters", new JsonObject()));
    awaitCommand(calls, session, accepted.bodyAsJsonObject().getString("command_id"));

    HttpResponse<Buffer> response = calls.get("/observability/metrics");
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    JsonObject summary = response.bodyAsJsonObject();
    assertThat(summary.getJsonObject("commands").getJsonObject("by_status").getLong("completed")).isGreaterThanOrEqualTo(1);
    JsonObject echo = summary.getJsonObject("commands").getJsonObject("latency_ms").getJsonObject("echo");
    assertThat(echo.getLong("count")).isGreaterThanOrEqualTo(1);
    assertThat(echo.fieldNames()).contains("p50", "p95", "p99", "max");
    assertThat(summary.getJsonObject("events").getLong("appended")).isGreaterThanOrEqualTo(3);
    assertThat(summary.getJsonObject("http").getLong("requests")).isGreaterThan(0);
    assertThat(summary.getString("node_id")).isNotBlank();

    HttpCalls.assertError(calls.get("/observability/metrics?session_id=" + session), 400, "VALIDATION_ERROR");
  }
}
