package dev.agentbus.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.ScanRecordingStore;
import dev.agentbus.support.SseClient;
import dev.agentbus.support.TestNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The embedded store walks a whole collection for any filter no unique index covers exactly, so
 * a hot path's cost would grow with the history. This tour runs the hot paths against a store that
 * records every such walk, and expects none on the collections they touch.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
@DisplayName("Hot paths are served by an index on the embedded store")
class HotPathIndexTest {
  private static final List<String> HOT = List.of("sessions", "events", "commands");

  private ScanRecordingStore store;
  private TestNode node;

  @BeforeEach
  void startStore() {
    store = new ScanRecordingStore();
  }

  @AfterEach
  void stop() {
    if (node != null) {
      node.close();
    }
    store.close();
  }

  private TestNode startNode() {
    // The sweepers are left out of the tour (they do not run during it): their queries are listed as known scans.
    return TestNode.start(new JsonObject()
        .put("mongodb", new JsonObject().put("uri", store.uri()))
        .put("commands", new JsonObject().put("reaper_period_ms", 3_600_000))
        .put("sessions", new JsonObject().put("expiry_sweep_ms", 3_600_000)));
  }

  @Test
  @DisplayName("session create and get, publish, replay pages, event get, echo commands with wait, command get and poll, an SSE stream and a restart's next seq scan nothing")
  void hotPathsScanNothing() {
    node = startNode();
    HttpCalls http = new HttpCalls(node);
    String neighbour = node.createSession();
    for (int i = 0; i < 20; i++) {
      publish(http, neighbour, i);
    }
    store.clear();

    String sessionId = node.createSession();
    assertThat(http.get("/sessions/" + sessionId).statusCode()).isEqualTo(200);
    for (int i = 0; i < 5; i++) {
      publish(http, sessionId, i);
    }
    JsonObject page = http.get("/sessions/" + sessionId + "/events?after_seq=2&limit=2").bodyAsJsonObject();
    JsonArray data = page.getJsonArray("data");
    assertThat(data.stream().map(e -> ((JsonObject) e).getLong("seq"))).containsExactly(3L, 4L);
    assertThat(page.getBoolean("has_more")).isTrue();
    JsonObject rest = http.get("/sessions/" + sessionId + "/events?after_seq=" + page.getString("next_cursor")).bodyAsJsonObject();
    assertThat(rest.getJsonArray("data").stream().map(e -> ((JsonObject) e).getLong("seq"))).containsExactly(5L, 6L);
    assertThat(rest.getBoolean("has_more")).isFalse();

    String eventId = data.getJsonObject(0).getString("event_id");
    assertThat(eventId).matches("evt_[A-Za-z0-9]+");
    assertThat(http.get("/sessions/" + sessionId + "/events/" + eventId).bodyAsJsonObject()).isEqualTo(data.getJsonObject(0));
    HttpCalls.assertError(http.get("/sessions/" + neighbour + "/events/" + eventId), 404, "EVENT_NOT_FOUND");

    HttpResponse<Buffer> ran = http.post("/sessions/" + sessionId + "/commands?wait=5",
        new JsonObject().put("command_type", "echo").put("parameters", new JsonObject().put("n", 1)));
    assertThat(ran.statusCode()).as(ran.bodyAsString()).isEqualTo(200);
    String commandId = ran.bodyAsJsonObject().getString("command_id");
    assertThat(ran.bodyAsJsonObject().getString("status")).isEqualTo("completed");
    assertThat(http.get("/sessions/" + sessionId + "/commands/" + commandId).bodyAsJsonObject().getString("status")).isEqualTo("completed");
    assertThat(http.get("/sessions/" + sessionId + "/commands/" + commandId + "?wait=1").statusCode()).isEqualTo(200);
    HttpCalls.assertError(http.get("/sessions/" + neighbour + "/commands/" + commandId), 404, "COMMAND_NOT_FOUND");

    SseClient sse = SseClient.open(node, "/sessions/" + sessionId + "/events/sse?after_seq=1");
    sse.awaitJson(event -> "command.completed".equals(event.getString("event_type")));
    sse.close();
    long lastSeq = http.allEvents(sessionId).stream().mapToLong(e -> e.getLong("seq")).max().orElseThrow();

    node.close();
    node = startNode();
    http = new HttpCalls(node);
    JsonObject next = publish(http, sessionId, 99);
    assertThat(next.getLong("seq")).isEqualTo(lastSeq + 1);
    assertThat(http.allEvents(sessionId).stream().map(e -> e.getLong("seq")))
        .containsExactlyElementsOf(LongStream.rangeClosed(1, lastSeq + 1).boxed().toList());

    // The one known scan: the restarted node's cold-start recovery of unfinished commands (CommandRecovery).
    assertThat(store.scansOf(HOT)).allSatisfy(scan -> assertThat(scan.collection() + " " + scan.filter())
        .isEqualTo("commands {\"status\" : {\"$in\" : [ \"pending\", \"executing\" ]}}"));
  }

  @Test
  @DisplayName("engine prompts resolve the session's newest engine and read the conversation's history without a scan")
  void enginePromptsScanNothing() {
    node = startNode();
    HttpCalls http = new HttpCalls(node);
    String sessionId = node.createSession();
    store.clear();

    assertThat(prompt(http, sessionId, "first, on the default engine").getString("status")).isEqualTo("completed");
    for (int i = 0; i < 2; i++) {
      HttpResponse<Buffer> engine = http.post("/engines", new JsonObject().put("session_id", sessionId).put("engine_type", "dummy"));
      assertThat(engine.statusCode()).as(engine.bodyAsString()).isEqualTo(201);
    }
    assertThat(prompt(http, sessionId, "second, on the newest engine").getString("status")).isEqualTo("completed");
    assertThat(prompt(http, sessionId, "third, with two runs of history").getString("status")).isEqualTo("completed");

    assertThat(store.scansOf(List.of("sessions", "events", "commands", "messages", "conversation_tails", "engines",
        "session_newest_engine"))).isEmpty();
  }

  @Test
  @DisplayName("the reaper finds a lost node's command in the open set, never reading the commands' history")
  void reaperReadsOnlyTheOpenSet() {
    node = TestNode.start(new JsonObject()
        .put("mongodb", new JsonObject().put("uri", store.uri()))
        .put("commands", new JsonObject().put("reaper_period_ms", 200)));
    HttpCalls http = new HttpCalls(node);
    String sessionId = node.createSession();
    for (int i = 0; i < 5; i++) {
      HttpResponse<Buffer> ran = http.post("/sessions/" + sessionId + "/commands?wait=5",
          new JsonObject().put("command_type", "echo").put("parameters", new JsonObject().put("n", i)));
      assertThat(ran.bodyAsJsonObject().getString("status")).isEqualTo("completed");
    }
    // A pending command of a node that is gone: stored as such, and in the open set.
    String lostId = "cmd_lost" + System.nanoTime();
    JsonObject lost = new JsonObject().put("_id", lostId).put("session_id", sessionId).put("command_type", "echo")
        .put("status", "pending").put("node_id", "node_gone").put("deadline_ms", System.currentTimeMillis() + 60_000);
    node.mongo().insert("commands", lost.copy()).await();
    store.clear();
    node.vertx().sharedData().<String, JsonObject>getAsyncMap(dev.agentbus.bus.SharedNames.OPEN_COMMANDS)
        .compose(open -> open.put(lostId, lost)).await();

    await().atMost(Duration.ofSeconds(10)).until(() ->
        "failed".equals(http.get("/sessions/" + sessionId + "/commands/" + lostId).bodyAsJsonObject().getString("status")));
    assertThat(store.scansOf(List.of("commands"))).isEmpty();
  }

  private static JsonObject prompt(HttpCalls http, String sessionId, String text) {
    HttpResponse<Buffer> ran = http.post("/sessions/" + sessionId + "/commands?wait=10", new JsonObject()
        .put("command_type", "engine.prompt").put("parameters", new JsonObject().put("prompt", text)));
    assertThat(ran.statusCode()).as(ran.bodyAsString()).isEqualTo(200);
    return ran.bodyAsJsonObject();
  }

  private static JsonObject publish(HttpCalls http, String sessionId, int i) {
    HttpResponse<Buffer> published = http.post("/sessions/" + sessionId + "/events",
        new JsonObject().put("event_type", "note").put("data", new JsonObject().put("i", i)));
    assertThat(published.statusCode()).as(published.bodyAsString()).isEqualTo(201);
    return published.bodyAsJsonObject();
  }
}
