package dev.agentbus.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentbus.support.Publisher;
import dev.agentbus.support.SseClient;
import dev.agentbus.support.TestNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("SSE session event stream")
class SseStreamTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  static TestNode node;
  private final List<SseClient> open = new ArrayList<>();

  @BeforeAll
  static void start() {
    node = TestNode.start(new JsonObject().put("streams", new JsonObject().put("keepalive_ms", 200)));
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @AfterEach
  void closeStreams() {
    open.forEach(SseClient::close);
  }

  private SseClient sse(String apiPath, Map<String, String> headers) {
    SseClient client = SseClient.open(node, apiPath, headers);
    open.add(client);
    return client;
  }

  private SseClient sse(String apiPath) {
    return sse(apiPath, Map.of());
  }

  private static JsonObject publish(String sessionId, String type, int n) {
    return Publisher.one(node, sessionId, type, new JsonObject().put("n", n));
  }

  private static HttpResponse<Buffer> getWithHeader(String apiPath, String header, String value) {
    var request = node.client().request(HttpMethod.GET, "/api/v1" + apiPath);
    if (header != null) {
      request.putHeader(header, value);
    }
    return request.send().await();
  }

  private static List<Long> range(long fromInclusive, long toInclusive) {
    return LongStream.rangeClosed(fromInclusive, toInclusive).boxed().toList();
  }

  @Test
  @DisplayName("the stream is text/event-stream, starts with a retry hint, and each event has id = seq, event = type, data = the stored event JSON")
  void eventFormat() {
    String sid = node.createSession();
    JsonObject before = publish(sid, "demo.before", 1);

    SseClient stream = sse("/sessions/" + sid + "/events/sse");
    assertThat(stream.response().getHeader("Content-Type")).startsWith("text/event-stream");
    JsonObject live = publish(sid, "demo.live", 2);
    await().atMost(WAIT).until(() -> stream.seqs().contains(live.getLong("seq")));

    assertThat(stream.retries()).isNotEmpty();
    assertThat(Long.parseLong(stream.retries().get(0))).isPositive();
    assertThat(stream.seqs()).containsExactly(1L, 2L, 3L);
    assertThat(stream.events()).extracting(SseClient.Event::type)
        .containsExactly("session.created", "demo.before", "demo.live");
    for (SseClient.Event event : stream.events()) {
      assertThat(event.json().getLong("seq")).isEqualTo(event.seq());
      assertThat(event.json().getString("event_type")).isEqualTo(event.type());
      assertThat(event.json().getString("session_id")).isEqualTo(sid);
    }
    // data is exactly what the API stored and returned on publish (replayed and live alike)
    assertThat(stream.events().get(1).json()).isEqualTo(before);
    assertThat(stream.events().get(2).json()).isEqualTo(live);
    assertThat(stream.isFinished()).as("the stream stays open while the session lives").isFalse();
  }

  @Test
  @DisplayName("?after_seq=k replays exactly the events after k, then continues live")
  void afterSeqResume() {
    String sid = node.createSession();
    for (int i = 0; i < 5; i++) {
      publish(sid, "demo.item", i); // seq 2..6
    }
    SseClient stream = sse("/sessions/" + sid + "/events/sse?after_seq=4");
    JsonObject live = publish(sid, "demo.item", 99);
    assertThat(live.getLong("seq")).isEqualTo(7L);
    await().atMost(WAIT).until(() -> stream.seqs().contains(7L));

    assertThat(stream.seqs()).containsExactly(5L, 6L, 7L);
  }

  @Test
  @DisplayName("the Last-Event-ID header resumes after that seq")
  void lastEventIdResume() {
    String sid = node.createSession();
    for (int i = 0; i < 5; i++) {
      publish(sid, "demo.item", i); // seq 2..6
    }
    SseClient stream = sse("/sessions/" + sid + "/events/sse", Map.of("Last-Event-ID", "3"));
    publish(sid, "demo.item", 99);
    await().atMost(WAIT).until(() -> stream.seqs().contains(7L));

    assertThat(stream.seqs()).containsExactly(4L, 5L, 6L, 7L);
  }

  @Test
  @DisplayName("on an EventSource reconnect, Last-Event-ID wins over the after_seq still in the original URL")
  void lastEventIdWinsOverQuery() {
    // A browser's EventSource reconnects to the same URL and adds Last-Event-ID; resuming from the
    // URL's after_seq would replay duplicates. (Ambiguous in the contract; this is what SSE clients expect.)
    String sid = node.createSession();
    for (int i = 0; i < 5; i++) {
      publish(sid, "demo.item", i); // seq 2..6
    }
    SseClient stream = sse("/sessions/" + sid + "/events/sse?after_seq=1", Map.of("Last-Event-ID", "5"));
    publish(sid, "demo.item", 99);
    await().atMost(WAIT).until(() -> stream.seqs().contains(7L));

    assertThat(stream.seqs()).containsExactly(6L, 7L);
  }

  @ParameterizedTest(name = "after_seq={0}")
  @ValueSource(strings = {"-1", "x", "1.5"})
  @DisplayName("an invalid after_seq is a 400 VALIDATION_ERROR naming after_seq")
  void badAfterSeq(String value) {
    String sid = node.createSession();
    HttpResponse<Buffer> response = getWithHeader("/sessions/" + sid + "/events/sse?after_seq=" + value, null, null);

    assertThat(response.statusCode()).isEqualTo(400);
    JsonObject error = response.bodyAsJsonObject().getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo("VALIDATION_ERROR");
    assertThat(error.getJsonObject("details").getString("field")).isEqualTo("after_seq");
  }

  @ParameterizedTest(name = "Last-Event-ID={0}")
  @ValueSource(strings = {"abc", "-3", "1e3"})
  @DisplayName("an invalid Last-Event-ID header is a 400 VALIDATION_ERROR naming Last-Event-ID")
  void badLastEventId(String value) {
    String sid = node.createSession();
    HttpResponse<Buffer> response = getWithHeader("/sessions/" + sid + "/events/sse", "Last-Event-ID", value);

    assertThat(response.statusCode()).isEqualTo(400);
    JsonObject error = response.bodyAsJsonObject().getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo("VALIDATION_ERROR");
    assertThat(error.getJsonObject("details").getString("field")).isEqualTo("Last-Event-ID");
  }

  @Test
  @DisplayName("a stream of an unknown session is a 404 SESSION_NOT_FOUND, not an empty stream")
  void unknownSession() {
    HttpResponse<Buffer> response = getWithHeader("/sessions/ses_doesnotexist/events/sse", "Accept", "text/event-stream");

    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(response.getHeader("Content-Type")).startsWith("application/json");
    JsonObject error = response.bodyAsJsonObject().getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo("SESSION_NOT_FOUND");
    assertThat(error.getJsonObject("details").getString("session_id")).isEqualTo("ses_doesnotexist");
  }

  @Test
  @DisplayName("?types= keeps exact types and prefix.* matches, in replay and live")
  void typesFilter() {
    String sid = node.createSession();
    publish(sid, "alpha.one", 1);     // prefix match
    publish(sid, "beta.exact", 2);    // exact match
    publish(sid, "beta.other", 3);    // neither
    SseClient stream = sse("/sessions/" + sid + "/events/sse?types=beta.exact,alpha.*");
    publish(sid, "alphabet.x", 4);    // shares the letters, not the prefix "alpha."
    publish(sid, "gamma.x", 5);       // neither
    publish(sid, "beta.exact", 6);    // exact match, live
    JsonObject last = publish(sid, "alpha.two", 7);
    await().atMost(WAIT).until(() -> stream.seqs().contains(last.getLong("seq")));

    assertThat(stream.events()).extracting(SseClient.Event::type)
        .containsExactly("alpha.one", "beta.exact", "beta.exact", "alpha.two");
    assertThat(stream.events()).extracting(e -> e.json().getJsonObject("data").getInteger("n"))
        .containsExactly(1, 2, 6, 7);
  }

  @Test
  @DisplayName("an idle stream gets a ': keep-alive' comment every keepalive_ms")
  void keepAlive() {
    String sid = node.createSession();
    SseClient stream = sse("/sessions/" + sid + "/events/sse?after_seq=1");

    await().atMost(WAIT).until(() -> stream.comments().stream().filter("keep-alive"::equals).count() >= 2);
    assertThat(stream.events()).isEmpty();
    assertThat(stream.isFinished()).isFalse();
  }

  @Test
  @DisplayName("deleting the session delivers session.deleted and then ends the response cleanly")
  void sessionDeletedEndsStream() throws Exception {
    String sid = node.createSession();
    SseClient stream = sse("/sessions/" + sid + "/events/sse");
    JsonObject last = publish(sid, "demo.item", 1);
    await().atMost(WAIT).until(() -> stream.seqs().contains(last.getLong("seq")));

    assertThat(node.delete("/sessions/" + sid).statusCode()).isEqualTo(200);

    assertThat(stream.finished().get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("end");
    assertThat(stream.events()).extracting(SseClient.Event::type)
        .containsExactly("session.created", "demo.item", "session.deleted");
    assertThat(stream.seqs()).isEqualTo(range(1, 3));
    assertThat(stream.events().get(2).json().getJsonObject("data").getString("session_id")).isEqualTo(sid);
  }
}
