package dev.agentbus.tool;

import static dev.agentbus.command.CommandClient.prompt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentbus.command.CommandClient;
import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.TestCluster;
import dev.agentbus.support.TestNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** {@code bus} tools served by another member of a real Hazelcast cluster. */
class ToolBusClusterTest {
  static Vertx nodeMember;
  static Vertx service;
  static TestNode node;
  static HttpCalls http;
  static CommandClient commands;
  static final List<JsonObject> received = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() {
    TestCluster cluster = new TestCluster();
    nodeMember = cluster.member();
    service = cluster.member();
    node = TestNode.start(nodeMember, false, new JsonObject());
    http = new HttpCalls(node);
    commands = new CommandClient(node);
    service.eventBus().<JsonObject>consumer("shop.quote", m -> {
      received.add(m.body());
      m.reply(new JsonObject().put("sku", m.body().getJsonObject("arguments").getString("sku")).put("price", 42));
    }).completion().await();
    service.eventBus().<JsonObject>consumer("shop.count", m -> m.reply(7)).completion().await();
    service.eventBus().<JsonObject>consumer("shop.refuse", m -> m.fail(409, "Out of stock")).completion().await();
    service.eventBus().<JsonObject>consumer("shop.slow", m -> { }).completion().await();
    // A registration reaches the other member's view of the cluster a moment later: wait until the node sees each one.
    for (String address : List.of("shop.quote", "shop.count", "shop.refuse", "shop.slow")) {
      await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> {
        Throwable failure = nodeMember.eventBus().request(address, new JsonObject().put("arguments", new JsonObject().put("sku", "probe")),
            new DeliveryOptions().setSendTimeout(200)).transform(done -> Future.succeededFuture(done.cause())).await();
        return !(failure instanceof ReplyException reply && reply.failureType() == ReplyFailure.NO_HANDLERS);
      });
    }
    received.clear();
  }

  @AfterAll
  static void stop() {
    node.close();
    HttpCalls.await(nodeMember.close());
    HttpCalls.await(service.close());
  }

  static JsonObject skuSchema() {
    return new JsonObject().put("type", "object")
        .put("properties", new JsonObject().put("sku", new JsonObject().put("type", "string")))
        .put("required", new JsonArray().add("sku"));
  }

  static void register(String session, String name, String address, Integer timeoutMs) {
    JsonObject implementation = new JsonObject().put("kind", "bus").put("address", address);
    if (timeoutMs != null) {
      implementation.put("timeout_ms", timeoutMs);
    }
    HttpResponse<Buffer> created = http.post("/sessions/" + session + "/tools", new JsonObject().put("name", name)
        .put("description", "A quote for a SKU").put("parameters", skuSchema()).put("implementation", implementation));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
  }

  static JsonObject execute(String session, String name) {
    HttpResponse<Buffer> done = http.post("/sessions/" + session + "/tools/" + name + "/execute",
        new JsonObject().put("arguments", new JsonObject().put("sku", "A1")));
    assertThat(done.statusCode()).as(done.bodyAsString()).isEqualTo(200);
    return done.bodyAsJsonObject();
  }

  @Test
  @DisplayName("a consumer on another cluster member answers the call: its reply body (object or scalar) is the result")
  void replyIsResult() {
    String session = http.createSession(new JsonObject()).getString("session_id");
    register(session, "shop.quote", "shop.quote", null);
    register(session, "shop.count", "shop.count", null);

    JsonObject done = execute(session, "shop.quote");
    assertThat(done.getBoolean("is_error")).isFalse();
    assertThat(done.getJsonObject("result")).isEqualTo(new JsonObject().put("sku", "A1").put("price", 42));
    JsonObject body = received.stream().filter(r -> done.getString("tool_call_id").equals(r.getString("call_id"))).findFirst().orElseThrow();
    assertThat(body).isEqualTo(new JsonObject().put("tool", "shop.quote").put("call_id", done.getString("tool_call_id"))
        .put("arguments", new JsonObject().put("sku", "A1")).put("session_id", session));
    assertThat(execute(session, "shop.count").getInteger("result")).isEqualTo(7);
    assertThat(http.allEvents(session).stream().map(e -> e.getString("event_type")).filter(t -> t.startsWith("tool.")))
        .containsExactly("tool.registered", "tool.registered", "tool.started", "tool.completed", "tool.started", "tool.completed");
  }

  @Test
  @DisplayName("a recipient failure, an address nobody serves and no reply within timeout_ms are tool errors with readable messages")
  void failures() {
    String session = http.createSession(new JsonObject()).getString("session_id");
    register(session, "shop.refuse", "shop.refuse", null);
    register(session, "shop.nobody", "shop.nobody", null);
    register(session, "shop.slow", "shop.slow", 300);

    JsonObject refused = execute(session, "shop.refuse");
    assertThat(refused.getBoolean("is_error")).isTrue();
    assertThat(refused.getString("result")).isEqualTo("Out of stock");
    JsonObject nobody = execute(session, "shop.nobody");
    assertThat(nobody.getBoolean("is_error")).isTrue();
    assertThat(nobody.getString("result")).contains("nobody serves").contains("shop.nobody");
    JsonObject slow = execute(session, "shop.slow");
    assertThat(slow.getBoolean("is_error")).isTrue();
    assertThat(slow.getString("result")).contains("300 ms");
    assertThat(http.allEvents(session).stream().map(e -> e.getString("event_type")).filter(t -> t.equals("tool.failed"))).hasSize(3);
  }

  @Test
  @DisplayName("a dummy-engine run scripted to call a bus tool gets the cluster member's reply into the conversation and the engine events")
  void engineRunCallsBusTool() {
    String session = http.createSession(new JsonObject()).getString("session_id");
    register(session, "shop.quote", "shop.quote", null);
    HttpResponse<Buffer> engine = http.post("/engines", new JsonObject().put("engine_type", "dummy").put("session_id", session)
        .put("configuration", new JsonObject().put("script", new JsonArray()
            .add(new JsonObject().put("tool_calls", new JsonArray().add(new JsonObject().put("name", "shop.quote")
                .put("arguments", new JsonObject().put("sku", "B2")))))
            .add(new JsonObject()))));
    assertThat(engine.statusCode()).as(engine.bodyAsString()).isEqualTo(201);

    String id = commands.start(session, prompt("price of B2?", engine.bodyAsJsonObject().getString("engine_id")));
    JsonObject done = commands.awaitStatus(session, id, "completed");

    assertThat(done.getJsonObject("result").getString("text")).isEqualTo("Result: {\"sku\":\"B2\",\"price\":42}");
    JsonObject result = commands.events(session, id, "engine.tool_result").get(0).getJsonObject("data");
    assertThat(result.getString("name")).isEqualTo("shop.quote");
    assertThat(result.getBoolean("is_error")).isFalse();
    assertThat(new JsonObject(result.getString("result"))).isEqualTo(new JsonObject().put("sku", "B2").put("price", 42));
    JsonObject body = received.stream().filter(r -> id.equals(r.getString("command_id"))).findFirst().orElseThrow();
    assertThat(body.getString("call_id")).isEqualTo(result.getString("tool_call_id"));
    List<JsonObject> messages = http.get("/sessions/" + session + "/messages?limit=100").bodyAsJsonObject().getJsonArray("data")
        .stream().map(JsonObject.class::cast).toList();
    assertThat(messages).extracting(m -> m.getString("type")).containsExactly("message", "tool_call", "tool_result", "message");
    assertThat(new JsonObject(messages.get(2).getString("content"))).isEqualTo(new JsonObject().put("sku", "B2").put("price", 42));
  }
}
