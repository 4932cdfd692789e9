package dev.agentbus.handler;

import static dev.agentbus.support.HttpCalls.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.TestNode;
import dev.agentbus.support.WebhookReceiver;
import dev.agentbus.support.WebhookReceiver.Answer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Webhook command handlers against a real receiver that checks signatures with its own code. */
class WebhookHandlerTest {
  static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  static TestNode node;
  static HttpCalls http;
  static WebhookReceiver receiver;

  @BeforeAll
  static void start() {
    node = TestNode.start(new JsonObject()
        .put("security", new JsonObject().put("allowed_hosts", new JsonArray().add("127.0.0.1")))
        .put("handlers", new JsonObject().put("retry_base_ms", 50).put("timeout_ms", 2000)));
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

  static JsonObject register(String session, String type, String path, JsonObject extra) {
    JsonObject handler = new JsonObject().put("kind", "webhook").put("url", receiver.url(path)).put("secret", SECRET);
    HttpResponse<Buffer> created = http.post("/sessions/" + session + "/handlers/commands",
        new JsonObject().put("command_type", type).put("handler", handler).mergeIn(extra));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    return created.bodyAsJsonObject();
  }

  static String submit(String session, String type, int timeoutSeconds) {
    HttpResponse<Buffer> accepted = http.post("/sessions/" + session + "/commands", new JsonObject().put("command_type", type)
        .put("parameters", new JsonObject().put("sku", "A1"))
        .put("metadata", new JsonObject().put("timeout", timeoutSeconds)));
    assertThat(accepted.statusCode()).as(accepted.bodyAsString()).isEqualTo(202);
    return accepted.bodyAsJsonObject().getString("command_id");
  }

  static JsonObject awaitFinal(String session, String command) {
    long deadline = System.currentTimeMillis() + 20_000;
    while (true) {
      JsonObject state = http.get("/sessions/" + session + "/commands/" + command + "?wait=5").bodyAsJsonObject();
      if (List.of("completed", "failed", "cancelled", "timed_out").contains(state.getString("status"))
          || System.currentTimeMillis() > deadline) {
        return state;
      }
    }
  }

  static void awaitDeliveries(String path, int count) {
    long deadline = System.currentTimeMillis() + 10_000;
    while (receiver.deliveries(path).size() < count) {
      assertThat(System.currentTimeMillis()).as("deliveries to %s", path).isLessThan(deadline);
      HttpCalls.await(io.vertx.core.Future.future(p -> node.vertx().setTimer(20, t -> p.complete())));
    }
  }

  @Test
  @DisplayName("a 200 {result} completes the command; the signed delivery carries the command, its deadline and a callback")
  void syncResult() {
    String session = session();
    receiver.script("/sync", SECRET, Answer.of(200, new JsonObject().put("result", new JsonObject().put("reserved", true))));
    register(session, "shop.reserve", "/sync", new JsonObject());
    String command = submit(session, "shop.reserve", 30);
    JsonObject done = awaitFinal(session, command);
    assertThat(done.getString("status")).as(done.encode()).isEqualTo("completed");
    assertThat(done.getJsonObject("result")).isEqualTo(new JsonObject().put("reserved", true));
    WebhookReceiver.Delivery delivery = receiver.deliveries("/sync").get(0);
    assertThat(delivery.webhookId()).isEqualTo(command);
    JsonObject body = delivery.body();
    assertThat(body.getString("command_id")).isEqualTo(command);
    assertThat(body.getString("session_id")).isEqualTo(session);
    assertThat(body.getString("command_type")).isEqualTo("shop.reserve");
    assertThat(body.getJsonObject("parameters")).isEqualTo(new JsonObject().put("sku", "A1"));
    assertThat(body.getJsonObject("metadata").getInteger("timeout")).isEqualTo(30);
    assertThat(Instant.parse(body.getString("deadline"))).isAfter(Instant.now());
    assertThat(body.getJsonObject("callback").getString("url"))
        .isEqualTo("http://127.0.0.1:" + node.port() + "/api/v1/sessions/" + session + "/commands/" + command + "/result");
    assertThat(body.getJsonObject("callback").getString("token")).isNotBlank();
    assertThat(receiver.badSignatures.get()).isZero();
    List<String> types = http.allEvents(session).stream().map(e -> e.getString("event_type")).toList();
    assertThat(types).containsSubsequence("handler.registered", "command.accepted", "command.started", "command.completed");
  }

  @Test
  @DisplayName("a 200 {error} fails the command with the handler's own code and message")
  void syncError() {
    String session = session();
    receiver.script("/error", SECRET, Answer.of(200, new JsonObject().put("error",
        new JsonObject().put("code", "OUT_OF_STOCK").put("message", "No A1 left"))));
    register(session, "shop.reserve", "/error", new JsonObject());
    JsonObject done = awaitFinal(session, submit(session, "shop.reserve", 30));
    assertThat(done.getString("status")).isEqualTo("failed");
    assertThat(done.getJsonObject("error").getString("code")).isEqualTo("OUT_OF_STOCK");
    assertThat(done.getJsonObject("error").getString("message")).isEqualTo("No A1 left");
  }

  @Test
  @DisplayName("a generated secret signs deliveries the receiver can verify")
  void generatedSecret() {
    String session = session();
    HttpResponse<Buffer> created = http.post("/sessions/" + session + "/handlers/commands", new JsonObject()
        .put("command_type", "gen.secret").put("handler", new JsonObject().put("kind", "webhook").put("url", receiver.url("/gen"))));
    assertThat(created.statusCode()).isEqualTo(201);
    String secret = created.bodyAsJsonObject().getJsonObject("handler").getString("secret");
    assertThat(secret).startsWith("whsec_");
    receiver.script("/gen", secret, Answer.of(200, new JsonObject().put("result", new JsonObject().put("ok", 1))));
    assertThat(awaitFinal(session, submit(session, "gen.secret", 30)).getString("status")).isEqualTo("completed");
    assertThat(receiver.badSignatures.get()).isZero();
  }

  @Test
  @DisplayName("a 202 waits for the callback: a wrong token is 401, the right one completes the command, a second answer is 409")
  void asyncCallback() {
    String session = session();
    receiver.script("/async", SECRET, Answer.of(202, null));
    register(session, "shop.ship", "/async", new JsonObject());
    String command = submit(session, "shop.ship", 30);
    awaitDeliveries("/async", 1);
    JsonObject callback = receiver.deliveries("/async").get(0).body().getJsonObject("callback");
    String path = "/sessions/" + session + "/commands/" + command + "/result";
    JsonObject answer = new JsonObject().put("result", new JsonObject().put("tracking", "T-1"));

    assertError(http.post(path, answer), 401, "UNAUTHENTICATED");
    assertError(http.request(HttpMethod.POST, path).putHeader("Authorization", "Bearer " + callback.getString("token") + "x")
        .sendJsonObject(answer).await(), 401, "UNAUTHENTICATED");
    // Still running: within commands.event_hold_ms its pending → executing write lands.
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() ->
        "executing".equals(http.get("/sessions/" + session + "/commands/" + command).bodyAsJsonObject().getString("status")));

    HttpResponse<Buffer> accepted = http.request(HttpMethod.POST, path)
        .putHeader("Authorization", "Bearer " + callback.getString("token")).sendJsonObject(answer).await();
    assertThat(accepted.statusCode()).as(accepted.bodyAsString()).isEqualTo(200);
    JsonObject done = awaitFinal(session, command);
    assertThat(done.getString("status")).as(done.encode()).isEqualTo("completed");
    assertThat(done.getJsonObject("result")).isEqualTo(new JsonObject().put("tracking", "T-1"));

    assertError(http.request(HttpMethod.POST, path).putHeader("Authorization", "Bearer " + callback.getString("token"))
        .sendJsonObject(answer).await(), 409, "CONFLICT");
  }

  @Test
  @DisplayName("an async handler publishes progress events under its command with the callback token; without it 401, once final 409")
  void progressEvents() {
    String session = session();
    receiver.script("/progress", SECRET, Answer.of(202, null));
    register(session, "shop.pack", "/progress", new JsonObject());
    String command = submit(session, "shop.pack", 30);
    awaitDeliveries("/progress", 1);
    String token = receiver.deliveries("/progress").get(0).body().getJsonObject("callback").getString("token");
    String events = "/sessions/" + session + "/events";
    JsonObject progress = new JsonObject().put("event_type", "shop.progress").put("command_id", command)
        .put("data", new JsonObject().put("percent", 50));

    assertError(http.post(events, progress), 401, "UNAUTHENTICATED");
    assertError(http.request(HttpMethod.POST, events).putHeader("Authorization", "Bearer " + token)
        .sendJsonObject(progress.copy().put("event_type", "command.progress")).await(), 400, "VALIDATION_ERROR");
    HttpResponse<Buffer> stored = http.request(HttpMethod.POST, events).putHeader("Authorization", "Bearer " + token)
        .sendJsonObject(progress).await();

    assertThat(stored.statusCode()).as(stored.bodyAsString()).isEqualTo(201);
    assertThat(stored.bodyAsJsonObject().getString("command_id")).isEqualTo(command);
    assertThat(stored.bodyAsJsonObject().getString("source")).isEqualTo("handler");
    JsonArray listed = http.get(events + "?event_type=shop.progress").bodyAsJsonObject().getJsonArray("data");
    assertThat(listed).hasSize(1);
    assertThat(listed.getJsonObject(0).getJsonObject("data").getInteger("percent")).isEqualTo(50);
    // A client event never claims a command without the token, and a plain one carries none.
    HttpResponse<Buffer> plain = http.post(events, new JsonObject().put("event_type", "shop.note"));
    assertThat(plain.bodyAsJsonObject().getString("command_id")).isNull();
    assertThat(plain.bodyAsJsonObject().getString("source")).isEqualTo("client");

    HttpResponse<Buffer> answered = http.request(HttpMethod.POST, "/sessions/" + session + "/commands/" + command + "/result")
        .putHeader("Authorization", "Bearer " + token).sendJsonObject(new JsonObject().put("result", new JsonObject())).await();
    assertThat(answered.statusCode()).as(answered.bodyAsString()).isEqualTo(200);
    assertThat(awaitFinal(session, command).getString("status")).isEqualTo("completed");
    assertError(http.request(HttpMethod.POST, events).putHeader("Authorization", "Bearer " + token)
        .sendJsonObject(progress).await(), 409, "CONFLICT");
  }

  @Test
  @DisplayName("a result posted after the command was cancelled is refused with 409")
  void lateResultAfterCancel() {
    String session = session();
    receiver.script("/cancel", SECRET, Answer.of(202, null));
    register(session, "shop.slow", "/cancel", new JsonObject());
    String command = submit(session, "shop.slow", 30);
    awaitDeliveries("/cancel", 1);
    String token = receiver.deliveries("/cancel").get(0).body().getJsonObject("callback").getString("token");
    assertThat(http.post("/sessions/" + session + "/commands/" + command + "/cancel", new JsonObject())
        .bodyAsJsonObject().getString("status")).isEqualTo("cancelled");
    HttpResponse<Buffer> late = http.request(HttpMethod.POST, "/sessions/" + session + "/commands/" + command + "/result")
        .putHeader("Authorization", "Bearer " + token)
        .sendJsonObject(new JsonObject().put("result", new JsonObject())).await();
    assertError(late, 409, "CONFLICT");
    assertThat(awaitFinal(session, command).getString("status")).isEqualTo("cancelled");
  }

  @Test
  @DisplayName("a 4xx fails the command with HANDLER_FAILED and is not retried")
  void clientErrorNotRetried() {
    String session = session();
    receiver.script("/gone", SECRET, Answer.of(404, null));
    register(session, "shop.gone", "/gone", new JsonObject());
    JsonObject done = awaitFinal(session, submit(session, "shop.gone", 30));
    assertThat(done.getString("status")).isEqualTo("failed");
    assertThat(done.getJsonObject("error").getString("code")).isEqualTo("HANDLER_FAILED");
    assertThat(receiver.deliveries("/gone")).hasSize(1);
  }

  @Test
  @DisplayName("5xx and 429 are retried with the same webhook-id until a success")
  void serverErrorThenSuccess() {
    String session = session();
    receiver.script("/flaky", SECRET, Answer.of(503, null), Answer.of(429, null),
        Answer.of(200, new JsonObject().put("result", new JsonObject().put("third", true))));
    register(session, "shop.flaky", "/flaky", new JsonObject());
    String command = submit(session, "shop.flaky", 30);
    JsonObject done = awaitFinal(session, command);
    assertThat(done.getString("status")).as(done.encode()).isEqualTo("completed");
    assertThat(done.getJsonObject("result")).isEqualTo(new JsonObject().put("third", true));
    assertThat(receiver.deliveries("/flaky")).hasSize(3).allSatisfy(d -> assertThat(d.webhookId()).isEqualTo(command));
  }

  @Test
  @DisplayName("a redirect is not followed and a response body over 1 MiB is a failure; neither is retried")
  void redirectAndOversizedBody() {
    String session = session();
    receiver.script("/redirect", SECRET, Answer.of(302, null));
    register(session, "shop.redirect", "/redirect", new JsonObject());
    JsonObject redirected = awaitFinal(session, submit(session, "shop.redirect", 30));
    assertThat(redirected.getString("status")).isEqualTo("failed");
    assertThat(redirected.getJsonObject("error").getString("code")).isEqualTo("HANDLER_FAILED");
    assertThat(receiver.deliveries("/redirect")).hasSize(1);

    receiver.script("/huge", SECRET, Answer.of(200, new JsonObject().put("result", "x".repeat(1_100_000))));
    register(session, "shop.huge", "/huge", new JsonObject());
    JsonObject huge = awaitFinal(session, submit(session, "shop.huge", 30));
    assertThat(huge.getString("status")).isEqualTo("failed");
    assertThat(huge.getJsonObject("error").getString("code")).isEqualTo("HANDLER_FAILED");
    assertThat(huge.getJsonObject("error").getString("message")).contains("larger than");
    assertThat(receiver.deliveries("/huge")).hasSize(1);
  }

  @Test
  @DisplayName("a webhook that never answers is retried after each attempt's timeout until the deadline, then the command is timed_out")
  void timeoutUntilDeadline() {
    String session = session();
    receiver.script("/silent", SECRET, Answer.silent());
    register(session, "shop.silent", "/silent", new JsonObject().put("timeout_ms", 300));
    long started = System.currentTimeMillis();
    JsonObject done = awaitFinal(session, submit(session, "shop.silent", 2));
    assertThat(done.getString("status")).isEqualTo("timed_out");
    assertThat(System.currentTimeMillis() - started).isGreaterThanOrEqualTo(1_900);
    assertThat(receiver.deliveries("/silent").size()).isGreaterThanOrEqualTo(2);
    assertThat(receiver.deliveries("/silent")).allSatisfy(d -> assertThat(d.webhookId()).isEqualTo(done.getString("command_id")));
  }
}
