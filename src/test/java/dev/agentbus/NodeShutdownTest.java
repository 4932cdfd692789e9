package dev.agentbus;

import static dev.agentbus.command.CommandClient.prompt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentbus.command.CommandClient;
import dev.agentbus.support.SeqCheck;
import dev.agentbus.support.SseClient;
import dev.agentbus.support.TestNode;
import dev.agentbus.support.WsClient;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Stopping a node (MainVerticle undeployed, as on shutdown) while it streams and runs, then restarting on its data. */
class NodeShutdownTest {
  @TempDir
  Path dataDir;

  private JsonObject config() {
    return TestNode.onDisk(dataDir);
  }

  @Test
  @DisplayName("a node stopped with an open SSE stream, an open WebSocket and a running prompt stops cleanly, and a node on its data carries on")
  void stopWhileStreamingAndRunning() throws Exception {
    String session;
    String running;
    TestNode first = TestNode.start(config());
    WebSocketClient sockets = WsClient.newClient(first);
    try {
      CommandClient commands = new CommandClient(first);
      session = first.createSession();
      // The first token at once, the next one 60 s later: the run is under way when the node stops.
      commands.dummyEngine(session, 60_000, "never finishes in time");
      SseClient sse = SseClient.open(first, "/sessions/" + session + "/events/sse");
      WsClient ws = WsClient.open(sockets, first, "/sessions/" + session + "/events/stream");
      running = commands.start(session, prompt("go"));
      commands.awaitFirstToken(session, running);
      await().atMost(CommandClient.PATIENCE).until(() -> ws.eventTypes().contains("engine.token")
          && sse.events().stream().anyMatch(e -> e.type().equals("engine.token")));

      first.stop();

      assertThat(first.vertx().deploymentIDs()).as("nothing of the node is left deployed").isEmpty();
      assertThat(sse.finished().get(10, TimeUnit.SECONDS)).as("the SSE stream ended").isNotNull();
      ws.closed().get(10, TimeUnit.SECONDS);
    } finally {
      sockets.close().await();
      first.close();
    }

    try (TestNode second = TestNode.start(config())) {
      CommandClient commands = new CommandClient(second);
      JsonObject lost = commands.awaitStatus(session, running, "failed");
      assertThat(lost.getJsonObject("error").getString("code")).isEqualTo("NODE_LOST");
      // The status is stored first, then its event (invariant 6): wait for the event, then expect exactly one.
      await().atMost(CommandClient.PATIENCE).until(() -> !commands.events(session, running, "command.failed").isEmpty());
      assertThat(commands.events(session, running, "command.failed")).hasSize(1);

      String fast = commands.dummyEngine(session, 1, "after the restart");
      JsonObject next = commands.awaitStatus(session, commands.start(session, prompt("again", fast)), "completed");
      assertThat(next.getJsonObject("result").getString("text")).isEqualTo("after the restart");

      List<Long> seqs = commands.events(session).stream().map(e -> e.getLong("seq")).toList();
      assertThat(SeqCheck.against(seqs, 1, seqs.size())).isEqualTo("ok");
    }
  }
}
