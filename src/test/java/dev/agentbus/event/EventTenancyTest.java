package dev.agentbus.event;

import static dev.agentbus.support.HttpCalls.assertError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.SseClient;
import dev.agentbus.support.TenantNode;
import dev.agentbus.support.WsClient;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
@DisplayName("A session's events belong to its tenant")
class EventTenancyTest {
  @RegisterExtension
  static final TenantNode tenants = new TenantNode();

  private static JsonObject publish(HttpCalls caller, String sessionId, int n) {
    HttpResponse<Buffer> published = caller.post("/sessions/" + sessionId + "/events",
        new JsonObject().put("event_type", "note").put("data", new JsonObject().put("n", n)));
    assertThat(published.statusCode()).as(published.bodyAsString()).isEqualTo(201);
    return published.bodyAsJsonObject();
  }

  private static JsonObject stored(String eventId) {
    return HttpCalls.await(tenants.node().mongo().findOne(EventStore.EVENTS, new JsonObject().put("_id", eventId), null));
  }

  @Test
  @DisplayName("another tenant gets 404 SESSION_NOT_FOUND publishing to, listing or reading a session's events, and publishes nothing")
  void anotherTenantsEventsAreNotFound() {
    String sessionId = tenants.acme().createSession(new JsonObject()).getString("session_id");
    JsonObject event = publish(tenants.acme(), sessionId, 1);
    String events = "/sessions/" + sessionId + "/events";

    assertError(tenants.globex().post(events, new JsonObject().put("event_type", "note").put("data", new JsonObject())), 404, "SESSION_NOT_FOUND");
    assertError(tenants.globex().get(events), 404, "SESSION_NOT_FOUND");
    assertError(tenants.globex().get(events + "?event_type=note"), 404, "SESSION_NOT_FOUND");
    assertError(tenants.globex().get(events + "/" + event.getString("event_id")), 404, "SESSION_NOT_FOUND");

    assertThat(tenants.acme().allEvents(sessionId)).extracting(e -> e.getString("event_type")).containsExactly("session.created", "note");
    assertThat(tenants.admin().get(events + "/" + event.getString("event_id")).statusCode()).as("the admin sees every tenant").isEqualTo(200);
  }

  @Test
  @DisplayName("a stored event carries its session's tenant, whoever appended it (a client, or agentbus itself), and shows it")
  void storedEventsCarryTheSessionsTenant() {
    String sessionId = tenants.acme().createSession(new JsonObject()).getString("session_id");
    JsonObject event = publish(tenants.acme(), sessionId, 1);
    assertThat(event.getString("tenant_id")).isEqualTo("acme");
    assertThat(tenants.acme().patch("/sessions/" + sessionId, new JsonObject().put("name", "renamed")).statusCode()).isEqualTo(200);
    assertThat(HttpCalls.assertInvalid(tenants.acme().post("/sessions/" + sessionId + "/events", new JsonObject().put("event_type", "note")
        .put("data", new JsonObject()).put("tenant_id", "globex")))).as("a client cannot choose the tenant").isNotEmpty();

    List<JsonObject> events = tenants.acme().allEvents(sessionId);
    assertThat(events).extracting(e -> e.getString("event_type")).containsExactly("session.created", "note", "session.updated");
    assertThat(events).allSatisfy(e -> assertThat(stored(e.getString("event_id")).getString("tenant_id")).isEqualTo("acme"));
  }

  @Test
  @DisplayName("a writer that has not met a session learns its tenant from the session directory once; a deleted session has none")
  void tenantsAreLookedUpOncePerSession() {
    String sessionId = tenants.acme().createSession(new JsonObject()).getString("session_id");
    String gone = tenants.globex().createSession(new JsonObject()).getString("session_id");
    assertThat(tenants.globex().delete("/sessions/" + gone).statusCode()).isEqualTo(200);
    SessionTenants fresh = new SessionTenants(tenants.node().vertx(), 10);

    assertThat(HttpCalls.await(fresh.of(sessionId))).isEqualTo("acme");
    assertThat(HttpCalls.await(fresh.of(gone))).isNull();
  }

  @Test
  @DisplayName("another tenant's SSE event stream is 404 and streams nothing, while the owner's streams")
  void anotherTenantsSseStreamIsRefused() {
    String sessionId = tenants.acme().createSession(new JsonObject()).getString("session_id");
    publish(tenants.acme(), sessionId, 1);
    String path = "/api/v1/sessions/" + sessionId + "/events/sse?after_seq=0";

    SseClient refused = SseClient.send(tenants.node(), HttpMethod.GET, path, null, Map.of("Authorization", "Bearer " + tenants.globexKey()));
    assertThat(refused.status()).isEqualTo(404);
    assertThat(new JsonObject(refused.awaitBody()).getJsonObject("error").getString("code")).isEqualTo("SESSION_NOT_FOUND");
    assertThat(refused.events()).isEmpty();

    SseClient own = SseClient.open(tenants.node(), "/sessions/" + sessionId + "/events/sse?after_seq=0",
        Map.of("Authorization", "Bearer " + tenants.acmeKey()));
    try {
      JsonObject note = own.awaitJson(e -> "note".equals(e.getString("event_type")));
      assertThat(note.getString("session_id")).isEqualTo(sessionId);
    } finally {
      own.close();
    }
  }

  @Test
  @DisplayName("another tenant's WebSocket event stream is refused with 404 at the upgrade, while the owner's streams and its acks are kept in its tenant")
  void anotherTenantsWebSocketStreamIsRefused() {
    String sessionId = tenants.acme().createSession(new JsonObject()).getString("session_id");
    publish(tenants.acme(), sessionId, 1);
    String path = "/sessions/" + sessionId + "/events/stream?after_seq=0&access_token=";
    WebSocketClient sockets = tenants.node().vertx().createWebSocketClient();
    try {
      Throwable refused = catchThrowable(() -> WsClient.open(sockets, tenants.node(), path + tenants.globexKey()));
      assertThat(refused).isInstanceOf(UpgradeRejectedException.class);
      assertThat(((UpgradeRejectedException) refused).getStatus()).isEqualTo(404);

      try (WsClient own = WsClient.open(sockets, tenants.node(), path + tenants.acmeKey() + "&subscriber_id=worker-1")) {
        assertThat(own.awaitSeq(2, Duration.ofSeconds(10)).getString("event_type")).isEqualTo("note");
        own.send(new JsonObject().put("type", "ack").put("request_id", "a1").put("seq", 2));
        own.awaitFrame(frame -> "ack".equals(frame.getString("type")) && "a1".equals(frame.getString("request_id")), Duration.ofSeconds(10));
      }
      JsonObject cursor = HttpCalls.await(tenants.node().mongo().findOne(EventStore.SUBSCRIBER_CURSORS,
          new JsonObject().put("_id", sessionId + "/worker-1"), null));
      assertThat(cursor.getString("tenant_id")).as("a durable subscriber's cursor carries the tenant").isEqualTo("acme");
    } finally {
      sockets.close().await();
    }
  }
}
