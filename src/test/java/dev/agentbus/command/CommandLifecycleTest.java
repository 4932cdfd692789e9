package dev.agentbus.command;

import static dev.agentbus.command.CommandClient.PATIENCE;
import static dev.agentbus.command.CommandClient.command;
import static dev.agentbus.command.CommandClient.echo;
import static dev.agentbus.command.CommandClient.prompt;
import static dev.agentbus.command.CommandClient.words;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentbus.support.TestNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Timeouts, cancellation, priority and session deletion. Tests that need commands to queue use a
 * second node with a single execution slot; each of those tests frees the slot before it ends.
 */
class CommandLifecycleTest {
  static TestNode node;
  static CommandClient commands;
  /** max_concurrent 1: one command runs, the rest wait in the priority queue. */
  static TestNode singleSlot;
  static CommandClient queued;

  @BeforeAll
  static void start() {
    node = TestNode.start();
    commands = new CommandClient(node);
    singleSlot = TestNode.start(new JsonObject().put("commands", new JsonObject().put("max_concurrent", 1)));
    queued = new CommandClient(singleSlot);
  }

  @AfterAll
  static void stop() {
    node.close();
    singleSlot.close();
  }

  @Test
  @DisplayName("a slow engine run past metadata.timeout ends timed_out with TIMEOUT, and the run is stopped")
  void timeoutStopsTheRun() {
    String session = node.createSession();
    String engine = commands.dummyEngine(session, 500, words(20));

    JsonObject accepted = commands.accepted(session, command("engine.prompt",
        new JsonObject().put("prompt", "slow").put("engine_id", engine), new JsonObject().put("timeout", 1)));
    String id = accepted.getString("command_id");
    assertThat(accepted.getJsonObject("metadata").getInteger("timeout")).isEqualTo(1);

    JsonObject timedOut = commands.awaitStatus(session, id, "timed_out");
    assertThat(timedOut.getJsonObject("error").getString("code")).isEqualTo("TIMEOUT");
    assertThat(timedOut.getValue("result")).isNull();
    Duration elapsed = Duration.between(Instant.parse(timedOut.getString("created_at")),
        Instant.parse(timedOut.getString("completed_at")));
    assertThat(elapsed).as("timeout counts from acceptance").isBetween(Duration.ofMillis(900), Duration.ofSeconds(5));

    int tokensAtTimeout = commands.events(session, id, "engine.token").size();
    // The run was stopped: over three more token intervals no further token appears.
    await().during(Duration.ofMillis(1_500)).atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
        .until(() -> commands.events(session, id, "engine.token").size() == tokensAtTimeout);
    assertThat(tokensAtTimeout).isLessThan(20);
    assertThat(commands.events(session, id, "engine.message")).isEmpty();
    assertThat(commands.events(session, id, "command.timed_out")).singleElement()
        .satisfies(e -> assertThat(e.getJsonObject("data").getJsonObject("error").getString("code")).isEqualTo("TIMEOUT"));
    assertThat(commands.events(session, id)).noneMatch(e -> e.getString("event_type").equals("command.completed")
        || e.getString("event_type").equals("command.failed"));
    assertThat(commands.get(session, id).getString("status")).isEqualTo("timed_out");
  }

  @Test
  @DisplayName("a command waiting for a slot times out from acceptance without ever starting")
  void timeoutWhileQueued() {
    String session = singleSlot.createSession();
    String blocker = queued.start(session, prompt("block", queued.dummyEngine(session, 200, words(100))));
    queued.awaitFirstToken(session, blocker);
    try {
      String waiting = queued.start(session, command("echo", new JsonObject(), new JsonObject().put("timeout", 1)));

      JsonObject timedOut = queued.awaitStatus(session, waiting, "timed_out");

      assertThat(timedOut.getJsonObject("error").getString("code")).isEqualTo("TIMEOUT");
      assertThat(timedOut.getValue("started_at")).isNull();
      assertThat(queued.events(session, waiting)).extracting(e -> e.getString("event_type"))
          .containsExactly("command.accepted", "command.timed_out");
    } finally {
      queued.cancel(session, blocker);
    }
  }

  @Test
  @DisplayName("cancelling an executing command makes it cancelled with a command.cancelled event and stops the run")
  void cancelWhileExecuting() {
    String session = node.createSession();
    String engine = commands.dummyEngine(session, 200, words(50));
    String id = commands.start(session, prompt("long", engine));
    commands.awaitFirstToken(session, id);
    assertThat(commands.get(session, id).getString("status")).isEqualTo("executing");

    JsonObject cancelled = commands.cancel(session, id);

    assertThat(cancelled.getString("status")).isEqualTo("cancelled");
    assertThat(cancelled.getJsonObject("error").getString("code")).isEqualTo("CANCELLED");
    assertThat(cancelled.getString("completed_at")).isNotBlank();
    assertThat(commands.get(session, id).getString("status")).isEqualTo("cancelled");
    assertThat(commands.events(session, id, "command.cancelled")).singleElement()
        .satisfies(e -> assertThat(e.getString("command_id")).isEqualTo(id));

    int tokens = commands.events(session, id, "engine.token").size();
    await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(4)).pollInterval(Duration.ofMillis(100))
        .until(() -> commands.events(session, id, "engine.token").size() == tokens);
    assertThat(commands.get(session, id).getString("status")).as("the stopped run does not overwrite the status")
        .isEqualTo("cancelled");
    assertThat(commands.events(session, id)).extracting(e -> e.getString("event_type"))
        .doesNotContain("command.completed", "command.failed", "engine.message");
  }

  @Test
  @DisplayName("a command cancelled right after it was accepted never runs its engine on, and started comes before cancelled")
  void cancelRightAfterAcceptStopsTheRun() {
    String session = node.createSession();
    String engine = commands.dummyEngine(session, 100, words(20));
    List<String> ids = new ArrayList<>();
    // The cancel races the start of the engine run; repeat so that every moment of the start-up is hit.
    for (int i = 0; i < 50; i++) {
      String id = commands.start(session, prompt("x", engine));
      assertThat(commands.cancel(session, id).getString("status")).isEqualTo("cancelled");
      ids.add(id);
    }

    // Let any run that was not stopped show itself: wait until no new engine event appears for 600 ms
    // (six token intervals).
    AtomicLong previous = new AtomicLong(-1);
    await().atMost(PATIENCE).pollInterval(Duration.ofMillis(100)).during(Duration.ofMillis(600))
        .until(() -> commands.events(session).stream().filter(e -> e.getString("event_type").startsWith("engine.")).count(),
            count -> count == previous.getAndSet(count));
    List<JsonObject> events = commands.events(session);
    for (String id : ids) {
      List<JsonObject> own = events.stream().filter(e -> id.equals(e.getString("command_id"))).toList();
      long cancelledAt = own.stream().filter(e -> e.getString("event_type").equals("command.cancelled"))
          .mapToLong(e -> e.getLong("seq")).findFirst().orElseThrow();
      assertThat(own).extracting(e -> e.getString("event_type")).as("events of %s", id)
          .doesNotContain("engine.message", "command.completed");
      assertThat(own).filteredOn(e -> e.getString("event_type").equals("command.started"))
          .as("command.started of %s comes before command.cancelled", id)
          .allSatisfy(started -> assertThat(started.getLong("seq")).isLessThan(cancelledAt));
      assertThat(own).filteredOn(e -> e.getLong("seq") > cancelledAt).as("events of %s after its cancellation", id)
          .hasSizeLessThanOrEqualTo(1) // a token already on its way may land just after
          .allSatisfy(e -> assertThat(e.getString("event_type")).isEqualTo("engine.token"));
    }
  }

  @Test
  @DisplayName("cancelling twice returns the same cancelled command and emits only one command.cancelled")
  void cancelIsIdempotent() {
    String session = node.createSession();
    String id = commands.start(session, prompt("long", commands.dummyEngine(session, 200, words(50))));
    commands.awaitFirstToken(session, id);

    JsonObject first = commands.cancel(session, id);
    JsonObject second = commands.cancel(session, id);

    assertThat(second.getString("status")).isEqualTo("cancelled");
    assertThat(second).isEqualTo(first);
    assertThat(commands.events(session, id, "command.cancelled")).hasSize(1);
  }

  @Test
  @DisplayName("cancelling a completed command returns it unchanged with 200")
  void cancelCompleted() {
    String session = node.createSession();
    HttpResponse<Buffer> done = commands.submit(session, echo("keep", "me"), "wait=5");
    assertThat(done.statusCode()).isEqualTo(200);
    String id = done.bodyAsJsonObject().getString("command_id");

    JsonObject afterCancel = commands.cancel(session, id);

    assertThat(afterCancel.getString("status")).isEqualTo("completed");
    assertThat(afterCancel.getJsonObject("result")).isEqualTo(new JsonObject().put("keep", "me"));
    assertThat(afterCancel.getValue("error")).isNull();
    assertThat(afterCancel).isEqualTo(commands.get(session, id));
    assertThat(commands.events(session, id, "command.cancelled")).isEmpty();
  }

  @Test
  @DisplayName("cancelling a queued command means it never starts")
  void cancelWhileQueued() {
    String session = singleSlot.createSession();
    String blocker = queued.start(session, prompt("block", queued.dummyEngine(session, 200, words(100))));
    queued.awaitFirstToken(session, blocker);
    String waiting = queued.start(session, echo("never", true));
    assertThat(queued.get(session, waiting).getString("status")).isEqualTo("pending");

    JsonObject cancelled = queued.cancel(session, waiting);
    queued.cancel(session, blocker);
    String after = queued.start(session, echo("after", true));
    queued.awaitStatus(session, after, "completed");

    assertThat(cancelled.getString("status")).isEqualTo("cancelled");
    assertThat(queued.get(session, waiting).getString("status")).isEqualTo("cancelled");
    assertThat(queued.get(session, waiting).getValue("started_at")).isNull();
    assertThat(queued.events(session, waiting)).extracting(e -> e.getString("event_type"))
        .containsExactly("command.accepted", "command.cancelled");
  }

  @Test
  @DisplayName("with one slot, queued commands start high, then normal, then low priority")
  void priorityOrder() {
    String session = singleSlot.createSession();
    String blocker = queued.start(session, prompt("block", queued.dummyEngine(session, 200, words(100))));
    queued.awaitFirstToken(session, blocker);
    String low = queued.start(session, command("echo", new JsonObject().put("p", "low"), new JsonObject().put("priority", "low")));
    String normal = queued.start(session, command("echo", new JsonObject().put("p", "normal"), new JsonObject().put("priority", "normal")));
    String high = queued.start(session, command("echo", new JsonObject().put("p", "high"), new JsonObject().put("priority", "high")));
    assertThat(List.of(low, normal, high)).allSatisfy(id ->
        assertThat(queued.get(session, id).getString("status")).as("queued behind the blocker").isEqualTo("pending"));

    queued.cancel(session, blocker);
    queued.awaitStatus(session, low, "completed");
    queued.awaitStatus(session, normal, "completed");
    queued.awaitStatus(session, high, "completed");

    List<String> startOrder = queued.events(session).stream()
        .filter(e -> e.getString("event_type").equals("command.started"))
        .map(e -> e.getString("command_id")).toList();
    assertThat(startOrder).containsExactly(blocker, high, normal, low);
  }

  @Test
  @DisplayName("commands without a priority are normal and keep their submission order")
  void defaultPriorityIsFifoNormal() {
    String session = singleSlot.createSession();
    String blocker = queued.start(session, prompt("block", queued.dummyEngine(session, 200, words(100))));
    queued.awaitFirstToken(session, blocker);
    JsonObject first = queued.accepted(session, echo("n", 1));
    String low = queued.start(session, command("echo", new JsonObject(), new JsonObject().put("priority", "low")));
    String second = queued.start(session, echo("n", 2));

    queued.cancel(session, blocker);
    queued.awaitStatus(session, low, "completed");

    assertThat(first.getJsonObject("metadata").getString("priority")).isEqualTo("normal");
    List<String> startOrder = queued.events(session).stream()
        .filter(e -> e.getString("event_type").equals("command.started"))
        .map(e -> e.getString("command_id")).toList();
    assertThat(startOrder).containsExactly(blocker, first.getString("command_id"), second, low);
  }

  @Test
  @DisplayName("deleting a session cancels its unfinished commands, reports how many, and frees their slots")
  void sessionDeleteCancelsCommands() {
    String session = singleSlot.createSession();
    HttpResponse<Buffer> finished = queued.submit(session, echo("done", true), "wait=5");
    assertThat(finished.bodyAsJsonObject().getString("status")).isEqualTo("completed");
    String running = queued.start(session, prompt("block", queued.dummyEngine(session, 200, words(100))));
    queued.awaitFirstToken(session, running);
    queued.start(session, echo("waiting", true));

    HttpResponse<Buffer> deleted = singleSlot.delete("/sessions/" + session);

    assertThat(deleted.statusCode()).as(deleted.bodyAsString()).isEqualTo(200);
    assertThat(deleted.bodyAsJsonObject().getString("status")).isEqualTo("deleted");
    assertThat(deleted.bodyAsJsonObject().getInteger("cancelled_commands")).isEqualTo(2);
    assertThat(queued.getResponse(session, running).statusCode()).isEqualTo(404);

    // The single slot was held by the deleted session's run; it must be free again.
    String other = singleSlot.createSession();
    HttpResponse<Buffer> next = queued.submit(other, echo("next", true), "wait=5");
    assertThat(next.statusCode()).as(next.bodyAsString()).isEqualTo(200);
    assertThat(next.bodyAsJsonObject().getString("status")).isEqualTo("completed");
  }

  @Test
  @DisplayName("deleting a session without unfinished commands reports zero cancelled commands")
  void sessionDeleteNothingToCancel() {
    String session = node.createSession();
    assertThat(commands.submit(session, echo("x", 1), "wait=5").statusCode()).isEqualTo(200);

    HttpResponse<Buffer> deleted = node.delete("/sessions/" + session);

    assertThat(deleted.statusCode()).isEqualTo(200);
    assertThat(deleted.bodyAsJsonObject().getInteger("cancelled_commands")).isZero();
  }
}
