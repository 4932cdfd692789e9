package dev.agentbus.log;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.status.Status;
import dev.agentbus.support.HttpCalls;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import net.logstash.logback.encoder.LogstashEncoder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The work's ids follow it through asynchronous hops on its own context, and only there. */
@DisplayName("Log ids across asynchronous hops")
class LogContextTest {
  static Vertx vertx;
  static final LoggerContext LOGBACK = (LoggerContext) org.slf4j.LoggerFactory.getILoggerFactory();

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
  }

  private static LoggingEvent event(String message) {
    return new LoggingEvent(LogContextTest.class.getName(), LOGBACK.getLogger("test.logger"), Level.INFO, message, null, null);
  }

  @Test
  @DisplayName("ids bound when work arrives are on records logged in its timer and future callbacks, and not on another request's")
  void idsFollowTheWork() {
    ContextInternal base = (ContextInternal) vertx.getOrCreateContext();
    ContextInternal first = base.duplicate();
    ContextInternal second = base.duplicate();
    Promise<JsonObject> later = Promise.promise();
    Promise<JsonObject> elsewhere = Promise.promise();
    first.runOnContext(v -> {
      LogContext.bind(new LogIds("req_1", "4bf92f3577b34da6a3ce929d0e0e4736", null, null, "acme"));
      vertx.setTimer(5, t -> Future.succeededFuture().onComplete(done -> {
        LogContext.bind(new LogIds(null, null, "ses_1", "cmd_1", null));
        later.complete(LogRecords.of(event("after two hops"), "node-a"));
      }));
    });
    second.runOnContext(v -> elsewhere.complete(LogRecords.of(event("another request"), "node-a")));
    base.runOnContext(v -> LogContext.bind(new LogIds("req_leak", null, null, null, null)));

    JsonObject record = HttpCalls.await(later.future());
    assertThat(record.getString("request_id")).isEqualTo("req_1");
    assertThat(record.getString("trace_id")).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
    assertThat(record.getString("session_id")).isEqualTo("ses_1");
    assertThat(record.getString("command_id")).isEqualTo("cmd_1");
    assertThat(record.getString("tenant_id")).isEqualTo("acme");
    assertThat(record.getString("node_id")).isEqualTo("node-a");
    assertThat(record.getString("message")).isEqualTo("after two hops");
    JsonObject other = HttpCalls.await(elsewhere.future());
    assertThat(other.getString("request_id")).isNull();
    assertThat(HttpCalls.await(vertx.getOrCreateContext().owner().executeBlocking(LogContext::current)))
        .as("nothing is bound on a shared context").isEqualTo(LogIds.NONE);
  }

  @Test
  @DisplayName("a bus message's ids come from its headers and its body, a command carried whole included")
  void idsOfABusMessage() {
    io.vertx.core.MultiMap headers = io.vertx.core.MultiMap.caseInsensitiveMultiMap()
        .add(dev.agentbus.bus.Headers.REQUEST_ID, "req_bus")
        .add(dev.agentbus.bus.Headers.TRACEPARENT, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
        .add(dev.agentbus.bus.Headers.PRINCIPAL, new dev.agentbus.auth.Principal("key", "key_1", "acme",
            java.util.Set.of("sessions:read"), "default", null).toJson().encode());
    LogIds ids = LogIds.of(headers, new JsonObject().put("command", new JsonObject().put("command_id", "cmd_x").put("session_id", "ses_x")));
    assertThat(ids).isEqualTo(new LogIds("req_bus", "4bf92f3577b34da6a3ce929d0e0e4736", "ses_x", "cmd_x", "acme"));
    assertThat(LogIds.of(headers.set(dev.agentbus.bus.Headers.PRINCIPAL, "not json"), new JsonObject().put("session_id", 7)))
        .isEqualTo(new LogIds("req_bus", "4bf92f3577b34da6a3ce929d0e0e4736", null, null, null));
  }

  @Test
  @DisplayName("a record's own key-value pairs win over the context's ids, and other pairs go to fields")
  void explicitPairsWin() {
    ContextInternal work = ((ContextInternal) vertx.getOrCreateContext()).duplicate();
    Promise<JsonObject> logged = Promise.promise();
    work.runOnContext(v -> {
      LogContext.bind(new LogIds("req_ctx", null, "ses_ctx", null, null));
      LoggingEvent event = event("explicit");
      event.addKeyValuePair(new org.slf4j.event.KeyValuePair("session_id", "ses_explicit"));
      event.addKeyValuePair(new org.slf4j.event.KeyValuePair("status", 201));
      logged.complete(LogRecords.of(event, "node-b"));
    });
    JsonObject record = HttpCalls.await(logged.future());
    assertThat(record.getString("session_id")).isEqualTo("ses_explicit");
    assertThat(record.getString("request_id")).isEqualTo("req_ctx");
    assertThat(record.getJsonObject("fields").getInteger("status")).isEqualTo(201);
  }

  @Test
  @DisplayName("the production logback.xml loads cleanly and its JSON lines carry the work's ids")
  void jsonLinesCarryTheIds() throws Exception {
    LoggerContext production = new LoggerContext();
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(production);
    configurator.doConfigure(LogContextTest.class.getResource("/logback.xml"));
    assertThat(production.getStatusManager().getCopyOfStatusList()).extracting(Status::getLevel)
        .as("%s", production.getStatusManager().getCopyOfStatusList()).allMatch(level -> level < Status.WARN);
    production.stop();

    LogstashEncoder encoder = new LogstashEncoder();
    encoder.setContext(LOGBACK);
    encoder.addProvider(new LogIdsJsonProvider());
    encoder.start();
    ContextInternal work = ((ContextInternal) vertx.getOrCreateContext()).duplicate();
    Promise<String> line = Promise.promise();
    work.runOnContext(v -> {
      LogContext.bind(new LogIds("req_json", null, "ses_json", null, null));
      line.complete(new String(encoder.encode(event("as json")), StandardCharsets.UTF_8));
    });
    JsonObject json = new JsonObject(HttpCalls.await(line.future()).trim());
    assertThat(json.getString("message")).isEqualTo("as json");
    assertThat(json.getString("request_id")).isEqualTo("req_json");
    assertThat(json.getString("session_id")).isEqualTo("ses_json");
    assertThat(json.getString("level")).isEqualTo("INFO");
  }
}
