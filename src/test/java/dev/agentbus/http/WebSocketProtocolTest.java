package dev.agentbus.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.agentbus.support.Publisher;
import dev.agentbus.support.TestNode;
import dev.agentbus.support.WsClient;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("WebSocket session stream protocol")
class WebSocketProtocolTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  static TestNode node;
  static WebSocketClient client;
  private final List<WsClient> open = new ArrayList<>();

  @BeforeAll
  static void start() {
    node = TestNode.start();
    client = WsClient.newClient(node);
  }

  @AfterAll
  static void stop() {
    client.close().await();
    node.close();
  }

  @AfterEach
  void closeSockets() {
    open.forEach(WsClient::close);
  }

  private WsClient ws(String apiPath) {
    WsClient socket = WsClient.open(client, node, apiPath);
    open.add(socket);
    return socket;
  }

  private WsClient stream(String sessionId) {
    return ws("/sessions/" + sessionId + "/events/stream");
  }

  private static JsonObject ofType(String type, String requestId, WsClient socket) {
    return socket.awaitFrame(f -> type.equals(f.getString("type")) && requestId.equals(f.getString("request_id")), WAIT);
  }

  @Test
  @DisplayName("replayed and live events arrive as {type: event, event: <stored event>} frames in seq order")
  void replayThenLive() {
    String sid = node.createSession();
    JsonObject replayed = Publisher.one(node, sid, "demo.replayed", new JsonObject().put("n", 1));

    WsClient socket = stream(sid);
    JsonObject live = Publisher.one(node, sid, "demo.live", new JsonObject().put("n", 2));
    socket.awaitSeq(live.getLong("seq"), WAIT);

    assertThat(socket.seqs()).containsExactly(1L, 2L, 3L);
    assertThat(socket.eventTypes()).containsExactly("session.created", "demo.replayed", "demo.live");
    assertThat(socket.events().get(1)).isEqualTo(replayed);
    assertThat(socket.events().get(2)).isEqualTo(live);
    assertThat(socket.frames()).allSatisfy(frame -> assertThat(frame.fieldNames()).containsExactlyInAnyOrder("type", "event"));
  }

  @Test
  @DisplayName("?after_seq=k on the socket starts after k")
  void afterSeq() {
    String sid = node.createSession();
    for (int i = 0; i < 4; i++) {
      Publisher.one(node, sid, "demo.item", new JsonObject().put("n", i)); // seq 2..5
    }
    WsClient socket = ws("/sessions/" + sid + "/events/stream?after_seq=3");
    JsonObject live = Publisher.one(node, sid, "demo.item", new JsonObject().put("n", 9));
    socket.awaitSeq(live.getLong("seq"), WAIT);

    assertThat(socket.seqs()).containsExactly(4L, 5L, 6L);
  }

  @Test
  @DisplayName("a ping frame is answered with a pong frame")
  void pingPong() {
    WsClient socket = ws("/sessions/" + node.createSession() + "/events/stream?after_seq=1");
    socket.send(new JsonObject().put("type", "ping"));

    JsonObject pong = socket.awaitFrame(f -> "pong".equals(f.getString("type")), WAIT);
    assertThat(pong).isEqualTo(new JsonObject().put("type", "pong"));
  }

  @Test
  @DisplayName("publish is acked with its request_id, event_id and seq, and the event then arrives as an event frame")
  void publishAckThenEvent() {
    String sid = node.createSession();
    WsClient socket = stream(sid);
    socket.awaitSeq(1, WAIT);
    socket.send(new JsonObject().put("type", "publish").put("request_id", "r-1").put("event_type", "chat.message")
        .put("data", new JsonObject().put("text", "hello")).put("metadata", new JsonObject().put("from", "ws")));

    JsonObject ack = ofType("ack", "r-1", socket);
    assertThat(ack.getLong("seq")).isEqualTo(2L);
    assertThat(ack.getString("event_id")).startsWith("evt_");

    JsonObject event = socket.awaitSeq(2, WAIT);
    assertThat(event.getString("event_id")).isEqualTo(ack.getString("event_id"));
    assertThat(event.getString("event_type")).isEqualTo("chat.message");
    assertThat(event.getJsonObject("data")).isEqualTo(new JsonObject().put("text", "hello"));
    assertThat(event.getJsonObject("metadata")).isEqualTo(new JsonObject().put("from", "ws"));
    assertThat(event.getString("source")).isEqualTo("client");
    // and it is durable: the REST API returns the same event
    assertThat(node.get("/sessions/" + sid + "/events/" + ack.getString("event_id")).bodyAsJsonObject()).isEqualTo(event);
  }

  @Test
  @DisplayName("publishing into a reserved prefix is an error frame VALIDATION_ERROR with the request_id, and nothing is stored")
  void reservedPrefixPublish() {
    String sid = node.createSession();
    WsClient socket = stream(sid);
    socket.send(new JsonObject().put("type", "publish").put("request_id", "r-bad").put("event_type", "session.deleted")
        .put("data", new JsonObject()));

    JsonObject error = ofType("error", "r-bad", socket);
    assertThat(error.getJsonObject("error").getString("code")).isEqualTo("VALIDATION_ERROR");
    assertThat(error.getJsonObject("error").getJsonObject("details").getString("field")).isEqualTo("event_type");
    assertThat(socket.frames()).noneMatch(f -> "ack".equals(f.getString("type")));

    // the socket is still usable and the session untouched: a valid publish gets the next seq (2)
    socket.send(new JsonObject().put("type", "publish").put("request_id", "r-ok").put("event_type", "demo.ok"));
    assertThat(ofType("ack", "r-ok", socket).getLong("seq")).isEqualTo(2L);
    assertThat(node.get("/sessions/" + sid).statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("a command frame is acked with command_id and status, then its command.* events arrive")
  void commandFrame() {
    String sid = node.createSession();
    WsClient socket = stream(sid);
    socket.send(new JsonObject().put("type", "command").put("request_id", "c-1").put("command_type", "echo")
        .put("parameters", new JsonObject().put("say", "hi")));

    JsonObject ack = ofType("ack", "c-1", socket);
    String commandId = ack.getString("command_id");
    assertThat(commandId).startsWith("cmd_");
    assertThat(ack.getString("status")).isIn("pending", "executing", "completed");

    JsonObject completed = socket.awaitFrame(f -> "event".equals(f.getString("type"))
        && "command.completed".equals(f.getJsonObject("event").getString("event_type")), WAIT).getJsonObject("event");
    assertThat(completed.getString("command_id")).isEqualTo(commandId);
    assertThat(completed.getJsonObject("data").getJsonObject("result")).isEqualTo(new JsonObject().put("say", "hi"));
    List<String> commandEvents = socket.events().stream()
        .filter(e -> commandId.equals(e.getString("command_id"))).map(e -> e.getString("event_type")).toList();
    assertThat(commandEvents).containsExactly("command.accepted", "command.started", "command.completed");
  }

  @Test
  @DisplayName("invalid JSON gets an error frame and the socket stays usable (a following ping gets a pong)")
  void invalidJsonKeepsSocket() {
    WsClient socket = ws("/sessions/" + node.createSession() + "/events/stream?after_seq=1");
    socket.sendText("{not json");

    JsonObject error = socket.awaitFrame(f -> "error".equals(f.getString("type")), WAIT);
    assertThat(error.getJsonObject("error").getString("code")).isEqualTo("VALIDATION_ERROR");
    assertThat(error.getJsonObject("error").getString("message")).isNotBlank();

    socket.send(new JsonObject().put("type", "ping"));
    socket.awaitFrame(f -> "pong".equals(f.getString("type")), WAIT);
    assertThat(socket.closed()).isNotDone();
  }

  @Test
  @DisplayName("an ack frame (delivery confirmation) is accepted silently: no error, the socket keeps working")
  void ackFrameAccepted() {
    String sid = node.createSession();
    WsClient socket = stream(sid);
    socket.awaitSeq(1, WAIT);
    socket.send(new JsonObject().put("type", "ack").put("seq", 1));
    socket.send(new JsonObject().put("type", "ping"));

    socket.awaitFrame(f -> "pong".equals(f.getString("type")), WAIT);
    assertThat(socket.frames()).extracting(f -> f.getString("type")).containsExactly("event", "pong");
  }

  @Test
  @DisplayName("a publish naming another session is refused with an error frame and is not stored anywhere")
  void publishToOtherSessionRefused() {
    String sid = node.createSession();
    String other = node.createSession();
    WsClient socket = ws("/sessions/" + sid + "/events/stream?after_seq=1");
    socket.send(new JsonObject().put("type", "publish").put("request_id", "x-1").put("session_id", other)
        .put("event_type", "demo.sneaky"));

    JsonObject error = ofType("error", "x-1", socket);
    assertThat(error.getJsonObject("error").getString("code")).isEqualTo("VALIDATION_ERROR");
    assertThat(error.getJsonObject("error").getJsonObject("details").getString("field")).isEqualTo("session_id");
    assertThat(node.get("/sessions/" + other + "/events?event_type=demo.sneaky").bodyAsJsonObject().getJsonArray("data")).isEmpty();
    assertThat(node.get("/sessions/" + sid + "/events?event_type=demo.sneaky").bodyAsJsonObject().getJsonArray("data")).isEmpty();
  }

  @Test
  @DisplayName("an unknown frame type is an error frame naming type, with the request_id")
  void unknownFrameType() {
    WsClient socket = ws("/sessions/" + node.createSession() + "/events/stream?after_seq=1");
    socket.send(new JsonObject().put("type", "dance").put("request_id", "d-1"));

    JsonObject error = ofType("error", "d-1", socket);
    assertThat(error.getJsonObject("error").getString("code")).isEqualTo("VALIDATION_ERROR");
    assertThat(error.getJsonObject("error").getJsonObject("details").getString("field")).isEqualTo("type");
  }

  @Test
  @DisplayName("a frame over 64 KiB makes the server close that socket with 1009, and the server keeps serving others")
  void oversizedFrame() throws Exception {
    String sid = node.createSession();
    WsClient bystander = stream(sid);
    WsClient socket = stream(sid);
    String big = new JsonObject().put("type", "publish").put("request_id", "big").put("event_type", "demo.big")
        .put("data", new JsonObject().put("blob", "x".repeat(70 * 1024))).encode();
    socket.sendText(big);

    socket.closed().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(socket.closeStatus()).isEqualTo((short) 1009);
    assertThat(socket.frames()).noneMatch(f -> "ack".equals(f.getString("type")));
    assertThat(node.get("/health").statusCode()).isEqualTo(200);
    // another socket on the same session was not affected, and a new socket works
    bystander.send(new JsonObject().put("type", "ping"));
    bystander.awaitFrame(f -> "pong".equals(f.getString("type")), WAIT);
    WsClient fresh = stream(sid);
    fresh.send(new JsonObject().put("type", "ping"));
    fresh.awaitFrame(f -> "pong".equals(f.getString("type")), WAIT);
    // and the oversized publish was not stored
    assertThat(node.get("/sessions/" + sid + "/events").bodyAsJsonObject().getJsonArray("data")).hasSize(1);
  }

  @Test
  @DisplayName("the upgrade to an unknown session's stream is rejected with 404")
  void unknownSession() {
    Throwable failure = catchThrowable(() -> WsClient.open(client, node, "/sessions/ses_doesnotexist/events/stream"));

    assertThat(failure).isInstanceOf(UpgradeRejectedException.class);
    assertThat(((UpgradeRejectedException) failure).getStatus()).isEqualTo(404);
    assertThat(new JsonObject(((UpgradeRejectedException) failure).getBody()).getJsonObject("error").getString("code"))
        .isEqualTo("SESSION_NOT_FOUND");
  }

  @Test
  @DisplayName("the upgrade with an invalid after_seq is rejected with 400")
  void badAfterSeq() {
    String sid = node.createSession();
    Throwable failure = catchThrowable(() -> WsClient.open(client, node, "/sessions/" + sid + "/events/stream?after_seq=-2"));

    assertThat(failure).isInstanceOf(UpgradeRejectedException.class);
    assertThat(((UpgradeRejectedException) failure).getStatus()).isEqualTo(400);
  }

  @Test
  @DisplayName("deleting the session sends the session.deleted frame, then closes the socket with 1000")
  void sessionDeleted() throws Exception {
    String sid = node.createSession();
    WsClient socket = stream(sid);
    socket.awaitSeq(1, WAIT);

    assertThat(node.delete("/sessions/" + sid).statusCode()).isEqualTo(200);

    socket.closed().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(socket.closeStatus()).isEqualTo((short) 1000);
    assertThat(socket.frames()).extracting(f -> f.getString("type")).containsOnly("event");
    assertThat(socket.eventTypes()).containsExactly("session.created", "session.deleted");
  }

  @Test
  @DisplayName("?types= on the socket keeps exact types and prefix.* matches only")
  void typesFilter() {
    String sid = node.createSession();
    Publisher.one(node, sid, "alpha.one", new JsonObject());
    Publisher.one(node, sid, "beta.other", new JsonObject());
    WsClient socket = ws("/sessions/" + sid + "/events/stream?types=alpha.*,beta.exact");
    Publisher.one(node, sid, "alphabet.soup", new JsonObject());
    Publisher.one(node, sid, "beta.exact", new JsonObject());
    JsonObject last = Publisher.one(node, sid, "alpha.two", new JsonObject());
    socket.awaitSeq(last.getLong("seq"), WAIT);

    assertThat(socket.eventTypes()).containsExactly("alpha.one", "beta.exact", "alpha.two");
  }

  @Test
  @DisplayName("a filtered socket still ends with session.deleted even when its types exclude it")
  void filteredSocketEndsOnDelete() throws Exception {
    String sid = node.createSession();
    WsClient socket = ws("/sessions/" + sid + "/events/stream?types=demo.*");
    JsonObject marker = Publisher.one(node, sid, "demo.marker", new JsonObject());
    socket.awaitSeq(marker.getLong("seq"), WAIT);

    node.delete("/sessions/" + sid);

    socket.closed().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(socket.closeStatus()).isEqualTo((short) 1000);
    assertThat(socket.eventTypes()).containsExactly("demo.marker");
  }
}
