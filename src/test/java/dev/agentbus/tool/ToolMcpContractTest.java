package dev.agentbus.tool;

import static dev.agentbus.command.CommandClient.prompt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.agentbus.bus.Addresses;
import dev.agentbus.command.CommandClient;
import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.TestNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * MCP tools as the tool side uses them, through the MCP verticle's two addresses ({@link
 * Addresses#MCP_OFFER}, {@link Addresses#MCP_CALL}). Where no MCP verticle serves them, a stand-in
 * consumer on the node plays its part of the contract; where one does, the stand-in's scripted tests are skipped.
 */
class ToolMcpContractTest {
  static TestNode node;
  static HttpCalls http;
  static CommandClient commands;
  static boolean standIn;
  static final List<JsonObject> calls = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() {
    node = TestNode.start(new JsonObject()
        .put("security", new JsonObject().put("allowed_hosts", new JsonArray().add("127.0.0.1"))));
    http = new HttpCalls(node);
    commands = new CommandClient(node);
    Throwable probe = node.vertx().eventBus().request(Addresses.MCP_OFFER, new JsonObject().put("servers", new JsonArray()),
        new DeliveryOptions().setSendTimeout(2_000)).transform(done -> io.vertx.core.Future.succeededFuture(done.cause())).await();
    standIn = probe instanceof ReplyException reply && reply.failureType() == ReplyFailure.NO_HANDLERS;
    if (standIn) {
      node.vertx().eventBus().<JsonObject>consumer(Addresses.MCP_OFFER, m -> m.reply(new JsonObject()
          .put("tools", new JsonArray().add(new JsonObject().put("name", "everything.get-sum").put("description", "Adds two numbers")
              .put("parameters", new JsonObject().put("type", "object").put("properties", new JsonObject()
                  .put("a", new JsonObject().put("type", "number")).put("b", new JsonObject().put("type", "number")))
                  .put("required", new JsonArray().add("a").add("b")))
              .put("server_id", "mcp_everything").put("tool", "get-sum")))
          .put("errors", new JsonArray().add(new JsonObject().put("server", "http://127.0.0.1:9/down").put("message", "refused")))))
          .completion().await();
      node.vertx().eventBus().<JsonObject>consumer(Addresses.MCP_CALL, m -> {
        calls.add(m.body());
        if (!"mcp_everything".equals(m.body().getString("server_id"))) {
          m.fail(422, new JsonObject().put("code", "MCP_UNAVAILABLE").put("message", "MCP server " + m.body().getString("server_id")
              + " is not registered").encode());
          return;
        }
        JsonObject arguments = m.body().getJsonObject("arguments");
        m.reply(new JsonObject().put("result", "The sum of " + arguments.getValue("a") + " and " + arguments.getValue("b") + " is "
            + (arguments.getInteger("a") + arguments.getInteger("b")) + ".").put("is_error", false));
      }).completion().await();
    }
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  @DisplayName("a registered mcp tool whose server cannot be reached is a tool error naming why, not a failed request")
  void unreachableServer() {
    String session = http.createSession(new JsonObject()).getString("session_id");
    HttpResponse<Buffer> created = http.post("/sessions/" + session + "/tools", new JsonObject().put("name", "remote.sum")
        .put("parameters", new JsonObject().put("type", "object"))
        .put("implementation", new JsonObject().put("kind", "mcp").put("server_id", "mcp_missing").put("tool", "get-sum")));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);

    HttpResponse<Buffer> done = http.post("/sessions/" + session + "/tools/remote.sum/execute", new JsonObject());

    assertThat(done.statusCode()).as(done.bodyAsString()).isEqualTo(200);
    assertThat(done.bodyAsJsonObject().getBoolean("is_error")).isTrue();
    assertThat(done.bodyAsJsonObject().getString("result")).startsWith("The MCP tool remote.sum is unavailable: ");
  }

  @Test
  @DisplayName("an agent's MCP servers' tools are offered to its run (one MCP offer), and the model's call goes to MCP_CALL with the server and tool")
  void agentServersAreOffered() {
    assumeTrue(standIn, "an MCP verticle serves the addresses: its own tests cover this with a real MCP server");
    HttpResponse<Buffer> agent = http.post("/agents", new JsonObject().put("name", "summer")
        .put("llm_config", new JsonObject().put("provider", "dummy"))
        .put("mcp_servers", new JsonArray().add("http://127.0.0.1:9/mcp")));
    assertThat(agent.statusCode()).as(agent.bodyAsString()).isEqualTo(201);
    String session = http.createSession(new JsonObject()).getString("session_id");
    JsonObject command = prompt("2 + 3?");
    command.getJsonObject("parameters").put("agent_id", agent.bodyAsJsonObject().getString("agent_id"))
        .put("llm_config", new JsonObject().put("script", new JsonArray()
            .add(new JsonObject().put("tool_calls", new JsonArray().add(new JsonObject().put("name", "everything.get-sum")
                .put("arguments", new JsonObject().put("a", 2).put("b", 3)))))
            .add(new JsonObject())));

    String id = commands.start(session, command);
    JsonObject done = commands.awaitStatus(session, id, "completed");

    assertThat(done.getJsonObject("result").getString("text")).isEqualTo("Result: The sum of 2 and 3 is 5.");
    JsonObject result = commands.events(session, id, "engine.tool_result").get(0).getJsonObject("data");
    assertThat(result.getString("name")).isEqualTo("everything.get-sum");
    assertThat(result.getBoolean("is_error")).isFalse();
    JsonObject call = calls.stream().filter(c -> "mcp_everything".equals(c.getString("server_id"))).findFirst().orElseThrow();
    assertThat(call.getString("tool")).isEqualTo("get-sum");
    assertThat(call.getJsonObject("arguments")).isEqualTo(new JsonObject().put("a", 2).put("b", 3));
    assertThat(call.getLong("timeout_ms")).isPositive();
  }

  @Test
  @DisplayName("an agent's MCP tool called with arguments that fail its schema is a tool error, and MCP is not called")
  void mcpArgumentsChecked() {
    assumeTrue(standIn, "an MCP verticle serves the addresses");
    HttpResponse<Buffer> agent = http.post("/agents", new JsonObject().put("name", "summer-strict")
        .put("llm_config", new JsonObject().put("provider", "dummy"))
        .put("mcp_servers", new JsonArray().add("http://127.0.0.1:9/mcp")));
    String session = http.createSession(new JsonObject()).getString("session_id");
    JsonObject command = prompt("sum?");
    command.getJsonObject("parameters").put("agent_id", agent.bodyAsJsonObject().getString("agent_id"))
        .put("llm_config", new JsonObject().put("script", new JsonArray()
            .add(new JsonObject().put("tool_calls", new JsonArray().add(new JsonObject().put("name", "everything.get-sum")
                .put("arguments", new JsonObject().put("a", "two")))))
            .add(new JsonObject())));
    int before = calls.size();

    String id = commands.start(session, command);
    commands.awaitStatus(session, id, "completed");

    JsonObject result = commands.events(session, id, "engine.tool_result").get(0).getJsonObject("data");
    assertThat(result.getBoolean("is_error")).isTrue();
    assertThat(result.getString("result")).contains("arguments.a").contains("arguments.b");
    assertThat(calls).hasSize(before);
  }
}
