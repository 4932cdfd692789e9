package dev.agentbus.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.TestNode;
import dev.agentbus.support.WsClient;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Durable WebSocket subscribers (subscriber_id + ack)")
class DurableSubscriberTest {
  static TestNode node;
  static HttpCalls http;
  static WebSocketClient sockets;

  @BeforeAll
  static void start() {
    node = TestNode.start();
    http = new HttpCalls(node);
    sockets = WsClient.newClient(node);
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static WsClient connect(String path) {
    return WsClient.open(sockets, node, path);
  }

  private static List<JsonObject> errors(WsClient subscriber) {
    return subscriber.frames().stream().filter(f -> "error".equals(f.getString("type"))).toList();
  }

  private static long publish(String sessionId, int i) {
    return http.post("/sessions/" + sessionId + "/events", new JsonObject().put("event_type", "app.tick").put("data", new JsonObject().put("i", i)))
        .bodyAsJsonObject().getLong("seq");
  }

  @Test
  @DisplayName("a subscriber that reconnects without after_seq gets everything after its last ack, including what it missed offline")
  void reconnectResumesAfterLastAck() {
    String sessionId = node.createSession();
    String path = "/sessions/" + sessionId + "/events/stream?subscriber_id=worker-1";
    WsClient first = connect(path);
    for (int i = 0; i < 4; i++) {
      publish(sessionId, i);
    }
    // seq 1 is session.created, then 2..5
    await().atMost(Duration.ofSeconds(10)).until(() -> first.seqs().size() == 5);
    first.socket().writeTextMessage(new JsonObject().put("type", "ack").put("request_id", "a1").put("seq", 3).encode()).await();
    await().atMost(Duration.ofSeconds(10)).until(() -> first.frames().stream()
        .anyMatch(f -> "ack".equals(f.getString("type")) && "a1".equals(f.getString("request_id")) && f.getLong("acked_seq") == 3L));
    first.socket().close().await();

    long last = 0;
    for (int i = 4; i < 7; i++) {
      last = publish(sessionId, i);
    }
    long lastPublished = last;
    WsClient second = connect(path);
    await().atMost(Duration.ofSeconds(10)).until(() -> second.seqs().contains(lastPublished));
    assertThat(second.seqs()).containsExactlyElementsOf(LongStream.rangeClosed(4, lastPublished).boxed().toList());
    second.socket().close().await();
  }

  @Test
  @DisplayName("an explicit after_seq wins over the stored ack, and a subscriber that never acked starts at the beginning")
  void explicitAfterSeqWinsAndNewSubscribersStartFromZero() {
    String sessionId = node.createSession();
    long last = 0;
    for (int i = 0; i < 3; i++) {
      last = publish(sessionId, i);
    }
    long lastPublished = last;
    WsClient fresh = connect("/sessions/" + sessionId + "/events/stream?subscriber_id=new-one");
    await().atMost(Duration.ofSeconds(10)).until(() -> fresh.seqs().contains(lastPublished));
    assertThat(fresh.seqs()).first().isEqualTo(1L);
    fresh.socket().close().await();

    WsClient explicit = connect("/sessions/" + sessionId + "/events/stream?subscriber_id=new-one&after_seq=" + (lastPublished - 1));
    await().atMost(Duration.ofSeconds(10)).until(() -> explicit.seqs().contains(lastPublished));
    assertThat(explicit.seqs()).containsExactly(lastPublished);
    explicit.socket().close().await();
  }

  @Test
  @DisplayName("an ack whose seq is not a non-negative integer gets an error frame naming seq")
  void badAckIsAnErrorFrame() {
    String sessionId = node.createSession();
    WsClient subscriber = connect("/sessions/" + sessionId + "/events/stream?subscriber_id=w");
    subscriber.socket().writeTextMessage(new JsonObject().put("type", "ack").put("seq", "three").encode()).await();
    await().atMost(Duration.ofSeconds(10)).until(() -> !errors(subscriber).isEmpty());
    JsonObject error = errors(subscriber).get(0).getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo("VALIDATION_ERROR");
    assertThat(error.getJsonObject("details").getString("field")).isEqualTo("seq");
    subscriber.socket().close().await();
  }

  @Test
  @DisplayName("a malformed subscriber_id is refused before the upgrade")
  void malformedSubscriberIdIsRefused() {
    String sessionId = node.createSession();
    assertThat(HttpCalls.assertInvalid(http.get("/sessions/" + sessionId + "/events/stream?subscriber_id=" + "x".repeat(129))))
        .contains("subscriber_id");
  }
}
