package dev.agentbus.command;

import static dev.agentbus.support.HttpCalls.assertError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentbus.support.GatedHandler;
import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.TenantNode;
import dev.agentbus.support.Tenants;
import dev.agentbus.support.TestNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
@DisplayName("Commands belong to their session's tenant")
class CommandTenancyTest {
  @RegisterExtension
  static final TenantNode tenants = new TenantNode();
  static TestNode node;
  static HttpCalls acme;
  static HttpCalls globex;

  @BeforeAll
  static void start() {
    node = tenants.node();
    acme = tenants.acme();
    globex = tenants.globex();
  }

  private static String status(HttpCalls caller, String sessionId, String commandId) {
    HttpResponse<Buffer> command = caller.get("/sessions/" + sessionId + "/commands/" + commandId);
    assertThat(command.statusCode()).as(command.bodyAsString()).isEqualTo(200);
    return command.bodyAsJsonObject().getString("status");
  }

  @Test
  @DisplayName("another tenant gets 404 submitting, listing, getting and cancelling in a session, and the command still completes")
  void anotherTenantsCommandsAreNotFound() {
    String session = acme.createSession(new JsonObject()).getString("session_id");
    GatedHandler gated = GatedHandler.register(node.vertx(), session, "gated");
    HttpResponse<Buffer> submitted = acme.post("/sessions/" + session + "/commands", CommandClient.command("gated", new JsonObject()));
    assertThat(submitted.statusCode()).as(submitted.bodyAsString()).isEqualTo(202);
    String id = submitted.bodyAsJsonObject().getString("command_id");
    assertThat(submitted.bodyAsJsonObject().getString("tenant_id")).isEqualTo("acme");
    await().atMost(CommandClient.PATIENCE).until(() -> gated.isRunning(id));

    String commands = "/sessions/" + session + "/commands";
    assertError(globex.post(commands, CommandClient.echo("a", 1)), 404, "SESSION_NOT_FOUND");
    assertError(globex.post(commands, CommandClient.command("gated", new JsonObject())), 404, "SESSION_NOT_FOUND");
    assertError(globex.post(commands + "/batch", new JsonObject().put("commands", new JsonArray().add(CommandClient.echo("a", 1)))),
        404, "SESSION_NOT_FOUND");
    assertError(globex.get(commands), 404, "SESSION_NOT_FOUND");
    assertError(globex.get(commands + "/" + id), 404, "SESSION_NOT_FOUND");
    assertError(globex.get(commands + "/" + id + "?wait=1"), 404, "SESSION_NOT_FOUND");
    assertError(globex.get(commands + "/cmd_nosuchcommand"), 404, "SESSION_NOT_FOUND");
    assertError(globex.post(commands + "/" + id + "/cancel", new JsonObject()), 404, "SESSION_NOT_FOUND");
    assertError(globex.get("/status/" + id), 404, "COMMAND_NOT_FOUND");
    assertError(globex.get("/result/" + id), 404, "COMMAND_NOT_FOUND");
    assertError(globex.get("/stream/" + id), 404, "COMMAND_NOT_FOUND");

    assertThat(status(acme, session, id)).as("not cancelled by the other tenant").isIn("pending", "executing");
    assertThat(acme.get("/status/" + id).statusCode()).isEqualTo(200);
    assertThat(tenants.admin().get(commands + "/" + id).statusCode()).as("the admin sees every tenant").isEqualTo(200);
    gated.finish(id, new JsonObject().put("done", true));
    await().atMost(CommandClient.PATIENCE).until(() -> "completed".equals(status(acme, session, id)));
    HttpResponse<Buffer> listed = acme.get(commands);
    assertThat(listed.statusCode()).isEqualTo(200);
    assertThat(listed.bodyAsJsonObject().getJsonArray("data")).hasSize(1);
  }

  @Test
  @DisplayName("a stored command carries its session's tenant, and one submitted in a new session makes that session the caller's")
  void storedCommandsCarryTheTenant() {
    HttpResponse<Buffer> inferred = globex.post("/infer", new JsonObject().put("prompt", "hello"));
    assertThat(inferred.statusCode()).as(inferred.bodyAsString()).isEqualTo(202);
    String id = inferred.bodyAsJsonObject().getString("request_id");
    String session = inferred.bodyAsJsonObject().getString("session_id");

    HttpResponse<Buffer> created = globex.get("/sessions/" + session);
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(200);
    assertThat(created.bodyAsJsonObject().getString("tenant_id")).isEqualTo("globex");
    assertError(acme.get("/sessions/" + session), 404, "SESSION_NOT_FOUND");
    assertError(acme.get("/status/" + id), 404, "COMMAND_NOT_FOUND");

    JsonObject stored = HttpCalls.await(node.mongo().findOne(CommandLedger.COMMANDS, new JsonObject().put("_id", id), null));
    assertThat(stored.getString("tenant_id")).isEqualTo("globex");
    await().atMost(CommandClient.PATIENCE).until(() -> globex.get("/result/" + id).statusCode() == 200);
  }

  @Test
  @DisplayName("a command stored before tenancy belongs to the default tenant")
  void commandsBeforeTenancyAreDefaults() {
    HttpCalls defaults = Tenants.as(node, "default");
    String session = defaults.createSession(new JsonObject()).getString("session_id");
    String id = "cmd_pretenancy" + System.nanoTime();
    HttpCalls.await(node.mongo().insert(CommandLedger.COMMANDS, new JsonObject().put("_id", id).put("session_id", session)
        .put("command_type", "echo").put("parameters", new JsonObject()).put("metadata", new JsonObject())
        .put("status", "completed").put("result", new JsonObject()).put("error", null)
        .put("created_at", "2026-01-01T00:00:00Z").put("updated_at", "2026-01-01T00:00:00Z")));

    HttpResponse<Buffer> seen = defaults.get("/sessions/" + session + "/commands/" + id);
    assertThat(seen.statusCode()).as(seen.bodyAsString()).isEqualTo(200);
    assertThat(seen.bodyAsJsonObject().getString("tenant_id")).isEqualTo("default");
    assertError(acme.get("/status/" + id), 404, "COMMAND_NOT_FOUND");
  }
}
