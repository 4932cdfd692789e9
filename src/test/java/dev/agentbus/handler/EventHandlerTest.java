package dev.agentbus.handler;

import static dev.agentbus.support.HttpCalls.assertError;
import static dev.agentbus.support.HttpCalls.assertInvalid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.TestNode;
import dev.agentbus.support.WebhookReceiver;
import dev.agentbus.support.WebhookReceiver.Answer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Event handlers on one node against a real webhook receiver that checks signatures with its own code. */
class EventHandlerTest {
  static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  static TestNode node;
  static HttpCalls http;
  static WebhookReceiver receiver;

  @BeforeAll
  static void start() {
    node = TestNode.start(new JsonObject()
        .put("security", new JsonObject().put("allowed_hosts", new JsonArray().add("127.0.0.1")))
        .put("handlers", new JsonObject().put("retry_base_ms", 20).put("retry_max_ms", 100).put("max_attempts", 3)
            .put("timeout_ms", 2000)));
    http = new HttpCalls(node);
    receiver = new WebhookReceiver(node.vertx());
  }

  @AfterAll
  static void stop() {
    receiver.close();
    node.close();
  }

  static String session() {
    return http.createSession(new JsonObject()).getString("session_id");
  }

  static JsonObject register(String base, String type, String path) {
    JsonObject handler = new JsonObject().put("kind", "webhook").put("url", receiver.url(path)).put("secret", SECRET);
    HttpResponse<Buffer> created = http.post(base + "/handlers/events", new JsonObject().put("event_type", type).put("handler", handler));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    return created.bodyAsJsonObject();
  }

  static JsonObject publish(String session, String type) {
    HttpResponse<Buffer> stored = http.post("/sessions/" + session + "/events", new JsonObject().put("event_type", type)
        .put("data", new JsonObject().put("n", type)));
    assertThat(stored.statusCode()).as(stored.bodyAsString()).isEqualTo(201);
    return stored.bodyAsJsonObject();
  }

  static List<WebhookReceiver.Delivery> awaitDeliveries(String path, int count) {
    await().atMost(Duration.ofSeconds(15)).until(() -> receiver.deliveries(path).size() >= count);
    return receiver.deliveries(path);
  }

  static JsonObject listed(String base, String handlerId) {
    JsonArray data = http.get(base + "/handlers/events").bodyAsJsonObject().getJsonArray("data");
    return data.stream().map(JsonObject.class::cast).filter(h -> handlerId.equals(h.getString("handler_id"))).findFirst().orElseThrow();
  }

  @Test
  @DisplayName("stored events reach a prefix handler signed, in seq order, each body equal to the event's GET, only those after registration")
  void deliversInOrder() {
    String session = session();
    String base = "/sessions/" + session;
    receiver.script("/ordered", SECRET, Answer.of(200, new JsonObject()));
    publish(session, "app.before");
    JsonObject handler = register(base, "app.*", "/ordered");
    assertThat(handler.getString("scope")).isEqualTo("session");
    assertThat(handler.getJsonObject("handler").getString("secret")).isEqualTo(SECRET);
    List<JsonObject> published = List.of(publish(session, "app.one"), publish(session, "other.x"), publish(session, "app.two"),
        publish(session, "app.three"));

    List<WebhookReceiver.Delivery> deliveries = awaitDeliveries("/ordered", 3);
    assertThat(deliveries).extracting(d -> d.body().getString("event_type")).containsExactly("app.one", "app.two", "app.three");
    assertThat(deliveries).extracting(d -> d.body().getLong("seq")).isSorted();
    for (WebhookReceiver.Delivery delivery : deliveries) {
      String eventId = delivery.body().getString("event_id");
      assertThat(delivery.body()).isEqualTo(http.get(base + "/events/" + eventId).bodyAsJsonObject());
      assertThat(delivery.webhookId()).isEqualTo(handler.getString("handler_id") + "_" + eventId);
    }
    assertThat(published.get(1).getString("event_type")).isEqualTo("other.x");
    assertThat(receiver.badSignatures.get()).isZero();
    JsonObject listedHandler = listed(base, handler.getString("handler_id"));
    assertThat(listedHandler.getJsonObject("handler").containsKey("secret")).isFalse();
    await().atMost(Duration.ofSeconds(10)).until(() -> listed(base, handler.getString("handler_id")).getLong("delivered_seq",
        0L).equals(published.get(3).getLong("seq")));
    assertThat(listed(base, handler.getString("handler_id")).getLong("pending")).isZero();
  }

  @Test
  @DisplayName("a 5xx is retried with the same webhook-id until it succeeds; the listing shows the failures and the last error")
  void retriedWithSameId() {
    String session = session();
    String base = "/sessions/" + session;
    receiver.script("/flaky", SECRET, Answer.of(503, null), Answer.of(502, null), Answer.of(200, new JsonObject()));
    JsonObject handler = register(base, "app.flaky", "/flaky");
    long seq = publish(session, "app.flaky").getLong("seq");

    List<WebhookReceiver.Delivery> deliveries = awaitDeliveries("/flaky", 3);
    assertThat(deliveries).extracting(WebhookReceiver.Delivery::webhookId).containsOnly(deliveries.get(0).webhookId());
    await().atMost(Duration.ofSeconds(10)).until(() -> Long.valueOf(seq).equals(listed(base, handler.getString("handler_id"))
        .getLong("delivered_seq")));
    JsonObject state = listed(base, handler.getString("handler_id"));
    assertThat(state.getLong("pending")).isZero();
    assertThat(state.getLong("failures")).isEqualTo(2);
    assertThat(state.getString("last_error")).contains("502");
  }

  @Test
  @DisplayName("an always-failing receiver dead-letters after max_attempts with handler.failed, later events still go, and retry re-delivers")
  void deadLetters() {
    String session = session();
    String base = "/sessions/" + session;
    receiver.script("/down", SECRET, Answer.of(400, null));
    JsonObject handler = register(base, "job.*", "/down");
    String first = publish(session, "job.a").getString("event_id");
    String second = publish(session, "job.b").getString("event_id");

    List<WebhookReceiver.Delivery> deliveries = awaitDeliveries("/down", 6);
    String hid = handler.getString("handler_id");
    assertThat(deliveries).extracting(WebhookReceiver.Delivery::webhookId)
        .containsExactly(hid + "_" + first, hid + "_" + first, hid + "_" + first, hid + "_" + second, hid + "_" + second, hid + "_" + second);
    await().atMost(Duration.ofSeconds(10)).until(() -> http.allEvents(session).stream()
        .filter(e -> "handler.failed".equals(e.getString("event_type"))).count() == 2);
    JsonObject failed = http.allEvents(session).stream().filter(e -> "handler.failed".equals(e.getString("event_type"))).findFirst()
        .orElseThrow().getJsonObject("data");
    assertThat(failed.getString("handler_id")).isEqualTo(hid);
    assertThat(failed.getJsonObject("event").getString("event_id")).isEqualTo(first);
    assertThat(failed.getInteger("attempts")).isEqualTo(3);

    JsonObject letters = http.get("/handlers/dead-letters?session_id=" + session).bodyAsJsonObject();
    assertThat(letters.getJsonArray("data")).hasSize(2);
    JsonObject letter = letters.getJsonArray("data").getJsonObject(0);
    assertThat(letter.getString("dead_letter_id")).isEqualTo(failed.getString("dead_letter_id"));
    assertThat(letter.getJsonObject("event").getString("event_id")).isEqualTo(first);
    assertThat(letter.getString("last_error")).contains("400");
    JsonObject page = http.get("/handlers/dead-letters?limit=1&handler_id=" + hid).bodyAsJsonObject();
    assertThat(page.getBoolean("has_more")).isTrue();
    assertThat(page.getString("next_cursor")).isEqualTo(letter.getString("dead_letter_id"));

    JsonObject stillFailing = http.post("/handlers/dead-letters/" + letter.getString("dead_letter_id") + "/retry", new JsonObject()).bodyAsJsonObject();
    assertThat(stillFailing.getBoolean("delivered")).isFalse();
    assertThat(stillFailing.getInteger("attempts")).isEqualTo(4);
    receiver.script("/down", SECRET, Answer.of(200, new JsonObject()));
    HttpResponse<Buffer> retried = http.post("/handlers/dead-letters/" + letter.getString("dead_letter_id") + "/retry", new JsonObject());
    assertThat(retried.statusCode()).as(retried.bodyAsString()).isEqualTo(200);
    assertThat(retried.bodyAsJsonObject().getBoolean("delivered")).isTrue();
    assertThat(receiver.deliveries("/down").get(receiver.deliveries("/down").size() - 1).webhookId()).isEqualTo(hid + "_" + first);
    assertThat(http.get("/handlers/dead-letters?session_id=" + session).bodyAsJsonObject().getJsonArray("data")).hasSize(1);
    assertError(http.post("/handlers/dead-letters/dlq_unknown/retry", new JsonObject()), 404, "NOT_FOUND");
  }

  @Test
  @DisplayName("a global handler receives the events of every session; its listing aggregates its cursors")
  void globalHandler() {
    String one = session();
    String two = session();
    receiver.script("/global", SECRET, Answer.of(204, null));
    JsonObject handler = register("", "glob.*", "/global");
    assertThat(handler.getString("scope")).isEqualTo("global");
    publish(one, "glob.x");
    publish(two, "glob.y");

    List<WebhookReceiver.Delivery> deliveries = awaitDeliveries("/global", 2);
    assertThat(deliveries).extracting(d -> d.body().getString("session_id")).containsExactlyInAnyOrder(one, two);
    await().atMost(Duration.ofSeconds(10)).until(() -> listed("", handler.getString("handler_id")).getLong("pending") == 0);
    assertThat(listed("", handler.getString("handler_id")).getInteger("sessions")).isEqualTo(2);
    assertThat(http.get("/sessions/" + one + "/handlers/events").bodyAsJsonObject().getJsonArray("data")).isEmpty();
    HttpResponse<Buffer> removed = http.delete("/handlers/events/glob.*");
    assertThat(removed.statusCode()).as(removed.bodyAsString()).isEqualTo(200);
    assertThat(removed.bodyAsJsonObject().getJsonArray("handler_ids")).containsExactly(handler.getString("handler_id"));
  }

  @Test
  @DisplayName("unregistering removes every handler of the type and notes it; an unknown type is 404")
  void unregister() {
    String session = session();
    String base = "/sessions/" + session;
    receiver.script("/gone", SECRET, Answer.of(200, new JsonObject()));
    JsonObject a = register(base, "gone.*", "/gone");
    JsonObject b = register(base, "gone.*", "/gone");
    register(base, "kept", "/gone");
    HttpResponse<Buffer> removed = http.delete(base + "/handlers/events/gone.*");
    assertThat(removed.statusCode()).as(removed.bodyAsString()).isEqualTo(200);
    assertThat(removed.bodyAsJsonObject().getJsonArray("handler_ids"))
        .containsExactlyInAnyOrder(a.getString("handler_id"), b.getString("handler_id"));
    assertThat(http.get(base + "/handlers/events").bodyAsJsonObject().getJsonArray("data")).extracting(h -> ((JsonObject) h)
        .getString("event_type")).containsExactly("kept");
    assertThat(http.allEvents(session).stream().filter(e -> "handler.unregistered".equals(e.getString("event_type")))).hasSize(2);
    assertError(http.delete(base + "/handlers/events/gone.*"), 404, "NOT_FOUND");
  }

  @Test
  @DisplayName("deleting the session removes its event handlers, cursors and dead letters")
  void sessionDelete() {
    String session = session();
    String base = "/sessions/" + session;
    receiver.script("/deleted", SECRET, Answer.of(500, null));
    register(base, "del.*", "/deleted");
    publish(session, "del.one");
    awaitDeliveries("/deleted", 3);
    await().atMost(Duration.ofSeconds(10)).until(() -> http.get("/handlers/dead-letters?session_id=" + session)
        .bodyAsJsonObject().getJsonArray("data").size() == 1);

    assertThat(http.delete(base).statusCode()).isEqualTo(200);
    assertError(http.get(base + "/handlers/events"), 404, "SESSION_NOT_FOUND");
    assertThat(http.get("/handlers/dead-letters?session_id=" + session).bodyAsJsonObject().getJsonArray("data")).isEmpty();
    JsonObject bySession = new JsonObject().put("session_id", session);
    assertThat(HttpCalls.await(node.mongo().count(EventHandlerStore.CURSORS, bySession))).isZero();
    assertThat(HttpCalls.await(node.mongo().count(EventHandlerStore.HANDLERS, new JsonObject().put("_id", session)))).isZero();
  }

  @Test
  @DisplayName("bad registrations are 400 naming the field, or 422 for code, and register nothing")
  void badInput() {
    String session = session();
    String base = "/sessions/" + session + "/handlers/events";
    JsonObject good = new JsonObject().put("kind", "webhook").put("url", receiver.url("/bad"));
    assertThat(assertInvalid(http.post(base, new JsonObject().put("event_type", "a*b").put("handler", good)))).containsExactly("event_type");
    assertThat(assertInvalid(http.post(base, new JsonObject().put("event_type", "**").put("handler", good)))).containsExactly("event_type");
    assertThat(assertInvalid(http.post(base, new JsonObject().put("handler", good)))).containsExactly("event_type");
    assertThat(assertInvalid(http.post(base, new JsonObject().put("event_type", "x").put("handler", new JsonObject()
        .put("kind", "lambda"))))).contains("handler.kind");
    assertThat(assertInvalid(http.post(base, new JsonObject().put("event_type", "x").put("handler", new JsonObject()
        .put("kind", "webhook"))))).contains("handler.url");
    for (String url : List.of("http://10.0.0.1/hook", "http://169.254.169.254/latest", "not a url", "ftp://example.com/x")) {
      assertThat(assertInvalid(http.post(base, new JsonObject().put("event_type", "x").put("handler", new JsonObject()
          .put("kind", "webhook").put("url", url))))).containsExactly("handler.url");
    }
    assertThat(assertInvalid(http.post(base, new JsonObject().put("event_type", "x").put("handler", new JsonObject()
        .put("kind", "bus").put("address", "agentbus.session.delete"))))).contains("handler.address");
    assertError(http.post(base, new JsonObject().put("event_type", "x").put("code", "print(1)").put("handler", good)), 422, "UNSUPPORTED");
    assertError(http.post(base, new JsonObject().put("event_type", "a*b").put("handler", good.copy().put("function_code", "x"))),
        422, "UNSUPPORTED");
    assertError(http.post("/sessions/ses_unknown/handlers/events", new JsonObject().put("event_type", "x").put("handler", good)),
        404, "SESSION_NOT_FOUND");
    assertThat(http.get(base).bodyAsJsonObject().getJsonArray("data")).isEmpty();
    assertThat(http.allEvents(session).stream().filter(e -> "handler.registered".equals(e.getString("event_type")))).isEmpty();
    receiver.script("/bad", SECRET, Answer.of(200, new JsonObject()));
    HttpResponse<Buffer> all = http.post(base, new JsonObject().put("event_type", "*").put("handler", good.copy().put("secret", SECRET)));
    assertThat(all.statusCode()).as(all.bodyAsString()).isEqualTo(201);
    assertThat(http.get(base).bodyAsJsonObject().getJsonArray("data").getJsonObject(0).getJsonObject("handler")
        .containsKey("secret")).isFalse();
  }
}
