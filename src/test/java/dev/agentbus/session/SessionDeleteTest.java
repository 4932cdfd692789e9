package dev.agentbus.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentbus.bus.Addresses;
import dev.agentbus.command.CommandClient;
import dev.agentbus.command.CommandLedger;
import dev.agentbus.conversation.MessageStore;
import dev.agentbus.engine.EngineStore;
import dev.agentbus.event.EventStore;
import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.TestNode;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A session delete over real HTTP: the session document goes, and every owner of the session's
 * data (commands, engines, events and subscriber cursors, messages and conversations) is asked
 * once to remove its own. The store is checked through the node's own client.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@DisplayName("Deleting a session removes every owner's data")
class SessionDeleteTest {
  private static final List<String> PURGES = List.of(Addresses.COMMAND_PURGE_SESSION, Addresses.ENGINE_PURGE_SESSION,
      Addresses.EVENT_PURGE_SESSION, Addresses.CONVERSATION_PURGE_SESSION, Addresses.TOOL_PURGE_SESSION);

  static TestNode node;
  static CommandClient commands;
  /** Every purge request the node sent: "address session_id". */
  static final Queue<String> purgesSent = new ConcurrentLinkedQueue<>();

  @BeforeAll
  static void start() {
    // A quick expiry sweep, for the expired-session test.
    node = TestNode.start(new JsonObject().put("sessions", new JsonObject().put("expiry_sweep_ms", 200)));
    commands = new CommandClient(node);
    node.vertx().eventBus().addOutboundInterceptor(delivery -> {
      if (PURGES.contains(delivery.message().address())) {
        purgesSent.add(delivery.message().address() + " " + ((JsonObject) delivery.message().body()).getString("session_id"));
      }
      delivery.next();
    });
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
  }

  private static JsonObject newConversation() {
    return new JsonObject().put("conversation_id", "conv-" + UUID.randomUUID()).put("user_id", "u").put("company_id", "c");
  }

  /** Opens a seed-003 conversation: {@code {session_id, created}}. */
  private static JsonObject open(JsonObject conversation) {
    return HttpCalls.await(node.vertx().eventBus().<JsonObject>request(Addresses.CONVERSATION_OPEN, conversation)).body();
  }

  /** A session with data in every owner's collections: a conversation mapping, an engine, a run, a subscriber cursor. */
  private static String sessionWithData() {
    JsonObject conversation = newConversation();
    String sessionId = open(conversation).getString("session_id");
    String engineId = commands.dummyEngine(sessionId, 1, "hello there");
    String commandId = commands.start(sessionId, CommandClient.prompt("hi", engineId));
    commands.awaitStatus(sessionId, commandId, "completed");
    HttpCalls.await(node.vertx().eventBus().request(Addresses.SUBSCRIBER_ACK,
        new JsonObject().put("session_id", sessionId).put("subscriber_id", "worker").put("seq", 1L)));
    return sessionId;
  }

  /** How many documents of the session each collection holds. */
  private static Map<String, Long> stored(String sessionId) {
    JsonObject bySession = new JsonObject().put("session_id", sessionId);
    Map<String, Long> counts = new LinkedHashMap<>();
    counts.put(SessionStore.SESSIONS, HttpCalls.await(node.mongo().count(SessionStore.SESSIONS, new JsonObject().put("_id", sessionId))));
    for (String collection : List.of(CommandLedger.COMMANDS, EngineStore.ENGINES, EventStore.EVENTS,
        EventStore.SUBSCRIBER_CURSORS, MessageStore.MESSAGES, MessageStore.CONVERSATIONS)) {
      counts.put(collection, HttpCalls.await(node.mongo().count(collection, bySession)));
    }
    return counts;
  }

  @Test
  @DisplayName("a delete removes the session's documents from every collection, asking each owner exactly once, and leaves other sessions alone")
  void deleteRemovesEveryOwnersDataOnce() {
    String deleted = sessionWithData();
    String kept = sessionWithData();
    assertThat(stored(deleted)).as("data in every collection before the delete").allSatisfy((collection, count) ->
        assertThat(count).as(collection).isPositive());
    Map<String, Long> keptBefore = stored(kept);

    assertThat(node.delete("/sessions/" + deleted).statusCode()).isEqualTo(200);

    // The reply comes after every owner answered its purge: nothing is left to wait for.
    assertThat(stored(deleted)).allSatisfy((collection, count) -> assertThat(count).as(collection).isZero());
    assertThat(purgesSent.stream().filter(sent -> sent.endsWith(" " + deleted)).toList())
        .containsExactlyInAnyOrderElementsOf(PURGES.stream().map(address -> address + " " + deleted).toList());
    assertThat(stored(kept)).isEqualTo(keptBefore);
  }

  @Test
  @DisplayName("after a delete the session's messages and conversation are gone: its history is 404 and the conversation opens a fresh session")
  void messagesAndConversationsGo() {
    JsonObject conversation = newConversation();
    String sessionId = open(conversation).getString("session_id");
    String commandId = commands.start(sessionId, CommandClient.prompt("remember me"));
    commands.awaitStatus(sessionId, commandId, "completed");
    assertThat(node.get("/sessions/" + sessionId + "/messages").bodyAsJsonObject().getJsonArray("data")).hasSize(2);

    assertThat(node.delete("/sessions/" + sessionId).statusCode()).isEqualTo(200);

    JsonObject bySession = new JsonObject().put("session_id", sessionId);
    assertThat(HttpCalls.await(node.mongo().count(MessageStore.MESSAGES, bySession))).isZero();
    assertThat(HttpCalls.await(node.mongo().count(MessageStore.CONVERSATIONS, bySession))).isZero();
    assertThat(node.get("/sessions/" + sessionId + "/messages").statusCode()).isEqualTo(404);
    JsonObject reopened = open(conversation);
    assertThat(reopened.getBoolean("created")).isTrue();
    assertThat(reopened.getString("session_id")).isNotEqualTo(sessionId);
  }

  @Test
  @DisplayName("an expired session is swept from the store with everything it owned, each owner asked once")
  void expiredSessionIsSwept() {
    HttpCalls http = new HttpCalls(node);
    String expiring = http.createSession(new JsonObject().put("name", "expiring").put("ttl_seconds", 1)).getString("session_id");
    commands.dummyEngine(expiring, 1, null);

    await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
        assertThat(stored(expiring)).allSatisfy((collection, count) -> assertThat(count).as(collection).isZero()));
    assertThat(purgesSent.stream().filter(sent -> sent.endsWith(" " + expiring)).toList())
        .containsExactlyInAnyOrderElementsOf(PURGES.stream().map(address -> address + " " + expiring).toList());
  }
}
