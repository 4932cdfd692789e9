package dev.agentbus.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.Bus;
import dev.agentbus.support.GatedHandler;
import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.TestNode;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The ledger holds a command's events (and its {@code pending → executing} write) for up to
 * {@code commands.event_hold_ms} so they go out with its next transition; whatever the timing,
 * a command's events reach its session's log in transition order, and a race announces once.
 */
@DisplayName("Command events held in the outbox")
class CommandOutboxTest {
  private static final List<String> FINAL_EVENTS = List.of("command.completed", "command.failed", "command.cancelled",
      "command.timed_out");
  /** Long enough that a test sees a command inside its hold; the default node keeps the default hold. */
  private static final long LONG_HOLD_MS = 1_500;

  static TestNode node;
  static TestNode longHold;
  static CommandClient commands;
  static CommandClient held;

  @BeforeAll
  static void start() {
    node = TestNode.start();
    longHold = TestNode.start(new JsonObject().put("commands", new JsonObject().put("event_hold_ms", LONG_HOLD_MS)));
    commands = new CommandClient(node);
    held = new CommandClient(longHold);
  }

  @AfterAll
  static void stop() {
    node.close();
    longHold.close();
  }

  private static List<String> types(List<JsonObject> events) {
    return events.stream().map(e -> e.getString("event_type")).toList();
  }

  @Test
  @DisplayName("fast commands, waited for or not, log accepted, started and completed in that order and start pending straight to completed")
  void fastCommandsLogTheirEventsInOrder() {
    String session = node.createSession();
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      HttpResponse<Buffer> waited = commands.submit(session, CommandClient.echo("n", i), "wait=5");
      assertThat(waited.statusCode()).as(waited.bodyAsString()).isEqualTo(200);
      JsonObject command = waited.bodyAsJsonObject();
      assertThat(command.getString("status")).isEqualTo("completed");
      assertThat(command.getString("started_at")).isNotNull();
      assertThat(command.getString("completed_at")).isNotNull();
      ids.add(command.getString("command_id"));
      ids.add(commands.start(session, CommandClient.echo("m", i)));
    }
    ids.forEach(id -> commands.awaitStatus(session, id, "completed"));
    for (String id : ids) {
      await().atMost(CommandClient.PATIENCE).until(() -> commands.events(session, id).size() == 3);
      assertThat(types(commands.events(session, id))).as(id)
          .containsExactly("command.accepted", "command.started", "command.completed");
    }
  }

  @Test
  @DisplayName("a handler slower than the hold shows executing while it runs, with command.started logged before it completes")
  void slowHandlerIsExecutingWhileItRuns() {
    String session = node.createSession();
    GatedHandler slow = GatedHandler.register(node.vertx(), session, "gated");
    HttpResponse<Buffer> accepted = commands.submit(session, CommandClient.command("gated", new JsonObject()), "wait=0");
    assertThat(accepted.statusCode()).isEqualTo(202);
    String id = accepted.bodyAsJsonObject().getString("command_id");
    assertThat(accepted.bodyAsJsonObject().getLong("accepted_seq")).isEqualTo(commands.seqOf(session, id, "command.accepted"));

    JsonObject executing = commands.awaitStatus(session, id, "executing");
    assertThat(executing.getString("started_at")).isNotNull();
    await().atMost(CommandClient.PATIENCE).until(() -> commands.events(session, id).size() == 2);
    assertThat(types(commands.events(session, id))).containsExactly("command.accepted", "command.started");
    assertThat(slow.isRunning(id)).isTrue();

    slow.finish(id, new JsonObject().put("done", true));
    JsonObject completed = commands.awaitStatus(session, id, "completed");
    assertThat(completed.getJsonObject("result")).isEqualTo(new JsonObject().put("done", true));
    assertThat(completed.getString("started_at")).isEqualTo(executing.getString("started_at"));
    await().atMost(CommandClient.PATIENCE).until(() -> commands.events(session, id).size() == 3);
    assertThat(types(commands.events(session, id))).containsExactly("command.accepted", "command.started", "command.completed");
  }

  @Test
  @DisplayName("within the hold a running command still reads pending, and a cancel then logs accepted, started, cancelled")
  void cancelWithinTheHoldKeepsTheOrder() {
    String session = longHold.createSession();
    GatedHandler slow = GatedHandler.register(longHold.vertx(), session, "gated");
    String id = longHold.post("/sessions/" + session + "/commands?wait=0", CommandClient.command("gated", new JsonObject()))
        .bodyAsJsonObject().getString("command_id");
    await().atMost(CommandClient.PATIENCE).until(() -> slow.isRunning(id));
    assertThat(held.get(session, id).getString("status")).as("the executing write is held").isEqualTo("pending");

    JsonObject cancelled = held.cancel(session, id);
    assertThat(cancelled.getString("status")).isEqualTo("cancelled");
    assertThat(cancelled.getString("started_at")).as("started before it was cancelled").isNotNull();
    await().atMost(CommandClient.PATIENCE).until(() -> held.events(session, id).size() == 3);
    assertThat(types(held.events(session, id))).containsExactly("command.accepted", "command.started", "command.cancelled");
  }

  @Test
  @DisplayName("a cancel racing the completion changes the command once and logs exactly one final event, after accepted and started")
  void cancelRacingCompletionAnnouncesOnce() {
    for (TestNode racing : List.of(node, longHold)) {
      CommandClient client = new CommandClient(racing);
      String session = racing.createSession();
      GatedHandler slow = GatedHandler.register(racing.vertx(), session, "gated");
      List<String> ids = new ArrayList<>();
      List<Future<HttpResponse<Buffer>>> cancels = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        String id = client.start(session, CommandClient.command("gated", new JsonObject()));
        await().atMost(CommandClient.PATIENCE).until(() -> slow.isRunning(id));
        cancels.add(racing.client().request(HttpMethod.POST, "/api/v1/sessions/" + session + "/commands/" + id + "/cancel").send());
        slow.finish(id, new JsonObject().put("i", i));
        ids.add(id);
      }
      cancels.forEach(cancel -> assertThat(HttpCalls.await(cancel).statusCode()).isEqualTo(200));
      for (String id : ids) {
        String status = client.awaitFinal(session, id).getString("status");
        assertThat(status).isIn("completed", "cancelled");
        await().atMost(CommandClient.PATIENCE).until(() -> client.events(session, id).size() >= 3);
        List<String> logged = types(client.events(session, id));
        assertThat(logged).as(id).containsExactly("command.accepted", "command.started", "command." + status);
        assertThat(logged.stream().filter(FINAL_EVENTS::contains)).hasSize(1);
      }
    }
  }

  @Test
  @DisplayName("the busy check and a session's cancel find unfinished commands in the open set")
  void busyCheckAndSessionCancelReadTheOpenSet() {
    String session = node.createSession();
    GatedHandler slow = GatedHandler.register(node.vertx(), session, "gated");
    String active = commands.start(session, CommandClient.command("gated", new JsonObject()));

    JsonObject rejected = submitIfBusy(session, "reject");
    assertThat(rejected.getInteger("status")).isEqualTo(409);
    assertThat(rejected.getString("message")).contains(active);

    JsonObject interrupting = submitIfBusy(session, "interrupt");
    assertThat(commands.get(session, active).getString("status")).isEqualTo("cancelled");
    String interrupter = interrupting.getString("command_id");
    await().atMost(CommandClient.PATIENCE).until(() -> slow.isRunning(interrupter));

    JsonObject cancelled = HttpCalls.await(Bus.request(node.vertx(), Addresses.COMMAND_CANCEL_SESSION,
        new JsonObject().put("session_id", session), (String) null));
    assertThat(cancelled.getInteger("cancelled")).isEqualTo(1);
    assertThat(commands.get(session, interrupter).getString("status")).isEqualTo("cancelled");
    assertThat(submitIfBusy(session, "reject").getString("status")).as("idle again").isEqualTo("pending");
  }

  /** Submits a gated command with {@code if_busy}: the accepted command, or {@code {status, message}} of the failure. */
  private static JsonObject submitIfBusy(String session, String ifBusy) {
    JsonObject body = CommandClient.command("gated", new JsonObject()).put("session_id", session).put("if_busy", ifBusy)
        .put("metadata", new JsonObject().put("priority", "normal").put("timeout", 60)).put("wait_seconds", 0);
    return HttpCalls.await(Bus.request(node.vertx(), Addresses.COMMAND_SUBMIT, body, (String) null)
        .recover(failure -> Future.succeededFuture(new JsonObject()
            .put("status", ((ReplyException) failure).failureCode()).put("message", failure.getMessage()))));
  }
}
