package dev.agentbus.handler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.TestCluster;
import dev.agentbus.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** {@code bus} command handlers served by another member of a real Hazelcast cluster. */
class BusHandlerClusterTest {
  static Vertx nodeMember;
  static Vertx service;
  static TestNode node;
  static HttpCalls http;

  @BeforeAll
  static void start() {
    TestCluster cluster = new TestCluster();
    nodeMember = cluster.member();
    service = cluster.member();
    node = TestNode.start(nodeMember, false, new JsonObject().put("handlers", new JsonObject().put("retry_base_ms", 100)));
    http = new HttpCalls(node);
    service.eventBus().<JsonObject>consumer("shop.quote", m -> m.reply(new JsonObject()
        .put("price", 42).put("sku", m.body().getJsonObject("parameters").getString("sku"))
        .put("command_id", m.body().getString("command_id"))))
        .completion().await();
    service.eventBus().<JsonObject>consumer("shop.refuse", m -> m.fail(409, "Out of stock")).completion().await();
    service.eventBus().<JsonObject>consumer("shop.refuse.coded", m -> m.fail(409,
        new JsonObject().put("code", "OUT_OF_STOCK").put("message", "No A1 left").encode())).completion().await();
  }

  @AfterAll
  static void stop() {
    node.close();
    HttpCalls.await(nodeMember.close());
    HttpCalls.await(service.close());
  }

  static JsonObject run(String type, String address, int timeoutSeconds) {
    String session = http.createSession(new JsonObject()).getString("session_id");
    HttpResponse<Buffer> created = http.post("/sessions/" + session + "/handlers/commands", new JsonObject()
        .put("command_type", type).put("handler", new JsonObject().put("kind", "bus").put("address", address)));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    HttpResponse<Buffer> done = http.post("/sessions/" + session + "/commands?wait=" + (timeoutSeconds + 5), new JsonObject()
        .put("command_type", type).put("parameters", new JsonObject().put("sku", "A1"))
        .put("metadata", new JsonObject().put("timeout", timeoutSeconds)));
    assertThat(done.statusCode()).as(done.bodyAsString()).isEqualTo(200);
    return done.bodyAsJsonObject();
  }

  @Test
  @DisplayName("a consumer on another cluster member answers the command: its reply is the result")
  void replyIsResult() {
    JsonObject done = run("shop.quote", "shop.quote", 10);
    assertThat(done.getString("status")).isEqualTo("completed");
    assertThat(done.getJsonObject("result")).isEqualTo(new JsonObject().put("price", 42).put("sku", "A1")
        .put("command_id", done.getString("command_id")));
  }

  @Test
  @DisplayName("a recipient failure fails the command with its message, or with the code it carries")
  void recipientFailure() {
    JsonObject plain = run("shop.refuse", "shop.refuse", 10);
    assertThat(plain.getString("status")).isEqualTo("failed");
    assertThat(plain.getJsonObject("error").getString("code")).isEqualTo("HANDLER_FAILED");
    assertThat(plain.getJsonObject("error").getString("message")).isEqualTo("Out of stock");
    assertThat(plain.getJsonObject("error").getJsonObject("details").getInteger("failure_code")).isEqualTo(409);
    JsonObject coded = run("shop.coded", "shop.refuse.coded", 10);
    assertThat(coded.getJsonObject("error").getString("code")).isEqualTo("OUT_OF_STOCK");
    assertThat(coded.getJsonObject("error").getString("message")).isEqualTo("No A1 left");
  }

  @Test
  @DisplayName("an address nobody serves is retried until the deadline, then the command fails HANDLER_UNAVAILABLE")
  void noHandlers() {
    long started = System.currentTimeMillis();
    JsonObject done = run("shop.nobody", "shop.nobody", 2);
    assertThat(done.getString("status")).isEqualTo("failed");
    assertThat(done.getJsonObject("error").getString("code")).isEqualTo("HANDLER_UNAVAILABLE");
    assertThat(System.currentTimeMillis() - started).isGreaterThan(500);
  }
}
