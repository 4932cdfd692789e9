package dev.agentbus.command;

import static dev.agentbus.support.HttpCalls.assertError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.config.AppConfig;
import dev.agentbus.config.Settings;
import dev.agentbus.limit.InflightRuns;
import dev.agentbus.support.GatedHandler;
import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.Tenants;
import dev.agentbus.support.TestNode;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
@DisplayName("A principal has at most limits.max_inflight_runs unfinished commands")
class CommandInflightCapTest {
  static TestNode node;

  @BeforeAll
  static void start() {
    node = TestNode.start(Tenants.config().put("limits", new JsonObject().put("max_inflight_runs", 2)));
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
  }

  private static String submitted(HttpCalls caller, String sessionId) {
    HttpResponse<Buffer> response = caller.post("/sessions/" + sessionId + "/commands", CommandClient.command("gated", new JsonObject()));
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(202);
    return response.bodyAsJsonObject().getString("command_id");
  }

  private static String status(HttpCalls caller, String sessionId, String commandId) {
    return caller.get("/sessions/" + sessionId + "/commands/" + commandId).bodyAsJsonObject().getString("status");
  }

  @Test
  @DisplayName("the third unfinished command is 429 with Retry-After; once one finishes or is cancelled a submit is admitted; another principal is unaffected")
  void capsUnfinishedCommandsPerPrincipal() {
    HttpCalls first = Tenants.as(node, "acme");
    HttpCalls second = Tenants.as(node, "acme");
    String session = first.createSession(new JsonObject()).getString("session_id");
    GatedHandler gated = GatedHandler.register(node.vertx(), session, "gated");
    String one = submitted(first, session);
    String two = submitted(first, session);

    HttpResponse<Buffer> refused = first.post("/sessions/" + session + "/commands", CommandClient.command("gated", new JsonObject()));
    JsonObject error = assertError(refused, 429, "RATE_LIMITED");
    assertThat(refused.getHeader("Retry-After")).isEqualTo("1");
    assertThat(error.getString("message")).contains("max_inflight_runs").contains("2");
    assertError(first.post("/sessions/" + session + "/commands/batch",
        new JsonObject().put("commands", new JsonArray().add(CommandClient.echo("a", 1)))), 429, "RATE_LIMITED");
    assertError(first.post("/infer", new JsonObject().put("prompt", "hi").put("session_id", session)), 429, "RATE_LIMITED");

    String others = submitted(second, session);
    await().atMost(CommandClient.PATIENCE).until(() -> gated.isRunning(others));
    gated.finish(others, new JsonObject());

    await().atMost(CommandClient.PATIENCE).until(() -> gated.isRunning(one));
    gated.finish(one, new JsonObject());
    await().atMost(CommandClient.PATIENCE).until(() -> "completed".equals(status(first, session, one)));
    String three = submitted(first, session);

    assertThat(first.post("/sessions/" + session + "/commands/" + two + "/cancel", new JsonObject()).statusCode()).isEqualTo(200);
    String four = submitted(first, session);
    assertError(first.post("/sessions/" + session + "/commands", CommandClient.echo("a", 1)), 429, "RATE_LIMITED");

    await().atMost(CommandClient.PATIENCE).until(() -> gated.isRunning(three) && gated.isRunning(four));
    gated.finish(three, new JsonObject());
    gated.finish(four, new JsonObject());
  }

  @Test
  @DisplayName("a batch takes a slot per command, all or none")
  void batchTakesOneSlotPerCommand() {
    HttpCalls caller = Tenants.as(node, "acme");
    String session = caller.createSession(new JsonObject()).getString("session_id");
    GatedHandler gated = GatedHandler.register(node.vertx(), session, "gated");
    JsonObject item = CommandClient.command("gated", new JsonObject());
    String batch = "/sessions/" + session + "/commands/batch";

    assertError(caller.post(batch, new JsonObject().put("commands", new JsonArray().add(item).add(item).add(item))),
        429, "RATE_LIMITED");
    HttpResponse<Buffer> accepted = caller.post(batch, new JsonObject().put("commands", new JsonArray().add(item).add(item)));
    assertThat(accepted.statusCode()).as(accepted.bodyAsString()).isEqualTo(202);
    assertError(caller.post("/sessions/" + session + "/commands", item), 429, "RATE_LIMITED");

    for (Object command : accepted.bodyAsJsonObject().getJsonArray("commands")) {
      String id = ((JsonObject) command).getString("command_id");
      await().atMost(CommandClient.PATIENCE).until(() -> gated.isRunning(id));
      gated.finish(id, new JsonObject());
    }
  }

  @Test
  @DisplayName("AGENTBUS_MAX_INFLIGHT_RUNS sets limits.max_inflight_runs, 100 by default")
  void environmentSetsTheCap() {
    assertThat(Settings.of(AppConfig.load(List.of(), Map.of())).limits().maxInflightRuns()).isEqualTo(100);
    assertThat(Settings.of(AppConfig.load(List.of(), Map.of("AGENTBUS_MAX_INFLIGHT_RUNS", "7"))).limits().maxInflightRuns())
        .isEqualTo(7);
  }

  @Test
  @DisplayName("the counts never go below zero, and a cap of 0 counts nothing")
  void countsStayWithinBounds() {
    InflightRuns runs = InflightRuns.of(node.vertx(), 2, 60_000);
    String key = "test:" + System.nanoTime();
    runs.release(key, 5);
    HttpCalls.await(runs.take(key, 2));
    Future<Void> third = runs.take(key, 1);
    assertThat(third.failed()).isTrue();
    assertThat(BusError.codeOf(third.cause())).isEqualTo(ErrorCode.RATE_LIMITED);
    runs.release(key, 2);
    HttpCalls.await(runs.take(key, 2));

    InflightRuns uncapped = InflightRuns.of(node.vertx(), 0, 60_000);
    assertThat(uncapped.enabled()).isFalse();
    HttpCalls.await(uncapped.take(key, 1_000));
  }
}
