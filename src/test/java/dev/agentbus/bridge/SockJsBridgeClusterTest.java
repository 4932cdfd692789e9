package dev.agentbus.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.bridge.SockJsBridgeTest.RawSocket;
import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.Tenants;
import dev.agentbus.support.TestNode;
import dev.agentbus.support.TwoNodes;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The SockJS bridge across a real two-node Hazelcast cluster sharing one store: a socket on node A
 * receives the events of a session written through node B's REST API, and its bridge requests run
 * for its principal whichever node owns the session.
 */
@Timeout(120)
class SockJsBridgeClusterTest {
  static TwoNodes nodes;
  static TestNode nodeA;
  static TestNode nodeB;

  @BeforeAll
  static void startCluster() {
    nodes = TwoNodes.start(new JsonObject());
    nodeA = nodes.a();
    nodeB = nodes.b();
  }

  @AfterAll
  static void stopCluster() {
    nodes.close();
  }

  @Test
  @DisplayName("a bridge socket on one node receives the live events of a session written through another node, and submits to it")
  void acrossNodes() throws Exception {
    String key = Tenants.key(nodeA, "acme");
    HttpCalls onB = new HttpCalls(nodeB, key);
    String session = onB.createSession(new JsonObject().put("name", "clustered")).getString("session_id");
    try (RawSocket socket = RawSocket.open(nodeA, key)) {
      socket.register(dev.agentbus.bus.Addresses.sessionEvents(session));
      // The registration reaches the cluster unannounced: publish through B until one event comes back.
      JsonObject received = null;
      JsonObject published = null;
      for (int n = 1; received == null && n <= 40; n++) {
        published = onB.post("/sessions/" + session + "/events", new JsonObject().put("event_type", "cluster.note")
            .put("data", new JsonObject().put("n", n))).bodyAsJsonObject();
        String eventId = published.getString("event_id");
        try {
          received = socket.next(frame -> "rec".equals(frame.getString("type"))
              && eventId.equals(frame.getJsonObject("body").getString("event_id")), 500);
        } catch (AssertionError notYet) {
          // the registration was not known there yet
        }
      }
      assertThat(received).as("an event written through node B reached the socket on node A").isNotNull();
      assertThat(received.getJsonObject("body")).isEqualTo(published);

      socket.send("agentbus.bridge.command", new JsonObject().put("session_id", session).put("command_type", "echo")
          .put("parameters", new JsonObject().put("text", "via A")), "r-cluster");
      JsonObject accepted = socket.reply("r-cluster").getJsonObject("body");
      assertThat(accepted.getString("session_id")).isEqualTo(session);
      JsonObject completed = socket.next(frame -> "rec".equals(frame.getString("type"))
          && "command.completed".equals(frame.getJsonObject("body").getString("event_type")), 10_000);
      assertThat(completed.getJsonObject("body").getString("command_id")).isEqualTo(accepted.getString("command_id"));
    }
  }
}
