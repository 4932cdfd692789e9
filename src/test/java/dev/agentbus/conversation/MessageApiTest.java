package dev.agentbus.conversation;

import static dev.agentbus.command.CommandClient.prompt;
import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.command.CommandClient;
import dev.agentbus.support.FakeOpenAi;
import dev.agentbus.support.FakeOpenAi.Reply;
import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * One message at a time under its session ({@code POST /sessions/{id}/messages}, {@code
 * GET|PATCH|DELETE /sessions/{id}/messages/{message_id}}), over real HTTP, with an OpenAI-compatible
 * model (a local server speaking its wire format) to show what the next run reads as history.
 */
class MessageApiTest {
  static Vertx fakeVertx;
  static FakeOpenAi fake;
  static TestNode node;
  static HttpCalls http;
  static CommandClient commands;

  @BeforeAll
  static void start() {
    fakeVertx = Vertx.vertx();
    fake = FakeOpenAi.start(fakeVertx);
    node = TestNode.start(new JsonObject()
        .put("engines", new JsonObject().put("openai", new JsonObject().put("base_url", fake.baseUrl())
            .put("api_key", "sk-test-messages").put("model", "fake-model")))
        .put("security", new JsonObject().put("allowed_hosts", new JsonArray().add("localhost"))));
    http = new HttpCalls(node);
    commands = new CommandClient(node);
  }

  @AfterAll
  static void stop() {
    node.close();
    fake.close();
    fakeVertx.close().await();
  }

  static JsonObject add(String session, JsonObject body) {
    HttpResponse<Buffer> created = http.post("/sessions/" + session + "/messages", body);
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    return created.bodyAsJsonObject();
  }

  static List<String> eventTypes(String session) {
    return http.allEvents(session).stream().map(e -> e.getString("event_type")).filter(t -> t.startsWith("message.")).toList();
  }

  @Test
  @DisplayName("an added message is stored as the client's, read back by id and in the list, announced as message.created")
  void addAndRead() {
    String session = node.createSession();
    HttpResponse<Buffer> created = http.post("/sessions/" + session + "/messages", new JsonObject().put("role", "user")
        .put("content", "Remember: metric units").put("metadata", new JsonObject().put("imported", true)));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    JsonObject message = created.bodyAsJsonObject();
    assertThat(message.getString("id")).startsWith("msg_");
    assertThat(created.getHeader("Location")).isEqualTo("/api/v1/sessions/" + session + "/messages/" + message.getString("id"));
    assertThat(message.getString("source")).isEqualTo("client");
    assertThat(message.getString("type")).isEqualTo("message");
    assertThat(message.getJsonObject("metadata").getBoolean("imported")).isTrue();

    HttpResponse<Buffer> read = http.get("/sessions/" + session + "/messages/" + message.getString("id"));
    assertThat(read.statusCode()).isEqualTo(200);
    assertThat(read.bodyAsJsonObject()).isEqualTo(message);
    assertThat(http.get("/sessions/" + session + "/messages").bodyAsJsonObject().getJsonArray("data")).containsExactly(message);
    JsonObject event = http.allEvents(session).stream().filter(e -> "message.created".equals(e.getString("event_type")))
        .findFirst().orElseThrow();
    assertThat(event.getJsonObject("data").getString("message_id")).isEqualTo(message.getString("id"));
  }

  @Test
  @DisplayName("the next run's history has the added and the edited messages, and not a deleted one")
  void historySeesChanges() {
    fake.reset();
    String session = node.createSession();
    String engine = openAiEngine(session);
    JsonObject user = add(session, new JsonObject().put("role", "user").put("content", "My name is Ada"));
    JsonObject assistant = add(session, new JsonObject().put("role", "assistant").put("content", "Hello Ada")
        .put("parent_id", user.getString("id")));
    JsonObject aside = add(session, new JsonObject().put("role", "user").put("content", "ignore this aside"));
    HttpResponse<Buffer> edited = http.patch("/sessions/" + session + "/messages/" + assistant.getString("id"),
        new JsonObject().put("content", "Hello Ada Lovelace"));
    assertThat(edited.statusCode()).as(edited.bodyAsString()).isEqualTo(200);
    assertThat(edited.bodyAsJsonObject().getString("edited_at")).isNotBlank();
    assertThat(http.delete("/sessions/" + session + "/messages/" + aside.getString("id")).statusCode()).isEqualTo(200);

    fake.enqueue(Reply.text("You are Ada."));
    commands.awaitStatus(session, commands.start(session, prompt("Who am I?", engine)), "completed");

    JsonArray sent = fake.requests().get(0).getJsonArray("messages");
    List<String> contents = sent.stream().map(m -> ((JsonObject) m).getString("content")).toList();
    assertThat(contents).containsSubsequence("My name is Ada", "Hello Ada Lovelace", "Who am I?").doesNotContain("ignore this aside",
        "Hello Ada");
    assertThat(eventTypes(session)).containsExactly("message.created", "message.created", "message.created", "message.updated",
        "message.deleted");
  }

  @Test
  @DisplayName("deleting a parent gives its children its own parent; the deleted message is then 404 MESSAGE_NOT_FOUND")
  void deleteReparents() {
    String session = node.createSession();
    JsonObject root = add(session, new JsonObject().put("role", "user").put("content", "root"));
    JsonObject middle = add(session, new JsonObject().put("role", "assistant").put("content", "middle").put("parent_id", root.getString("id")));
    JsonObject leaf = add(session, new JsonObject().put("role", "user").put("content", "leaf").put("parent_id", middle.getString("id")));

    HttpResponse<Buffer> deleted = http.delete("/sessions/" + session + "/messages/" + middle.getString("id"));

    assertThat(deleted.statusCode()).as(deleted.bodyAsString()).isEqualTo(200);
    assertThat(deleted.bodyAsJsonObject()).isEqualTo(new JsonObject().put("message_id", middle.getString("id")).put("deleted", true)
        .put("reparented", 1L));
    assertThat(http.get("/sessions/" + session + "/messages/" + leaf.getString("id")).bodyAsJsonObject().getString("parent_id"))
        .isEqualTo(root.getString("id"));
    HttpCalls.assertError(http.get("/sessions/" + session + "/messages/" + middle.getString("id")), 404, "MESSAGE_NOT_FOUND");
    HttpCalls.assertError(http.delete("/sessions/" + session + "/messages/" + middle.getString("id")), 404, "MESSAGE_NOT_FOUND");
  }

  @Test
  @DisplayName("bad input is 400 naming each field and stores nothing; a message of another session is not found through this one")
  void badInput() {
    String session = node.createSession();
    String other = node.createSession();
    JsonObject elsewhere = add(other, new JsonObject().put("role", "user").put("content", "elsewhere"));

    assertThat(HttpCalls.assertInvalid(http.post("/sessions/" + session + "/messages", new JsonObject().put("role", "tool")
        .put("content", "").put("colour", "red").put("metadata", "no")))).contains("role", "content", "colour", "metadata");
    assertThat(HttpCalls.assertInvalid(http.post("/sessions/" + session + "/messages", new JsonObject()))).contains("role", "content");
    assertThat(HttpCalls.assertInvalid(http.post("/sessions/" + session + "/messages", new JsonObject()
        .put("role", "user").put("content", "x").put("parent_id", elsewhere.getString("id"))))).containsExactly("parent_id");
    assertThat(HttpCalls.assertInvalid(http.patch("/sessions/" + session + "/messages/" + elsewhere.getString("id"),
        new JsonObject()))).contains("body");
    HttpCalls.assertError(http.get("/sessions/" + session + "/messages/" + elsewhere.getString("id")), 404, "MESSAGE_NOT_FOUND");
    HttpCalls.assertError(http.patch("/sessions/" + session + "/messages/" + elsewhere.getString("id"),
        new JsonObject().put("content", "hijack")), 404, "MESSAGE_NOT_FOUND");
    HttpCalls.assertError(http.post("/sessions/ses_nope/messages", new JsonObject().put("role", "user").put("content", "x")),
        404, "SESSION_NOT_FOUND");

    assertThat(http.get("/sessions/" + session + "/messages").bodyAsJsonObject().getJsonArray("data")).isEmpty();
    assertThat(http.get("/sessions/" + other + "/messages/" + elsewhere.getString("id")).bodyAsJsonObject().getString("content"))
        .isEqualTo("elsewhere");
  }

  private static String openAiEngine(String session) {
    HttpResponse<Buffer> created = http.post("/engines", new JsonObject().put("engine_type", "openai").put("session_id", session)
        .put("configuration", new JsonObject()));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    return created.bodyAsJsonObject().getString("engine_id");
  }
}
