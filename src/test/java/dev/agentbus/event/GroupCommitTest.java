package dev.agentbus.event;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.support.TestNode;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** One write carries several sessions' drafts; when it fails part-way, nothing acknowledged is lost and nothing is half-written. */
class GroupCommitTest {
  private TestNode node;
  private MongoClient mongo;
  private String a;
  private String b;
  private String c;

  @BeforeEach
  void start() {
    node = TestNode.start();
    mongo = node.mongo();
    a = node.createSession();
    b = node.createSession();
    c = node.createSession();
  }

  @AfterEach
  void stop() {
    node.close();
  }

  @Test
  @DisplayName("drafts of three sessions appended together are stored in one write, each at its session's next seq")
  void oneWriteAcrossSessions() {
    Queue<JsonObject> announced = listen(a, b, c);
    List<JsonObject> stored = Events.appendAll(node.vertx(), List.of(draft(a), draft(b), draft(c), draft(a))).await();
    assertThat(stored).extracting(event -> event.getString("session_id") + "#" + event.getLong("seq"))
        .containsExactly(a + "#2", b + "#2", c + "#2", a + "#3");
    assertThat(announced).extracting(event -> event.getString("session_id") + "#" + event.getLong("seq"))
        .containsExactly(a + "#2", b + "#2", c + "#2", a + "#3");
  }

  @Test
  @DisplayName("when another writer took a session's next seq, the batch keeps what it stored and retries the rest after the seq it finds")
  void collisionIsRetried() {
    // Another writer (a hand-over, or a second node on the same store) stored b's seq 2.
    mongo.insert(EventStore.EVENTS, storedEvent(SeqWriter.eventId(b, 2), b, 2)).await();

    List<JsonObject> stored = Events.appendAll(node.vertx(), List.of(draft(a), draft(b), draft(c))).await();

    assertThat(stored).extracting(event -> event.getString("session_id") + "#" + event.getLong("seq"))
        .containsExactly(a + "#2", b + "#3", c + "#2");
    assertThat(seqsOf(b)).containsExactly(1L, 2L, 3L);
  }

  @Test
  @DisplayName("a batch failing for one session acknowledges and announces the others' events, and leaves no part of the failed one behind")
  void failingBatchLosesNothingAcknowledged() {
    // A document that collides on the unique (session_id, seq) index at every try, yet is not found by id.
    JsonObject planted = storedEvent("evt_planted", b, 2);
    mongo.insert(EventStore.EVENTS, planted).await();
    Queue<JsonObject> announced = listen(a, b, c);

    Future<List<JsonObject>> batch = Events.appendAll(node.vertx(), List.of(draft(a), draft(b), draft(c)));
    Throwable failure = batch.otherwiseEmpty().transform(done -> Future.succeededFuture(batch.cause())).await();

    assertThat(BusError.codeOf(failure)).isEqualTo(ErrorCode.SERVICE_UNAVAILABLE);
    assertThat(announced).extracting(event -> event.getString("session_id") + "#" + event.getLong("seq"))
        .containsExactly(a + "#2", c + "#2");
    assertThat(typesOf(a)).containsExactly("session.created", "app.batched");
    assertThat(typesOf(c)).containsExactly("session.created", "app.batched");
    List<JsonObject> ofB = mongo.find(EventStore.EVENTS, new JsonObject().put("session_id", b)).await();
    assertThat(ofB).extracting(doc -> doc.getString("event_type")).containsExactlyInAnyOrder("session.created", "other.writer");

    mongo.removeDocument(EventStore.EVENTS, new JsonObject().put("_id", "evt_planted")).await();
    JsonObject next = Events.append(node.vertx(), b, "app.batched", new JsonObject(), null).await();
    assertThat(next.getLong("seq")).isEqualTo(2L);
  }

  private static JsonObject draft(String sessionId) {
    return Events.draft(sessionId, "app.batched", new JsonObject().put("session", sessionId), null);
  }

  private static JsonObject storedEvent(String id, String sessionId, long seq) {
    return new JsonObject().put("_id", id).put("session_id", sessionId).put("seq", seq).put("event_type", "other.writer")
        .put("data", new JsonObject()).put("metadata", new JsonObject()).put("source", "system").put("created_at", "2026-12-01T00:00:00Z");
  }

  private Queue<JsonObject> listen(String... sessions) {
    Queue<JsonObject> announced = new ConcurrentLinkedQueue<>();
    for (String session : sessions) {
      node.vertx().eventBus().<JsonObject>consumer(Addresses.sessionEvents(session), message -> announced.add(message.body()))
          .completion().await();
    }
    return announced;
  }

  private List<Long> seqsOf(String sessionId) {
    return events(sessionId).stream().map(event -> event.getLong("seq")).toList();
  }

  private List<String> typesOf(String sessionId) {
    return events(sessionId).stream().map(event -> event.getString("event_type")).toList();
  }

  private List<JsonObject> events(String sessionId) {
    return node.get("/sessions/" + sessionId + "/events?limit=100").bodyAsJsonObject().getJsonArray("data").stream()
        .map(JsonObject.class::cast).toList();
  }
}
