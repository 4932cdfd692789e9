package dev.agentbus.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.ScanRecordingStore;
import dev.agentbus.support.TestNode;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The expiry sweep reads only the sessions that came due, by id, never the whole sessions collection. */
class SessionExpiryTest {
  private ScanRecordingStore store;
  private TestNode node;

  @AfterEach
  void stop() {
    node.close();
    store.close();
  }

  @Test
  @DisplayName("an expiring session is swept by id while other sessions stay, with no walk of the sessions")
  void sweepReadsOnlyWhatIsDue() {
    store = new ScanRecordingStore();
    node = TestNode.start(new JsonObject().put("mongodb", new JsonObject().put("uri", store.uri()))
        .put("sessions", new JsonObject().put("expiry_sweep_ms", 200)));
    HttpCalls http = new HttpCalls(node);
    List<String> staying = List.of(node.createSession(), node.createSession(),
        http.createSession(new JsonObject().put("name", "later").put("ttl_seconds", 3600)).getString("session_id"));
    // The store's first sweep adopts sessions an older agentbus gave an expiry (one walk, once).
    await().atMost(Duration.ofSeconds(10)).until(() -> swept() != null);
    store.clear();

    String expiring = http.createSession(new JsonObject().put("name", "short").put("ttl_seconds", 1)).getString("session_id");
    long listedUnder = swept();
    await().atMost(Duration.ofSeconds(10)).until(() -> storedSession(expiring) == null);

    assertThat(swept()).isGreaterThan(listedUnder);
    HttpCalls.assertError(http.get("/sessions/" + expiring), 404, "SESSION_NOT_FOUND");
    staying.forEach(id -> assertThat(http.get("/sessions/" + id).statusCode()).as(id).isEqualTo(200));
    assertThat(store.scansOf(List.of("sessions", "session_expiries"))).isEmpty();
  }

  private Long swept() {
    JsonObject cursor = node.mongo().findOne(SessionExpiries.EXPIRIES, new JsonObject().put("_id", "swept"), null).await();
    return cursor == null ? null : cursor.getLong("bucket");
  }

  private JsonObject storedSession(String sessionId) {
    return node.mongo().findOne(SessionStore.SESSIONS, new JsonObject().put("_id", sessionId), null).await();
  }
}
