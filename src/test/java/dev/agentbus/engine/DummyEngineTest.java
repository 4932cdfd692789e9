package dev.agentbus.engine;

import static dev.agentbus.command.CommandClient.errorCode;
import static dev.agentbus.command.CommandClient.prompt;
import static dev.agentbus.command.CommandClient.words;
import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.command.CommandClient;
import dev.agentbus.support.TestNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The dummy engine: {@code POST /engines} and {@code engine.prompt} runs streamed as {@code engine.*} events. */
class DummyEngineTest {
  static TestNode node;
  static CommandClient commands;

  @BeforeAll
  static void start() {
    node = TestNode.start();
    commands = new CommandClient(node);
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static HttpResponse<Buffer> createEngine(JsonObject body) {
    return node.post("/engines", body);
  }

  /** Runs a prompt to completion and returns the completed command. */
  private static JsonObject run(String session, JsonObject command) {
    String id = commands.start(session, command);
    return commands.awaitStatus(session, id, "completed");
  }

  /** Checks the engine events of one completed run against its result and returns the token texts. */
  private static List<String> assertStreamedRun(String session, JsonObject completed) {
    String id = completed.getString("command_id");
    String text = completed.getJsonObject("result").getString("text");
    List<JsonObject> events = commands.events(session, id);
    List<JsonObject> tokens = events.stream().filter(e -> e.getString("event_type").equals("engine.token")).toList();

    assertThat(tokens).extracting(t -> t.getJsonObject("data").getInteger("index"))
        .as("token indexes in seq order")
        .containsExactlyElementsOf(IntStream.range(0, tokens.size()).boxed().toList());
    assertThat(tokens).allSatisfy(t -> assertThat(t.getJsonObject("data").getString("channel")).isEqualTo("content"));
    List<String> texts = tokens.stream().map(t -> t.getJsonObject("data").getString("text")).toList();
    assertThat(String.join("", texts)).as("the tokens spell the result").isEqualTo(text);
    assertThat(completed.getJsonObject("result").getInteger("tokens")).isEqualTo(tokens.size());

    List<String> types = events.stream().map(e -> e.getString("event_type")).toList();
    List<String> engineTypes = types.stream().filter(t -> t.startsWith("engine.")).toList();
    assertThat(engineTypes.get(engineTypes.size() - 1)).as("engine.message comes last").isEqualTo("engine.message");
    assertThat(engineTypes).filteredOn("engine.message"::equals).hasSize(1);
    assertThat(types.get(types.size() - 1)).isEqualTo("command.completed");
    assertThat(types.indexOf("engine.message")).isEqualTo(types.size() - 2);
    JsonObject message = events.get(types.indexOf("engine.message")).getJsonObject("data");
    assertThat(message.getString("content")).isEqualTo(text);
    assertThat(message.getString("role")).isEqualTo("assistant");
    return texts;
  }

  @Test
  @DisplayName("POST /engines with engine_type dummy answers 201 with the engine, which can be read back")
  void createDummy() {
    String session = node.createSession();

    HttpResponse<Buffer> created = createEngine(new JsonObject().put("engine_type", "dummy").put("session_id", session)
        .put("configuration", new JsonObject().put("token_delay_ms", 5).put("response", "hi there")));

    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    JsonObject engine = created.bodyAsJsonObject();
    assertThat(engine.getString("engine_id")).startsWith("eng_");
    assertThat(engine.getString("engine_type")).isEqualTo("dummy");
    assertThat(engine.getString("status")).isEqualTo("initialized");
    assertThat(engine.getString("session_id")).isEqualTo(session);
    assertThat(engine.getString("created_at")).isNotBlank();
    assertThat(created.getHeader("Location")).isEqualTo("/api/v1/engines/" + engine.getString("engine_id"));

    HttpResponse<Buffer> read = node.get("/engines/" + engine.getString("engine_id"));
    assertThat(read.statusCode()).isEqualTo(200);
    assertThat(read.bodyAsJsonObject()).isEqualTo(engine);
  }

  @Test
  @DisplayName("an unsupported engine_type is refused with 422 UNSUPPORTED")
  void unsupportedType() {
    String session = node.createSession();

    HttpResponse<Buffer> created = createEngine(new JsonObject().put("engine_type", "skynet").put("session_id", session));

    assertThat(created.statusCode()).isEqualTo(422);
    assertThat(errorCode(created)).isEqualTo("UNSUPPORTED");
  }

  @Test
  @DisplayName("an engine for an unknown session is 404 SESSION_NOT_FOUND, an unknown engine 404 ENGINE_NOT_FOUND")
  void notFound() {
    HttpResponse<Buffer> created = createEngine(new JsonObject().put("engine_type", "dummy").put("session_id", "ses_doesnotexist"));
    HttpResponse<Buffer> read = node.get("/engines/eng_doesnotexist");

    assertThat(created.statusCode()).isEqualTo(404);
    assertThat(errorCode(created)).isEqualTo("SESSION_NOT_FOUND");
    assertThat(read.statusCode()).isEqualTo(404);
    assertThat(errorCode(read)).isEqualTo("ENGINE_NOT_FOUND");
  }

  @Test
  @DisplayName("a missing engine_type and a negative token delay are named in one 400")
  void invalidEngine() {
    String session = node.createSession();

    HttpResponse<Buffer> created = createEngine(new JsonObject().put("session_id", session)
        .put("configuration", new JsonObject().put("token_delay_ms", -1)));

    assertThat(created.statusCode()).isEqualTo(400);
    assertThat(CommandClient.badFields(created)).containsExactlyInAnyOrder("engine_type", "configuration.token_delay_ms");
  }

  @Test
  @DisplayName("a configured response streams one word per engine.token, index 0..n-1, then engine.message, and is the result")
  void configuredResponseStreamsTokens() {
    String session = node.createSession();
    String response = "The quick brown fox jumps over the lazy dog";
    String engine = commands.dummyEngine(session, 5, response);

    JsonObject completed = run(session, prompt("ignored", engine));

    assertThat(completed.getJsonObject("result").getString("text")).isEqualTo(response);
    assertThat(completed.getJsonObject("result").getString("engine_id")).isEqualTo(engine);
    assertThat(completed.getJsonObject("result").getString("engine_type")).isEqualTo("dummy");
    List<String> tokens = assertStreamedRun(session, completed);
    assertThat(tokens).containsExactly("The ", "quick ", "brown ", "fox ", "jumps ", "over ", "the ", "lazy ", "dog");
  }

  @Test
  @DisplayName("without an engine the dummy answers 'Echo: <prompt>'")
  void defaultEcho() {
    String session = node.createSession();

    JsonObject completed = run(session, prompt("hello there world"));

    assertThat(completed.getJsonObject("result").getString("text")).isEqualTo("Echo: hello there world");
    assertThat(assertStreamedRun(session, completed)).containsExactly("Echo: ", "hello ", "there ", "world");
  }

  @Test
  @DisplayName("with no token delay, hundreds of tokens still arrive complete and in order")
  void manyTokensInOrder() {
    String session = node.createSession();
    String engine = commands.dummyEngine(session, 0, words(300));

    JsonObject completed = run(session, prompt("go", engine));

    assertThat(assertStreamedRun(session, completed)).hasSize(300);
    assertThat(completed.getJsonObject("result").getString("text")).isEqualTo(words(300));
  }

  @Test
  @DisplayName("token_delay_ms spaces the tokens out")
  void tokenDelayIsHonoured() {
    String session = node.createSession();
    String engine = commands.dummyEngine(session, 150, words(4));

    JsonObject completed = run(session, prompt("go", engine));

    List<JsonObject> events = commands.events(session, completed.getString("command_id"));
    Instant firstToken = events.stream().filter(e -> e.getString("event_type").equals("engine.token"))
        .map(e -> Instant.parse(e.getString("created_at"))).findFirst().orElseThrow();
    Instant message = events.stream().filter(e -> e.getString("event_type").equals("engine.message"))
        .map(e -> Instant.parse(e.getString("created_at"))).findFirst().orElseThrow();
    assertThat(Duration.between(firstToken, message)).as("4 tokens, 150 ms apart").isGreaterThanOrEqualTo(Duration.ofMillis(440));
  }

  @Test
  @DisplayName("engine_id selects which of the session's engines answers")
  void engineIdSelectsEngine() {
    String session = node.createSession();
    String alpha = commands.dummyEngine(session, 1, "alpha says hi");
    String beta = commands.dummyEngine(session, 1, "beta says hi");

    JsonObject fromAlpha = run(session, prompt("x", alpha));
    JsonObject fromBeta = run(session, prompt("x", beta));

    assertThat(fromAlpha.getJsonObject("result").getString("text")).isEqualTo("alpha says hi");
    assertThat(fromAlpha.getJsonObject("result").getString("engine_id")).isEqualTo(alpha);
    assertThat(fromBeta.getJsonObject("result").getString("text")).isEqualTo("beta says hi");
    assertThat(fromBeta.getJsonObject("result").getString("engine_id")).isEqualTo(beta);
  }

  @Test
  @DisplayName("engine.prompt with an unknown engine_id fails with ENGINE_NOT_FOUND and streams nothing")
  void unknownEngineFails() {
    String session = node.createSession();
    String id = commands.start(session, prompt("x", "eng_doesnotexist"));

    JsonObject failed = commands.awaitStatus(session, id, "failed");

    assertThat(failed.getJsonObject("error").getString("code")).isEqualTo("ENGINE_NOT_FOUND");
    assertThat(failed.getValue("result")).isNull();
    assertThat(commands.events(session, id)).noneMatch(e -> e.getString("event_type").startsWith("engine."));
    assertThat(commands.events(session, id, "command.failed")).hasSize(1);
  }

  @Test
  @DisplayName("an engine of another session cannot be used: ENGINE_NOT_FOUND")
  void engineOfOtherSession() {
    String owner = node.createSession();
    String stranger = node.createSession();
    String engine = commands.dummyEngine(owner, 1, "private");
    String id = commands.start(stranger, prompt("x", engine));

    JsonObject failed = commands.awaitStatus(stranger, id, "failed");

    assertThat(failed.getJsonObject("error").getString("code")).isEqualTo("ENGINE_NOT_FOUND");
  }

  /** The seq of the command's last event of that type among the session's events. */
  private static long seq(List<JsonObject> events, String commandId, String eventType) {
    return events.stream().filter(e -> commandId.equals(e.getString("command_id")) && eventType.equals(e.getString("event_type")))
        .mapToLong(e -> e.getLong("seq")).reduce((first, last) -> last)
        .orElseThrow(() -> new AssertionError("no " + eventType + " of " + commandId + " in " + events));
  }

  /** A session and the command whose run holds its conversation lock. */
  private record Busy(String session, String running) {}

  /** A new session with a run of {@code words} slow tokens under way (it holds the conversation lock). */
  private static Busy busySession(int words) {
    String session = node.createSession();
    commands.dummyEngine(session, 100, words(words));
    String running = commands.start(session, prompt("long"));
    commands.awaitFirstToken(session, running);
    return new Busy(session, running);
  }

  @Test
  @DisplayName("a second prompt to a busy session stays pending while it waits, and starts only after the first completed")
  void secondPromptStartsAfterTheFirst() {
    Busy busy = busySession(20);
    String session = busy.session();
    String second = commands.start(session, prompt("second"));

    JsonObject waiting = commands.get(session, second);
    assertThat(commands.get(session, busy.running()).getString("status")).isEqualTo("executing");
    assertThat(waiting.getString("status")).as("waiting for the conversation lock").isEqualTo("pending");
    assertThat(waiting.getString("started_at")).isNull();
    assertThat(commands.events(session, second, "command.started")).isEmpty();

    commands.awaitStatus(session, busy.running(), "completed");
    commands.awaitStatus(session, second, "completed");
    List<JsonObject> events = commands.events(session);
    long secondStarted = seq(events, second, "command.started");
    assertThat(secondStarted).as("the second's command.started after the first's command.completed")
        .isGreaterThan(seq(events, busy.running(), "command.completed"));
    assertThat(events).filteredOn(e -> second.equals(e.getString("command_id")) && e.getString("event_type").startsWith("engine."))
        .isNotEmpty().allSatisfy(e -> assertThat(e.getLong("seq")).isGreaterThan(secondStarted));
  }

  @Test
  @DisplayName("a prompt cancelled or timed out while it waits for the session's lock ends so, never starts, and frees the session")
  void waitingPromptCancelledOrTimedOut() {
    Busy busy = busySession(30);
    String session = busy.session();
    String cancelled = commands.start(session, prompt("cancel me"));
    String timedOut = commands.start(session, CommandClient.command("engine.prompt", new JsonObject().put("prompt", "too late"),
        new JsonObject().put("timeout", 1)));

    assertThat(commands.cancel(session, cancelled).getString("status")).isEqualTo("cancelled");
    commands.awaitStatus(session, timedOut, "timed_out");
    commands.awaitStatus(session, busy.running(), "completed");
    JsonObject after = commands.awaitStatus(session, commands.start(session, prompt("after")), "completed");

    assertThat(after.getJsonObject("result").getString("text")).isEqualTo(words(30));
    for (String stopped : List.of(cancelled, timedOut)) {
      assertThat(commands.events(session, stopped)).extracting(e -> e.getString("event_type"))
          .as("events of " + stopped).doesNotContain("command.started").noneMatch(type -> type.startsWith("engine."));
    }
    assertThat(commands.get(session, cancelled).getString("status")).isEqualTo("cancelled");
    assertThat(commands.get(session, timedOut).getString("status")).isEqualTo("timed_out");
  }
}
