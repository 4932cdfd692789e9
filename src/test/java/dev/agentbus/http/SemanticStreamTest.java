package dev.agentbus.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.Bus;
import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.command.CommandClient;
import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.SseClient;
import dev.agentbus.support.TestNode;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** {@code POST /internal/chat/stream} (seed 003): semantic SSE events over an engine run. */
class SemanticStreamTest {
  static TestNode node;
  static HttpCalls http;
  static CommandClient commands;

  @BeforeAll
  static void start() {
    node = TestNode.start();
    http = new HttpCalls(node);
    commands = new CommandClient(node);
    standInForConversationsIfAbsent();
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  /**
   * {@code CONVERSATION_OPEN} belongs to the conversation verticle, built in parallel. Until it is
   * on the node, a minimal stand-in keeps to its contract (same conversation → same session) by
   * creating sessions through the real session verticle; once the real one answers, it is used.
   */
  static void standInForConversationsIfAbsent() {
    JsonObject probe = new JsonObject().put("conversation_id", "probe").put("user_id", "u").put("company_id", "c");
    Throwable failure = Bus.request(node.vertx(), Addresses.CONVERSATION_OPEN, probe, (String) null)
        .transform(reply -> Future.succeededFuture(reply.cause())).await();
    if (failure == null || !BusError.is(failure, ErrorCode.SERVICE_UNAVAILABLE)) {
      return;
    }
    Map<String, String> sessions = new ConcurrentHashMap<>();
    Bus.serve(node.vertx(), Addresses.CONVERSATION_OPEN, (body, headers) -> {
      String key = body.getString("company_id") + "/" + body.getString("conversation_id");
      String known = sessions.get(key);
      return known != null ? Future.succeededFuture(new JsonObject().put("session_id", known).put("created", false))
          : Bus.request(node.vertx(), Addresses.SESSION_CREATE, new JsonObject().put("name", "conversation " + key), (String) null)
              .map(created -> {
                sessions.put(key, created.getString("session_id"));
                return new JsonObject().put("session_id", created.getString("session_id")).put("created", true);
              });
    }).completion().await();
  }

  static JsonObject request(String message, String conversationId) {
    return new JsonObject().put("input", new JsonObject().put("message", message)).put("conversation",
        new JsonObject().put("id", conversationId).put("user_id", "user-456").put("company_id", "company-789"));
  }

  static List<JsonObject> stream(String path, JsonObject body) {
    SseClient call = SseClient.post(node, path, body);
    assertThat(call.status()).isEqualTo(200);
    assertThat(call.header("Content-Type")).startsWith("text/event-stream");
    List<SseClient.Event> frames = call.awaitEnd();
    assertThat(frames).allMatch(f -> f.event() == null, "plain data: frames");
    return frames.stream().map(SseClient.Event::json).toList();
  }

  static String sessionOf(String conversationId) {
    return Bus.request(node.vertx(), Addresses.CONVERSATION_OPEN, new JsonObject().put("conversation_id", conversationId)
        .put("user_id", "user-456").put("company_id", "company-789"), (String) null).await().getString("session_id");
  }

  @Test
  @DisplayName("a direct answer streams route_decision direct, final tokens that concatenate to the answer, then complete with stats")
  void directAnswer() {
    for (String path : List.of("/internal/chat/stream", "/api/v1/internal/chat/stream")) {
      String conversation = "conv-" + path.length();
      List<JsonObject> frames = stream(path, request("How many technicians are active?", conversation));

      List<String> events = frames.stream().map(f -> f.getString("event")).toList();
      assertThat(events.get(0)).isEqualTo("route_decision");
      assertThat(frames.get(0)).isEqualTo(new JsonObject().put("event", "route_decision").put("route", "direct"));
      assertThat(events.subList(1, events.size() - 1)).isNotEmpty().containsOnly("token");
      assertThat(frames.subList(1, frames.size() - 1)).allMatch(f -> "final".equals(f.getString("channel")));
      assertThat(frames.subList(1, frames.size() - 1).stream().map(f -> f.getString("content")).collect(Collectors.joining()))
          .isEqualTo("Echo: How many technicians are active?");
      JsonObject complete = frames.get(frames.size() - 1);
      assertThat(complete.getString("event")).isEqualTo("complete");
      JsonObject stats = complete.getJsonObject("stats");
      assertThat(stats.getInteger("tokens")).isEqualTo(frames.size() - 2);
      assertThat(stats.getInteger("tool_calls")).isZero();
      assertThat(stats.getString("conversation_id")).isEqualTo(conversation);
      assertThat(stats.getLong("duration_ms")).isGreaterThanOrEqualTo(0L);
    }
  }

  @Test
  @DisplayName("a conversation keeps its session: two messages run in the same session")
  void sameConversationSameSession() {
    stream("/internal/chat/stream", request("first", "conv-same"));
    stream("/internal/chat/stream", request("second", "conv-same"));

    String session = sessionOf("conv-same");
    List<String> prompts = commands.list(session, "").bodyAsJsonObject().getJsonArray("data").stream()
        .map(c -> ((JsonObject) c).getJsonObject("parameters").getString("prompt")).toList();
    assertThat(prompts).containsExactly("first", "second");
  }

  @Test
  @DisplayName("an empty message is 400 naming input.message; missing conversation ids are 400 naming each")
  void validation() {
    var empty = http.send(io.vertx.core.http.HttpMethod.POST, "/internal/chat/stream", "application/json",
        request("", "conv-1").toBuffer());
    var noConversation = http.post("/internal/chat/stream", new JsonObject().put("input", new JsonObject().put("message", "hi"))
        .put("conversation", new JsonObject().put("id", "c")));
    var nothing = http.post("/internal/chat/stream", new JsonObject());

    assertThat(HttpCalls.assertInvalid(empty)).containsExactly("input.message");
    assertThat(HttpCalls.assertInvalid(noConversation)).containsExactlyInAnyOrder("conversation.user_id", "conversation.company_id");
    assertThat(HttpCalls.assertInvalid(nothing)).containsExactlyInAnyOrder("input.message", "conversation.id",
        "conversation.user_id", "conversation.company_id");
  }

  // ---- needs the lead's scriptable dummy engine and tool loop ----

  @Test
  @DisplayName("a run that calls a tool streams tool_start, route_decision tools before the first answer token, then complete counting the call")
  void toolRoute() {
    String session = sessionOf("conv-tools");
    var created = node.post("/engines", new JsonObject().put("engine_type", "dummy").put("session_id", session)
        .put("configuration", new JsonObject().put("token_delay_ms", 1).put("script", new JsonArray()
            .add(new JsonObject().put("tool_calls", new JsonArray().add(new JsonObject().put("name", "math.evaluate")
                .put("arguments", new JsonObject().put("expression", "6*7")))))
            .add(new JsonObject().put("content", "It is 42")))));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);

    List<JsonObject> frames = stream("/internal/chat/stream", request("6*7?", "conv-tools"));

    List<String> events = frames.stream().map(f -> f.getString("event")).toList();
    assertThat(frames.get(0)).isEqualTo(new JsonObject().put("event", "tool_start").put("tool", "math.evaluate"));
    int route = events.indexOf("route_decision");
    assertThat(route).isLessThan(events.indexOf("token"));
    assertThat(frames.get(route).getString("route")).isEqualTo("tools");
    assertThat(frames.stream().filter(f -> "token".equals(f.getString("event"))).map(f -> f.getString("content"))
        .collect(Collectors.joining())).isEqualTo("It is 42");
    assertThat(frames.get(frames.size() - 1).getJsonObject("stats").getInteger("tool_calls")).isEqualTo(1);
  }
}
