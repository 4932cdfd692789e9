package dev.agentbus.conversation;

import static dev.agentbus.support.HttpCalls.assertError;
import static dev.agentbus.support.HttpCalls.assertInvalid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.TestNode;
import dev.agentbus.util.Ids;
import dev.agentbus.util.Times;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Chat threads (seed 000), a session's messages with filters and search (seed 002), and seed-003
 * conversations. Messages are seeded straight into the store in their documented shape
 * ({@link MessageStore#MESSAGES}): engine runs write them, this is the read side.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@DisplayName("Chat threads, messages and conversations")
class ThreadApiTest {
  static TestNode node;
  static HttpCalls http;

  @BeforeAll
  static void start() {
    node = TestNode.start();
    http = new HttpCalls(node);
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
  }

  private static String createThread(JsonObject body) {
    HttpResponse<Buffer> created = http.post("/chat", body);
    assertThat(created.statusCode()).as("create thread: %s", created.bodyAsString()).isEqualTo(201);
    return created.bodyAsJsonObject().getString("thread_id");
  }

  /** Stores one message as an engine run would; returns its id. */
  private static String storeMessage(String sessionId, String role, String type, String content, String parentId, JsonObject extra) {
    String id = Ids.next("msg");
    JsonObject doc = new JsonObject().put("_id", id).put("session_id", sessionId).put("command_id", "cmd_test")
        .put("role", role).put("type", type).put("content", content).put("parent_id", parentId).put("created_at", Times.now());
    HttpCalls.await(node.mongo().insert(MessageStore.MESSAGES, doc.mergeIn(extra == null ? new JsonObject() : extra)));
    return id;
  }

  private static String storeMessage(String sessionId, String role, String content) {
    return storeMessage(sessionId, role, "message", content, null, null);
  }

  private static List<String> ids(JsonArray messages) {
    return messages.stream().map(m -> ((JsonObject) m).getString("id")).toList();
  }

  /** Every message of a /messages query, following next_cursor. */
  private static List<String> listAll(String sessionId, String query, int limit) {
    List<String> seen = new ArrayList<>();
    String cursor = null;
    for (int pages = 0; pages < 50; pages++) {
      HttpResponse<Buffer> page = http.get("/sessions/" + sessionId + "/messages?limit=" + limit + "&" + query
          + (cursor == null ? "" : "&cursor=" + cursor));
      assertThat(page.statusCode()).as(page.bodyAsString()).isEqualTo(200);
      JsonObject body = page.bodyAsJsonObject();
      assertThat(body.fieldNames()).containsExactlyInAnyOrder("data", "next_cursor", "has_more");
      assertThat(body.getJsonArray("data").size()).isLessThanOrEqualTo(limit);
      seen.addAll(ids(body.getJsonArray("data")));
      if (!body.getBoolean("has_more")) {
        assertThat(body.getValue("next_cursor")).isNull();
        return seen;
      }
      cursor = body.getString("next_cursor");
    }
    throw new AssertionError("pagination did not end");
  }

  private static JsonObject openConversation(JsonObject body) {
    return HttpCalls.await(node.vertx().eventBus().<JsonObject>request(Addresses.CONVERSATION_OPEN, body)).body();
  }

  private static JsonObject conversation(String conversationId, String userId, String companyId) {
    return new JsonObject().put("conversation_id", conversationId).put("user_id", userId).put("company_id", companyId);
  }

  // ---- seed 000 threads ----

  @Test
  @DisplayName("POST /chat creates a thread with the seed 000 shape; the thread is a session of kind chat")
  void createThread() {
    JsonObject metadata = new JsonObject().put("title", "Weather inquiry").put("tags", new JsonArray().add("weather").add("san-francisco"));

    HttpResponse<Buffer> created = http.post("/chat", new JsonObject().put("user_id", "user_123").put("metadata", metadata));

    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    JsonObject thread = created.bodyAsJsonObject();
    assertThat(thread.fieldNames()).containsExactlyInAnyOrder("thread_id", "user_id", "created_at", "metadata");
    assertThat(thread.getString("user_id")).isEqualTo("user_123");
    assertThat(thread.getJsonObject("metadata")).isEqualTo(metadata);
    assertThat(thread.getString("created_at")).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
    String threadId = thread.getString("thread_id");
    assertThat(created.getHeader("Location")).isEqualTo("/api/v1/chat/" + threadId);

    JsonObject session = http.get("/sessions/" + threadId).bodyAsJsonObject();
    assertThat(session.getJsonObject("metadata").getString("kind")).isEqualTo("chat");
    assertThat(session.getJsonObject("metadata").getString("user_id")).isEqualTo("user_123");
    assertThat(session.getJsonObject("metadata").getString("title")).isEqualTo("Weather inquiry");
  }

  @Test
  @DisplayName("POST /chat with a bad body names every bad field; an empty body makes an anonymous thread")
  void createThreadValidation() {
    assertThat(assertInvalid(http.post("/chat", new JsonObject().put("user_id", 5).put("metadata", new JsonObject().put("kind", "x"))
        .put("agent", "a")))).containsExactlyInAnyOrder("user_id", "metadata.kind", "agent");

    String threadId = createThread(new JsonObject());
    JsonObject history = http.get("/chat/" + threadId).bodyAsJsonObject();
    assertThat(history).isEqualTo(new JsonObject().put("thread_id", threadId).put("user_id", null)
        .put("messages", new JsonArray()).put("has_more", false));
  }

  @Test
  @DisplayName("GET /chat/{id} returns the newest page oldest first in the seed 000 shape, and pages back with before")
  void historyPages() {
    String threadId = createThread(new JsonObject().put("user_id", "user_123"));
    List<String> stored = new ArrayList<>();
    stored.add(storeMessage(threadId, "user", "message", "What's the weather?", null, null));
    stored.add(storeMessage(threadId, "assistant", "reasoning", "I need to check...", stored.get(0), new JsonObject().put("duration_ms", 500)));
    for (int i = 0; i < 5; i++) {
      stored.add(storeMessage(threadId, i % 2 == 0 ? "user" : "assistant", "turn " + i));
    }

    JsonObject newest = http.get("/chat/" + threadId + "?limit=3").bodyAsJsonObject();
    assertThat(newest.fieldNames()).containsExactlyInAnyOrder("thread_id", "user_id", "messages", "has_more");
    assertThat(newest.getString("thread_id")).isEqualTo(threadId);
    assertThat(newest.getString("user_id")).isEqualTo("user_123");
    assertThat(ids(newest.getJsonArray("messages"))).containsExactlyElementsOf(stored.subList(4, 7));
    assertThat(newest.getBoolean("has_more")).isTrue();

    String before = newest.getJsonArray("messages").getJsonObject(0).getString("id");
    JsonObject middle = http.get("/chat/" + threadId + "?limit=3&before=" + before).bodyAsJsonObject();
    assertThat(ids(middle.getJsonArray("messages"))).containsExactlyElementsOf(stored.subList(1, 4));
    assertThat(middle.getBoolean("has_more")).isTrue();

    JsonObject oldest = http.get("/chat/" + threadId + "?limit=3&before=" + stored.get(1)).bodyAsJsonObject();
    assertThat(ids(oldest.getJsonArray("messages"))).containsExactly(stored.get(0));
    assertThat(oldest.getBoolean("has_more")).isFalse();

    JsonObject reasoning = middle.getJsonArray("messages").getJsonObject(0);
    assertThat(reasoning.getString("role")).isEqualTo("assistant");
    assertThat(reasoning.getString("type")).isEqualTo("reasoning");
    assertThat(reasoning.getString("content")).isEqualTo("I need to check...");
    assertThat(reasoning.getInteger("duration_ms")).isEqualTo(500);
    assertThat(reasoning.getString("parent_id")).isEqualTo(stored.get(0));
    assertThat(reasoning.getString("created_at")).isNotBlank();
    assertThat(oldest.getJsonArray("messages").getJsonObject(0).containsKey("duration_ms")).as("absent when not stored").isFalse();

    JsonObject all = http.get("/chat/" + threadId).bodyAsJsonObject();
    assertThat(ids(all.getJsonArray("messages"))).containsExactlyElementsOf(stored);
    assertThat(all.getBoolean("has_more")).isFalse();
  }

  @Test
  @DisplayName("an unknown thread is 404 THREAD_NOT_FOUND naming it; a bad before or limit is a 400 naming it")
  void historyErrors() {
    JsonObject error = assertError(http.get("/chat/ses_nope"), 404, "THREAD_NOT_FOUND");
    assertThat(error.getJsonObject("details").getString("thread_id")).isEqualTo("ses_nope");

    String threadId = createThread(new JsonObject());
    String elsewhere = storeMessage(createThread(new JsonObject()), "user", "hi");
    assertThat(assertInvalid(http.get("/chat/" + threadId + "?before=msg_unknown"))).containsExactly("before");
    assertThat(assertInvalid(http.get("/chat/" + threadId + "?before=" + elsewhere))).containsExactly("before");
    assertThat(assertInvalid(http.get("/chat/" + threadId + "?before=&limit=0"))).containsExactlyInAnyOrder("before", "limit");
  }

  // ---- seed 002 messages ----

  @Test
  @DisplayName("/messages lists oldest first with the full message shape and pages by cursor")
  void messagesPage() {
    String sessionId = node.createSession();
    List<String> stored = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      stored.add(storeMessage(sessionId, "user", "m" + i));
    }
    String call = storeMessage(sessionId, "assistant", "tool_call", null, stored.get(4),
        new JsonObject().put("tool_call", new JsonObject().put("id", "call_1").put("name", "clock.now").put("arguments", "{}")));
    String result = storeMessage(sessionId, "tool", "tool_result", "12:00", call,
        new JsonObject().put("tool_call_id", "call_1").put("is_error", false).put("duration_ms", 3));
    stored.add(call);
    stored.add(result);

    assertThat(listAll(sessionId, "", 3)).containsExactlyElementsOf(stored);

    JsonArray data = http.get("/sessions/" + sessionId + "/messages?type=tool_result").bodyAsJsonObject().getJsonArray("data");
    assertThat(data.getJsonObject(0)).isEqualTo(new JsonObject().put("id", result).put("session_id", sessionId)
        .put("command_id", "cmd_test").put("role", "tool").put("type", "tool_result").put("content", "12:00")
        .put("parent_id", call).put("created_at", data.getJsonObject(0).getString("created_at"))
        .put("duration_ms", 3).put("tool_call_id", "call_1").put("is_error", false));
    JsonObject toolCall = http.get("/sessions/" + sessionId + "/messages?type=tool_call").bodyAsJsonObject()
        .getJsonArray("data").getJsonObject(0);
    assertThat(toolCall.getJsonObject("tool_call").getString("name")).isEqualTo("clock.now");
  }

  @Test
  @DisplayName("/messages filters by role and type, threads by parent_id, and searches content case-insensitively and literally")
  void filtersAndSearch() {
    String sessionId = node.createSession();
    String question = storeMessage(sessionId, "user", "message", "What does the Widget (v2.0) cost?", null, null);
    String thinking = storeMessage(sessionId, "assistant", "reasoning", "Look up widget pricing", question, null);
    String answer = storeMessage(sessionId, "assistant", "message", "The WIDGET (V2.0) costs $5.00", question, null);
    String followUp = storeMessage(sessionId, "user", "message", "And v2x0?", answer, null);

    assertThat(listAll(sessionId, "role=assistant", 10)).containsExactly(thinking, answer);
    assertThat(listAll(sessionId, "role=user", 10)).containsExactly(question, followUp);
    assertThat(listAll(sessionId, "role=assistant&type=message", 10)).containsExactly(answer);
    assertThat(listAll(sessionId, "parent_id=" + question, 10)).containsExactly(thinking, answer);
    assertThat(listAll(sessionId, "parent_id=" + answer, 10)).containsExactly(followUp);
    assertThat(listAll(sessionId, "q=widget", 10)).containsExactly(question, thinking, answer);
    assertThat(listAll(sessionId, "q=" + encode("(v2.0)"), 10)).containsExactly(question, answer);
    assertThat(listAll(sessionId, "q=" + encode("$5.00"), 10)).containsExactly(answer);
    assertThat(listAll(sessionId, "q=" + encode("v2.0") + "&role=user", 10)).as("'.' is not a wildcard").containsExactly(question);
    assertThat(listAll(sessionId, "q=" + encode(".*"), 10)).isEmpty();
  }

  private static String encode(String text) {
    return java.net.URLEncoder.encode(text, java.nio.charset.StandardCharsets.UTF_8);
  }

  @Test
  @DisplayName("/messages of an unknown session is 404 SESSION_NOT_FOUND; bad filters are a 400 naming each")
  void messagesErrors() {
    assertError(http.get("/sessions/ses_nope/messages"), 404, "SESSION_NOT_FOUND");
    String sessionId = node.createSession();
    assertThat(assertInvalid(http.get("/sessions/" + sessionId + "/messages?role=robot&type=poem&limit=501&cursor=%24bad")))
        .containsExactlyInAnyOrder("role", "type", "limit", "cursor");
  }

  @Test
  @DisplayName("deleting a session deletes its messages")
  void sessionDeletionRemovesMessages() {
    String sessionId = node.createSession();
    storeMessage(sessionId, "user", "bye");
    String kept = node.createSession();
    storeMessage(kept, "user", "stay");

    assertThat(http.delete("/sessions/" + sessionId).statusCode()).isEqualTo(200);

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(HttpCalls.await(node.mongo().count(MessageStore.MESSAGES, new JsonObject().put("session_id", sessionId)))).isZero());
    assertThat(HttpCalls.await(node.mongo().count(MessageStore.MESSAGES, new JsonObject().put("session_id", kept)))).isEqualTo(1);
  }

  // ---- seed 003 conversations ----

  @Test
  @DisplayName("opening the same conversation twice gives the same session; another conversation or company another one")
  void openIsIdempotent() {
    String conversationId = "conv-" + UUID.randomUUID();

    JsonObject first = openConversation(conversation(conversationId, "user-456", "company-789"));
    JsonObject again = openConversation(conversation(conversationId, "user-456", "company-789"));
    JsonObject otherCompany = openConversation(conversation(conversationId, "user-456", "company-000"));
    JsonObject otherConversation = openConversation(conversation(conversationId + "-2", "user-456", "company-789"));

    assertThat(first.getBoolean("created")).isTrue();
    assertThat(again).isEqualTo(new JsonObject().put("session_id", first.getString("session_id")).put("created", false));
    assertThat(otherCompany.getString("session_id")).isNotEqualTo(first.getString("session_id"));
    assertThat(otherConversation.getString("session_id")).isNotIn(first.getString("session_id"), otherCompany.getString("session_id"));
    JsonObject session = http.get("/sessions/" + first.getString("session_id")).bodyAsJsonObject();
    assertThat(session.getJsonObject("metadata")).isEqualTo(conversation(conversationId, "user-456", "company-789"));
  }

  @Test
  @DisplayName("concurrent first opens of one conversation all get the one same session")
  void concurrentOpens() {
    JsonObject body = conversation("conv-" + UUID.randomUUID(), "u", "c");
    List<Future<Message<JsonObject>>> opens = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      opens.add(node.vertx().eventBus().request(Addresses.CONVERSATION_OPEN, body));
    }
    HttpCalls.await(Future.all(opens));

    List<JsonObject> replies = opens.stream().map(f -> f.result().body()).toList();
    assertThat(new HashSet<>(replies.stream().map(r -> r.getString("session_id")).toList())).hasSize(1);
    assertThat(replies.stream().filter(r -> r.getBoolean("created")).count()).isEqualTo(1);
    assertThat(http.get("/sessions/" + replies.get(0).getString("session_id")).statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("a conversation whose session was deleted opens a fresh session, which later opens return")
  void reopenAfterDeletion() {
    JsonObject body = conversation("conv-" + UUID.randomUUID(), "u", "c");
    String original = openConversation(body).getString("session_id");
    assertThat(http.delete("/sessions/" + original).statusCode()).isEqualTo(200);

    JsonObject fresh = openConversation(body);
    JsonObject again = openConversation(body);

    assertThat(fresh.getBoolean("created")).isTrue();
    assertThat(fresh.getString("session_id")).isNotEqualTo(original);
    assertThat(again).isEqualTo(new JsonObject().put("session_id", fresh.getString("session_id")).put("created", false));
  }

  @Test
  @DisplayName("opening a conversation without its ids fails with VALIDATION_ERROR naming each")
  void openValidation() {
    Throwable failure = HttpCalls.await(node.vertx().eventBus()
        .<JsonObject>request(Addresses.CONVERSATION_OPEN, new JsonObject().put("user_id", "u").put("company_id", "a/b"))
        .map(reply -> (Throwable) null).otherwise(f -> f));

    BusError error = BusError.from(failure, "test", null);
    assertThat(error.code()).isEqualTo(ErrorCode.VALIDATION_ERROR);
    assertThat(error.details().getJsonArray("fields").stream().map(f -> ((JsonObject) f).getString("field")).toList())
        .containsExactlyInAnyOrder("conversation_id", "company_id");
  }
}
