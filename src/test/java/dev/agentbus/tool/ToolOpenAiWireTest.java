package dev.agentbus.tool;

import static dev.agentbus.command.CommandClient.prompt;
import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.command.CommandClient;
import dev.agentbus.support.FakeOpenAi;
import dev.agentbus.support.FakeOpenAi.Reply;
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

/** What an {@code openai} engine sends about registered tools: definitions with unique wire-safe names, mapped back on the way in. */
class ToolOpenAiWireTest {
  static Vertx fakeVertx;
  static FakeOpenAi fake;
  static TestNode node;
  static CommandClient commands;

  @BeforeAll
  static void start() {
    fakeVertx = Vertx.vertx();
    fake = FakeOpenAi.start(fakeVertx);
    node = TestNode.start(new JsonObject()
        .put("engines", new JsonObject().put("openai", new JsonObject().put("base_url", fake.baseUrl()).put("api_key", "sk-test")))
        .put("security", new JsonObject().put("allowed_hosts", new JsonArray().add("localhost"))));
    commands = new CommandClient(node);
    node.vertx().eventBus().<JsonObject>consumer("wire.dot", m -> m.reply("dot")).completion().await();
    node.vertx().eventBus().<JsonObject>consumer("wire.underscore", m -> m.reply("underscore")).completion().await();
  }

  @AfterAll
  static void stop() {
    node.close();
    fake.close();
    fakeVertx.close().await();
  }

  static void register(String session, String name, String address) {
    HttpResponse<Buffer> created = node.post("/sessions/" + session + "/tools", new JsonObject().put("name", name)
        .put("description", "Looks up " + name).put("parameters", new JsonObject().put("type", "object"))
        .put("implementation", new JsonObject().put("kind", "bus").put("address", address)));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
  }

  @Test
  @DisplayName("a.b next to a_b travel as a_b_2 and a_b, with their schemas, and a call of either wire name runs the right tool")
  void collidingNamesStayDistinct() {
    String session = node.createSession();
    register(session, "geo.find", "wire.dot");
    register(session, "geo_find", "wire.underscore");
    HttpResponse<Buffer> engine = node.post("/engines", new JsonObject().put("engine_type", "openai").put("session_id", session)
        .put("configuration", new JsonObject()));
    assertThat(engine.statusCode()).as(engine.bodyAsString()).isEqualTo(201);
    fake.enqueue(Reply.toolCalls(1, new FakeOpenAi.ToolCall("c1", "geo_find_2", "{}"), new FakeOpenAi.ToolCall("c2", "geo_find", "{}")),
        Reply.text("done"));

    String id = commands.start(session, prompt("find", engine.bodyAsJsonObject().getString("engine_id")));
    commands.awaitStatus(session, id, "completed");

    JsonArray tools = fake.requests().get(0).getJsonArray("tools");
    List<String> names = tools.stream().map(t -> ((JsonObject) t).getJsonObject("function").getString("name")).toList();
    assertThat(names).containsExactly("geo_find_2", "geo_find", "clock_now", "math_evaluate");
    assertThat(tools.getJsonObject(0).getJsonObject("function").getString("description")).isEqualTo("Looks up geo.find");
    assertThat(names).allMatch(name -> name.matches("[a-zA-Z0-9_-]{1,64}"));
    List<JsonObject> results = commands.events(session, id, "engine.tool_result").stream().map(e -> e.getJsonObject("data")).toList();
    assertThat(results).extracting(r -> r.getString("name")).containsExactly("geo.find", "geo_find");
    assertThat(results).extracting(r -> r.getString("result")).containsExactly("dot", "underscore");
  }
}
