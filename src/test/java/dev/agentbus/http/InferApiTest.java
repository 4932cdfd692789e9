package dev.agentbus.http;

import static dev.agentbus.command.CommandClient.words;
import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.command.CommandClient;
import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.SseClient;
import dev.agentbus.support.TestNode;
import dev.agentbus.support.WsClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Seed 001: {@code POST /infer}, {@code GET /status|result|stream/{id}} and {@code WS /ws}. */
class InferApiTest {
  static final Duration PATIENCE = Duration.ofSeconds(15);
  static TestNode node;
  static HttpCalls http;
  static CommandClient commands;
  static WebSocketClient sockets;

  @BeforeAll
  static void start() {
    node = TestNode.start();
    http = new HttpCalls(node);
    commands = new CommandClient(node);
    sockets = WsClient.newClient(node);
  }

  @AfterAll
  static void stop() {
    sockets.close().await();
    node.close();
  }

  static JsonObject infer(JsonObject body) {
    var response = http.post("/infer", body);
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(202);
    return response.bodyAsJsonObject();
  }

  /** A session whose (newest, so default) engine answers a 30-word text 200 ms per word. */
  static String slowSession() {
    String session = node.createSession();
    commands.dummyEngine(session, 200, words(30));
    return session;
  }

  @Test
  @DisplayName("POST /infer without a session creates one, answers 202 {request_id, session_id, status, result: null, error: null} with Location")
  void inferCreatesSession() {
    var response = http.post("/infer", new JsonObject().put("prompt", "What is Rust?").put("metadata", new JsonObject().put("user", "alice")));

    assertThat(response.statusCode()).isEqualTo(202);
    JsonObject body = response.bodyAsJsonObject();
    assertThat(body.fieldNames()).containsExactlyInAnyOrder("request_id", "session_id", "status", "result", "error");
    assertThat(body.getString("request_id")).startsWith("cmd_");
    assertThat(body.getString("status")).isIn("pending", "processing", "completed");
    assertThat(body.getValue("result")).isNull();
    assertThat(body.getValue("error")).isNull();
    assertThat(response.getHeader("Location")).isEqualTo("/api/v1/status/" + body.getString("request_id"));
    JsonObject session = http.get("/sessions/" + body.getString("session_id")).bodyAsJsonObject();
    assertThat(session.getString("name")).isEqualTo("infer");
    JsonObject command = commands.awaitStatus(body.getString("session_id"), body.getString("request_id"), "completed");
    assertThat(command.getJsonObject("metadata").getString("user")).as("metadata kept on the command").isEqualTo("alice");
  }

  @Test
  @DisplayName("GET /stream/{id} and a command's stream resume after Last-Event-ID or ?after_seq (the cursor a shutdown"
      + " hands out): only the later tokens, then the outcome; a bad cursor is 400 naming it")
  void streamsResumeAfterACursor() {
    String session = node.createSession();
    commands.dummyEngine(session, 1, words(6));
    JsonObject accepted = infer(new JsonObject().put("prompt", "go").put("session_id", session));
    String id = accepted.getString("request_id");
    commands.awaitStatus(session, id, "completed");
    List<JsonObject> tokens = http.allEvents(session).stream().filter(e -> "engine.token".equals(e.getString("event_type"))).toList();
    assertThat(tokens).hasSize(6);
    long cursor = tokens.get(1).getLong("seq");

    List<SseClient.Event> infer = SseClient.open(node, "/stream/" + id, Map.of("Last-Event-ID", String.valueOf(cursor))).awaitEnd();
    assertThat(infer.stream().filter(e -> e.type().equals("token")).map(e -> e.json().getString("data")).collect(Collectors.joining()))
        .isEqualTo("w2 w3 w4 w5");
    assertThat(infer.get(infer.size() - 1).type()).isEqualTo("complete");

    List<SseClient.Event> command = SseClient.open(node, "/sessions/" + session + "/commands/" + id + "/stream?after_seq=" + cursor)
        .awaitEnd();
    assertThat(command).extracting(SseClient.Event::seq).allMatch(seq -> seq > cursor);
    assertThat(command.stream().filter(e -> e.type().equals("engine.token")).count()).isEqualTo(4);
    assertThat(command.get(command.size() - 1).type()).isEqualTo("command.completed");

    JsonObject bad = HttpCalls.assertError(HttpCalls.await(node.client().get("/api/v1/stream/" + id)
        .putHeader("Last-Event-ID", "soon").send()), 400, "VALIDATION_ERROR");
    assertThat(bad.encode()).contains("Last-Event-ID");
  }

  @Test
  @DisplayName("GET /result answers 202 while the request runs and 200 with the answer text once it completed; /status maps the states")
  void statusAndResult() {
    String session = slowSession();
    String id = infer(new JsonObject().put("prompt", "x").put("session_id", session)).getString("request_id");

    var early = http.get("/result/" + id);
    assertThat(early.statusCode()).isEqualTo(202);
    assertThat(early.bodyAsJsonObject().getString("status")).isIn("pending", "processing");
    assertThat(early.bodyAsJsonObject().getValue("result")).isNull();
    Awaitility.await().atMost(PATIENCE).pollInterval(Duration.ofMillis(20))
        .until(() -> "processing".equals(http.get("/status/" + id).bodyAsJsonObject().getString("status")));

    Awaitility.await().atMost(PATIENCE).pollInterval(Duration.ofMillis(50)).until(() -> http.get("/result/" + id).statusCode() == 200);
    JsonObject done = http.get("/result/" + id).bodyAsJsonObject();
    assertThat(done).isEqualTo(new JsonObject().put("request_id", id).put("session_id", session).put("status", "completed")
        .put("result", words(30)).put("error", null));
    assertThat(http.get("/status/" + id).bodyAsJsonObject()).isEqualTo(done);
  }

  @Test
  @DisplayName("a cancelled request reads as status cancelled with error {code: CANCELLED, message}")
  void cancelled() {
    String session = slowSession();
    String id = infer(new JsonObject().put("prompt", "x").put("session_id", session)).getString("request_id");

    commands.cancel(session, id);

    var result = http.get("/result/" + id);
    assertThat(result.statusCode()).isEqualTo(200);
    JsonObject body = result.bodyAsJsonObject();
    assertThat(body.getString("status")).isEqualTo("cancelled");
    assertThat(body.getValue("result")).isNull();
    assertThat(body.getJsonObject("error").fieldNames()).containsExactlyInAnyOrder("code", "message");
    assertThat(body.getJsonObject("error").getString("code")).isEqualTo("CANCELLED");
  }

  @Test
  @DisplayName("unknown ids are 404 COMMAND_NOT_FOUND naming request_id; an unknown session 404; a bad body 400 naming its fields")
  void errors() {
    for (String path : List.of("/status/cmd_nope", "/result/cmd_nope", "/stream/cmd_nope")) {
      JsonObject error = HttpCalls.assertError(http.get(path), 404, "COMMAND_NOT_FOUND");
      assertThat(error.getJsonObject("details").getString("request_id")).isEqualTo("cmd_nope");
    }
    HttpCalls.assertError(http.post("/infer", new JsonObject().put("prompt", "x").put("session_id", "ses_nope")), 404, "SESSION_NOT_FOUND");
    assertThat(HttpCalls.assertInvalid(http.post("/infer", new JsonObject().put("prompt", " ")
        .put("metadata", new JsonObject().put("priority", "urgent")).put("model", "x"))))
        .containsExactlyInAnyOrder("prompt", "metadata.priority", "model");
  }

  @Test
  @DisplayName("GET /stream/{id} sends start, one token per engine token (chunk 0, 1, ...), then complete with the result — live and replayed")
  void streamSequence() {
    String session = node.createSession();
    commands.dummyEngine(session, 30, words(6));
    String id = infer(new JsonObject().put("prompt", "x").put("session_id", session)).getString("request_id");

    SseClient live = SseClient.send(node, HttpMethod.GET, "/api/v1/stream/" + id, null, Map.of());
    List<SseClient.Event> liveFrames = live.awaitEnd();
    SseClient replay = SseClient.send(node, HttpMethod.GET, "/api/v1/stream/" + id, null, Map.of());
    List<SseClient.Event> replayFrames = replay.awaitEnd();

    for (List<SseClient.Event> frames : List.of(liveFrames, replayFrames)) {
      assertThat(frames).extracting(SseClient.Event::event)
          .containsExactly("start", "token", "token", "token", "token", "token", "token", "complete");
      assertThat(frames.get(0).json()).isEqualTo(new JsonObject().put("request_id", id));
      List<JsonObject> tokens = frames.subList(1, 7).stream().map(SseClient.Event::json).toList();
      assertThat(tokens).extracting(t -> t.getInteger("chunk")).containsExactly(0, 1, 2, 3, 4, 5);
      assertThat(tokens.stream().map(t -> t.getString("data")).collect(Collectors.joining())).isEqualTo(words(6));
      assertThat(frames.get(7).json()).isEqualTo(new JsonObject().put("status", "done").put("result", words(6)));
    }
    assertThat(live.header("Content-Type")).startsWith("text/event-stream");
  }

  @Test
  @DisplayName("GET /stream/{id} of a request that gets cancelled ends with an error event carrying CANCELLED")
  void streamError() {
    String session = slowSession();
    String id = infer(new JsonObject().put("prompt", "x").put("session_id", session)).getString("request_id");
    SseClient stream = SseClient.send(node, HttpMethod.GET, "/api/v1/stream/" + id, null, Map.of());
    Awaitility.await().atMost(PATIENCE).until(() -> stream.events().stream().anyMatch(f -> "token".equals(f.event())));

    commands.cancel(session, id);

    List<SseClient.Event> frames = stream.awaitEnd();
    SseClient.Event last = frames.get(frames.size() - 1);
    assertThat(last.event()).isEqualTo("error");
    assertThat(last.json().getString("code")).isEqualTo("CANCELLED");
    assertThat(last.json().getString("message")).isNotBlank();
  }

  // ---- WS /ws ----

  @Test
  @DisplayName("WS /ws: a prompt is answered by ack, its tokens in order, then result completed with the answer")
  void webSocketPrompt() {
    try (WsClient ws = WsClient.open(sockets, node, "/ws")) {
      ws.send(new JsonObject().put("prompt", "hello ws"));

      JsonObject result = ws.awaitFrame(f -> "result".equals(f.getString("type")), PATIENCE);
      List<JsonObject> frames = List.copyOf(ws.frames());
      JsonObject ack = frames.get(0);
      assertThat(ack.getString("type")).isEqualTo("ack");
      assertThat(ack.getString("status")).isEqualTo("processing");
      String id = ack.getString("request_id");
      assertThat(id).startsWith("cmd_");
      assertThat(ack.getString("session_id")).startsWith("ses_");
      List<JsonObject> tokens = frames.subList(1, frames.size() - 1);
      assertThat(tokens).isNotEmpty().allMatch(t -> "token".equals(t.getString("type")) && id.equals(t.getString("request_id")));
      assertThat(tokens).extracting(t -> t.getInteger("chunk")).isSorted().startsWith(0);
      assertThat(tokens.stream().map(t -> t.getString("data")).collect(Collectors.joining())).isEqualTo("Echo: hello ws");
      assertThat(result).isEqualTo(new JsonObject().put("type", "result").put("request_id", id).put("status", "completed")
          .put("result", "Echo: hello ws"));
    }
  }

  @Test
  @DisplayName("WS /ws: ping → pong; bad frames get VALIDATION_ERROR and the socket stays open; stream false sends no tokens")
  void webSocketFrames() {
    try (WsClient ws = WsClient.open(sockets, node, "/ws")) {
      ws.send(new JsonObject().put("type", "ping"));
      ws.awaitFrame(f -> "pong".equals(f.getString("type")), PATIENCE);
      ws.sendText("not json");
      ws.send(new JsonObject().put("prompt", "").put("stream", "yes"));
      ws.send(new JsonObject().put("type", "subscribe"));
      Awaitility.await().atMost(PATIENCE).until(() -> ws.frames().stream().filter(f -> "error".equals(f.getString("type"))).count() == 3);
      List<JsonObject> errors = ws.frames().stream().filter(f -> "error".equals(f.getString("type"))).toList();
      assertThat(errors).allMatch(e -> "VALIDATION_ERROR".equals(e.getJsonObject("error").getString("code")));
      assertThat(errors.get(1).getJsonObject("error").getJsonObject("details").getJsonArray("fields").stream()
          .map(f -> ((JsonObject) f).getString("field")).toList()).containsExactlyInAnyOrder("prompt", "stream");

      ws.send(new JsonObject().put("prompt", "quiet").put("stream", false));
      JsonObject result = ws.awaitFrame(f -> "result".equals(f.getString("type")), PATIENCE);
      assertThat(result.getString("result")).isEqualTo("Echo: quiet");
      assertThat(ws.frames()).noneMatch(f -> "token".equals(f.getString("type")));
      assertThat(ws.closed()).isNotDone();
    }
  }

  @Test
  @DisplayName("WS /ws: several prompts in flight on one socket each get their own ack, tokens and result; errors name the request")
  void webSocketConcurrent() {
    String session = node.createSession();
    commands.dummyEngine(session, 20, null);
    String slow = slowSession();
    try (WsClient ws = WsClient.open(sockets, node, "/ws")) {
      ws.send(new JsonObject().put("prompt", "one").put("session_id", session));
      ws.send(new JsonObject().put("prompt", "two").put("session_id", session));
      ws.send(new JsonObject().put("prompt", "three").put("session_id", slow));
      ws.send(new JsonObject().put("prompt", "four").put("session_id", "ses_nope"));
      Awaitility.await().atMost(PATIENCE).until(() -> ws.frames().stream().filter(f -> "result".equals(f.getString("type"))).count() == 2);
      JsonObject slowAck = ws.awaitFrame(f -> "ack".equals(f.getString("type")) && slow.equals(f.getString("session_id")), PATIENCE);
      commands.cancel(slow, slowAck.getString("request_id"));
      JsonObject cancelled = ws.awaitFrame(f -> "error".equals(f.getString("type")) && slowAck.getString("request_id").equals(f.getString("request_id")), PATIENCE);

      assertThat(cancelled.getJsonObject("error").getString("code")).isEqualTo("CANCELLED");
      JsonObject unknown = ws.awaitFrame(f -> "error".equals(f.getString("type")) && f.getString("request_id") == null, PATIENCE);
      assertThat(unknown.getJsonObject("error").getString("code")).isEqualTo("SESSION_NOT_FOUND");
      List<JsonObject> acks = ws.frames().stream().filter(f -> "ack".equals(f.getString("type")) && session.equals(f.getString("session_id"))).toList();
      assertThat(acks).hasSize(2);
      for (JsonObject ack : acks) {
        String id = ack.getString("request_id");
        String text = ws.frames().stream().filter(f -> "token".equals(f.getString("type")) && id.equals(f.getString("request_id")))
            .map(f -> f.getString("data")).collect(Collectors.joining());
        JsonObject result = ws.frames().stream().filter(f -> "result".equals(f.getString("type")) && id.equals(f.getString("request_id")))
            .findFirst().orElseThrow();
        assertThat(text).isEqualTo(result.getString("result")).isIn("Echo: one", "Echo: two");
      }
    }
  }
}
