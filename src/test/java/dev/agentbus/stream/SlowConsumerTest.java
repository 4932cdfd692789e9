package dev.agentbus.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentbus.support.Publisher;
import dev.agentbus.support.SeqCheck;
import dev.agentbus.support.SseClient;
import dev.agentbus.support.TestNode;
import dev.agentbus.support.WsClient;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Backpressure: a subscriber that stops reading is cut off (WebSocket 1013, SSE connection
 * closed) instead of being buffered without bound, and it can resume from the last seq it saw
 * without losing anything.
 *
 * <p>Synchronisation without sleeping: the node runs ONE HTTP verticle instance, so every stream
 * and every publish request is served on the same event loop. The event log announces an event
 * on the bus before it answers the publish request, so by the time the test holds the ack of the
 * last publish, the stream's feed on that loop has already tried to write every event. The paused
 * client's socket buffers are far smaller than what is published, so the overflow has happened
 * before the client resumes reading.
 */
@DisplayName("Slow consumers")
class SlowConsumerTest {
  private static final int EVENTS = 300;
  private static final int EVENT_BYTES = 48 * 1024;
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final Pattern RESUME_CURSOR = Pattern.compile("after_seq=(\\d+)");
  static TestNode node;
  static WebSocketClient client;

  @BeforeAll
  static void start() {
    node = TestNode.start(new JsonObject()
        .put("http", new JsonObject().put("instances", 1))
        .put("streams", new JsonObject().put("max_queued_frames", 20).put("write_queue_max_bytes", 1024)));
    client = WsClient.newClient(node);
  }

  @AfterAll
  static void stop() {
    client.close().await();
    node.close();
  }

  private static JsonObject bigEvent(int i) {
    return new JsonObject().put("event_type", "demo.big")
        .put("data", new JsonObject().put("i", i).put("blob", "b".repeat(EVENT_BYTES)));
  }

  /** Publishes EVENTS big events (seq 2..EVENTS+1) and returns the last seq, once every one is acknowledged. */
  private static long publishAll(String sid) {
    List<JsonObject> stored = Publisher.many(node, sid, EVENTS, 4, SlowConsumerTest::bigEvent, e -> { }).await();
    long last = stored.stream().mapToLong(e -> e.getLong("seq")).max().orElseThrow();
    assertThat(last).isEqualTo(EVENTS + 1L);
    return last;
  }

  @Test
  @DisplayName("a WebSocket client that stops reading is closed with 1013 and resumes from its last seq with no gap")
  void slowWebSocketClosedWith1013ThenResumes() throws Exception {
    String sid = node.createSession();
    WsClient slow = WsClient.open(client, node, "/sessions/" + sid + "/events/stream?after_seq=1");
    WsClient healthy = WsClient.open(client, node, "/sessions/" + sid + "/events/stream?after_seq=1");
    slow.socket().pause();

    long last = publishAll(sid);
    slow.socket().resume();
    slow.closed().get(WAIT.toSeconds(), TimeUnit.SECONDS);

    assertThat(slow.closeStatus()).isEqualTo((short) 1013);
    List<Long> seen = slow.seqs();
    assertThat(seen).as("the slow client was cut off before the end").hasSizeLessThan(EVENTS);
    assertThat(seen).as("it did get events before falling behind").isNotEmpty();
    long lastSeen = seen.get(seen.size() - 1);
    assertThat(SeqCheck.against(seen, 2, lastSeen)).as("what it did get is complete and in order").isEqualTo("ok");

    // the close reason names the cursor to resume from: exactly the last event the client received
    Matcher cursor = RESUME_CURSOR.matcher(slow.closeReason());
    assertThat(cursor.find()).as("close reason '%s' names after_seq", slow.closeReason()).isTrue();
    assertThat(Long.parseLong(cursor.group(1))).isEqualTo(lastSeen);

    WsClient resumed = WsClient.open(client, node, "/sessions/" + sid + "/events/stream?after_seq=" + lastSeen);
    try {
      await().atMost(WAIT).until(() -> resumed.seqs().contains(last) || resumed.closed().isDone());
      assertThat(SeqCheck.against(resumed.seqs(), lastSeen + 1, last)).isEqualTo("ok");
      assertThat(resumed.events()).allSatisfy(e -> assertThat(e.getJsonObject("data").getString("blob")).hasSize(EVENT_BYTES));

      // a client that kept reading on the same session was not affected
      await().atMost(WAIT).until(() -> healthy.seqs().contains(last) || healthy.closed().isDone());
      assertThat(SeqCheck.against(healthy.seqs(), 2, last)).isEqualTo("ok");
      assertThat(healthy.closed()).isNotDone();
      assertThat(node.get("/health").statusCode()).isEqualTo(200);
    } finally {
      resumed.close();
      healthy.close();
    }
  }

  @Test
  @DisplayName("an SSE client that stops reading has its connection closed, the node stays healthy, and Last-Event-ID resumes with no gap")
  void slowSseClientCutOffThenResumes() throws Exception {
    String sid = node.createSession();
    SseClient slow = SseClient.open(node, "/sessions/" + sid + "/events/sse?after_seq=1");
    slow.pause();

    long last = publishAll(sid);
    slow.resume();
    String how = slow.finished().get(WAIT.toSeconds(), TimeUnit.SECONDS);

    assertThat(how).as("the server cut the connection; the stream did not end as if it were over").isNotEqualTo("end");
    List<Long> seen = slow.seqs();
    assertThat(seen).as("the slow client was cut off before the end").hasSizeLessThan(EVENTS);
    assertThat(seen).isNotEmpty();
    long lastSeen = seen.get(seen.size() - 1);
    assertThat(SeqCheck.against(seen, 2, lastSeen)).isEqualTo("ok");
    assertThat(node.get("/health").statusCode()).isEqualTo(200);

    SseClient resumed = SseClient.open(node, "/sessions/" + sid + "/events/sse",
        Map.of("Last-Event-ID", String.valueOf(lastSeen)));
    try {
      await().atMost(WAIT).until(() -> resumed.seqs().contains(last) || resumed.isFinished());
      assertThat(SeqCheck.against(resumed.seqs(), lastSeen + 1, last)).isEqualTo("ok");
    } finally {
      resumed.close();
    }
  }
  @Test
  @DisplayName("clients that keep reading replay a history far larger than their write backlog without being cut off")
  void readersAreNotCutOffDuringLargeReplay() {
    // max_queued_frames is 20 and a replay page is 500 events of 48 KB: the replay must wait for
    // the socket to drain instead of counting a whole page against the slow-consumer allowance.
    String sid = node.createSession();
    List<Long> stored = Publisher.manyOverWebSocket(client, node, sid, EVENTS, SlowConsumerTest::bigEvent);
    long last = stored.stream().mapToLong(Long::longValue).max().orElseThrow();

    WsClient ws = WsClient.open(client, node, "/sessions/" + sid + "/events/stream");
    SseClient sse = SseClient.open(node, "/sessions/" + sid + "/events/sse");
    try {
      await().atMost(WAIT).until(() -> (ws.seqs().contains(last) || ws.closed().isDone())
          && (sse.seqs().contains(last) || sse.isFinished()));

      assertThat(SeqCheck.against(ws.seqs(), 1, last)).isEqualTo("ok");
      assertThat(ws.closed()).as("the WebSocket reader stays connected").isNotDone();
      assertThat(SeqCheck.against(sse.seqs(), 1, last)).isEqualTo("ok");
      assertThat(sse.isFinished()).as("the SSE reader stays connected").isFalse();
    } finally {
      ws.close();
      sse.close();
    }
  }
}
