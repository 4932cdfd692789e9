package dev.agentbus.tool;

import static dev.agentbus.command.CommandClient.prompt;
import static dev.agentbus.support.HttpCalls.assertError;
import static dev.agentbus.support.HttpCalls.assertInvalid;
import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.command.CommandClient;
import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.TestNode;
import dev.agentbus.support.WebhookReceiver;
import dev.agentbus.support.WebhookReceiver.Answer;
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
 * http tools against a real receiver that checks every call's signature with its own code: the
 * execute endpoint, the {@code tool.call} command and engine runs of the scripted dummy model.
 */
class ToolHttpTest {
  static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  static TestNode node;
  static HttpCalls http;
  static CommandClient commands;
  static WebhookReceiver receiver;

  @BeforeAll
  static void start() {
    node = TestNode.start(new JsonObject()
        .put("security", new JsonObject().put("allowed_hosts", new JsonArray().add("127.0.0.1"))));
    http = new HttpCalls(node);
    commands = new CommandClient(node);
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

  static JsonObject citySchema() {
    return new JsonObject().put("type", "object")
        .put("properties", new JsonObject()
            .put("city", new JsonObject().put("type", "string").put("minLength", 1))
            .put("days", new JsonObject().put("type", "integer").put("minimum", 1).put("maximum", 7)))
        .put("required", new JsonArray().add("city")).put("additionalProperties", false);
  }

  /** Registers an http tool in the session that calls {@code path} of the receiver, which answers {@code answers}. */
  static void register(String session, String name, String path, JsonObject extra, Answer... answers) {
    receiver.script(path, SECRET, answers);
    JsonObject implementation = new JsonObject().put("kind", "http").put("url", receiver.url(path)).put("secret", SECRET).mergeIn(extra);
    HttpResponse<Buffer> created = http.post("/sessions/" + session + "/tools", new JsonObject().put("name", name)
        .put("description", "Weather forecast").put("parameters", citySchema()).put("implementation", implementation));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
  }

  static HttpResponse<Buffer> execute(String session, String name, JsonObject arguments) {
    return http.post("/sessions/" + session + "/tools/" + name + "/execute", new JsonObject().put("arguments", arguments));
  }

  static JsonObject executed(String session, String name, JsonObject arguments) {
    HttpResponse<Buffer> done = execute(session, name, arguments);
    assertThat(done.statusCode()).as(done.bodyAsString()).isEqualTo(200);
    return done.bodyAsJsonObject();
  }

  static List<JsonObject> toolEvents(String session) {
    return http.allEvents(session).stream().filter(e -> e.getString("event_type").startsWith("tool.")
        && !e.getString("event_type").endsWith("registered")).toList();
  }

  @Test
  @DisplayName("executing an http tool posts a signed {tool, call_id, arguments, session_id}; its {result} is the answer, with tool.started and tool.completed")
  void executeResult() {
    String session = session();
    JsonObject forecast = new JsonObject().put("city", "Paris").put("sky", "sunny").put("high_c", 24);
    register(session, "weather.get", "/weather/ok", new JsonObject(), Answer.of(200, new JsonObject().put("result", forecast)));

    JsonObject done = executed(session, "weather.get", new JsonObject().put("city", "Paris").put("days", 2));

    assertThat(done.fieldNames()).containsExactlyInAnyOrder("tool_call_id", "name", "result", "is_error", "duration_ms");
    assertThat(done.getString("name")).isEqualTo("weather.get");
    assertThat(done.getJsonObject("result")).isEqualTo(forecast);
    assertThat(done.getBoolean("is_error")).isFalse();
    assertThat(done.getLong("duration_ms")).isNotNegative();
    List<WebhookReceiver.Delivery> calls = receiver.deliveries("/weather/ok");
    assertThat(calls).hasSize(1);
    assertThat(receiver.badSignatures.get()).isZero();
    assertThat(calls.get(0).webhookId()).isEqualTo(done.getString("tool_call_id"));
    assertThat(calls.get(0).body()).isEqualTo(new JsonObject().put("tool", "weather.get").put("call_id", done.getString("tool_call_id"))
        .put("arguments", new JsonObject().put("city", "Paris").put("days", 2)).put("session_id", session));

    List<JsonObject> events = toolEvents(session);
    assertThat(events).extracting(e -> e.getString("event_type")).containsExactly("tool.started", "tool.completed");
    assertThat(events.get(0).getJsonObject("data").getString("tool_call_id")).isEqualTo(done.getString("tool_call_id"));
    assertThat(events.get(0).getJsonObject("data").getString("kind")).isEqualTo("http");
    assertThat(events.get(0).getJsonObject("data").getJsonObject("arguments")).isEqualTo(new JsonObject().put("city", "Paris").put("days", 2));
    assertThat(events.get(1).getJsonObject("data")).isEqualTo(done);
  }

  @Test
  @DisplayName("an {error} answer, a non-2xx, a malformed 2xx and no answer within timeout_ms are tool errors (200, is_error) with tool.failed")
  void toolErrors() {
    String session = session();
    register(session, "err.reported", "/err/reported", new JsonObject(),
        Answer.of(200, new JsonObject().put("error", new JsonObject().put("message", "Unknown city Atlantis"))));
    register(session, "err.status", "/err/status", new JsonObject(),
        Answer.of(503, new JsonObject().put("error", new JsonObject().put("message", "maintenance"))));
    register(session, "err.shape", "/err/shape", new JsonObject(), Answer.of(200, new JsonObject().put("forecast", "sunny")));
    register(session, "err.silent", "/err/silent", new JsonObject().put("timeout_ms", 300), Answer.silent());
    JsonObject city = new JsonObject().put("city", "Atlantis");

    JsonObject reported = executed(session, "err.reported", city);
    assertThat(reported.getBoolean("is_error")).isTrue();
    assertThat(reported.getString("result")).isEqualTo("Unknown city Atlantis");
    JsonObject status = executed(session, "err.status", city);
    assertThat(status.getBoolean("is_error")).isTrue();
    assertThat(status.getString("result")).contains("HTTP 503").contains("maintenance");
    JsonObject shape = executed(session, "err.shape", city);
    assertThat(shape.getBoolean("is_error")).isTrue();
    assertThat(shape.getString("result")).contains("without a JSON {\"result\"}");
    long started = System.currentTimeMillis();
    JsonObject silent = executed(session, "err.silent", city);
    assertThat(silent.getBoolean("is_error")).isTrue();
    assertThat(silent.getString("result")).contains("did not answer").contains("300 ms");
    assertThat(System.currentTimeMillis() - started).isLessThan(5_000);
    assertThat(receiver.deliveries("/err/status")).as("no retries").hasSize(1);

    assertThat(toolEvents(session)).extracting(e -> e.getString("event_type")).containsExactly(
        "tool.started", "tool.failed", "tool.started", "tool.failed", "tool.started", "tool.failed", "tool.started", "tool.failed");
  }

  @Test
  @DisplayName("arguments that fail the schema are 400 naming each bad argument, and the tool is not called; an unknown tool is 404")
  void badArguments() {
    String session = session();
    register(session, "weather.strict", "/weather/strict", new JsonObject(), Answer.of(200, new JsonObject().put("result", 1)));

    List<String> fields = assertInvalid(execute(session, "weather.strict", new JsonObject().put("days", 9).put("units", "F")));
    assertThat(fields).containsExactlyInAnyOrder("arguments.city", "arguments.days", "arguments.units");
    assertThat(assertInvalid(http.post("/sessions/" + session + "/tools/weather.strict/execute",
        new JsonObject().put("arguments", "Paris")))).containsExactly("arguments");
    assertThat(assertInvalid(http.post("/sessions/" + session + "/tools/weather.strict/execute",
        new JsonObject().put("args", new JsonObject())))).containsExactly("args");
    assertThat(receiver.deliveries("/weather/strict")).isEmpty();
    assertThat(toolEvents(session)).isEmpty();
    assertError(execute(session, "weather.nowhere", new JsonObject()), 404, "TOOL_NOT_FOUND");
    assertError(execute("ses_nope", "clock.now", new JsonObject()), 404, "SESSION_NOT_FOUND");

    JsonObject builtin = executed(session, "math.evaluate", new JsonObject().put("expression", "6*7"));
    assertThat(builtin.getString("result")).isEqualTo("42");
    assertThat(builtin.getBoolean("is_error")).isFalse();
  }

  @Test
  @DisplayName("a tool.call command runs the tool like execute: its result is the execute answer, a tool error still completes with is_error")
  void toolCallCommand() {
    String session = session();
    register(session, "weather.cmd", "/weather/cmd", new JsonObject(),
        Answer.of(200, new JsonObject().put("result", "sunny")),
        Answer.of(200, new JsonObject().put("error", new JsonObject().put("message", "no data"))));

    String ok = commands.start(session, CommandClient.command("tool.call", new JsonObject().put("name", "weather.cmd")
        .put("arguments", new JsonObject().put("city", "Oslo"))));
    JsonObject done = commands.awaitStatus(session, ok, "completed").getJsonObject("result");
    assertThat(done.getString("name")).isEqualTo("weather.cmd");
    assertThat(done.getString("result")).isEqualTo("sunny");
    assertThat(done.getBoolean("is_error")).isFalse();
    assertThat(receiver.deliveries("/weather/cmd").get(0).body().getString("command_id")).isEqualTo(ok);
    assertThat(commands.events(session, ok).stream().map(e -> e.getString("event_type")).toList())
        .containsSubsequence("command.started", "tool.started", "tool.completed", "command.completed");

    String refused = commands.start(session, CommandClient.command("tool.call", new JsonObject().put("name", "weather.cmd")
        .put("arguments", new JsonObject().put("city", "Oslo"))));
    JsonObject failed = commands.awaitStatus(session, refused, "completed").getJsonObject("result");
    assertThat(failed.getBoolean("is_error")).isTrue();
    assertThat(failed.getString("result")).isEqualTo("no data");
    assertThat(commands.events(session, refused, "tool.failed")).hasSize(1);

    assertThat(assertInvalid(commands.submit(session, CommandClient.command("tool.call", new JsonObject().put("name", "weather.cmd")
        .put("arguments", new JsonObject().put("days", 0)))))).containsExactlyInAnyOrder("parameters.arguments.city", "parameters.arguments.days");
    assertThat(assertInvalid(commands.submit(session, CommandClient.command("tool.call", new JsonObject().put("arguments", 5)))))
        .containsExactlyInAnyOrder("parameters.name", "parameters.arguments");
    assertError(commands.submit(session, CommandClient.command("tool.call", new JsonObject().put("name", "weather.none"))), 404, "TOOL_NOT_FOUND");

    HttpResponse<Buffer> batch = commands.batch(session, new JsonObject().put("mode", "parallel").put("commands", new JsonArray()
        .add(CommandClient.echo("i", 0))
        .add(CommandClient.command("tool.call", new JsonObject().put("name", "weather.cmd").put("arguments", new JsonObject())))));
    assertThat(assertInvalid(batch)).containsExactly("commands[1].parameters.arguments.city");
    JsonObject missing = assertError(commands.batch(session, new JsonObject().put("mode", "parallel").put("commands", new JsonArray()
        .add(CommandClient.command("tool.call", new JsonObject().put("name", "weather.none"))))), 404, "TOOL_NOT_FOUND");
    assertThat(missing.getJsonObject("details").getString("field")).isEqualTo("commands[0].parameters.name");
  }

  static String scriptedEngine(String session, JsonObject configuration) {
    HttpResponse<Buffer> created = http.post("/engines", new JsonObject().put("engine_type", "dummy")
        .put("session_id", session).put("configuration", configuration));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    return created.bodyAsJsonObject().getString("engine_id");
  }

  static JsonArray script(JsonArray calls) {
    return new JsonArray().add(new JsonObject().put("tool_calls", calls)).add(new JsonObject());
  }

  static JsonObject call(String name, JsonObject arguments) {
    return new JsonObject().put("name", name).put("arguments", arguments);
  }

  static List<JsonObject> messages(String session) {
    HttpResponse<Buffer> page = http.get("/sessions/" + session + "/messages?limit=100");
    assertThat(page.statusCode()).as(page.bodyAsString()).isEqualTo(200);
    return page.bodyAsJsonObject().getJsonArray("data").stream().map(JsonObject.class::cast).toList();
  }

  @Test
  @DisplayName("a dummy-engine run scripted to call a registered http tool gets its result into the conversation and the engine events")
  void engineRunCallsHttpTool() {
    String session = session();
    register(session, "weather.run", "/weather/run", new JsonObject(), Answer.of(200, new JsonObject().put("result",
        new JsonObject().put("sky", "rain"))));
    String engine = scriptedEngine(session, new JsonObject().put("script", script(new JsonArray()
        .add(call("weather.run", new JsonObject().put("city", "Bergen"))))));

    String id = commands.start(session, prompt("weather in Bergen?", engine));
    JsonObject done = commands.awaitStatus(session, id, "completed");

    assertThat(done.getJsonObject("result").getString("text")).isEqualTo("Result: {\"sky\":\"rain\"}");
    JsonObject toolCall = commands.events(session, id, "engine.tool_call").get(0).getJsonObject("data");
    assertThat(toolCall.getString("name")).isEqualTo("weather.run");
    JsonObject toolResult = commands.events(session, id, "engine.tool_result").get(0).getJsonObject("data");
    assertThat(toolResult.getString("tool_call_id")).isEqualTo(toolCall.getString("id"));
    assertThat(toolResult.getString("result")).isEqualTo("{\"sky\":\"rain\"}");
    assertThat(toolResult.getBoolean("is_error")).isFalse();
    WebhookReceiver.Delivery delivery = receiver.deliveries("/weather/run").get(0);
    assertThat(delivery.body().getString("call_id")).isEqualTo(toolCall.getString("id"));
    assertThat(delivery.body().getString("command_id")).isEqualTo(id);
    assertThat(delivery.body().getJsonObject("arguments")).isEqualTo(new JsonObject().put("city", "Bergen"));
    JsonObject stored = messages(session).stream().filter(m -> "tool_result".equals(m.getString("type"))).findFirst().orElseThrow();
    assertThat(stored.getString("content")).isEqualTo("{\"sky\":\"rain\"}");
    assertThat(stored.getString("tool_call_id")).isEqualTo(toolCall.getString("id"));
    assertThat(stored.getBoolean("is_error")).isFalse();
    assertThat(commands.events(session, id).stream().map(e -> e.getString("event_type")))
        .as("an engine's tool calls are engine.* events, not tool.*").noneMatch(t -> t.startsWith("tool."));
  }

  @Test
  @DisplayName("two tools whose names differ only by . and _ keep distinct wire names in one run, and each call reaches its own tool")
  void wireNameCollision() {
    String session = session();
    register(session, "geo.lookup", "/geo/dot", new JsonObject(), Answer.of(200, new JsonObject().put("result", "dot")));
    register(session, "geo_lookup", "/geo/underscore", new JsonObject(), Answer.of(200, new JsonObject().put("result", "underscore")));
    String engine = scriptedEngine(session, new JsonObject().put("script", script(new JsonArray()
        .add(call("geo.lookup", new JsonObject().put("city", "A"))).add(call("geo_lookup", new JsonObject().put("city", "B"))))));

    String id = commands.start(session, prompt("look up both", engine));
    JsonObject done = commands.awaitStatus(session, id, "completed");

    assertThat(done.getJsonObject("result").getString("text")).isEqualTo("Result: dot, underscore");
    assertThat(commands.events(session, id, "engine.tool_call").stream().map(e -> e.getJsonObject("data").getString("name")))
        .containsExactly("geo.lookup", "geo_lookup");
    assertThat(receiver.deliveries("/geo/dot")).singleElement().satisfies(d -> assertThat(d.body().getString("tool")).isEqualTo("geo.lookup"));
    assertThat(receiver.deliveries("/geo/underscore")).singleElement()
        .satisfies(d -> assertThat(d.body().getString("tool")).isEqualTo("geo_lookup"));
  }

  @Test
  @DisplayName("configuration.tools offers only the tools it names: a call of another one is an Unknown tool error the model reads")
  void configurationSubset() {
    String session = session();
    register(session, "weather.subset", "/weather/subset", new JsonObject(), Answer.of(200, new JsonObject().put("result", "fog")));
    String engine = scriptedEngine(session, new JsonObject().put("tools", new JsonArray().add("weather.subset").add("not.registered"))
        .put("script", script(new JsonArray().add(call("weather.subset", new JsonObject().put("city", "London")))
            .add(call("math.evaluate", new JsonObject().put("expression", "1+1"))))));

    String id = commands.start(session, prompt("weather?", engine));
    commands.awaitStatus(session, id, "completed");

    List<JsonObject> results = commands.events(session, id, "engine.tool_result").stream().map(e -> e.getJsonObject("data")).toList();
    assertThat(results).hasSize(2);
    assertThat(results.get(0).getString("result")).isEqualTo("fog");
    assertThat(results.get(1).getBoolean("is_error")).isTrue();
    assertThat(results.get(1).getString("result")).contains("Unknown tool").contains("weather_subset").doesNotContain("clock_now");
  }

  @Test
  @DisplayName("an engine run's bad arguments and failing tool are tool errors the model reads; the run goes on and completes")
  void engineToolErrors() {
    String session = session();
    register(session, "weather.broken", "/weather/broken", new JsonObject(), Answer.of(500, new JsonObject()));
    String engine = scriptedEngine(session, new JsonObject().put("script", script(new JsonArray()
        .add(call("weather.broken", new JsonObject().put("town", "X")))
        .add(call("weather.broken", new JsonObject().put("city", "X"))))));

    String id = commands.start(session, prompt("weather?", engine));
    commands.awaitStatus(session, id, "completed");

    List<JsonObject> results = commands.events(session, id, "engine.tool_result").stream().map(e -> e.getJsonObject("data")).toList();
    assertThat(results).extracting(r -> r.getBoolean("is_error")).containsExactly(true, true);
    assertThat(results.get(0).getString("result")).contains("Invalid arguments").contains("arguments.city").contains("arguments.town");
    assertThat(results.get(1).getString("result")).contains("HTTP 500");
    assertThat(receiver.deliveries("/weather/broken")).hasSize(1);
  }
}
