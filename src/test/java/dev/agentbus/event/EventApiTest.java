package dev.agentbus.event;

import static dev.agentbus.support.HttpCalls.assertError;
import static dev.agentbus.support.HttpCalls.assertInvalid;
import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.TestNode;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
@DisplayName("Session events over HTTP")
class EventApiTest {
  static TestNode node;
  static HttpCalls http;

  @BeforeAll
  static void start() {
    node = TestNode.start();
    http = new HttpCalls(node);
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
  }

  private static String newSession() {
    return http.createSession(new JsonObject().put("name", "events")).getString("session_id");
  }

  private static JsonObject publish(String sessionId, String type, JsonObject data) {
    HttpResponse<Buffer> published = http.post("/sessions/" + sessionId + "/events",
        new JsonObject().put("event_type", type).put("data", data));
    assertThat(published.statusCode()).as(published.bodyAsString()).isEqualTo(201);
    return published.bodyAsJsonObject();
  }

  private static JsonObject page(String sessionId, String query) {
    HttpResponse<Buffer> page = http.get("/sessions/" + sessionId + "/events?" + query);
    assertThat(page.statusCode()).as(page.bodyAsString()).isEqualTo(200);
    return page.bodyAsJsonObject();
  }

  private static List<Long> seqs(JsonArray events) {
    return events.stream().map(e -> ((JsonObject) e).getLong("seq")).toList();
  }

  private static List<String> types(JsonArray events) {
    return events.stream().map(e -> ((JsonObject) e).getString("event_type")).toList();
  }

  @Test
  @DisplayName("publishing answers 201 with the stored event, its seq and a Location that reads it back")
  void publish() {
    String sessionId = newSession();
    JsonObject data = new JsonObject().put("text", "hi").put("n", 3);
    JsonObject metadata = new JsonObject().put("origin", "test");

    HttpResponse<Buffer> published = http.post("/sessions/" + sessionId + "/events",
        new JsonObject().put("event_type", "user.message").put("data", data).put("metadata", metadata));

    assertThat(published.statusCode()).as(published.bodyAsString()).isEqualTo(201);
    JsonObject event = published.bodyAsJsonObject();
    String eventId = event.getString("event_id");
    assertThat(eventId).matches("evt_[A-Za-z0-9]+");
    assertThat(event.getString("session_id")).isEqualTo(sessionId);
    assertThat(event.getString("event_type")).isEqualTo("user.message");
    assertThat(event.getJsonObject("data")).isEqualTo(data);
    assertThat(event.getJsonObject("metadata")).isEqualTo(metadata);
    assertThat(event.getString("source")).isEqualTo("client");
    assertThat(event.getString("created_at")).isNotBlank();
    // seq 1 is the session's own session.created event.
    assertThat(event.getLong("seq")).isEqualTo(2L);
    assertThat(published.getHeader("Location")).isEqualTo("/api/v1/sessions/" + sessionId + "/events/" + eventId);

    HttpResponse<Buffer> read = http.get("/sessions/" + sessionId + "/events/" + eventId);
    assertThat(read.statusCode()).isEqualTo(200);
    assertThat(read.bodyAsJsonObject()).isEqualTo(event);
  }

  @Test
  @DisplayName("each publish gets the next seq of its session, independently of other sessions")
  void seqIsPerSession() {
    String a = newSession();
    String b = newSession();
    assertThat(publish(a, "x", new JsonObject()).getLong("seq")).isEqualTo(2L);
    assertThat(publish(a, "x", new JsonObject()).getLong("seq")).isEqualTo(3L);
    assertThat(publish(b, "x", new JsonObject()).getLong("seq")).isEqualTo(2L);
    assertThat(publish(a, "x", new JsonObject()).getLong("seq")).isEqualTo(4L);
  }

  @Test
  @DisplayName("the list honours after_seq, event_type, limit and offset, in seq order")
  void listFilters() {
    String sessionId = newSession();
    for (int i = 0; i < 6; i++) {
      publish(sessionId, i % 2 == 0 ? "even" : "odd", new JsonObject().put("i", i));
    }
    // seqs: 1 session.created, then 2 even, 3 odd, 4 even, 5 odd, 6 even, 7 odd

    JsonObject all = page(sessionId, "");
    assertThat(seqs(all.getJsonArray("data"))).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L);
    assertThat(types(all.getJsonArray("data")).get(0)).isEqualTo("session.created");
    assertThat(all.getBoolean("has_more")).isFalse();
    assertThat(all.getValue("next_cursor")).isNull();

    assertThat(seqs(page(sessionId, "after_seq=4").getJsonArray("data"))).containsExactly(5L, 6L, 7L);
    assertThat(seqs(page(sessionId, "after_seq=7").getJsonArray("data"))).isEmpty();

    JsonArray odd = page(sessionId, "event_type=odd").getJsonArray("data");
    assertThat(seqs(odd)).containsExactly(3L, 5L, 7L);
    assertThat(odd.getJsonObject(1).getJsonObject("data")).isEqualTo(new JsonObject().put("i", 3));

    assertThat(seqs(page(sessionId, "event_type=even&after_seq=2").getJsonArray("data"))).containsExactly(4L, 6L);
    assertThat(seqs(page(sessionId, "offset=2&limit=3").getJsonArray("data"))).containsExactly(3L, 4L, 5L);
    assertThat(seqs(page(sessionId, "event_type=odd&offset=1").getJsonArray("data"))).containsExactly(5L, 7L);
  }

  @Test
  @DisplayName("with a limit, has_more and next_cursor lead through every event exactly once")
  void listPagination() {
    String sessionId = newSession();
    for (int i = 0; i < 6; i++) {
      publish(sessionId, "tick", new JsonObject().put("i", i));
    }
    JsonObject first = page(sessionId, "limit=3");
    assertThat(seqs(first.getJsonArray("data"))).containsExactly(1L, 2L, 3L);
    assertThat(first.getBoolean("has_more")).isTrue();
    assertThat(first.getString("next_cursor")).isNotBlank();

    List<Long> seen = new ArrayList<>(seqs(first.getJsonArray("data")));
    JsonObject current = first;
    int pages = 1;
    while (current.getBoolean("has_more")) {
      assertThat(pages++).as("pages").isLessThan(10);
      current = page(sessionId, "limit=3&cursor=" + current.getString("next_cursor"));
      seen.addAll(seqs(current.getJsonArray("data")));
    }
    assertThat(current.getValue("next_cursor")).isNull();
    assertThat(seen).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L);
    assertThat(pages).isEqualTo(3);
  }

  @Test
  @DisplayName("bad list parameters are a 400 naming each of them")
  void listInvalid() {
    String sessionId = newSession();
    assertThat(assertInvalid(http.get("/sessions/" + sessionId + "/events?limit=501"))).containsExactly("limit");
    assertThat(assertInvalid(http.get("/sessions/" + sessionId + "/events?after_seq=-1&offset=x")))
        .containsExactlyInAnyOrder("after_seq", "offset");
    assertThat(assertInvalid(http.get("/sessions/" + sessionId + "/events?cursor=abc"))).containsExactly("cursor");
  }

  @Test
  @DisplayName("an unknown event id is a 404 EVENT_NOT_FOUND naming it")
  void unknownEvent() {
    String sessionId = newSession();
    JsonObject error = assertError(http.get("/sessions/" + sessionId + "/events/evt_nope"), 404, "EVENT_NOT_FOUND");
    assertThat(error.getJsonObject("details").getString("event_id")).isEqualTo("evt_nope");
  }

  @Test
  @DisplayName("an event is not readable through another session's path")
  void eventBelongsToItsSession() {
    String owner = newSession();
    String other = newSession();
    String eventId = publish(owner, "mine", new JsonObject()).getString("event_id");
    assertError(http.get("/sessions/" + other + "/events/" + eventId), 404, "EVENT_NOT_FOUND");
  }

  @ParameterizedTest(name = "event_type {0}")
  @ValueSource(strings = {"session.created", "command.completed", "engine.token", "tool.call", "handler.registered", "Session.Created", "ENGINE.token"})
  @DisplayName("clients may not publish into a reserved prefix, in any letter case: 400 naming event_type, nothing stored")
  void reservedPrefixes(String type) {
    String sessionId = newSession();
    int before = http.allEvents(sessionId).size();

    HttpResponse<Buffer> refused = http.post("/sessions/" + sessionId + "/events",
        new JsonObject().put("event_type", type).put("data", new JsonObject()));

    assertThat(assertInvalid(refused)).containsExactly("event_type");
    List<JsonObject> after = http.allEvents(sessionId);
    assertThat(after).hasSize(before);
    assertThat(after).noneMatch(e -> "client".equals(e.getString("source")));
  }

  @Test
  @DisplayName("publishing into an unknown session is a 404 SESSION_NOT_FOUND")
  void publishUnknownSession() {
    HttpResponse<Buffer> response = http.post("/sessions/ses_missing/events", new JsonObject().put("event_type", "x"));
    JsonObject error = assertError(response, 404, "SESSION_NOT_FOUND");
    assertThat(error.getJsonObject("details").getString("session_id")).isEqualTo("ses_missing");
    assertError(http.get("/sessions/ses_missing/events"), 404, "SESSION_NOT_FOUND");
  }

  @Test
  @DisplayName("an event without event_type, or with a malformed one, is a 400 naming event_type")
  void publishInvalidType() {
    String sessionId = newSession();
    assertThat(assertInvalid(http.post("/sessions/" + sessionId + "/events", new JsonObject().put("data", new JsonObject()))))
        .containsExactly("event_type");
    assertThat(assertInvalid(http.post("/sessions/" + sessionId + "/events", new JsonObject().put("event_type", "has space"))))
        .containsExactly("event_type");
    assertThat(http.allEvents(sessionId)).hasSize(1);
  }

  @Test
  @DisplayName("200 concurrent publishes into one session all succeed with distinct, gapless seqs")
  void concurrentPublishesAreGapless() {
    int n = 200;
    String sessionId = newSession();
    WebClient client = WebClient.create(node.vertx(),
        new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(node.port()),
        new PoolOptions().setHttp1MaxSize(64));
    try {
      List<Future<HttpResponse<Buffer>>> sent = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        sent.add(client.post("/api/v1/sessions/" + sessionId + "/events").timeout(30_000)
            .sendJsonObject(new JsonObject().put("event_type", "load").put("data", new JsonObject().put("i", i))));
      }
      HttpCalls.await(Future.join(sent), 40_000);

      List<Long> published = new ArrayList<>();
      for (Future<HttpResponse<Buffer>> future : sent) {
        assertThat(future.succeeded()).as("request %s", future.cause()).isTrue();
        HttpResponse<Buffer> response = future.result();
        assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(201);
        published.add(response.bodyAsJsonObject().getLong("seq"));
      }
      assertThat(published).doesNotHaveDuplicates().hasSize(n);

      List<JsonObject> stored = http.allEvents(sessionId);
      List<Long> storedSeqs = stored.stream().map(e -> e.getLong("seq")).toList();
      assertThat(storedSeqs).containsExactlyElementsOf(LongStream.rangeClosed(1, n + 1).boxed().toList());
      assertThat(storedSeqs).containsAll(published);
      assertThat(stored.stream().filter(e -> e.getString("event_type").equals("load")).count()).isEqualTo(n);
    } finally {
      client.close();
    }
  }
}
