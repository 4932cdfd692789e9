package dev.agentbus.log;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import dev.agentbus.store.EmbeddedStore;
import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.Tenants;
import dev.agentbus.support.TestCluster;
import dev.agentbus.support.TestNode;
import dev.agentbus.util.Nodes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Two clustered nodes (one JVM, one logback) sharing one store: each node's records, read from either node. */
@DisplayName("Structured logs across two nodes")
class LogsClusterTest {
  static EmbeddedStore store;
  static Vertx memberA;
  static Vertx memberB;
  static TestNode nodeA;
  static TestNode nodeB;
  static Level accessLevel;
  static Level commandLevel;

  @BeforeAll
  static void startCluster() {
    // The test configuration quiets the access log and the command log; these tests read them.
    accessLevel = logger("agentbus.http").getLevel();
    commandLevel = logger("dev.agentbus.command.CommandVerticle").getLevel();
    logger("agentbus.http").setLevel(Level.INFO);
    logger("dev.agentbus.command.CommandVerticle").setLevel(Level.INFO);
    store = EmbeddedStore.start("memory", null, "127.0.0.1", 0);
    TestCluster cluster = new TestCluster();
    memberA = cluster.member();
    memberB = cluster.member();
    JsonObject shared = Tenants.config().put("mongodb", new JsonObject().put("uri", store.uri()))
        .put("logs", new JsonObject().put("flush_ms", 50));
    nodeA = TestNode.start(memberA, false, shared.copy());
    nodeB = TestNode.start(memberB, false, shared.copy());
  }

  @AfterAll
  static void stopCluster() {
    nodeA.close();
    nodeB.close();
    Future.join(memberA.close(), memberB.close()).await();
    store.close();
    logger("agentbus.http").setLevel(accessLevel);
    logger("dev.agentbus.command.CommandVerticle").setLevel(commandLevel);
  }

  private static Logger logger(String name) {
    return (Logger) LoggerFactory.getLogger(name);
  }

  /** The records {@code query} lists on {@code node}, once {@code until} holds for them (polled, 20 s at most). */
  private static List<JsonObject> records(HttpCalls calls, String query, java.util.function.Predicate<List<JsonObject>> until) {
    return Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
      HttpResponse<Buffer> page = calls.get("/observability/logs?" + query);
      assertThat(page.statusCode()).as(page.bodyAsString()).isEqualTo(200);
      return page.bodyAsJsonObject().getJsonArray("data").stream().map(JsonObject.class::cast).toList();
    }, until::test);
  }

  @Test
  @DisplayName("the records of a request served by node A are read from node B by its request id, tagged with node A's id and the request's trace id")
  void requestLogsReadFromTheOtherNode() {
    HttpResponse<Buffer> created = Tenants.admin(nodeA).post("/sessions", new JsonObject().put("name", "logged"));
    assertThat(created.statusCode()).isEqualTo(201);
    String requestId = created.getHeader("X-Request-ID");
    String traceId = created.getHeader("traceparent").split("-")[1];

    List<JsonObject> found = records(Tenants.admin(nodeB), "request_id=" + requestId,
        list -> list.stream().anyMatch(r -> "agentbus.http".equals(r.getString("logger"))));
    JsonObject access = found.stream().filter(r -> "agentbus.http".equals(r.getString("logger"))).findFirst().orElseThrow();
    assertThat(access.getString("message")).contains("POST /api/v1/sessions 201");
    assertThat(access.getString("node_id")).isEqualTo(Nodes.self(memberA)).isNotEqualTo(Nodes.self(memberB));
    assertThat(access.getString("request_id")).isEqualTo(requestId);
    assertThat(access.getString("trace_id")).isEqualTo(traceId);
    assertThat(access.getString("level")).isEqualTo("INFO");
    assertThat(access.getString("timestamp")).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
    assertThat(access.getJsonObject("fields").getInteger("status")).isEqualTo(201);
    assertThat(access.getJsonObject("fields").getString("path")).isEqualTo("/api/v1/sessions");
    assertThat(found).allSatisfy(r -> assertThat(r.getString("request_id")).isEqualTo(requestId));
  }

  @Test
  @DisplayName("a command's records carry its session_id and command_id, and are found by either")
  void commandRecordsCarryTheirIds() {
    HttpCalls tenant = Tenants.as(nodeA, "acme");
    String session = tenant.createSession(new JsonObject()).getString("session_id");
    HttpResponse<Buffer> echo = tenant.post("/sessions/" + session + "/commands?wait=10",
        new JsonObject().put("command_type", "echo").put("parameters", new JsonObject().put("a", 1)));
    assertThat(echo.statusCode()).as(echo.bodyAsString()).isIn(200, 201, 202);
    String command = echo.bodyAsJsonObject().getString("command_id");

    List<JsonObject> byCommand = records(tenant, "command_id=" + command,
        list -> list.stream().anyMatch(r -> r.getString("logger").endsWith("CommandVerticle")));
    JsonObject concluded = byCommand.stream().filter(r -> r.getString("logger").endsWith("CommandVerticle")).findFirst().orElseThrow();
    assertThat(concluded.getString("message")).contains(command).contains("completed");
    assertThat(concluded.getString("session_id")).isEqualTo(session);
    assertThat(concluded.getString("tenant_id")).isEqualTo("acme");
    assertThat(byCommand).allSatisfy(r -> assertThat(r.getString("command_id")).isEqualTo(command));

    List<JsonObject> bySession = records(Tenants.admin(nodeB), "session_id=" + session,
        list -> list.stream().anyMatch(r -> command.equals(r.getString("command_id"))));
    assertThat(bySession).allSatisfy(r -> assertThat(r.getString("session_id")).isEqualTo(session));
    assertThat(bySession).as("the access log of the submit names the session too")
        .anyMatch(r -> "agentbus.http".equals(r.getString("logger")) && r.getString("message").contains("/commands"));
  }

  @Test
  @DisplayName("a POSTed record is stored with the caller's ids and read back from the other node; a tenant sees only its own records")
  void postedRecordAndTenancy() {
    HttpCalls acme = Tenants.as(nodeA, "acme-logs");
    HttpCalls other = Tenants.as(nodeB, "other-logs");
    HttpResponse<Buffer> posted = acme.post("/observability/logs", new JsonObject().put("level", "warn")
        .put("message", "checkout retried").put("metadata", new JsonObject().put("session_id", "ses_client").put("attempt", 2)));
    assertThat(posted.statusCode()).as(posted.bodyAsString()).isEqualTo(201);
    JsonObject record = posted.bodyAsJsonObject();
    assertThat(record.getString("level")).isEqualTo("WARN");
    assertThat(record.getString("node_id")).isEqualTo(Nodes.self(memberA));
    assertThat(record.getString("request_id")).isEqualTo(posted.getHeader("X-Request-ID"));
    assertThat(record.getString("session_id")).isEqualTo("ses_client");
    assertThat(record.getString("tenant_id")).isEqualTo("acme-logs");
    assertThat(record.getJsonObject("fields").getInteger("attempt")).isEqualTo(2);

    List<JsonObject> read = records(Tenants.admin(nodeB), "session_id=ses_client&level=WARN", list -> !list.isEmpty());
    assertThat(read).extracting(r -> r.getString("log_id")).contains(record.getString("log_id"));
    assertThat(other.get("/observability/logs?session_id=ses_client").bodyAsJsonObject().getJsonArray("data")).isEmpty();
    assertThat(other.get("/observability/logs?limit=500").bodyAsJsonObject().getJsonArray("data").stream()
        .map(JsonObject.class::cast)).allSatisfy(r -> assertThat(r.getString("tenant_id")).isEqualTo("other-logs"));
  }

  @Test
  @DisplayName("a bad POST is refused with the error envelope naming every bad field; a bad query too")
  void validation() {
    HttpCalls admin = Tenants.admin(nodeA);
    List<String> fields = HttpCalls.assertInvalid(admin.post("/observability/logs",
        new JsonObject().put("level", "LOUD").put("metadata", "x").put("extra", 1)));
    assertThat(fields).contains("level", "message", "metadata", "extra");
    List<String> query = HttpCalls.assertInvalid(admin.get("/observability/logs?level=nope&since=yesterday&limit=0&color=red"));
    assertThat(query).contains("level", "since", "limit", "color");
  }
}
