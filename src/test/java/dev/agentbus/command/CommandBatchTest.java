package dev.agentbus.command;

import static dev.agentbus.command.CommandClient.badFields;
import static dev.agentbus.command.CommandClient.command;
import static dev.agentbus.command.CommandClient.echo;
import static dev.agentbus.command.CommandClient.errorCode;
import static dev.agentbus.command.CommandClient.prompt;
import static dev.agentbus.command.CommandClient.words;
import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.support.TestNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** {@code POST /sessions/{id}/commands/batch}: parallel, sequential, stop_on_error and all-or-nothing validation. */
class CommandBatchTest {
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

  private static JsonObject batch(String mode, boolean stopOnError, JsonObject... items) {
    return new JsonObject().put("commands", new JsonArray(List.of((Object[]) items)))
        .put("mode", mode).put("stop_on_error", stopOnError);
  }

  private static List<String> ids(JsonObject accepted) {
    return accepted.getJsonArray("commands").stream().map(c -> ((JsonObject) c).getString("command_id")).toList();
  }

  private JsonObject accepted(String session, JsonObject body) {
    HttpResponse<Buffer> response = commands.batch(session, body);
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(202);
    return response.bodyAsJsonObject();
  }

  @Test
  @DisplayName("a parallel batch answers 202 with one pending entry per command, and every command completes")
  void parallelBatch() {
    String session = node.createSession();

    JsonObject accepted = accepted(session, batch("parallel", false, echo("i", 0), echo("i", 1), echo("i", 2)));

    assertThat(accepted.getString("batch_id")).isNotBlank();
    assertThat(accepted.getString("mode")).isEqualTo("parallel");
    JsonArray entries = accepted.getJsonArray("commands");
    assertThat(entries).hasSize(3);
    for (int i = 0; i < 3; i++) {
      JsonObject entry = entries.getJsonObject(i);
      assertThat(entry.getString("command_id")).startsWith("cmd_");
      assertThat(entry.getString("status")).isEqualTo("pending");
      assertThat(entry.getString("batch_id")).isEqualTo(accepted.getString("batch_id"));
      assertThat(entry.getInteger("batch_index")).isEqualTo(i);
      assertThat(entry.getJsonObject("parameters")).isEqualTo(new JsonObject().put("i", i));
    }
    List<String> ids = ids(accepted);
    assertThat(ids).doesNotHaveDuplicates();
    for (int i = 0; i < 3; i++) {
      JsonObject done = commands.awaitStatus(session, ids.get(i), "completed");
      assertThat(done.getJsonObject("result")).isEqualTo(new JsonObject().put("i", i));
    }
    assertThat(commands.list(session, "").bodyAsJsonObject().getJsonArray("data")).hasSize(3);
  }

  @Test
  @DisplayName("a batch without a mode runs in parallel")
  void defaultModeIsParallel() {
    String session = node.createSession();

    JsonObject accepted = accepted(session, new JsonObject().put("commands", new JsonArray().add(echo("a", 1)).add(echo("b", 2))));

    assertThat(accepted.getString("mode")).isEqualTo("parallel");
    ids(accepted).forEach(id -> commands.awaitStatus(session, id, "completed"));
  }

  @Test
  @DisplayName("in a parallel batch a failing command does not stop the others")
  void parallelFailureIsIsolated() {
    String session = node.createSession();

    List<String> ids = ids(accepted(session, batch("parallel", true, echo("i", 0), prompt("x", "eng_missing"), echo("i", 2))));

    assertThat(commands.awaitStatus(session, ids.get(1), "failed").getJsonObject("error").getString("code"))
        .isEqualTo("ENGINE_NOT_FOUND");
    commands.awaitStatus(session, ids.get(0), "completed");
    commands.awaitStatus(session, ids.get(2), "completed");
  }

  @Test
  @DisplayName("a sequential batch starts each command only after the previous one has finished")
  void sequentialRunsInOrder() {
    String session = node.createSession();
    String engine = commands.dummyEngine(session, 30, words(4));

    JsonObject accepted = accepted(session, batch("sequential", false,
        prompt("one", engine), prompt("two", engine), prompt("three", engine), echo("four", 4)));
    List<String> ids = ids(accepted);
    assertThat(accepted.getString("mode")).isEqualTo("sequential");
    ids.forEach(id -> commands.awaitStatus(session, id, "completed"));

    List<JsonObject> events = commands.events(session);
    List<String> startOrder = events.stream().filter(e -> e.getString("event_type").equals("command.started"))
        .map(e -> e.getString("command_id")).toList();
    assertThat(startOrder).containsExactlyElementsOf(ids);
    Map<String, Long> started = seqByCommand(events, "command.started");
    Map<String, Long> completed = seqByCommand(events, "command.completed");
    for (int i = 1; i < ids.size(); i++) {
      assertThat(started.get(ids.get(i)))
          .as("command %d starts after command %d completed", i, i - 1)
          .isGreaterThan(completed.get(ids.get(i - 1)));
    }
    // No engine output of a later command appears before the previous one completed.
    for (int i = 1; i < 3; i++) {
      String id = ids.get(i);
      long previousDone = completed.get(ids.get(i - 1));
      assertThat(events).filteredOn(e -> id.equals(e.getString("command_id")) && e.getString("event_type").startsWith("engine."))
          .isNotEmpty()
          .allSatisfy(e -> assertThat(e.getLong("seq")).isGreaterThan(previousDone));
    }
  }

  @Test
  @DisplayName("with stop_on_error a failed sequential command cancels the rest with BATCH_ABORTED; they never start")
  void stopOnError() {
    String session = node.createSession();

    List<String> ids = ids(accepted(session, batch("sequential", true,
        echo("i", 0), prompt("x", "eng_missing"), echo("i", 2), echo("i", 3))));

    commands.awaitStatus(session, ids.get(0), "completed");
    assertThat(commands.awaitStatus(session, ids.get(1), "failed").getJsonObject("error").getString("code"))
        .isEqualTo("ENGINE_NOT_FOUND");
    for (String rest : ids.subList(2, 4)) {
      JsonObject cancelled = commands.awaitStatus(session, rest, "cancelled");
      assertThat(cancelled.getJsonObject("error").getString("code")).isEqualTo("BATCH_ABORTED");
      assertThat(cancelled.getValue("started_at")).isNull();
      assertThat(commands.events(session, rest)).extracting(e -> e.getString("event_type"))
          .containsExactly("command.accepted", "command.cancelled");
    }
  }

  @Test
  @DisplayName("without stop_on_error a sequential batch carries on after a failed command")
  void continueOnError() {
    String session = node.createSession();

    List<String> ids = ids(accepted(session, batch("sequential", false,
        echo("i", 0), prompt("x", "eng_missing"), echo("i", 2))));

    commands.awaitStatus(session, ids.get(1), "failed");
    assertThat(commands.awaitStatus(session, ids.get(2), "completed").getJsonObject("result"))
        .isEqualTo(new JsonObject().put("i", 2));
    assertThat(seqByCommand(commands.events(session), "command.started").get(ids.get(2)))
        .isGreaterThan(commands.seqOf(session, ids.get(1), "command.failed"));
  }

  @Test
  @DisplayName("cancelling a waiting command of a sequential batch skips it and the batch goes on")
  void cancelInsideSequentialBatch() {
    String session = node.createSession();
    String engine = commands.dummyEngine(session, 100, words(20));

    List<String> ids = ids(accepted(session, batch("sequential", true,
        prompt("first", engine), echo("i", 1), echo("i", 2))));
    commands.awaitFirstToken(session, ids.get(0));
    JsonObject skipped = commands.cancel(session, ids.get(1));

    assertThat(skipped.getString("status")).isEqualTo("cancelled");
    commands.awaitStatus(session, ids.get(0), "completed");
    commands.awaitStatus(session, ids.get(2), "completed");
    assertThat(commands.get(session, ids.get(1)).getString("status")).isEqualTo("cancelled");
    assertThat(commands.events(session, ids.get(1), "command.started")).isEmpty();
  }

  @Test
  @DisplayName("a batch with one invalid item is refused with 400 naming commands[i] and nothing is stored")
  void invalidItemRejectsWholeBatch() {
    String session = node.createSession();

    HttpResponse<Buffer> response = commands.batch(session, batch("sequential", false,
        echo("i", 0), command("engine.prompt", new JsonObject()), echo("i", 2)));

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(errorCode(response)).isEqualTo("VALIDATION_ERROR");
    assertThat(badFields(response)).containsExactly("commands[1].parameters.prompt");
    assertNothingStored(session);
  }

  @Test
  @DisplayName("every malformed batch item is named in one 400 and nothing is stored")
  void malformedItems() {
    String session = node.createSession();
    JsonObject body = new JsonObject().put("commands", new JsonArray()
        .add("not an object")
        .add(echo("i", 1))
        .add(command("echo", new JsonObject(), new JsonObject().put("priority", "urgent")))
        .add(new JsonObject().put("parameters", new JsonObject())));

    HttpResponse<Buffer> response = commands.batch(session, body);

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(badFields(response)).containsExactlyInAnyOrder(
        "commands[0]", "commands[2].metadata.priority", "commands[3].command_type");
    assertNothingStored(session);
  }

  @Test
  @DisplayName("a batch with an unknown command type is refused with 422 HANDLER_NOT_FOUND naming the item, nothing stored")
  void unknownTypeInBatch() {
    String session = node.createSession();

    HttpResponse<Buffer> response = commands.batch(session, batch("parallel", false,
        echo("i", 0), command("no.such.type", new JsonObject())));

    assertThat(response.statusCode()).isEqualTo(422);
    assertThat(errorCode(response)).isEqualTo("HANDLER_NOT_FOUND");
    assertThat(response.bodyAsJsonObject().getJsonObject("error").getJsonObject("details").getString("field"))
        .isEqualTo("commands[1].command_type");
    assertNothingStored(session);
  }

  @Test
  @DisplayName("a batch of more than 100 commands is refused with 400 naming commands; 100 is accepted")
  void batchSizeLimit() {
    String session = node.createSession();
    JsonArray tooMany = new JsonArray();
    for (int i = 0; i < 101; i++) {
      tooMany.add(echo("i", i));
    }
    JsonArray justEnough = new JsonArray(tooMany.getList().subList(0, 100));

    HttpResponse<Buffer> refused = commands.batch(session, new JsonObject().put("commands", tooMany));

    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(badFields(refused)).containsExactly("commands");
    assertNothingStored(session);

    HttpResponse<Buffer> ok = commands.batch(session, new JsonObject().put("commands", justEnough));
    assertThat(ok.statusCode()).as(ok.bodyAsString()).isEqualTo(202);
    assertThat(ok.bodyAsJsonObject().getJsonArray("commands")).hasSize(100);
  }

  @Test
  @DisplayName("an unknown batch mode is refused with 400 naming mode")
  void badMode() {
    String session = node.createSession();

    HttpResponse<Buffer> response = commands.batch(session, batch("random", false, echo("i", 0)));

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(badFields(response)).containsExactly("mode");
    assertNothingStored(session);
  }

  private void assertNothingStored(String session) {
    assertThat(commands.list(session, "").bodyAsJsonObject().getJsonArray("data")).isEmpty();
    assertThat(commands.events(session)).noneMatch(e -> e.getString("event_type").startsWith("command."));
  }

  private static Map<String, Long> seqByCommand(List<JsonObject> events, String eventType) {
    return events.stream().filter(e -> e.getString("event_type").equals(eventType))
        .collect(Collectors.toMap(e -> e.getString("command_id"), e -> e.getLong("seq"), (a, b) -> {
          throw new AssertionError("two " + eventType + " events for one command");
        }));
  }
}
