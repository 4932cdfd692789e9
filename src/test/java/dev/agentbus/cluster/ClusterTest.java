package dev.agentbus.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentbus.store.EmbeddedStore;
import dev.agentbus.support.GatedHandler;
import dev.agentbus.support.TestCluster;
import dev.agentbus.support.TestNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Two clustered nodes (real Hazelcast members) sharing one store behave as one server. */
class ClusterTest {
  static EmbeddedStore store;
  static Vertx memberA;
  static Vertx memberB;
  static TestNode nodeA;
  static TestNode nodeB;

  @BeforeAll
  static void startCluster() {
    store = EmbeddedStore.start("memory", null, "127.0.0.1", 0);
    TestCluster cluster = new TestCluster();
    memberA = cluster.member();
    memberB = cluster.member();
    JsonObject shared = new JsonObject().put("mongodb", new JsonObject().put("uri", store.uri()));
    nodeA = TestNode.start(memberA, false, shared.copy());
    nodeB = TestNode.start(memberB, false, shared.copy());
  }

  @AfterAll
  static void stopCluster() {
    nodeA.close();
    nodeB.close();
    Future.join(memberA.close(), memberB.close()).await();
    store.close();
  }

  @Test
  @DisplayName("both nodes see each other as cluster members")
  void healthShowsTwoMembers() {
    JsonObject health = nodeB.get("/health").bodyAsJsonObject();
    assertThat(health.getJsonObject("dependencies").getJsonObject("cluster").getInteger("members")).isEqualTo(2);
  }

  @Test
  @DisplayName("a session created on node A is read on node B")
  void sessionCreatedOnAIsReadOnB() {
    String sessionId = nodeA.createSession();
    HttpResponse<Buffer> read = nodeB.get("/sessions/" + sessionId);
    assertThat(read.statusCode()).isEqualTo(200);
    assertThat(read.bodyAsJsonObject().getString("session_id")).isEqualTo(sessionId);
  }

  @Test
  @DisplayName("a command submitted on node A is polled to completion on node B")
  void commandSubmittedOnAIsPolledOnB() {
    String sessionId = nodeA.createSession();
    JsonObject parameters = new JsonObject().put("hello", "cluster");
    String commandId = nodeA.post("/sessions/" + sessionId + "/commands",
        new JsonObject().put("command_type", "echo").put("parameters", parameters)).bodyAsJsonObject().getString("command_id");
    await().atMost(Duration.ofSeconds(10)).until(() ->
        "completed".equals(nodeB.get("/sessions/" + sessionId + "/commands/" + commandId).bodyAsJsonObject().getString("status")));
    assertThat(nodeB.get("/sessions/" + sessionId + "/commands/" + commandId).bodyAsJsonObject().getJsonObject("result"))
        .isEqualTo(parameters);
  }

  @Test
  @DisplayName("a long poll on node B answers when a command running on node A finishes")
  void longPollOnBSeesCompletionOnA() {
    String sessionId = nodeA.createSession();
    String engineId = nodeA.post("/engines", new JsonObject().put("engine_type", "dummy").put("session_id", sessionId)
            .put("configuration", new JsonObject().put("token_delay_ms", 150).put("response", "a b c d e")))
        .bodyAsJsonObject().getString("engine_id");
    String commandId = nodeA.post("/sessions/" + sessionId + "/commands", new JsonObject().put("command_type", "engine.prompt")
        .put("parameters", new JsonObject().put("prompt", "x").put("engine_id", engineId))).bodyAsJsonObject().getString("command_id");
    JsonObject polled = nodeB.get("/sessions/" + sessionId + "/commands/" + commandId + "?wait=20").bodyAsJsonObject();
    assertThat(polled.getString("status")).isEqualTo("completed");
  }

  @Test
  @DisplayName("an event published on node A reaches a WebSocket subscriber on node B")
  void eventPublishedOnAReachesSubscriberOnB() {
    String sessionId = nodeA.createSession();
    List<JsonObject> frames = new CopyOnWriteArrayList<>();
    WebSocket socket = nodeB.webSocket("/sessions/" + sessionId + "/events/stream?types=cluster.*");
    socket.textMessageHandler(text -> frames.add(new JsonObject(text)));
    nodeA.post("/sessions/" + sessionId + "/events", new JsonObject().put("event_type", "cluster.hello").put("data", new JsonObject().put("n", 1)));
    await().atMost(Duration.ofSeconds(10)).until(() -> frames.stream().anyMatch(f -> "event".equals(f.getString("type"))));
    JsonObject event = frames.get(0).getJsonObject("event");
    assertThat(event.getString("event_type")).isEqualTo("cluster.hello");
    assertThat(event.getJsonObject("data").getInteger("n")).isEqualTo(1);
    socket.close().await();
  }

  @Test
  @DisplayName("seq stays strictly increasing and gapless when both nodes publish into one session at once")
  void concurrentPublishesFromBothNodesGetDistinctGaplessSeqs() {
    String sessionId = nodeA.createSession();
    int perNode = 150;
    List<Future<HttpResponse<Buffer>>> publishes = new ArrayList<>();
    for (int i = 0; i < perNode; i++) {
      for (TestNode node : List.of(nodeA, nodeB)) {
        publishes.add(node.client().request(HttpMethod.POST, "/api/v1/sessions/" + sessionId + "/events")
            .sendJsonObject(new JsonObject().put("event_type", "load.tick").put("data", new JsonObject().put("i", i))));
      }
    }
    Future.all(publishes).await();
    assertThat(publishes).allSatisfy(f -> assertThat(f.result().statusCode()).isEqualTo(201));

    List<Long> seqs = new ArrayList<>();
    long after = 0;
    boolean more = true;
    while (more) {
      JsonObject page = nodeB.get("/sessions/" + sessionId + "/events?limit=500&after_seq=" + after).bodyAsJsonObject();
      JsonArray data = page.getJsonArray("data");
      data.forEach(e -> seqs.add(((JsonObject) e).getLong("seq")));
      after = seqs.get(seqs.size() - 1);
      more = page.getBoolean("has_more");
    }
    // session.created is seq 1; the 300 published events follow with no gap and no duplicate.
    assertThat(seqs).containsExactlyElementsOf(LongStream.rangeClosed(1, 1 + 2L * perNode).boxed().toList());
  }

  @Test
  @DisplayName("cancelling on node B stops a command running on node A")
  void cancelOnBStopsCommandRunningOnA() {
    String sessionId = nodeA.createSession();
    String engineId = nodeA.post("/engines", new JsonObject().put("engine_type", "dummy").put("session_id", sessionId)
            .put("configuration", new JsonObject().put("token_delay_ms", 200)
                .put("response", "one two three four five six seven eight nine ten eleven twelve")))
        .bodyAsJsonObject().getString("engine_id");
    String commandId = nodeA.post("/sessions/" + sessionId + "/commands", new JsonObject().put("command_type", "engine.prompt")
        .put("parameters", new JsonObject().put("prompt", "x").put("engine_id", engineId))).bodyAsJsonObject().getString("command_id");
    String commandPath = "/sessions/" + sessionId + "/commands/" + commandId;
    await().atMost(Duration.ofSeconds(10)).until(() -> "executing".equals(nodeB.get(commandPath).bodyAsJsonObject().getString("status")));

    HttpResponse<Buffer> cancelled = nodeB.post(commandPath + "/cancel", new JsonObject());
    assertThat(cancelled.statusCode()).isEqualTo(200);
    assertThat(cancelled.bodyAsJsonObject().getString("status")).isEqualTo("cancelled");

    // The run on node A stops: no engine.message is ever written, and tokens stop short of the 12 words.
    long cancelSeq = nodeA.get("/sessions/" + sessionId + "/events?event_type=command.cancelled").bodyAsJsonObject()
        .getJsonArray("data").getJsonObject(0).getLong("seq");
    JsonObject published = nodeA.post("/sessions/" + sessionId + "/events", new JsonObject().put("event_type", "probe.after")).bodyAsJsonObject();
    await().atMost(Duration.ofSeconds(5)).until(() -> nodeA.get("/sessions/" + sessionId + "/events?event_type=engine.message")
        .bodyAsJsonObject().getJsonArray("data").isEmpty() && published.getLong("seq") > cancelSeq);
    JsonArray tokens = nodeA.get("/sessions/" + sessionId + "/events?event_type=engine.token").bodyAsJsonObject().getJsonArray("data");
    assertThat(tokens.size()).isLessThan(12);
    assertThat(nodeA.get(commandPath).bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("CANCELLED");
  }

  @Test
  @DisplayName("prompts to one conversation sent to two nodes run one at a time, and the later one sees the earlier exchange")
  void oneRunPerConversationAcrossNodes() {
    String sessionId = nodeA.createSession();
    JsonObject slow = new JsonObject().put("command_type", "engine.prompt").put("parameters", new JsonObject()
        .put("prompt", "first").put("llm_config", new JsonObject().put("token_delay_ms", 20)
            .put("response", "one two three four five six seven eight")));
    JsonObject second = new JsonObject().put("command_type", "engine.prompt").put("parameters", new JsonObject().put("prompt", "second"));

    String first = nodeA.post("/sessions/" + sessionId + "/commands", slow).bodyAsJsonObject().getString("command_id");
    await().atMost(Duration.ofSeconds(15)).until(() -> nodeA.get("/sessions/" + sessionId + "/events?event_type=engine.token")
        .bodyAsJsonObject().getJsonArray("data").size() > 0);
    String later = nodeB.post("/sessions/" + sessionId + "/commands", second).bodyAsJsonObject().getString("command_id");
    await().atMost(Duration.ofSeconds(15)).until(() -> "completed".equals(
        nodeB.get("/sessions/" + sessionId + "/commands/" + later).bodyAsJsonObject().getString("status")));

    List<JsonObject> events = nodeB.get("/sessions/" + sessionId + "/events?limit=500").bodyAsJsonObject().getJsonArray("data")
        .stream().map(JsonObject.class::cast).toList();
    long firstAnswer = events.stream().filter(e -> first.equals(e.getString("command_id")) && "engine.message".equals(e.getString("event_type")))
        .findFirst().orElseThrow().getLong("seq");
    long laterFirstToken = events.stream().filter(e -> later.equals(e.getString("command_id")) && "engine.token".equals(e.getString("event_type")))
        .findFirst().orElseThrow().getLong("seq");
    assertThat(laterFirstToken).as("the second run starts after the first answered").isGreaterThan(firstAnswer);
    JsonArray history = nodeA.get("/sessions/" + sessionId + "/messages?role=user").bodyAsJsonObject().getJsonArray("data");
    assertThat(history.stream().map(m -> ((JsonObject) m).getString("content")).toList()).containsExactly("first", "second");
    // The dummy counts the words it was sent: "first" + its 8-word answer + "second".
    JsonObject usage = nodeB.get("/sessions/" + sessionId + "/commands/" + later).bodyAsJsonObject()
        .getJsonObject("result").getJsonObject("usage");
    assertThat(usage.getLong("prompt_tokens")).isEqualTo(10L);
  }

  @Test
  @DisplayName("a cancel on node B of a command running on node A is done by node A: one cancelled event, after accepted and started")
  void cancelOnBOfCommandRunningOnA() {
    String sessionId = nodeA.createSession();
    GatedHandler gated = GatedHandler.register(memberA, sessionId, "gated");
    String commandId = nodeA.post("/sessions/" + sessionId + "/commands", new JsonObject().put("command_type", "gated"))
        .bodyAsJsonObject().getString("command_id");
    await().atMost(Duration.ofSeconds(10)).until(() -> gated.isRunning(commandId));

    HttpResponse<Buffer> cancelled = nodeB.post("/sessions/" + sessionId + "/commands/" + commandId + "/cancel", new JsonObject());
    assertThat(cancelled.statusCode()).as(cancelled.bodyAsString()).isEqualTo(200);
    assertThat(cancelled.bodyAsJsonObject().getString("status")).isEqualTo("cancelled");
    gated.finish(commandId, new JsonObject());
    await().atMost(Duration.ofSeconds(10)).until(() -> commandEventTypes(nodeB, sessionId, commandId).size() >= 3);
    assertThat(commandEventTypes(nodeB, sessionId, commandId))
        .containsExactly("command.accepted", "command.started", "command.cancelled");
  }

  private static List<String> commandEventTypes(TestNode node, String sessionId, String commandId) {
    JsonArray events = node.get("/sessions/" + sessionId + "/events?limit=500").bodyAsJsonObject().getJsonArray("data");
    return events.stream().map(JsonObject.class::cast).filter(e -> commandId.equals(e.getString("command_id")))
        .map(e -> e.getString("event_type")).toList();
  }
}
