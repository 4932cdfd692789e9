package dev.agentbus.mcp;

import static dev.agentbus.command.CommandClient.prompt;
import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.command.CommandClient;
import dev.agentbus.support.FakeOpenAi;
import dev.agentbus.support.FakeOpenAi.Reply;
import dev.agentbus.support.SseClient;
import dev.agentbus.support.TestMcpServer;
import dev.agentbus.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * MCP tools end to end: the official SDK's server (Streamable HTTP) registered as an MCP server,
 * its tools offered to engine runs through an agent's {@code mcp_servers}, called by the model in
 * a chat stream and by an OpenAI-compatible model, and as registered {@code mcp} tools through
 * {@code tool.call} and the execute endpoint.
 */
class McpToolsTest {
  static TestMcpServer server;
  static Vertx fakeVertx;
  static FakeOpenAi fake;
  static TestNode node;
  static CommandClient commands;
  static String serverId;

  @BeforeAll
  static void start() {
    server = TestMcpServer.start();
    fakeVertx = Vertx.vertx();
    fake = FakeOpenAi.start(fakeVertx);
    node = TestNode.start(new JsonObject()
        .put("engines", new JsonObject().put("openai", new JsonObject().put("base_url", fake.baseUrl()).put("api_key", "sk-test")))
        .put("security", new JsonObject().put("allowed_hosts", new JsonArray().add("127.0.0.1").add("localhost"))));
    commands = new CommandClient(node);
    HttpResponse<Buffer> created = node.post("/mcp-servers", new JsonObject().put("name", "everything").put("url", server.url()));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    serverId = created.bodyAsJsonObject().getString("server_id");
  }

  @AfterAll
  static void stop() {
    node.close();
    fake.close();
    fakeVertx.close().await();
    server.close();
  }

  static String agent(String name, String provider) {
    HttpResponse<Buffer> agent = node.post("/agents", new JsonObject().put("name", name)
        .put("llm_config", new JsonObject().put("provider", provider)).put("mcp_servers", new JsonArray().add(serverId)));
    assertThat(agent.statusCode()).as(agent.bodyAsString()).isEqualTo(201);
    return agent.bodyAsJsonObject().getString("agent_id");
  }

  static JsonArray callOnce(String tool, JsonObject arguments) {
    return new JsonArray()
        .add(new JsonObject().put("tool_calls", new JsonArray().add(new JsonObject().put("name", tool).put("arguments", arguments))))
        .add(new JsonObject());
  }

  @Test
  @DisplayName("a chat run of an agent with an MCP server calls the server's tool: tool_call and tool_result frames carry its answer")
  void chatStreamCallsMcpTool() {
    String thread = node.createSession();

    SseClient call = SseClient.post(node, "/api/v1/chat/" + thread + "/stream", new JsonObject().put("content", "2 + 3?")
        .put("agent_id", agent("chat-summer", "dummy"))
        .put("llm_config", new JsonObject().put("script", callOnce("everything.get-sum", new JsonObject().put("a", 2).put("b", 3)))));
    call.awaitEnd();

    assertThat(call.status()).isEqualTo(200);
    List<JsonObject> frames = call.json();
    JsonObject toolCall = frames.stream().filter(f -> "tool_call".equals(f.getString("type"))).findFirst().orElseThrow();
    JsonObject toolResult = frames.stream().filter(f -> "tool_result".equals(f.getString("type"))).findFirst().orElseThrow();
    assertThat(toolCall.encode()).contains("everything.get-sum");
    assertThat(toolResult.getValue("result")).isEqualTo("5");
    assertThat(frames.get(frames.size() - 1).getString("type")).isEqualTo("end_stream");
    assertThat(frames.get(frames.size() - 1).getString("status")).isEqualTo("success");
  }

  @Test
  @DisplayName("an OpenAI-compatible model is offered an agent's MCP tools under wire-safe names, and its call reaches the server")
  void openAiModelSeesWireSafeMcpTools() {
    String session = node.createSession();
    fake.reset();
    fake.enqueue(Reply.toolCalls(1, new FakeOpenAi.ToolCall("c1", "everything_get-sum", "{\"a\": 20, \"b\": 22}")), Reply.text("42"));
    JsonObject command = prompt("sum");
    command.getJsonObject("parameters").put("agent_id", agent("wire-summer", "openai"));

    String id = commands.start(session, command);
    commands.awaitStatus(session, id, "completed");

    List<String> offered = fake.requests().get(0).getJsonArray("tools").stream()
        .map(t -> ((JsonObject) t).getJsonObject("function").getString("name")).toList();
    assertThat(offered).contains("everything_get-sum", "everything_echo", "clock_now").allMatch(n -> n.matches("[a-zA-Z0-9_-]{1,64}"));
    JsonObject result = commands.events(session, id, "engine.tool_result").get(0).getJsonObject("data");
    assertThat(result.getString("name")).isEqualTo("everything.get-sum");
    assertThat(result.getString("result")).isEqualTo("42");
    assertThat(result.getBoolean("is_error")).isFalse();
    String toolMessage = fake.requests().get(1).getJsonArray("messages").stream().map(m -> (JsonObject) m)
        .filter(m -> "tool".equals(m.getString("role"))).findFirst().orElseThrow().getString("content");
    assertThat(toolMessage).isEqualTo("42");
  }

  @Test
  @DisplayName("a registered mcp tool runs through tool.call: the command completes with the server's answer, between tool.started and tool.completed")
  void toolCallCommandRunsMcpTool() {
    String session = node.createSession();
    HttpResponse<Buffer> created = node.post("/sessions/" + session + "/tools", new JsonObject().put("name", "sum")
        .put("description", "Adds").put("parameters", new JsonObject().put("type", "object"))
        .put("implementation", new JsonObject().put("kind", "mcp").put("server_id", serverId).put("tool", "get-sum")));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);

    String id = commands.start(session, new JsonObject().put("command_type", "tool.call")
        .put("parameters", new JsonObject().put("name", "sum").put("arguments", new JsonObject().put("a", 4).put("b", 5))));
    JsonObject done = commands.awaitStatus(session, id, "completed");

    assertThat(done.getJsonObject("result").getString("result")).isEqualTo("9");
    assertThat(done.getJsonObject("result").getBoolean("is_error")).isFalse();
    assertThat(commands.events(session, id, "tool.started")).hasSize(1);
    assertThat(commands.events(session, id, "tool.completed").get(0).getJsonObject("data").getString("result")).isEqualTo("9");
  }

  @Test
  @DisplayName("an MCP tool answering isError is a tool error through execute: 200, is_error true, its text as the result, tool.failed")
  void mcpIsErrorIsToolError() {
    String session = node.createSession();
    HttpResponse<Buffer> created = node.post("/sessions/" + session + "/tools", new JsonObject().put("name", "broken")
        .put("parameters", new JsonObject().put("type", "object"))
        .put("implementation", new JsonObject().put("kind", "mcp").put("server_id", serverId).put("tool", "fail")));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);

    HttpResponse<Buffer> ran = node.post("/sessions/" + session + "/tools/broken/execute", new JsonObject().put("arguments", new JsonObject()));

    assertThat(ran.statusCode()).as(ran.bodyAsString()).isEqualTo(200);
    assertThat(ran.bodyAsJsonObject().getBoolean("is_error")).isTrue();
    assertThat(ran.bodyAsJsonObject().getString("result")).isEqualTo("the tool failed on purpose");
    assertThat(node.get("/sessions/" + session + "/events?event_type=tool.failed").bodyAsJsonObject().getJsonArray("data")).hasSize(1);
  }

  @Test
  @DisplayName("an MCP tools/call carries the caller's trace to the server: its traceparent names the request's trace id")
  void toolCallCarriesTraceparent() {
    String session = node.createSession();
    HttpResponse<Buffer> created = node.post("/sessions/" + session + "/tools", new JsonObject().put("name", "echoed")
        .put("parameters", new JsonObject().put("type", "object"))
        .put("implementation", new JsonObject().put("kind", "mcp").put("server_id", serverId).put("tool", "echo")));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    String traceId = java.util.UUID.randomUUID().toString().replace("-", "");
    int before = server.traceparents().size();

    HttpResponse<Buffer> ran = dev.agentbus.support.HttpCalls.await(node.client()
        .post("/api/v1/sessions/" + session + "/tools/echoed/execute")
        .putHeader("traceparent", "00-" + traceId + "-00f067aa0ba902b7-01")
        .sendJsonObject(new JsonObject().put("arguments", new JsonObject().put("message", "traced"))));

    assertThat(ran.statusCode()).as(ran.bodyAsString()).isEqualTo(200);
    assertThat(ran.bodyAsJsonObject().getString("result")).isEqualTo("traced");
    assertThat(server.traceparents().subList(before, server.traceparents().size()))
        .anyMatch(header -> header.matches("00-" + traceId + "-[0-9a-f]{16}-01") && !header.contains("00f067aa0ba902b7"));
  }
}
