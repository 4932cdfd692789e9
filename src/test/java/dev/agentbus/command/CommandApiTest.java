package dev.agentbus.command;

import static dev.agentbus.command.CommandClient.badFields;
import static dev.agentbus.command.CommandClient.command;
import static dev.agentbus.command.CommandClient.echo;
import static dev.agentbus.command.CommandClient.errorCode;
import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.support.TestNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Submitting, polling, waiting for and listing commands over HTTP. */
class CommandApiTest {
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

  @Test
  @DisplayName("an echo command is accepted as pending with a Location, and polling it yields its parameters as result")
  void echoRoundTrip() {
    String session = node.createSession();
    JsonObject parameters = new JsonObject().put("text", "hello").put("n", 3).put("nested", new JsonObject().put("ok", true));

    HttpResponse<Buffer> response = commands.submit(session, command("echo", parameters));

    assertThat(response.statusCode()).isEqualTo(202);
    JsonObject accepted = response.bodyAsJsonObject();
    String id = accepted.getString("command_id");
    assertThat(id).startsWith("cmd_");
    assertThat(accepted.getString("status")).isEqualTo("pending");
    assertThat(accepted.getValue("result")).isNull();
    assertThat(accepted.getValue("error")).isNull();
    assertThat(accepted.getString("created_at")).isNotBlank();
    assertThat(response.getHeader("Location")).isEqualTo("/api/v1/sessions/" + session + "/commands/" + id);

    JsonObject done = commands.awaitStatus(session, id, "completed");
    assertThat(done.getJsonObject("result")).isEqualTo(parameters);
    assertThat(done.getValue("error")).isNull();
    assertThat(done.getString("command_type")).isEqualTo("echo");
    assertThat(done.getString("started_at")).isNotBlank();
    assertThat(done.getString("completed_at")).isNotBlank();

    HttpResponse<Buffer> viaLocation = node.client().get(response.getHeader("Location")).send().await();
    assertThat(viaLocation.statusCode()).isEqualTo(200);
    assertThat(viaLocation.bodyAsJsonObject().getString("status")).isEqualTo("completed");
  }

  @Test
  @DisplayName("?wait=5 answers 200 with the final command when it finishes in time")
  void waitReturnsFinalState() {
    String session = node.createSession();

    HttpResponse<Buffer> response = commands.submit(session, echo("x", 1), "wait=5");

    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    JsonObject command = response.bodyAsJsonObject();
    assertThat(command.getString("status")).isEqualTo("completed");
    assertThat(command.getJsonObject("result")).isEqualTo(new JsonObject().put("x", 1));
    assertThat(response.getHeader("Location")).endsWith("/commands/" + command.getString("command_id"));
  }

  @Test
  @DisplayName("?wait answers 200 for a command that fails in time, with its error")
  void waitReturnsFailure() {
    String session = node.createSession();

    HttpResponse<Buffer> response = commands.submit(session, CommandClient.prompt("hi", "eng_missing"), "wait=5");

    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    assertThat(response.bodyAsJsonObject().getString("status")).isEqualTo("failed");
    assertThat(response.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("ENGINE_NOT_FOUND");
  }

  @Test
  @DisplayName("?wait answers 202 with the unfinished command when it does not finish in time")
  void waitTimesOutWith202() {
    String session = node.createSession();
    String engine = commands.dummyEngine(session, 300, CommandClient.words(20));

    long before = System.nanoTime();
    HttpResponse<Buffer> response = commands.submit(session, CommandClient.prompt("slow", engine), "wait=1");
    long tookMs = (System.nanoTime() - before) / 1_000_000;

    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(202);
    JsonObject command = response.bodyAsJsonObject();
    assertThat(command.getString("status")).isIn("pending", "executing");
    assertThat(tookMs).as("the server waited about the requested second").isBetween(900L, 5_000L);
    commands.cancel(session, command.getString("command_id"));
  }

  @Test
  @DisplayName("?wait is honoured up to its end even when it is longer than the node's request timeout")
  void waitLongerThanRequestTimeout() {
    // A node whose internal request timeout (2 s) is shorter than the wait the client asks for (3 s).
    try (TestNode shortTimeout = TestNode.start(new JsonObject().put("http", new JsonObject().put("request_timeout_ms", 2_000)))) {
      CommandClient client = new CommandClient(shortTimeout);
      String session = shortTimeout.createSession();
      String engine = client.dummyEngine(session, 500, CommandClient.words(20));

      HttpResponse<Buffer> response = client.submit(session, CommandClient.prompt("slow", engine), "wait=3");

      assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(202);
      assertThat(response.bodyAsJsonObject().getString("status")).isEqualTo("executing");
      client.cancel(session, response.bodyAsJsonObject().getString("command_id"));
    }
  }

  @Test
  @DisplayName("?wait above 60 seconds is refused with 400 naming the wait parameter")
  void waitAboveMaximum() {
    String session = node.createSession();

    HttpResponse<Buffer> response = commands.submit(session, echo("x", 1), "wait=61");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(errorCode(response)).isEqualTo("VALIDATION_ERROR");
    assertThat(badFields(response)).containsExactly("wait");
    assertThat(commands.list(session, "").bodyAsJsonObject().getJsonArray("data")).isEmpty();
  }

  @Test
  @DisplayName("engine.prompt without a prompt is refused with 400 naming parameters.prompt")
  void promptRequired() {
    String session = node.createSession();

    HttpResponse<Buffer> response = commands.submit(session, command("engine.prompt", new JsonObject()));

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(errorCode(response)).isEqualTo("VALIDATION_ERROR");
    assertThat(badFields(response)).containsExactly("parameters.prompt");
    assertThat(commands.list(session, "").bodyAsJsonObject().getJsonArray("data")).isEmpty();
  }

  @Test
  @DisplayName("a bad priority and a bad timeout are both named in one 400")
  void badMetadata() {
    String session = node.createSession();

    HttpResponse<Buffer> response = commands.submit(session, command("echo", new JsonObject(),
        new JsonObject().put("priority", "urgent").put("timeout", 0)));

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(badFields(response)).containsExactlyInAnyOrder("metadata.priority", "metadata.timeout");
  }

  @Test
  @DisplayName("an unknown command type is refused with 422 HANDLER_NOT_FOUND and nothing is stored")
  void unknownType() {
    String session = node.createSession();

    HttpResponse<Buffer> response = commands.submit(session, command("no.such.type", new JsonObject()));

    assertThat(response.statusCode()).isEqualTo(422);
    assertThat(errorCode(response)).isEqualTo("HANDLER_NOT_FOUND");
    assertThat(commands.list(session, "").bodyAsJsonObject().getJsonArray("data")).isEmpty();
    assertThat(commands.events(session)).noneMatch(e -> e.getString("event_type").startsWith("command."));
  }

  @Test
  @DisplayName("commands of an unknown session are 404 SESSION_NOT_FOUND for submit, batch, list, get and cancel")
  void unknownSession() {
    String missing = "ses_doesnotexist";

    HttpResponse<Buffer> submit = commands.submit(missing, echo("x", 1));
    HttpResponse<Buffer> list = commands.list(missing, "");
    HttpResponse<Buffer> batch = commands.batch(missing, new JsonObject().put("commands", new JsonArray().add(echo("x", 1))));
    HttpResponse<Buffer> get = commands.getResponse(missing, "cmd_doesnotexist");
    HttpResponse<Buffer> cancel = commands.cancelResponse(missing, "cmd_doesnotexist");

    for (HttpResponse<Buffer> response : List.of(submit, list, batch, get, cancel)) {
      assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(404);
      assertThat(errorCode(response)).isEqualTo("SESSION_NOT_FOUND");
      assertThat(response.bodyAsJsonObject().getJsonObject("error").getJsonObject("details").getString("session_id"))
          .isEqualTo(missing);
    }
  }

  @Test
  @DisplayName("an unknown command is 404 COMMAND_NOT_FOUND, also when it exists in another session")
  void unknownCommand() {
    String session = node.createSession();
    String other = node.createSession();
    String foreign = commands.start(other, echo("x", 1));

    HttpResponse<Buffer> missing = commands.getResponse(session, "cmd_doesnotexist");
    HttpResponse<Buffer> wrongSession = commands.getResponse(session, foreign);
    HttpResponse<Buffer> cancelMissing = commands.cancelResponse(session, "cmd_doesnotexist");

    for (HttpResponse<Buffer> response : List.of(missing, wrongSession, cancelMissing)) {
      assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(404);
      assertThat(errorCode(response)).isEqualTo("COMMAND_NOT_FOUND");
    }
    assertThat(commands.get(other, foreign).getString("command_id")).isEqualTo(foreign);
  }

  @Test
  @DisplayName("the command list filters by status and by command_type")
  void listFilters() {
    String session = node.createSession();
    String echoed = commands.start(session, echo("a", 1));
    String failed = commands.start(session, CommandClient.prompt("hi", "eng_missing"));
    commands.awaitStatus(session, echoed, "completed");
    commands.awaitStatus(session, failed, "failed");

    List<String> completed = ids(commands.list(session, "status=completed"));
    List<String> failedOnes = ids(commands.list(session, "status=failed"));
    List<String> echoes = ids(commands.list(session, "command_type=echo"));
    List<String> prompts = ids(commands.list(session, "command_type=engine.prompt"));
    List<String> none = ids(commands.list(session, "status=completed&command_type=engine.prompt"));

    assertThat(completed).containsExactly(echoed);
    assertThat(failedOnes).containsExactly(failed);
    assertThat(echoes).containsExactly(echoed);
    assertThat(prompts).containsExactly(failed);
    assertThat(none).isEmpty();
  }

  @Test
  @DisplayName("an unknown status filter is refused with 400 naming status")
  void listBadStatus() {
    String session = node.createSession();

    HttpResponse<Buffer> response = commands.list(session, "status=done");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(badFields(response)).containsExactly("status");
  }

  @Test
  @DisplayName("a list limit outside 1..500 is refused with 400 naming limit")
  void listBadLimit() {
    String session = node.createSession();

    for (String limit : List.of("0", "501", "ten")) {
      HttpResponse<Buffer> response = commands.list(session, "limit=" + limit);
      assertThat(response.statusCode()).as("limit=%s", limit).isEqualTo(400);
      assertThat(badFields(response)).containsExactly("limit");
    }
  }

  @Test
  @DisplayName("cursor pagination walks every command once, in creation order")
  void listPagination() {
    String session = node.createSession();
    List<String> created = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      created.add(commands.start(session, echo("i", i)));
    }

    List<String> seen = new ArrayList<>();
    List<Integer> pageSizes = new ArrayList<>();
    String cursor = null;
    for (int pages = 0; pages < 10; pages++) {
      HttpResponse<Buffer> page = commands.list(session, "limit=2" + (cursor == null ? "" : "&cursor=" + cursor));
      assertThat(page.statusCode()).as(page.bodyAsString()).isEqualTo(200);
      JsonObject body = page.bodyAsJsonObject();
      pageSizes.add(body.getJsonArray("data").size());
      seen.addAll(ids(page));
      if (!body.getBoolean("has_more")) {
        assertThat(body.getValue("next_cursor")).isNull();
        break;
      }
      cursor = body.getString("next_cursor");
      assertThat(cursor).isNotBlank();
    }

    assertThat(pageSizes).containsExactly(2, 2, 1);
    assertThat(seen).containsExactlyElementsOf(created);
  }

  @Test
  @DisplayName("each status change emits its command event with the command_id, accepted < started < completed by seq")
  void eventOrder() {
    String session = node.createSession();
    String id = commands.start(session, echo("x", 1));
    commands.awaitStatus(session, id, "completed");

    List<JsonObject> events = commands.events(session, id);

    assertThat(events).extracting(e -> e.getString("event_type"))
        .containsExactly("command.accepted", "command.started", "command.completed");
    assertThat(events).extracting(e -> e.getLong("seq")).isSorted().doesNotHaveDuplicates();
    assertThat(events).allSatisfy(e -> {
      assertThat(e.getString("command_id")).isEqualTo(id);
      assertThat(e.getJsonObject("data").getString("command_id")).isEqualTo(id);
    });
    assertThat(events).extracting(e -> e.getJsonObject("data").getString("status"))
        .containsExactly("pending", "executing", "completed");
    assertThat(events.get(2).getJsonObject("data").getJsonObject("result")).isEqualTo(new JsonObject().put("x", 1));
  }

  private static List<String> ids(HttpResponse<Buffer> page) {
    assertThat(page.statusCode()).as(page.bodyAsString()).isEqualTo(200);
    return page.bodyAsJsonObject().getJsonArray("data").stream()
        .map(c -> ((JsonObject) c).getString("command_id")).toList();
  }
}
