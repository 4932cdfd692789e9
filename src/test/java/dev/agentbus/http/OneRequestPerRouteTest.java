package dev.agentbus.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.bus.Headers;
import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.SseClient;
import dev.agentbus.support.TestNode;
import dev.agentbus.support.WsClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The HTTP edge sends one bus request per HTTP request: every route validates, sends one request to
 * the verticle that owns the job, and maps the reply. Checked by counting, with an outbound
 * interceptor, the bus requests sent from the HTTP verticle's own contexts, per request id, while
 * a tour calls every route once. (Replays of a stream read the event log without a request id;
 * they are the stream, not the route.)
 */
class OneRequestPerRouteTest {
  static TestNode node;
  static HttpCalls http;
  static final Map<String, AtomicInteger> sendsByRequest = new ConcurrentHashMap<>();
  static final Map<String, List<String>> addressesByRequest = new ConcurrentHashMap<>();

  @BeforeAll
  static void start() {
    node = TestNode.start();
    http = new HttpCalls(node);
    node.vertx().eventBus().addOutboundInterceptor(delivery -> {
      String requestId = delivery.message().headers().get(Headers.REQUEST_ID);
      if (delivery.message().isSend() && delivery.message().replyAddress() != null && requestId != null && fromHttp()) {
        sendsByRequest.computeIfAbsent(requestId, k -> new AtomicInteger()).incrementAndGet();
        addressesByRequest.computeIfAbsent(requestId, k -> new java.util.concurrent.CopyOnWriteArrayList<>())
            .add(delivery.message().address());
      }
      delivery.next();
    });
  }

  private static boolean fromHttp() {
    ContextInternal context = ContextInternal.current();
    return context != null && context.deployment() != null
        && context.deployment().deployment().instances().stream().anyMatch(HttpApiVerticle.class::isInstance);
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  @DisplayName("a tour of every route sends at most one bus request from the HTTP verticle per HTTP request")
  void oneRequestEach() throws Exception {
    String session = http.createSession(new JsonObject().put("name", "tour")).getString("session_id");
    http.get("/sessions?limit=5");
    http.get("/sessions/" + session);
    http.patch("/sessions/" + session, new JsonObject().put("name", "tour2"));
    http.post("/sessions/bulk-create", new JsonObject().put("sessions", new io.vertx.core.json.JsonArray().add(new JsonObject())));
    String event = http.post("/sessions/" + session + "/events", new JsonObject().put("event_type", "app.note"))
        .bodyAsJsonObject().getString("event_id");
    http.get("/sessions/" + session + "/events");
    http.get("/sessions/" + session + "/events/" + event);
    JsonObject echo = http.post("/sessions/" + session + "/commands?wait=5",
        new JsonObject().put("command_type", "echo").put("parameters", new JsonObject().put("a", 1))).bodyAsJsonObject();
    String command = echo.getString("command_id");
    http.get("/sessions/" + session + "/commands");
    http.get("/sessions/" + session + "/commands/" + command + "?wait=1");
    http.post("/sessions/" + session + "/commands/" + command + "/cancel", new JsonObject());
    http.post("/sessions/" + session + "/commands/batch", new JsonObject().put("commands",
        new io.vertx.core.json.JsonArray().add(new JsonObject().put("command_type", "echo"))));
    SseClient.open(node, "/sessions/" + session + "/commands/" + command + "/stream").awaitEnd();
    SseClient events = SseClient.open(node, "/sessions/" + session + "/events/sse");
    events.awaitJson(json -> "app.note".equals(json.getString("event_type")));
    events.close();

    String engine = http.post("/engines", new JsonObject().put("engine_type", "dummy").put("session_id", session))
        .bodyAsJsonObject().getString("engine_id");
    http.get("/engines?session_id=" + session);
    http.get("/engines/" + engine);
    http.post("/engines/" + engine + "/execute?wait=10", new JsonObject().put("prompt", "hi"));
    SseClient.send(node, HttpMethod.POST, "/api/v1/engines/" + engine + "/execute", new JsonObject().put("prompt", "hi"),
        Map.of("Accept", "text/event-stream")).awaitEnd();
    String agent = http.post("/agents", new JsonObject().put("name", "tour")).bodyAsJsonObject().getString("agent_id");
    http.get("/agents");
    http.get("/agents/" + agent);
    http.patch("/agents/" + agent, new JsonObject().put("name", "tour2"));

    String thread = http.post("/chat", new JsonObject().put("user_id", "u1")).bodyAsJsonObject().getString("thread_id");
    SseClient.post(node, "/api/v1/chat/" + thread + "/stream", new JsonObject().put("content", "hello").put("agent_id", agent))
        .awaitEnd();
    http.get("/chat/" + thread);
    http.get("/sessions/" + thread + "/messages");
    String request = http.post("/infer", new JsonObject().put("prompt", "hi")).bodyAsJsonObject().getString("request_id");
    SseClient.open(node, "/stream/" + request).awaitEnd();
    http.get("/status/" + request);
    http.get("/result/" + request);
    SseClient.post(node, "/internal/chat/stream", new JsonObject().put("input", new JsonObject().put("message", "hi"))
        .put("conversation", new JsonObject().put("id", "c1").put("user_id", "u1").put("company_id", "acme"))).awaitEnd();

    WebSocketClient sockets = WsClient.newClient(node);
    try (WsClient ws = WsClient.open(sockets, node, "/sessions/" + session + "/events/stream?subscriber_id=tour")) {
      ws.awaitFrame(frame -> "event".equals(frame.getString("type")), SseClient.PATIENCE);
    }
    try (WsClient ws = WsClient.open(sockets, node, "/ws")) {
      ws.send(new JsonObject().put("type", "ping"));
      ws.awaitFrame(frame -> "pong".equals(frame.getString("type")), SseClient.PATIENCE);
    }
    JsonObject busHandler = new JsonObject().put("kind", "bus").put("address", "tour.nobody");
    for (String scope : List.of("/sessions/" + session, "")) {
      http.post(scope + "/handlers/commands", new JsonObject().put("command_type", "tour.type").put("handler", busHandler));
      http.get(scope + "/handlers/commands");
      http.delete(scope + "/handlers/commands/tour.type");
    }
    JsonObject busTool = new JsonObject().put("kind", "bus").put("address", "tour.nobody");
    for (String scope : List.of("/sessions/" + session, "")) {
      http.post(scope + "/tools", new JsonObject().put("name", "tour.tool").put("parameters", new JsonObject().put("type", "object"))
          .put("implementation", busTool));
      http.get(scope + "/tools");
      http.get(scope + "/tools/tour.tool");
    }
    http.post("/sessions/" + session + "/tools/tour.tool/execute", new JsonObject());
    for (String scope : List.of("/sessions/" + session, "")) {
      http.delete(scope + "/tools/tour.tool");
    }
    http.post("/sessions/" + session + "/commands/" + command + "/result", new JsonObject().put("result", new JsonObject()));
    http.post("/mcp-servers", new JsonObject().put("name", "tour").put("url", "http://10.0.0.1/mcp"));
    http.get("/mcp-servers");
    http.get("/mcp-servers/mcp_tour");
    http.get("/mcp-servers/mcp_tour/tools?refresh=true");
    http.delete("/mcp-servers/mcp_tour");
    http.delete("/engines/" + engine);
    http.delete("/agents/" + agent);
    http.post("/sessions/bulk-delete", new JsonObject().put("session_ids", new io.vertx.core.json.JsonArray().add(thread)));
    http.delete("/sessions/" + session);

    assertThat(sendsByRequest).hasSizeGreaterThanOrEqualTo(46);
    Map<String, List<String>> chained = addressesByRequest.entrySet().stream()
        .filter(entry -> entry.getValue().size() > 1)
        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    assertThat(chained).as("HTTP requests that sent more than one bus request").isEmpty();
  }
}
