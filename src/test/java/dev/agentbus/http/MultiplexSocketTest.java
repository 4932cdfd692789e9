package dev.agentbus.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.TenantNode;
import dev.agentbus.support.TestNode;
import dev.agentbus.support.WsClient;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The multiplexed {@code WS /ws}: subscriptions to several sessions, frames naming their session, prompts beside them. */
@DisplayName("The multiplexed /ws socket")
class MultiplexSocketTest {
  private static final Duration WAIT = Duration.ofSeconds(15);
  @RegisterExtension
  static final TenantNode tenants = new TenantNode();
  static WebSocketClient client;
  private final List<WsClient> open = new ArrayList<>();

  @BeforeAll
  static void start() {
    client = WsClient.newClient(tenants.node());
  }

  @AfterAll
  static void stop() {
    client.close().await();
  }

  @AfterEach
  void closeSockets() {
    open.forEach(WsClient::close);
  }

  private static TestNode node() {
    return tenants.node();
  }

  private WsClient ws(String key) {
    WsClient socket = WsClient.open(client, node(), "/ws?access_token=" + key);
    open.add(socket);
    return socket;
  }

  private static String session(HttpCalls as) {
    return as.createSession(new JsonObject().put("name", "mux")).getString("session_id");
  }

  private static JsonObject publish(HttpCalls as, String sessionId, String type) {
    HttpResponse<Buffer> stored = as.post("/sessions/" + sessionId + "/events", new JsonObject().put("event_type", type)
        .put("data", new JsonObject()));
    assertThat(stored.statusCode()).as(stored.bodyAsString()).isEqualTo(201);
    return stored.bodyAsJsonObject();
  }

  private static JsonObject answer(WsClient socket, String type, String requestId) {
    return socket.awaitFrame(f -> type.equals(f.getString("type")) && requestId.equals(f.getString("request_id")), WAIT);
  }

  private static JsonObject error(WsClient socket, String requestId) {
    return answer(socket, "error", requestId).getJsonObject("error");
  }

  private static JsonObject subscribe(String requestId, String sessionId) {
    return new JsonObject().put("type", "subscribe").put("request_id", requestId).put("session_id", sessionId);
  }

  private static List<Long> seqsOf(WsClient socket, String sessionId) {
    return socket.events().stream().filter(e -> sessionId.equals(e.getString("session_id"))).map(e -> e.getLong("seq")).toList();
  }

  private static List<String> typesOf(WsClient socket, String sessionId) {
    return socket.events().stream().filter(e -> sessionId.equals(e.getString("session_id")))
        .map(e -> e.getString("event_type")).toList();
  }

  private static void awaitSeq(WsClient socket, String sessionId, long seq) {
    await().atMost(WAIT).until(() -> seqsOf(socket, sessionId).contains(seq));
  }

  @Test
  @DisplayName("two sessions on one socket: each acked with its start, replayed after after_seq, then live, filtered by types")
  void twoSessionsReplayLiveTypes() {
    HttpCalls acme = tenants.acme();
    String first = session(acme);
    String second = session(acme);
    publish(acme, first, "demo.old");   // seq 2
    publish(acme, first, "demo.kept");  // seq 3
    publish(acme, second, "alpha.one"); // seq 2
    publish(acme, second, "beta.one");  // seq 3

    WsClient socket = ws(tenants.acmeKey());
    socket.send(subscribe("s-1", first).put("after_seq", 2));
    socket.send(subscribe("s-2", second).put("types", new JsonArray().add("alpha.*").add("gamma.exact")));
    JsonObject firstAck = answer(socket, "ack", "s-1");
    JsonObject secondAck = answer(socket, "ack", "s-2");
    assertThat(firstAck).isEqualTo(new JsonObject().put("type", "ack").put("session_id", first).put("after_seq", 2L)
        .put("request_id", "s-1"));
    assertThat(secondAck.getString("session_id")).isEqualTo(second);
    assertThat(secondAck.getLong("after_seq")).isZero();

    publish(acme, second, "gamma.exact");       // seq 4
    publish(acme, second, "alphabet.soup");     // seq 5, filtered out
    long liveFirst = publish(acme, first, "demo.live").getLong("seq");
    long liveSecond = publish(acme, second, "alpha.two").getLong("seq");
    awaitSeq(socket, first, liveFirst);
    awaitSeq(socket, second, liveSecond);

    assertThat(seqsOf(socket, first)).containsExactly(3L, 4L);
    assertThat(typesOf(socket, first)).containsExactly("demo.kept", "demo.live");
    assertThat(typesOf(socket, second)).containsExactly("alpha.one", "gamma.exact", "alpha.two");
    assertThat(socket.frames()).filteredOn(f -> "event".equals(f.getString("type")))
        .allSatisfy(frame -> assertThat(frame.fieldNames()).containsExactlyInAnyOrder("type", "event"));
    // each session's ack came before its first event
    List<JsonObject> frames = List.copyOf(socket.frames());
    assertThat(frames.indexOf(firstAck)).isLessThan(indexOfFirstEvent(frames, first));
    assertThat(frames.indexOf(secondAck)).isLessThan(indexOfFirstEvent(frames, second));
    // the stored event is what the REST API returns
    assertThat(socket.events().stream().filter(e -> e.getLong("seq") == liveFirst && first.equals(e.getString("session_id")))
        .findFirst().orElseThrow()).isEqualTo(acme.get("/sessions/" + first + "/events?after_seq=" + (liveFirst - 1))
        .bodyAsJsonObject().getJsonArray("data").getJsonObject(0));
  }

  /** A socket of acme's subscribed to {@code sessions} from their start, each one's first event received. */
  private WsClient following(List<String> sessions) {
    WsClient socket = ws(tenants.acmeKey());
    sessions.forEach(sid -> socket.send(subscribe("s-" + sid, sid)));
    sessions.forEach(sid -> awaitSeq(socket, sid, 1));
    return socket;
  }

  private static int indexOfFirstEvent(List<JsonObject> frames, String sessionId) {
    for (int i = 0; i < frames.size(); i++) {
      if ("event".equals(frames.get(i).getString("type")) && sessionId.equals(frames.get(i).getJsonObject("event").getString("session_id"))) {
        return i;
      }
    }
    return Integer.MAX_VALUE;
  }

  @Test
  @DisplayName("unsubscribe is acked with the last seq sent, and no event of that session follows; the other session goes on")
  void unsubscribeStops() {
    HttpCalls acme = tenants.acme();
    String left = session(acme);
    String kept = session(acme);
    WsClient socket = following(List.of(left, kept));

    socket.send(new JsonObject().put("type", "unsubscribe").put("request_id", "u-1").put("session_id", left));
    JsonObject ack = answer(socket, "ack", "u-1");
    assertThat(ack.getString("session_id")).isEqualTo(left);
    assertThat(ack.getLong("last_seq")).isEqualTo(1L);
    int framesAtUnsubscribe = socket.frames().indexOf(ack);

    publish(acme, left, "demo.unseen");
    long last = publish(acme, kept, "demo.seen").getLong("seq");
    awaitSeq(socket, kept, last);
    assertThat(seqsOf(socket, left)).containsExactly(1L);
    assertThat(socket.frames().subList(framesAtUnsubscribe, socket.frames().size()))
        .noneMatch(f -> "event".equals(f.getString("type")) && left.equals(f.getJsonObject("event").getString("session_id")));

    // unsubscribing again: that session is not subscribed
    socket.send(new JsonObject().put("type", "unsubscribe").put("request_id", "u-2").put("session_id", left));
    assertThat(error(socket, "u-2").getJsonObject("details").getString("field")).isEqualTo("session_id");
  }

  @Test
  @DisplayName("command and publish frames name their session and are acked with their request_id (command_id and status; seq and event_id)")
  void commandAndPublish() {
    HttpCalls acme = tenants.acme();
    String sid = session(acme);
    WsClient socket = ws(tenants.acmeKey());
    socket.send(subscribe("s", sid).put("after_seq", 1));
    answer(socket, "ack", "s");

    socket.send(new JsonObject().put("type", "publish").put("request_id", "p-1").put("session_id", sid)
        .put("event_type", "chat.message").put("data", new JsonObject().put("text", "hi")));
    JsonObject published = answer(socket, "ack", "p-1");
    assertThat(published.getString("session_id")).isEqualTo(sid);
    assertThat(published.getLong("seq")).isEqualTo(2L);
    assertThat(published.getString("event_id")).startsWith("evt_");
    assertThat(socket.awaitSeq(2, WAIT).getString("event_id")).isEqualTo(published.getString("event_id"));

    socket.send(new JsonObject().put("type", "command").put("request_id", "c-1").put("session_id", sid)
        .put("command_type", "echo").put("parameters", new JsonObject().put("say", "hi")));
    JsonObject accepted = answer(socket, "ack", "c-1");
    String commandId = accepted.getString("command_id");
    assertThat(commandId).startsWith("cmd_");
    assertThat(accepted.getString("status")).isIn("pending", "executing", "completed");
    JsonObject completed = socket.awaitFrame(f -> "event".equals(f.getString("type"))
        && "command.completed".equals(f.getJsonObject("event").getString("event_type")), WAIT).getJsonObject("event");
    assertThat(completed.getString("command_id")).isEqualTo(commandId);
    assertThat(completed.getJsonObject("data").getJsonObject("result")).isEqualTo(new JsonObject().put("say", "hi"));
  }

  @Test
  @DisplayName("every error frame carries the request_id of the frame it answers, and the socket stays usable")
  void errorsCarryRequestId() {
    HttpCalls acme = tenants.acme();
    String sid = session(acme);
    WsClient socket = ws(tenants.acmeKey());

    socket.sendText("{not json");
    JsonObject badJson = socket.awaitFrame(f -> "error".equals(f.getString("type")), WAIT);
    assertThat(badJson.containsKey("request_id")).isTrue();
    assertThat(badJson.getString("request_id")).isNull();
    assertThat(badJson.getJsonObject("error").getString("code")).isEqualTo("VALIDATION_ERROR");

    socket.send(new JsonObject().put("type", "dance").put("request_id", "e-type"));
    JsonObject unknown = error(socket, "e-type");
    assertThat(unknown.getString("code")).isEqualTo("VALIDATION_ERROR");
    assertThat(unknown.getJsonObject("details").getString("field")).isEqualTo("type");
    assertThat(unknown.getString("message")).contains("subscribe", "unsubscribe", "publish", "command", "ack", "ping", "prompt");

    socket.send(new JsonObject().put("type", "subscribe").put("request_id", "e-sub"));
    assertThat(error(socket, "e-sub").getJsonObject("details").getString("field")).isEqualTo("session_id");
    socket.send(new JsonObject().put("type", "publish").put("request_id", "e-pub").put("event_type", "demo.x"));
    assertThat(error(socket, "e-pub").getJsonObject("details").getString("field")).isEqualTo("session_id");
    socket.send(new JsonObject().put("type", "command").put("request_id", "e-cmd").put("command_type", "echo"));
    assertThat(error(socket, "e-cmd").getJsonObject("details").getString("field")).isEqualTo("session_id");
    socket.send(subscribe("e-after", sid).put("after_seq", -1));
    assertThat(error(socket, "e-after").getJsonObject("details").getString("field")).isEqualTo("after_seq");
    socket.send(subscribe("e-types", sid).put("types", "demo.*"));
    assertThat(error(socket, "e-types").getJsonObject("details").getString("field")).isEqualTo("types");
    socket.send(new JsonObject().put("type", "ack").put("request_id", "e-ack").put("session_id", sid).put("seq", 1));
    assertThat(error(socket, "e-ack").getString("message")).contains("not subscribed");
    socket.send(subscribe("e-none", "ses_doesnotexist"));
    assertThat(error(socket, "e-none").getString("code")).isEqualTo("SESSION_NOT_FOUND");
    socket.send(new JsonObject().put("prompt", "").put("request_id", "e-prompt"));
    assertThat(error(socket, "e-prompt").getJsonObject("details").getString("field")).isEqualTo("prompt");

    socket.send(subscribe("ok", sid));
    answer(socket, "ack", "ok");
    socket.send(subscribe("e-twice", sid));
    assertThat(error(socket, "e-twice").getString("code")).isEqualTo("CONFLICT");
    socket.send(new JsonObject().put("type", "ping"));
    socket.awaitFrame(f -> "pong".equals(f.getString("type")), WAIT);
    assertThat(socket.closed()).isNotDone();
  }

  @Test
  @DisplayName("another tenant's session is SESSION_NOT_FOUND for subscribe, publish and command, and nothing is stored there")
  void otherTenant() {
    String acmes = session(tenants.acme());
    WsClient globex = ws(tenants.globexKey());

    globex.send(subscribe("t-sub", acmes));
    globex.send(new JsonObject().put("type", "publish").put("request_id", "t-pub").put("session_id", acmes).put("event_type", "demo.sneaky"));
    globex.send(new JsonObject().put("type", "command").put("request_id", "t-cmd").put("session_id", acmes).put("command_type", "echo"));

    for (String requestId : List.of("t-sub", "t-pub", "t-cmd")) {
      assertThat(error(globex, requestId).getString("code")).as(requestId).isEqualTo("SESSION_NOT_FOUND");
    }
    assertThat(globex.events()).isEmpty();
    assertThat(tenants.acme().allEvents(acmes)).extracting(e -> e.getString("event_type")).containsExactly("session.created");
  }

  @Test
  @DisplayName("a frame needing a scope the key lacks is FORBIDDEN naming the scope: subscribe events:read, publish events:write")
  void missingScope() {
    String sid = session(tenants.admin());
    HttpResponse<Buffer> created = tenants.admin().post("/keys", new JsonObject().put("name", "commands-only")
        .put("tenant_id", "default").put("scopes", new JsonArray().add("commands:write")));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    WsClient socket = ws(created.bodyAsJsonObject().getString("key"));

    socket.send(subscribe("f-sub", sid));
    socket.send(new JsonObject().put("type", "publish").put("request_id", "f-pub").put("session_id", sid).put("event_type", "demo.x"));
    JsonObject subscribeRefused = error(socket, "f-sub");
    assertThat(subscribeRefused.getString("code")).isEqualTo("FORBIDDEN");
    assertThat(subscribeRefused.getJsonObject("details").getString("required_scope")).isEqualTo("events:read");
    assertThat(error(socket, "f-pub").getJsonObject("details").getString("required_scope")).isEqualTo("events:write");
    assertThat(socket.events()).isEmpty();
  }

  @Test
  @DisplayName("prompt frames still start runs on a socket that also follows a session")
  void promptsBesideSubscriptions() {
    HttpCalls acme = tenants.acme();
    String sid = session(acme);
    WsClient socket = ws(tenants.acmeKey());
    socket.send(subscribe("s", sid));
    awaitSeq(socket, sid, 1);

    socket.send(new JsonObject().put("prompt", "hello mux"));
    JsonObject result = socket.awaitFrame(f -> "result".equals(f.getString("type")), WAIT);
    assertThat(result.getString("result")).isEqualTo("Echo: hello mux");
    JsonObject runAck = socket.awaitFrame(f -> "ack".equals(f.getString("type")) && "processing".equals(f.getString("status")), WAIT);
    assertThat(runAck.getString("request_id")).isEqualTo(result.getString("request_id")).startsWith("cmd_");

    long live = publish(acme, sid, "demo.after-run").getLong("seq");
    awaitSeq(socket, sid, live);
    assertThat(seqsOf(socket, sid)).containsExactly(1L, live);
  }

  @Test
  @DisplayName("at most 32 subscriptions per socket: the 33rd is RATE_LIMITED with its request_id, until one is unsubscribed")
  void subscriptionCap() {
    HttpCalls acme = tenants.acme();
    WsClient socket = ws(tenants.acmeKey());
    List<String> sessions = new ArrayList<>();
    for (int i = 0; i <= Subscriptions.MAX_PER_SOCKET; i++) {
      sessions.add(session(acme));
    }
    for (int i = 0; i < Subscriptions.MAX_PER_SOCKET; i++) {
      socket.send(subscribe("cap-" + i, sessions.get(i)).put("after_seq", 1));
    }
    for (int i = 0; i < Subscriptions.MAX_PER_SOCKET; i++) {
      answer(socket, "ack", "cap-" + i);
    }
    String extra = sessions.get(Subscriptions.MAX_PER_SOCKET);
    socket.send(subscribe("cap-over", extra));
    JsonObject refused = error(socket, "cap-over");
    assertThat(refused.getString("code")).isEqualTo("RATE_LIMITED");
    assertThat(refused.getJsonObject("details").getString("limit")).isEqualTo("max_subscriptions_per_socket");

    socket.send(new JsonObject().put("type", "unsubscribe").put("request_id", "free").put("session_id", sessions.get(0)));
    answer(socket, "ack", "free");
    socket.send(subscribe("cap-again", extra));
    answer(socket, "ack", "cap-again");
    awaitSeq(socket, extra, 1);
  }

  @Test
  @DisplayName("a subscriber_id keeps the acked cursor: a resubscribe without after_seq replays only what came after the ack")
  void durableSubscriber() {
    HttpCalls acme = tenants.acme();
    String sid = session(acme);
    publish(acme, sid, "demo.a"); // 2
    publish(acme, sid, "demo.b"); // 3
    WsClient socket = ws(tenants.acmeKey());
    socket.send(subscribe("d-1", sid).put("subscriber_id", "worker-1"));
    assertThat(answer(socket, "ack", "d-1").getLong("after_seq")).isZero();
    awaitSeq(socket, sid, 3);
    socket.send(new JsonObject().put("type", "ack").put("request_id", "a-1").put("session_id", sid).put("seq", 2));
    JsonObject acked = answer(socket, "ack", "a-1");
    assertThat(acked.getLong("acked_seq")).isEqualTo(2L);
    assertThat(acked.getString("session_id")).isEqualTo(sid);
    socket.send(new JsonObject().put("type", "unsubscribe").put("request_id", "d-off").put("session_id", sid));
    answer(socket, "ack", "d-off");

    socket.send(subscribe("d-2", sid).put("subscriber_id", "worker-1"));
    assertThat(answer(socket, "ack", "d-2").getLong("after_seq")).isEqualTo(2L);
    long live = publish(acme, sid, "demo.c").getLong("seq");
    await().atMost(WAIT).until(() -> seqsOf(socket, sid).size() == 5);
    assertThat(seqsOf(socket, sid)).containsExactly(1L, 2L, 3L, 3L, live);
  }

  @Test
  @DisplayName("a subscribed session that is deleted ends its subscription (session.deleted, then unsubscribed) and the socket stays open")
  void sessionDeleted() {
    HttpCalls acme = tenants.acme();
    String gone = session(acme);
    String kept = session(acme);
    WsClient socket = following(List.of(gone, kept));

    assertThat(acme.delete("/sessions/" + gone).statusCode()).isEqualTo(200);
    JsonObject ended = socket.awaitFrame(f -> "unsubscribed".equals(f.getString("type")), WAIT);
    assertThat(ended).isEqualTo(new JsonObject().put("type", "unsubscribed").put("session_id", gone)
        .put("reason", "session_deleted").put("resume_after_seq", 2L));
    assertThat(typesOf(socket, gone)).containsExactly("session.created", "session.deleted");

    long live = publish(acme, kept, "demo.still").getLong("seq");
    awaitSeq(socket, kept, live);
    assertThat(socket.closed()).isNotDone();
    // the ended subscription is gone: the session can no longer be acked on this socket
    socket.send(new JsonObject().put("type", "ack").put("request_id", "late").put("session_id", gone).put("seq", 2));
    assertThat(error(socket, "late").getJsonObject("details").getString("field")).isEqualTo("session_id");
  }
}
