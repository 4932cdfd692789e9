package dev.agentbus.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.Publisher;
import dev.agentbus.support.SeqCheck;
import dev.agentbus.support.TestNode;
import dev.agentbus.support.TwoNodes;
import dev.agentbus.support.Tenants;
import dev.agentbus.support.WsClient;
import dev.agentbus.util.Nodes;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * How a multiplexed {@code /ws} socket ends when it is not the client's doing: a reader too slow
 * (1013) and a node shutting down (1012), each after telling every subscription where to resume,
 * and the principal's stream limit counting subscriptions.
 */
@DisplayName("The multiplexed /ws socket's ends: slow reader, shutdown, stream limit")
class MultiplexSocketEndsTest {
  private static final Duration PATIENCE = Duration.ofSeconds(30);
  private static final Pattern AFTER_SEQ = Pattern.compile("after_seq=(\\d+)");

  private static JsonObject subscribe(String requestId, String sessionId, long afterSeq) {
    return new JsonObject().put("type", "subscribe").put("request_id", requestId).put("session_id", sessionId).put("after_seq", afterSeq);
  }

  private static List<Long> seqsOf(WsClient socket, String sessionId) {
    return socket.events().stream().filter(e -> sessionId.equals(e.getString("session_id"))).map(e -> e.getLong("seq")).toList();
  }

  private static JsonObject answer(WsClient socket, String type, String requestId) {
    return socket.awaitFrame(f -> type.equals(f.getString("type")) && requestId.equals(f.getString("request_id")), PATIENCE);
  }

  /** The {@code unsubscribed} frames received, by session. */
  private static Map<String, JsonObject> ended(WsClient socket) {
    Map<String, JsonObject> bySession = new HashMap<>();
    socket.frames().stream().filter(f -> "unsubscribed".equals(f.getString("type")))
        .forEach(f -> assertThat(bySession.put(f.getString("session_id"), f)).as("one per session").isNull());
    return bySession;
  }

  private static long last(List<Long> seqs) {
    return seqs.get(seqs.size() - 1);
  }

  @Test
  @DisplayName("a reader too slow is closed 1013 after one unsubscribed frame (too_slow) per subscription with its resume cursor;"
      + " resuming there misses nothing")
  void slowReader() throws Exception {
    TestNode node = TestNode.start(new JsonObject()
        .put("http", new JsonObject().put("instances", 1))
        .put("streams", new JsonObject().put("max_queued_frames", 20).put("write_queue_max_bytes", 1024)));
    WebSocketClient client = WsClient.newClient(node);
    try {
      String busy = node.createSession();
      String quiet = node.createSession();
      WsClient slow = WsClient.open(client, node, "/ws");
      slow.send(subscribe("busy", busy, 1));
      slow.send(subscribe("quiet", quiet, 1));
      answer(slow, "ack", "busy");
      answer(slow, "ack", "quiet");
      slow.socket().pause();

      // One HTTP verticle: the feed has tried to write every event before the last publish is answered.
      List<JsonObject> stored = Publisher.many(node, busy, 300, 4, i -> new JsonObject().put("event_type", "demo.big")
          .put("data", new JsonObject().put("i", i).put("blob", "b".repeat(48 * 1024))), e -> { }).await();
      long lastStored = stored.stream().mapToLong(e -> e.getLong("seq")).max().orElseThrow();
      slow.socket().resume();
      slow.closed().get(PATIENCE.toSeconds(), TimeUnit.SECONDS);

      assertThat(slow.closeStatus()).isEqualTo((short) 1013);
      assertThat(slow.closeReason()).contains("unsubscribed");
      List<Long> seen = seqsOf(slow, busy);
      assertThat(seen).isNotEmpty().hasSizeLessThan(300);
      assertThat(SeqCheck.against(seen, 2, last(seen))).isEqualTo("ok");
      Map<String, JsonObject> ends = ended(slow);
      assertThat(ends).containsOnlyKeys(busy, quiet);
      assertThat(ends.get(busy).getString("reason")).isEqualTo("too_slow");
      assertThat(ends.get(busy).getLong("resume_after_seq")).isEqualTo(last(seen));
      assertThat(ends.get(quiet).getString("reason")).isEqualTo("too_slow");
      assertThat(ends.get(quiet).getLong("resume_after_seq")).isEqualTo(1L);

      try (WsClient resumed = WsClient.open(client, node, "/ws")) {
        resumed.send(subscribe("again", busy, ends.get(busy).getLong("resume_after_seq")));
        await().atMost(PATIENCE).until(() -> seqsOf(resumed, busy).contains(lastStored));
        assertThat(SeqCheck.against(seqsOf(resumed, busy), last(seen) + 1, lastStored)).isEqualTo("ok");
      }
    } finally {
      client.close().await();
      node.close();
    }
  }

  @Test
  @DisplayName("each subscription counts as one of the principal's streams (the socket is one too)")
  void principalStreams() {
    TestNode node = TestNode.start(new JsonObject().put("limits", new JsonObject().put("max_streams_per_principal", 3)));
    WebSocketClient client = WsClient.newClient(node);
    try (WsClient socket = WsClient.open(client, node, "/ws")) {
      List<String> sessions = List.of(node.createSession(), node.createSession(), node.createSession());
      socket.send(subscribe("one", sessions.get(0), 1));
      socket.send(subscribe("two", sessions.get(1), 1));
      answer(socket, "ack", "one");
      answer(socket, "ack", "two");
      socket.send(subscribe("three", sessions.get(2), 1));
      JsonObject refused = answer(socket, "error", "three").getJsonObject("error");
      assertThat(refused.getString("code")).isEqualTo("RATE_LIMITED");
      assertThat(refused.getJsonObject("details").getString("limit")).isEqualTo("max_streams_per_principal");

      socket.send(new JsonObject().put("type", "unsubscribe").put("request_id", "off").put("session_id", sessions.get(0)));
      answer(socket, "ack", "off");
      socket.send(subscribe("three-again", sessions.get(2), 1));
      answer(socket, "ack", "three-again");
    } finally {
      client.close().await();
      node.close();
    }
  }

  @Test
  @DisplayName("on shutdown every subscription gets an unsubscribed frame (shutdown) with its cursor before the 1012 close;"
      + " subscribing with those cursors on the other node misses nothing and repeats nothing")
  void shutdownHandsOverCursors() throws Exception {
    try (TwoNodes nodes = TwoNodes.start(new JsonObject())) {
      stopWhileSubscribed(nodes.a(), nodes.b());
    }
  }

  private void stopWhileSubscribed(TestNode a, TestNode b) throws Exception {
    WebSocketClient client = WsClient.newClient(b);
    try {
      HttpCalls onA = Tenants.admin(a);
      HttpCalls onB = Tenants.admin(b);
      List<String> sessions = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        String sid = onA.createSession(new JsonObject().put("name", "mux-" + i)).getString("session_id");
        sessions.add(sid);
        publishAs(onA, sid, "demo.before"); // seq 2
      }
      String token = "/ws?access_token=" + Tenants.ADMIN_KEY;
      WsClient two = WsClient.open(client, a, token);
      WsClient one = WsClient.open(client, a, token);
      two.send(subscribe("s0", sessions.get(0), 0));
      two.send(subscribe("s1", sessions.get(1), 1));
      one.send(subscribe("s2", sessions.get(2), 0));
      for (String sid : sessions) {
        publishAs(onA, sid, "demo.live"); // seq 3
      }
      await().atMost(PATIENCE).until(() -> seqsOf(two, sessions.get(0)).contains(3L) && seqsOf(two, sessions.get(1)).contains(3L)
          && seqsOf(one, sessions.get(2)).contains(3L));

      HttpResponse<Buffer> shutdown = onA.post("/shutdown", new JsonObject());
      assertThat(shutdown.statusCode()).as(shutdown.bodyAsString()).isEqualTo(202);
      two.closed().get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
      one.closed().get(PATIENCE.toSeconds(), TimeUnit.SECONDS);

      assertThat(two.closeStatus()).isEqualTo((short) 1012);
      assertThat(two.closeReason()).contains("unsubscribed");
      Map<String, JsonObject> twoEnds = ended(two);
      assertThat(twoEnds).containsOnlyKeys(sessions.get(0), sessions.get(1));
      assertThat(one.closeStatus()).isEqualTo((short) 1012);
      Matcher single = AFTER_SEQ.matcher(one.closeReason());
      assertThat(single.find()).as(one.closeReason()).isTrue();
      Map<String, JsonObject> oneEnds = ended(one);
      assertThat(oneEnds).containsOnlyKeys(sessions.get(2));
      assertThat(Long.parseLong(single.group(1))).isEqualTo(oneEnds.get(sessions.get(2)).getLong("resume_after_seq"));

      Map<String, JsonObject> ends = new HashMap<>(twoEnds);
      ends.putAll(oneEnds);
      Map<String, List<Long>> seen = new HashMap<>();
      for (String sid : sessions) {
        WsClient socket = sid.equals(sessions.get(2)) ? one : two;
        List<Long> seqs = new ArrayList<>(seqsOf(socket, sid));
        assertThat(ends.get(sid).getString("reason")).isEqualTo("shutdown");
        assertThat(ends.get(sid).getLong("resume_after_seq")).as("the last seq sent").isEqualTo(last(seqs));
        // the unsubscribed frame comes after the session's last event
        List<JsonObject> frames = List.copyOf(socket.frames());
        int lastEvent = -1;
        for (int i = 0; i < frames.size(); i++) {
          if ("event".equals(frames.get(i).getString("type")) && sid.equals(frames.get(i).getJsonObject("event").getString("session_id"))) {
            lastEvent = i;
          }
        }
        assertThat(frames.indexOf(ends.get(sid))).isGreaterThan(lastEvent);
        seen.put(sid, seqs);
      }
      await().atMost(PATIENCE).until(() -> Nodes.live(b.vertx()).size() == 1);

      // Events after the shutdown, then the client comes back on B with the cursors it was given.
      for (String sid : sessions) {
        publishAs(onB, sid, "demo.while-away"); // seq 4
      }
      try (WsClient resumed = WsClient.open(client, b, token)) {
        for (String sid : sessions) {
          resumed.send(subscribe("r-" + sid, sid, ends.get(sid).getLong("resume_after_seq")));
          answer(resumed, "ack", "r-" + sid);
        }
        Map<String, Long> lastStored = new HashMap<>();
        for (String sid : sessions) {
          lastStored.put(sid, publishAs(onB, sid, "demo.after").getLong("seq")); // seq 5
        }
        await().atMost(PATIENCE).until(() -> sessions.stream().allMatch(sid -> seqsOf(resumed, sid).contains(lastStored.get(sid))));
        for (String sid : sessions) {
          List<Long> all = new ArrayList<>(seen.get(sid));
          all.addAll(seqsOf(resumed, sid));
          long from = sid.equals(sessions.get(1)) ? 2 : 1;
          assertThat(SeqCheck.against(all, from, lastStored.get(sid))).as(sid + " across the two nodes").isEqualTo("ok");
        }
      }
    } finally {
      client.close().await();
    }
  }

  private static JsonObject publishAs(HttpCalls as, String sessionId, String type) {
    HttpResponse<Buffer> stored = as.post("/sessions/" + sessionId + "/events", new JsonObject().put("event_type", type)
        .put("data", new JsonObject()));
    assertThat(stored.statusCode()).as(stored.bodyAsString()).isEqualTo(201);
    return stored.bodyAsJsonObject();
  }
}
