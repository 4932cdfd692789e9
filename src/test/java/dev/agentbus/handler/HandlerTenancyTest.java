package dev.agentbus.handler;

import static dev.agentbus.support.HttpCalls.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.Tenants;
import dev.agentbus.support.TestNode;
import dev.agentbus.support.WebhookReceiver;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
@DisplayName("Command and event handlers belong to a tenant")
class HandlerTenancyTest {
  static TestNode node;
  static WebhookReceiver receiver;
  static HttpCalls acme;
  static HttpCalls globex;
  static HttpCalls admin;

  @BeforeAll
  static void start() {
    node = TestNode.start(Tenants.config()
        .put("security", new JsonObject().put("allowed_hosts", new JsonArray().add("127.0.0.1")))
        .put("handlers", new JsonObject().put("retry_base_ms", 20).put("retry_max_ms", 100).put("max_attempts", 2)));
    receiver = new WebhookReceiver(node.vertx());
    node.vertx().eventBus().<JsonObject>consumer("test.handler.acme", m -> m.reply(new JsonObject().put("who", "acme")));
    node.vertx().eventBus().<JsonObject>consumer("test.handler.globex", m -> m.reply(new JsonObject().put("who", "globex")));
    acme = Tenants.as(node, "acme");
    globex = Tenants.as(node, "globex");
    admin = Tenants.admin(node);
  }

  @AfterAll
  static void stop() {
    if (receiver != null) {
      receiver.close();
    }
    if (node != null) {
      node.close();
    }
  }

  static JsonObject commandHandler(String type, String address) {
    return new JsonObject().put("command_type", type).put("handler", new JsonObject().put("kind", "bus").put("address", address));
  }

  static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

  static JsonObject eventHandler(String type, String path) {
    receiver.script(path, SECRET, WebhookReceiver.Answer.of(200, new JsonObject()));
    return new JsonObject().put("event_type", type).put("handler", new JsonObject().put("kind", "webhook")
        .put("url", receiver.url(path)).put("secret", SECRET));
  }

  static String session(HttpCalls caller) {
    return caller.createSession(new JsonObject()).getString("session_id");
  }

  static JsonObject run(HttpCalls caller, String session, String type) {
    HttpResponse<Buffer> done = caller.post("/sessions/" + session + "/commands?wait=10", new JsonObject().put("command_type", type));
    assertThat(done.statusCode()).as(done.bodyAsString()).isEqualTo(200);
    return done.bodyAsJsonObject();
  }

  static void publish(HttpCalls caller, String session, String type) {
    HttpResponse<Buffer> stored = caller.post("/sessions/" + session + "/events", new JsonObject().put("event_type", type)
        .put("data", new JsonObject().put("from", session)));
    assertThat(stored.statusCode()).as(stored.bodyAsString()).isEqualTo(201);
  }

  static List<String> listed(HttpCalls caller, String path, String field) {
    HttpResponse<Buffer> page = caller.get(path);
    assertThat(page.statusCode()).as(page.bodyAsString()).isEqualTo(200);
    return page.bodyAsJsonObject().getJsonArray("data").stream().map(h -> ((JsonObject) h).getString(field)).toList();
  }

  static List<String> sessionsDelivered(String path) {
    return receiver.deliveries(path).stream().map(d -> d.body().getString("session_id")).distinct().toList();
  }

  @Test
  @DisplayName("two tenants register a global command handler of the same type; each tenant's commands reach their own")
  void sameTypeGlobalCommandHandlerPerTenant() {
    HttpResponse<Buffer> acmeHandler = acme.post("/handlers/commands", commandHandler("tenant.probe", "test.handler.acme"));
    assertThat(acmeHandler.statusCode()).as(acmeHandler.bodyAsString()).isEqualTo(201);
    HttpResponse<Buffer> globexHandler = globex.post("/handlers/commands", commandHandler("tenant.probe", "test.handler.globex"));
    assertThat(globexHandler.statusCode()).as(globexHandler.bodyAsString()).isEqualTo(201);

    assertThat(run(acme, session(acme), "tenant.probe").getJsonObject("result")).isEqualTo(new JsonObject().put("who", "acme"));
    assertThat(run(globex, session(globex), "tenant.probe").getJsonObject("result")).isEqualTo(new JsonObject().put("who", "globex"));
    assertThat(listed(acme, "/handlers/commands", "tenant_id")).containsOnly("acme");
    assertThat(listed(admin, "/handlers/commands?tenant_id=globex", "tenant_id")).containsOnly("globex");
    assertThat(listed(admin, "/handlers/commands", "tenant_id")).contains("acme", "globex");
  }

  @Test
  @DisplayName("another tenant cannot register, list or remove handlers in a tenant's session, nor remove its global ones: 404")
  void anotherTenantsHandlersAreNotFound() {
    String acmeSession = session(acme);
    assertThat(acme.post("/sessions/" + acmeSession + "/handlers/commands", commandHandler("mine.only", "test.handler.acme"))
        .statusCode()).isEqualTo(201);
    assertThat(acme.post("/handlers/commands", commandHandler("acme.global", "test.handler.acme")).statusCode()).isEqualTo(201);
    assertThat(acme.post("/handlers/events", eventHandler("acme.global", "/acme-global")).statusCode()).isEqualTo(201);

    assertError(globex.post("/sessions/" + acmeSession + "/handlers/commands", commandHandler("planted", "test.handler.globex")),
        404, "SESSION_NOT_FOUND");
    assertError(globex.post("/sessions/" + acmeSession + "/handlers/events", eventHandler("*", "/planted")), 404, "SESSION_NOT_FOUND");
    assertError(globex.get("/sessions/" + acmeSession + "/handlers/commands"), 404, "SESSION_NOT_FOUND");
    assertError(globex.get("/sessions/" + acmeSession + "/handlers/events"), 404, "SESSION_NOT_FOUND");
    assertError(globex.delete("/sessions/" + acmeSession + "/handlers/commands/mine.only"), 404, "SESSION_NOT_FOUND");
    assertError(globex.delete("/handlers/commands/acme.global"), 404, "NOT_FOUND");
    assertError(globex.delete("/handlers/events/acme.global"), 404, "NOT_FOUND");
    assertError(globex.delete("/handlers/events/acme.global?tenant_id=acme"), 404, "NOT_FOUND");
    assertError(globex.delete("/handlers/commands/acme.global?tenant_id=acme"), 404, "NOT_FOUND");
    assertError(globex.post("/sessions/" + session(globex) + "/commands", new JsonObject().put("command_type", "acme.global")),
        422, "HANDLER_NOT_FOUND");

    assertThat(listed(acme, "/sessions/" + acmeSession + "/handlers/commands", "command_type")).containsExactly("mine.only");
    assertThat(listed(acme, "/handlers/commands", "command_type")).contains("acme.global");
    assertThat(listed(acme, "/handlers/events", "event_type")).contains("acme.global");
    assertThat(listed(globex, "/handlers/events", "event_type")).doesNotContain("acme.global");
    assertThat(listed(admin, "/handlers/events", "event_type")).contains("acme.global");
    assertThat(listed(admin, "/handlers/events?tenant_id=globex", "event_type")).doesNotContain("acme.global");
  }

  @Test
  @DisplayName("a tenant's global event handler gets the events of its tenant's sessions and never another tenant's")
  void globalEventHandlerSeesOnlyItsTenant() {
    assertThat(acme.post("/handlers/events", eventHandler("tenant.ping", "/acme")).statusCode()).isEqualTo(201);
    assertThat(globex.post("/handlers/events", eventHandler("tenant.ping", "/globex")).statusCode()).isEqualTo(201);
    String acmeSession = session(acme);
    String globexSession = session(globex);

    publish(acme, acmeSession, "tenant.ping");
    publish(globex, globexSession, "tenant.ping");
    publish(acme, acmeSession, "tenant.ping");

    long deadline = System.currentTimeMillis() + 15_000;
    while (receiver.deliveries("/acme").size() < 2 || receiver.deliveries("/globex").isEmpty()) {
      assertThat(System.currentTimeMillis()).as("deliveries to both tenants' handlers").isLessThan(deadline);
      HttpCalls.await(io.vertx.core.Future.future(p -> node.vertx().setTimer(20, t -> p.complete())));
    }
    assertThat(receiver.deliveries("/globex")).as("globex's handler got globex's event").hasSize(1);
    assertThat(receiver.deliveries("/acme")).as("acme's handler got acme's events").hasSize(2);
    assertThat(sessionsDelivered("/acme")).containsExactly(acmeSession);
    assertThat(sessionsDelivered("/globex")).containsExactly(globexSession);
  }

  static List<String> deadLetters(HttpCalls caller, String query) {
    return listed(caller, "/handlers/dead-letters" + query, "dead_letter_id");
  }

  @Test
  @DisplayName("a tenant's dead letters are listed for it and the admin only; another tenant neither lists nor retries them (404)")
  void deadLettersBelongToTheirTenant() {
    String acmeSession = session(acme);
    assertThat(acme.post("/sessions/" + acmeSession + "/handlers/events", eventHandler("doomed.*", "/doomed")).statusCode())
        .isEqualTo(201);
    receiver.script("/doomed", SECRET, WebhookReceiver.Answer.of(400, null));
    publish(acme, acmeSession, "doomed.one");

    long deadline = System.currentTimeMillis() + 15_000;
    while (deadLetters(acme, "?session_id=" + acmeSession).isEmpty()) {
      assertThat(System.currentTimeMillis()).as("acme's dead letter").isLessThan(deadline);
      HttpCalls.await(io.vertx.core.Future.future(p -> node.vertx().setTimer(20, t -> p.complete())));
    }
    String letter = deadLetters(acme, "?session_id=" + acmeSession).get(0);

    assertThat(deadLetters(globex, "")).doesNotContain(letter);
    assertThat(deadLetters(globex, "?session_id=" + acmeSession)).isEmpty();
    assertError(globex.post("/handlers/dead-letters/" + letter + "/retry", new JsonObject()), 404, "NOT_FOUND");
    assertThat(deadLetters(admin, "")).contains(letter);
    assertThat(deadLetters(admin, "?tenant_id=globex")).doesNotContain(letter);
    assertThat(listed(admin, "/handlers/dead-letters?tenant_id=acme", "tenant_id")).containsOnly("acme");
    assertThat(acme.post("/handlers/dead-letters/" + letter + "/retry", new JsonObject()).statusCode()).isEqualTo(200);
  }
}
