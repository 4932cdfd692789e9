package dev.agentbus.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentbus.store.EmbeddedStore;
import dev.agentbus.support.FakeOpenAi;
import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.SseClient;
import dev.agentbus.support.TestCluster;
import dev.agentbus.support.TestNode;
import dev.agentbus.support.WebhookReceiver;
import dev.agentbus.support.Tenants;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Traces on two clustered nodes (real Hazelcast members) sharing one store: spans recorded by
 * Vert.x and agentbus on each node, stored, and read back from either node by trace id.
 */
class TraceClusterTest {
  static final long PATIENCE_MS = 15_000;
  static EmbeddedStore store;
  static Vertx memberA;
  static Vertx memberB;
  static Vertx fakeVertx;
  static FakeOpenAi fake;
  static TestNode nodeA;
  static TestNode nodeB;
  static HttpCalls adminA;
  static HttpCalls adminB;
  static WebhookReceiver receiver;

  @BeforeAll
  static void startCluster() {
    store = EmbeddedStore.start("memory", null, "127.0.0.1", 0);
    fakeVertx = Vertx.vertx();
    fake = FakeOpenAi.start(fakeVertx);
    TestCluster cluster = new TestCluster();
    memberA = cluster.member();
    memberB = cluster.member();
    JsonObject shared = Tenants.config()
        .put("mongodb", new JsonObject().put("uri", store.uri()))
        .put("tracing", new JsonObject().put("flush_ms", 50))
        .put("engines", new JsonObject().put("openai", new JsonObject().put("base_url", fake.baseUrl())
            .put("api_key", "sk-test-trace").put("model", "fake-model")))
        .put("security", new JsonObject().put("allowed_hosts", new JsonArray().add("localhost").add("127.0.0.1")));
    nodeA = TestNode.start(memberA, false, shared.copy());
    nodeB = TestNode.start(memberB, false, shared.copy());
    adminA = Tenants.admin(nodeA);
    adminB = Tenants.admin(nodeB);
    receiver = new WebhookReceiver(fakeVertx);
  }

  @AfterAll
  static void stopCluster() {
    nodeA.close();
    nodeB.close();
    Future.join(memberA.close(), memberB.close()).await();
    fake.close();
    receiver.close();
    fakeVertx.close().await();
    store.close();
  }

  @Test
  @DisplayName("the trace of a request served by node A is read from node B, its spans tagged with node A")
  void traceOfNodeAReadFromNodeB() {
    HttpResponse<Buffer> created = adminA.post("/sessions", new JsonObject().put("name", "traced"));
    assertThat(created.statusCode()).isEqualTo(201);
    String traceId = traceIdOf(created.getHeader("traceparent"));

    JsonObject trace = awaitTrace(adminB, traceId, spans -> spans.stream().anyMatch(span -> "server".equals(span.getString("kind"))
        && span.getString("name").equals("POST /api/v1/sessions")));

    String nodeAId = adminA.get("/status").bodyAsJsonObject().getString("node_id");
    JsonObject server = spans(trace).stream().filter(span -> "server".equals(span.getString("kind"))).findFirst().orElseThrow();
    assertThat(server.getString("node_id")).isEqualTo(nodeAId);
    assertThat(server.getString("span_id")).isEqualTo(created.getHeader("traceparent").split("-")[2]);
    assertThat(server.getJsonObject("attributes").getString("http.request.method")).isEqualTo("POST");
    assertThat(server.getString("status")).isEqualTo("ok");
    assertThat(server.getDouble("duration_ms")).isPositive();
    assertThat(server.getString("start")).endsWith("Z");
    assertThat(spans(trace)).anyMatch(span -> span.getString("name").startsWith("send agentbus.session.create")
        && server.getString("span_id").equals(span.getString("parent_span_id")));
  }

  @Test
  @DisplayName("an incoming traceparent is honoured: the response and the stored spans carry its trace id, under its span")
  void incomingTraceparentIsHonoured() {
    String traceId = UUID.randomUUID().toString().replace("-", "");
    String callerSpan = "00f067aa0ba902b7";
    HttpResponse<Buffer> answered = HttpCalls.await(adminA.request(HttpMethod.GET, "/sessions")
        .putHeader("traceparent", "00-" + traceId + "-" + callerSpan + "-01").send());
    assertThat(answered.statusCode()).isEqualTo(200);
    assertThat(traceIdOf(answered.getHeader("traceparent"))).isEqualTo(traceId);

    JsonObject trace = awaitTrace(adminB, traceId, spans -> spans.stream().anyMatch(span -> "server".equals(span.getString("kind"))));
    JsonObject server = spans(trace).stream().filter(span -> "server".equals(span.getString("kind"))).findFirst().orElseThrow();
    assertThat(server.getString("parent_span_id")).isEqualTo(callerSpan);
    assertThat(trace.getString("trace_id")).isEqualTo(traceId);
  }

  @Test
  @DisplayName("an event handler's webhook delivery joins the trace of the request that published the event, whichever node delivers it")
  void eventWebhookDeliveryJoinsThePublishersTrace() {
    String session = adminA.createSession(new JsonObject().put("name", "traced hook")).getString("session_id");
    receiver.script("/trace-hook", "whsec_YWdlbnRidXMtdHJhY2UtdGVzdC1zZWNyZXQtMzJieXQ=", WebhookReceiver.Answer.of(200, new JsonObject()));
    HttpResponse<Buffer> registered = adminA.post("/sessions/" + session + "/handlers/events", new JsonObject()
        .put("event_type", "app.traced").put("handler", new JsonObject().put("kind", "webhook")
            .put("url", receiver.url("/trace-hook")).put("secret", "whsec_YWdlbnRidXMtdHJhY2UtdGVzdC1zZWNyZXQtMzJieXQ=")));
    assertThat(registered.statusCode()).as(registered.bodyAsString()).isEqualTo(201);
    String traceId = UUID.randomUUID().toString().replace("-", "");
    HttpResponse<Buffer> published = HttpCalls.await(adminB.request(HttpMethod.POST, "/sessions/" + session + "/events")
        .putHeader("traceparent", "00-" + traceId + "-00f067aa0ba902b7-01")
        .sendJsonObject(new JsonObject().put("event_type", "app.traced").put("data", new JsonObject())));
    assertThat(published.statusCode()).as(published.bodyAsString()).isEqualTo(201);

    JsonObject trace = awaitTrace(adminA, traceId, spans -> spans.stream().anyMatch(TraceClusterTest::isHookCall));
    List<JsonObject> spans = spans(trace);
    JsonObject hook = spans.stream().filter(TraceClusterTest::isHookCall).findFirst().orElseThrow();
    assertThat(ancestry(spans, hook)).as("the delivery descends from the publish request's server span")
        .anyMatch(name -> name.contains("/events"));
    assertThat(receiver.deliveries("/trace-hook")).hasSize(1);
  }

  @Test
  @DisplayName("work done for several traced requests at once (a group commit of their events) gets one span in each of their traces")
  void sharedWorkSpansEveryTrace() {
    String first = UUID.randomUUID().toString().replace("-", "");
    String second = UUID.randomUUID().toString().replace("-", "");
    List<String> parents = java.util.Arrays.asList("00-" + first + "-00f067aa0ba902b7-01", "00-" + second + "-00f067aa0ba902b7-01",
        "00-" + first + "-00f067aa0ba902b7-01", null);
    nodeA.vertx().runOnContext(v -> dev.agentbus.trace.Traces.alsoIn(nodeA.vertx(), parents, "event append", "agentbus.batch_size", 4).run());

    for (String traceId : List.of(first, second)) {
      JsonObject trace = awaitTrace(adminB, traceId, spans -> spans.stream().anyMatch(span -> "event append".equals(span.getString("name"))));
      List<JsonObject> appends = spans(trace).stream().filter(span -> "event append".equals(span.getString("name"))).toList();
      assertThat(appends).hasSize(1);
      assertThat(appends.get(0).getString("parent_span_id")).isEqualTo("00f067aa0ba902b7");
      assertThat(appends.get(0).getJsonObject("attributes").getLong("agentbus.batch_size")).isEqualTo(4);
    }
  }

  private static boolean isHookCall(JsonObject span) {
    return "client".equals(span.getString("kind")) && span.getString("name").equals("POST /trace-hook");
  }

  @Test
  @DisplayName("a chat run's trace spans the HTTP request, the bus, the engine, the model's HTTP call and the store")
  void chatRunTrace() {
    String thread = adminA.createSession(new JsonObject()).getString("session_id");
    HttpResponse<Buffer> engine = adminA.post("/engines", new JsonObject().put("engine_type", "openai").put("session_id", thread)
        .put("configuration", new JsonObject()));
    assertThat(engine.statusCode()).as(engine.bodyAsString()).isEqualTo(201);
    String engineId = engine.bodyAsJsonObject().getString("engine_id");

    // Node B follows the thread: the run's events published on node A reach it, in the same trace.
    SseClient follower = SseClient.open(nodeB, "/sessions/" + thread + "/events/sse", Map.of("Authorization", "Bearer " + Tenants.ADMIN_KEY));
    SseClient chat = SseClient.send(nodeA, HttpMethod.POST, "/api/v1/chat/" + thread + "/stream",
        new JsonObject().put("content", "hello").put("engine_id", engineId), Map.of("Authorization", "Bearer " + Tenants.ADMIN_KEY));
    assertThat(chat.status()).isEqualTo(200);
    chat.awaitEnd();
    String traceId = traceIdOf(chat.header("traceparent"));

    // The server span is stored once the response has ended, like every span once it ends.
    JsonObject trace = awaitTrace(adminB, traceId, spans -> spans.stream().anyMatch(TraceClusterTest::isModelCall)
        && spans.stream().anyMatch(span -> span.getString("name").equals("group commit"))
        && spans.stream().anyMatch(span -> "server".equals(span.getString("kind")) && span.getString("name").contains("/chat/")));
    List<JsonObject> spans = spans(trace);
    JsonObject server = spans.stream().filter(span -> "server".equals(span.getString("kind"))
        && span.getString("name").contains("/chat/")).findFirst().orElseThrow();
    JsonObject modelCall = spans.stream().filter(TraceClusterTest::isModelCall).findFirst().orElseThrow();
    assertThat(modelCall.getJsonObject("attributes").getString("url.full")).endsWith("/v1/chat/completions");
    List<String> chain = ancestry(spans, modelCall);
    assertThat(chain.get(chain.size() - 1)).isEqualTo(server.getString("name"));
    assertThat(chain).anyMatch(name -> name.startsWith("send agentbus.command.submit") || name.startsWith("send agentbus.engine"));
    assertThat(spans).anyMatch(span -> span.getString("name").startsWith("send agentbus.engine"));
    assertThat(spans).anyMatch(span -> span.getString("name").equals("group commit")
        && span.getJsonObject("attributes").getLong("agentbus.batch_size") >= 1);
    assertThat(fake.received().get(fake.received().size() - 1).header("traceparent")).contains(traceId);
    String nodeBId = adminB.get("/status").bodyAsJsonObject().getString("node_id");
    JsonObject onB = awaitTrace(adminA, traceId, all -> all.stream().anyMatch(span -> nodeBId.equals(span.getString("node_id"))));
    assertThat(onB.getJsonArray("node_ids")).hasSize(2);
    follower.close();
  }

  @Test
  @DisplayName("a tenant reads the traces of its own requests only; the admin reads every trace")
  void tenantsReadTheirOwnTraces() {
    HttpCalls acme = Tenants.as(nodeA, "acme");
    HttpCalls globex = Tenants.as(nodeA, "globex");
    HttpResponse<Buffer> listed = acme.get("/sessions");
    assertThat(listed.statusCode()).isEqualTo(200);
    String traceId = traceIdOf(listed.getHeader("traceparent"));

    awaitTrace(acme, traceId, spans -> !spans.isEmpty());
    assertThat(adminB.get("/observability/traces/" + traceId).statusCode()).isEqualTo(200);
    HttpCalls.assertError(globex.get("/observability/traces/" + traceId), 404, "NOT_FOUND");
    HttpCalls.assertError(adminB.get("/observability/traces/not-a-trace"), 400, "VALIDATION_ERROR");
  }

  private static boolean isModelCall(JsonObject span) {
    return "client".equals(span.getString("kind")) && span.getString("name").equals("POST /v1/chat/completions");
  }

  /** The names from {@code span} up to the trace's root within this trace, nearest first. */
  private static List<String> ancestry(List<JsonObject> spans, JsonObject span) {
    Map<String, JsonObject> byId = new HashMap<>();
    spans.forEach(each -> byId.put(each.getString("span_id"), each));
    List<String> names = new java.util.ArrayList<>();
    for (JsonObject at = span; at != null; at = byId.get(at.getString("parent_span_id"))) {
      names.add(at.getString("name"));
    }
    return names;
  }

  private static String traceIdOf(String traceparent) {
    assertThat(traceparent).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");
    return traceparent.split("-")[1];
  }

  private static List<JsonObject> spans(JsonObject trace) {
    return trace.getJsonArray("spans").stream().map(JsonObject.class::cast).toList();
  }

  /** Polls the trace (through {@code calls}' node) until its spans satisfy {@code complete}; fails after the deadline. */
  private static JsonObject awaitTrace(HttpCalls calls, String traceId, Predicate<List<JsonObject>> complete) {
    AtomicReference<HttpResponse<Buffer>> last = new AtomicReference<>();
    try {
      await().atMost(Duration.ofMillis(PATIENCE_MS)).pollInterval(Duration.ofMillis(50)).until(() -> {
        last.set(calls.get("/observability/traces/" + traceId));
        return last.get().statusCode() == 200 && complete.test(spans(last.get().bodyAsJsonObject()));
      });
    } catch (ConditionTimeoutException e) {
      throw new AssertionError("trace " + traceId + " incomplete: " + (last.get() == null ? null : last.get().bodyAsString()), e);
    }
    return last.get().bodyAsJsonObject();
  }
}
