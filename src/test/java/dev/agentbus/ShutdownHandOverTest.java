package dev.agentbus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentbus.support.GatedHandler;
import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.SeqCheck;
import dev.agentbus.support.SseClient;
import dev.agentbus.support.TestNode;
import dev.agentbus.support.Tenants;
import dev.agentbus.support.TwoNodes;
import dev.agentbus.support.WsClient;
import dev.agentbus.util.Nodes;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A graceful shutdown ({@code POST /shutdown}, the path SIGTERM takes too) of one node of two, while
 * it streams to an SSE and a WebSocket client, runs one command and has another queued.
 */
@DisplayName("Graceful shutdown with hand-over to another node")
class ShutdownHandOverTest {
  private static final Duration PATIENCE = Duration.ofSeconds(20);
  private static final long GRACE_MS = 15_000;
  private static final Pattern AFTER_SEQ = Pattern.compile("after_seq=(\\d+)");

  @Test
  @DisplayName("the stopping node drains: readiness 503, new work 503 with Retry-After, the running command finishes there,"
      + " the queued one runs on the other node, and both streams resume there with nothing lost or repeated")
  void drainAndHandOver() throws Exception {
    // One slot on A, so the second command waits in A's queue while the first runs.
    try (TwoNodes nodes = TwoNodes.start(new JsonObject().put("commands", new JsonObject().put("max_concurrent", 1))
        .put("shutdown", new JsonObject().put("grace_ms", GRACE_MS)))) {
      TestNode a = nodes.a();
      TestNode b = nodes.b();
      WebSocketClient sockets = WsClient.newClient(b);
      try {
        stopDuringStreamsAndCommands(a, b, nodes.memberA(), sockets);
      } finally {
        sockets.close().await();
      }
    }
  }

  private void stopDuringStreamsAndCommands(TestNode a, TestNode b, Vertx memberA, WebSocketClient sockets) throws Exception {
    HttpCalls onA = Tenants.admin(a);
    HttpCalls onB = Tenants.admin(b);
    String session = onA.createSession(new JsonObject().put("name", "drained")).getString("session_id");
    String commands = "/sessions/" + session + "/commands";
    GatedHandler gated = GatedHandler.register(a.vertx(), session, "test.gated");
    Map<String, String> auth = Map.of("Authorization", "Bearer " + Tenants.ADMIN_KEY);
    SseClient sse = SseClient.open(a, "/sessions/" + session + "/events/sse?after_seq=0", auth);
    WsClient ws = WsClient.open(sockets, a, "/sessions/" + session + "/events/stream?after_seq=0&access_token=" + Tenants.ADMIN_KEY);

    String running = accepted(onA.post(commands, new JsonObject().put("command_type", "test.gated")));
    await().atMost(PATIENCE).until(() -> gated.isRunning(running));
    String queued = accepted(onA.post(commands, new JsonObject().put("command_type", "echo")
        .put("parameters", new JsonObject().put("said", "after the hand-over"))));
    assertThat(onA.get(commands + "/" + queued).bodyAsJsonObject().getString("status")).isEqualTo("pending");
    await().atMost(PATIENCE).until(() -> sse.events().stream().anyMatch(e -> queued.equals(e.json().getString("command_id")))
        && ws.events().stream().anyMatch(e -> queued.equals(e.getString("command_id"))));

    HttpResponse<Buffer> shutdown = onA.post("/shutdown", new JsonObject());
    assertThat(shutdown.statusCode()).as(shutdown.bodyAsString()).isEqualTo(202);
    long shutdownAt = System.currentTimeMillis();

    // The running command holds A in its drain: everything below happens while A still listens.
    assertThat(HttpCalls.await(a.client().get("/health/ready").send()).statusCode()).isEqualTo(503);
    HttpResponse<Buffer> refused = onA.post(commands, new JsonObject().put("command_type", "echo"));
    HttpCalls.assertError(refused, 503, "SERVICE_UNAVAILABLE");
    assertThat(refused.getHeader("Retry-After")).isNotBlank();
    HttpResponse<Buffer> refusedEvent = onA.post("/sessions/" + session + "/events",
        new JsonObject().put("event_type", "demo.late").put("data", new JsonObject()));
    HttpCalls.assertError(refusedEvent, 503, "SERVICE_UNAVAILABLE");
    assertThat(refusedEvent.getHeader("Retry-After")).isNotBlank();

    assertThat(sse.finished().get(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isEqualTo("end");
    SseClient.Event last = sse.events().get(sse.events().size() - 1);
    assertThat(last.type()).isEqualTo("server.shutdown");
    long sseCursor = last.json().getLong("resume_after_seq");
    assertThat(last.seq()).isEqualTo(sseCursor);
    List<Long> sseSeqs = new ArrayList<>(sse.events().stream().filter(e -> !e.type().equals("server.shutdown"))
        .map(SseClient.Event::seq).toList());
    assertThat(sseCursor).isEqualTo(sseSeqs.get(sseSeqs.size() - 1));

    ws.closed().get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
    assertThat(ws.closeStatus()).isEqualTo((short) 1012);
    Matcher wsResume = AFTER_SEQ.matcher(ws.closeReason());
    assertThat(wsResume.find()).as(ws.closeReason()).isTrue();
    long wsCursor = Long.parseLong(wsResume.group(1));
    List<Long> wsSeqs = new ArrayList<>(ws.seqs());
    assertThat(wsCursor).isEqualTo(wsSeqs.get(wsSeqs.size() - 1));

    JsonObject handedOver = awaitStatus(onB, commands + "/" + queued, "completed");
    assertThat(handedOver.getJsonObject("result").getString("said")).isEqualTo("after the hand-over");

    gated.finish(running, new JsonObject().put("finished", "within the grace"));
    JsonObject finished = awaitStatus(onB, commands + "/" + running, "completed");
    assertThat(finished.getJsonObject("result").getString("finished")).isEqualTo("within the grace");
    assertThat(System.currentTimeMillis() - shutdownAt).isLessThan(GRACE_MS);

    await().atMost(PATIENCE).until(() -> Nodes.live(b.vertx()).size() == 1);
    assertThat(memberA.deploymentIDs()).as("nothing of A is left deployed").isEmpty();

    List<JsonObject> stored = onB.allEvents(session);
    long lastSeq = stored.get(stored.size() - 1).getLong("seq");
    assertThat(stored.stream().filter(e -> "command.completed".equals(e.getString("event_type")))
        .map(e -> e.getString("command_id")).toList()).containsExactlyInAnyOrder(running, queued);
    assertThat(stored.stream().noneMatch(e -> e.getValue("data") instanceof JsonObject data
        && data.getValue("error") instanceof JsonObject error && "NODE_LOST".equals(error.getString("code")))).isTrue();

    SseClient resumed = SseClient.open(b, "/sessions/" + session + "/events/sse",
        Map.of("Authorization", "Bearer " + Tenants.ADMIN_KEY, "Last-Event-ID", String.valueOf(sseCursor)));
    WsClient resumedWs = WsClient.open(sockets, b,
        "/sessions/" + session + "/events/stream?after_seq=" + wsCursor + "&access_token=" + Tenants.ADMIN_KEY);
    try {
      await().atMost(PATIENCE).until(() -> resumed.seqs().contains(lastSeq) && resumedWs.seqs().contains(lastSeq));
      sseSeqs.addAll(resumed.seqs());
      wsSeqs.addAll(resumedWs.seqs());
      assertThat(SeqCheck.against(sseSeqs, 1, lastSeq)).as("SSE across the two nodes").isEqualTo("ok");
      assertThat(SeqCheck.against(wsSeqs, 1, lastSeq)).as("WebSocket across the two nodes").isEqualTo("ok");
    } finally {
      resumed.close();
      resumedWs.close();
    }
  }

  @Test
  @DisplayName("a chat stream cut by the shutdown ends with server.shutdown naming its cursor and resume path; following"
      + " that path on the other node gives the rest of the answer, nothing lost or repeated")
  void chatStreamResumesElsewhere() throws Exception {
    try (TwoNodes nodes = TwoNodes.start(new JsonObject().put("shutdown", new JsonObject().put("grace_ms", GRACE_MS)))) {
      TestNode a = nodes.a();
      HttpCalls onA = Tenants.admin(a);
      String thread = onA.createSession(new JsonObject().put("name", "chat")).getString("session_id");
      List<String> words = new ArrayList<>();
      for (int i = 1; i <= 24; i++) {
        words.add("w" + i);
      }
      String answer = String.join(" ", words);
      HttpResponse<Buffer> engine = onA.post("/engines", new JsonObject().put("engine_type", "dummy").put("session_id", thread)
          .put("configuration", new JsonObject().put("token_delay_ms", 100)
              .put("script", new JsonArray().add(new JsonObject().put("content", answer)))));
      assertThat(engine.statusCode()).as(engine.bodyAsString()).isEqualTo(201);
      Map<String, String> auth = Map.of("Authorization", "Bearer " + Tenants.ADMIN_KEY);
      SseClient chat = SseClient.send(a, io.vertx.core.http.HttpMethod.POST, "/api/v1/chat/" + thread + "/stream",
          new JsonObject().put("content", "go").put("engine_id", engine.bodyAsJsonObject().getString("engine_id")), auth);
      assertThat(chat.status()).isEqualTo(200);
      await().atMost(PATIENCE).until(() -> chat.json().stream().filter(f -> "message".equals(f.getString("type"))).count() >= 3);

      assertThat(onA.post("/shutdown", new JsonObject()).statusCode()).isEqualTo(202);
      assertThat(chat.finished().get(PATIENCE.toSeconds(), TimeUnit.SECONDS)).isEqualTo("end");
      SseClient.Event last = chat.events().get(chat.events().size() - 1);
      assertThat(last.type()).isEqualTo("server.shutdown");
      JsonObject cut = last.json();
      assertThat(cut.getString("type")).isEqualTo("server.shutdown");
      assertThat(cut.getString("run_id")).isEqualTo(chat.json().get(0).getString("run_id"));
      assertThat(last.seq()).isEqualTo(cut.getLong("resume_after_seq"));
      assertThat(chat.json()).noneMatch(f -> "error".equals(f.getString("type")));
      String streamed = chat.json().stream().filter(f -> "message".equals(f.getString("type")))
          .map(f -> f.getString("content")).reduce("", String::concat);

      String resume = cut.getString("resume");
      assertThat(resume).startsWith("/api/v1/sessions/" + thread + "/commands/");
      SseClient rest = SseClient.open(nodes.b(), resume.substring("/api/v1".length()),
          Map.of("Authorization", "Bearer " + Tenants.ADMIN_KEY, "Last-Event-ID", String.valueOf(cut.getLong("resume_after_seq"))));
      List<SseClient.Event> remainder = rest.awaitEnd();
      assertThat(remainder).extracting(SseClient.Event::seq).allMatch(seq -> seq > cut.getLong("resume_after_seq"))
          .doesNotHaveDuplicates();
      assertThat(remainder.get(remainder.size() - 1).type()).isEqualTo("command.completed");
      String resumed = remainder.stream().filter(e -> "engine.token".equals(e.type()))
          .map(e -> e.json().getJsonObject("data").getString("text")).reduce("", String::concat);
      assertThat(streamed + resumed).isEqualTo(answer);
      assertThat(resumed).as("the run went on during the grace: the rest came after the cut").isNotEmpty();
      await().atMost(PATIENCE).until(() -> nodes.memberA().deploymentIDs().isEmpty());
    }
  }

  @Test
  @DisplayName("stopped as SIGTERM stops it, a node hands the rest of a sequential batch to the other node once the"
      + " batch's running command finished, and the rest runs there in order")
  void sequentialBatchRestHandedOver() throws Exception {
    try (TwoNodes nodes = TwoNodes.start(new JsonObject().put("shutdown", new JsonObject().put("grace_ms", GRACE_MS)))) {
      TestNode a = nodes.a();
      TestNode b = nodes.b();
      Vertx memberA = nodes.memberA();
      HttpCalls onA = Tenants.admin(a);
      HttpCalls onB = Tenants.admin(b);
      String session = onA.createSession(new JsonObject().put("name", "batch")).getString("session_id");
      String commands = "/sessions/" + session + "/commands";
      GatedHandler gated = GatedHandler.register(a.vertx(), session, "test.gated");
      HttpResponse<Buffer> batch = onA.post(commands + "/batch", new JsonObject().put("mode", "sequential")
          .put("commands", new JsonArray()
              .add(new JsonObject().put("command_type", "test.gated"))
              .add(new JsonObject().put("command_type", "echo").put("parameters", new JsonObject().put("n", 1)))
              .add(new JsonObject().put("command_type", "echo").put("parameters", new JsonObject().put("n", 2)))));
      assertThat(batch.statusCode()).as(batch.bodyAsString()).isEqualTo(202);
      List<String> ids = batch.bodyAsJsonObject().getJsonArray("commands").stream()
          .map(c -> ((JsonObject) c).getString("command_id")).toList();
      await().atMost(PATIENCE).until(() -> gated.isRunning(ids.get(0)));

      // As Main's shutdown hook does: undeploy the node (it drains first), then close Vert.x.
      var stopped = CompletableFuture.runAsync(() -> {
        a.stop();
        Main.stop(memberA, null);
      });
      await().atMost(PATIENCE).until(() -> HttpCalls.await(a.client().get("/health/ready").send()).statusCode() == 503);
      assertThat(onA.get(commands + "/" + ids.get(1)).bodyAsJsonObject().getString("status")).isEqualTo("pending");

      gated.finish(ids.get(0), new JsonObject());
      stopped.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
      List<JsonObject> done = ids.stream().map(id -> awaitStatus(onB, commands + "/" + id, "completed")).toList();
      assertThat(done.get(1).getJsonObject("result").getInteger("n")).isEqualTo(1);
      assertThat(done.get(2).getJsonObject("result").getInteger("n")).isEqualTo(2);
      List<String> completedInOrder = onB.allEvents(session).stream()
          .filter(e -> "command.completed".equals(e.getString("event_type"))).map(e -> e.getString("command_id")).toList();
      assertThat(completedInOrder).containsExactlyElementsOf(ids);
      await().atMost(PATIENCE).until(() -> Nodes.live(b.vertx()).size() == 1);
    }
  }

  @Test
  @DisplayName("POST /shutdown needs admin: no credential is 401, a tenant's key with every other scope is 403, the admin's is"
      + " 202 and the node then stops itself")
  void shutdownNeedsAdmin() {
    TestNode node = TestNode.start(Tenants.config());
    try {
      HttpCalls.assertError(new HttpCalls(node).post("/shutdown", new JsonObject()), 401, "UNAUTHENTICATED");
      HttpCalls.assertError(Tenants.as(node, "acme").post("/shutdown", new JsonObject()), 403, "FORBIDDEN");
      assertThat(node.get("/health/ready").statusCode()).isEqualTo(200);

      HttpResponse<Buffer> accepted = Tenants.admin(node).post("/shutdown", new JsonObject());
      assertThat(accepted.statusCode()).as(accepted.bodyAsString()).isEqualTo(202);
      assertThat(accepted.bodyAsJsonObject().getString("status")).isEqualTo("shutting_down");
      await().atMost(PATIENCE).until(() -> node.vertx().deploymentIDs().isEmpty());
    } finally {
      node.close();
    }
  }

  private static String accepted(HttpResponse<Buffer> response) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(202);
    return response.bodyAsJsonObject().getString("command_id");
  }

  private static JsonObject awaitStatus(HttpCalls calls, String path, String status) {
    JsonObject command = await().atMost(PATIENCE).until(() -> calls.get(path).bodyAsJsonObject(),
        current -> status.equals(current.getString("status")) || "failed".equals(current.getString("status")));
    assertThat(command.getString("status")).as(command.encode()).isEqualTo(status);
    return command;
  }
}
