package dev.agentbus.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentbus.support.Publisher;
import dev.agentbus.support.SeqCheck;
import dev.agentbus.support.SseClient;
import dev.agentbus.support.TestNode;
import dev.agentbus.support.WsClient;
import io.vertx.core.Future;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A subscriber that resumes from a cursor deep in a long history (several replay pages of 500)
 * while other clients keep publishing: the replay → live handover must lose nothing and repeat
 * nothing.
 */
@DisplayName("Resume and replay-to-live handover")
class ResumeHandoverTest {
  private static final int HISTORY = 1200;
  private static final int CONCURRENT = 400;
  private static final Duration WAIT = Duration.ofSeconds(30);
  static TestNode node;
  static WebSocketClient client;
  /** One long history shared by the tests (read-only for them, apart from what each publishes on top). */
  static String historySession;
  /** The session's last seq when the previous test finished. */
  static final AtomicLong head = new AtomicLong();

  @BeforeAll
  static void start() {
    node = TestNode.start();
    client = WsClient.newClient(node);
    historySession = sessionWithHistory();
    head.set(HISTORY + 1);
  }

  @AfterAll
  static void stop() {
    client.close().await();
    node.close();
  }

  private static JsonObject event(String type, int i) {
    return new JsonObject().put("event_type", type).put("data", new JsonObject().put("i", i).put("pad", "p".repeat(200)));
  }

  /** A session whose history is session.created (seq 1) and HISTORY published events: last seq HISTORY + 1. */
  private static String sessionWithHistory() {
    String sid = node.createSession();
    List<Long> seqs = Publisher.manyOverWebSocket(client, node, sid, HISTORY, i -> event("demo.history", i));
    assertThat(seqs).containsExactlyInAnyOrderElementsOf(range(2, HISTORY + 1));
    return sid;
  }

  private static List<Long> range(long fromInclusive, long toInclusive) {
    return LongStream.rangeClosed(fromInclusive, toInclusive).boxed().toList();
  }

  private static long maxSeq(List<JsonObject> stored) {
    return stored.stream().mapToLong(e -> e.getLong("seq")).max().orElseThrow();
  }

  @Test
  @DisplayName("a WebSocket resuming with after_seq=k during concurrent publishing receives exactly k+1..last, in order, once each")
  void webSocketHandover() {
    String sid = historySession;
    long historyLast = head.get();
    long k = 150;

    AtomicInteger acked = new AtomicInteger();
    Future<List<JsonObject>> concurrent = Publisher.many(node, sid, CONCURRENT, 4, i -> event("demo.live", i),
        e -> acked.incrementAndGet());
    await().atMost(WAIT).until(() -> acked.get() >= 5);

    AtomicInteger ackedWhenHistoryDone = new AtomicInteger(-1);
    int ackedAtOpen = acked.get();
    WsClient socket = WsClient.connect(client, node, "/sessions/" + sid + "/events/stream?after_seq=" + k, frame -> {
      if ("event".equals(frame.getString("type")) && frame.getJsonObject("event").getLong("seq") == historyLast) {
        ackedWhenHistoryDone.set(acked.get());
      }
    }).await();
    try {
      long last = maxSeq(concurrent.await());
      head.set(last);
      assertThat(last).isEqualTo(historyLast + CONCURRENT);
      await().atMost(WAIT).until(() -> socket.seqs().contains(last) || socket.closed().isDone());

      assertThat(SeqCheck.against(socket.seqs(), k + 1, last)).isEqualTo("ok");
      assertThat(socket.seqs()).isEqualTo(range(k + 1, last));
      assertThat(ackedWhenHistoryDone.get())
          .as("precondition: events were still being published while the history was replayed")
          .isGreaterThan(ackedAtOpen);
      assertThat(socket.closed()).isNotDone();
    } finally {
      socket.close();
    }
  }

  @Test
  @DisplayName("an SSE client reconnecting with Last-Event-ID during concurrent publishing receives exactly the events after it, once each")
  void sseHandover() {
    String sid = historySession;
    long historyLast = head.get();
    long lastEventId = 42;

    AtomicInteger acked = new AtomicInteger();
    Future<List<JsonObject>> concurrent = Publisher.many(node, sid, CONCURRENT, 4, i -> event("demo.live", i),
        e -> acked.incrementAndGet());
    await().atMost(WAIT).until(() -> acked.get() >= 5);

    AtomicInteger ackedWhenHistoryDone = new AtomicInteger(-1);
    int ackedAtOpen = acked.get();
    SseClient stream = SseClient.open(node, "/sessions/" + sid + "/events/sse",
        Map.of("Last-Event-ID", String.valueOf(lastEventId)), event -> {
          if (event.seq() == historyLast) {
            ackedWhenHistoryDone.set(acked.get());
          }
        });
    try {
      long last = maxSeq(concurrent.await());
      head.set(last);
      assertThat(last).isEqualTo(historyLast + CONCURRENT);
      await().atMost(WAIT).until(() -> stream.seqs().contains(last) || stream.isFinished());

      assertThat(SeqCheck.against(stream.seqs(), lastEventId + 1, last)).isEqualTo("ok");
      assertThat(stream.seqs()).isEqualTo(range(lastEventId + 1, last));
      assertThat(ackedWhenHistoryDone.get())
          .as("precondition: events were still being published while the history was replayed")
          .isGreaterThan(ackedAtOpen);
      assertThat(stream.events()).allSatisfy(e -> assertThat(e.id()).isEqualTo(String.valueOf(e.json().getLong("seq"))));
      assertThat(stream.isFinished()).isFalse();
    } finally {
      stream.close();
    }
  }

  @Test
  @DisplayName("resuming from the last seq of a finished stream replays nothing old and continues with new events only")
  void resumeAtHead() {
    String sid = node.createSession();
    List<JsonObject> stored = Publisher.manyAndWait(node, sid, 20, i -> event("demo.history", i));
    long lastSeen = maxSeq(stored);

    WsClient socket = WsClient.open(client, node, "/sessions/" + sid + "/events/stream?after_seq=" + lastSeen);
    try {
      JsonObject next = Publisher.one(node, sid, "demo.next", new JsonObject());
      socket.awaitSeq(next.getLong("seq"), WAIT);

      assertThat(socket.seqs()).containsExactly(lastSeen + 1);
    } finally {
      socket.close();
    }
  }
}
