package dev.agentbus.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentbus.support.TestNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Blocking HTTP helpers for the command and engine tests: submit, poll, cancel, read a session's
 * events. Everything goes over real HTTP through {@link TestNode}.
 */
public final class CommandClient {
  /** How long any command in these tests may take to reach the state a test waits for. */
  public static final Duration PATIENCE = Duration.ofSeconds(15);

  private final TestNode node;

  public CommandClient(TestNode node) {
    this.node = node;
  }

  // ---- request bodies ----

  public static JsonObject command(String type, JsonObject parameters) {
    return new JsonObject().put("command_type", type).put("parameters", parameters);
  }

  public static JsonObject command(String type, JsonObject parameters, JsonObject metadata) {
    return command(type, parameters).put("metadata", metadata);
  }

  public static JsonObject echo(String key, Object value) {
    return command("echo", new JsonObject().put(key, value));
  }

  public static JsonObject prompt(String prompt) {
    return command("engine.prompt", new JsonObject().put("prompt", prompt));
  }

  public static JsonObject prompt(String prompt, String engineId) {
    return command("engine.prompt", new JsonObject().put("prompt", prompt).put("engine_id", engineId));
  }

  // ---- commands ----

  public HttpResponse<Buffer> submit(String sessionId, JsonObject body) {
    return node.post("/sessions/" + sessionId + "/commands", body);
  }

  public HttpResponse<Buffer> submit(String sessionId, JsonObject body, String query) {
    return node.post("/sessions/" + sessionId + "/commands?" + query, body);
  }

  /** Submits and asserts the 202; returns the accepted command. */
  public JsonObject accepted(String sessionId, JsonObject body) {
    HttpResponse<Buffer> response = submit(sessionId, body);
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(202);
    return response.bodyAsJsonObject();
  }

  /** Submits and returns the new command's id. */
  public String start(String sessionId, JsonObject body) {
    return accepted(sessionId, body).getString("command_id");
  }

  public HttpResponse<Buffer> batch(String sessionId, JsonObject body) {
    return node.post("/sessions/" + sessionId + "/commands/batch", body);
  }

  public HttpResponse<Buffer> getResponse(String sessionId, String commandId) {
    return node.get("/sessions/" + sessionId + "/commands/" + commandId);
  }

  public JsonObject get(String sessionId, String commandId) {
    HttpResponse<Buffer> response = getResponse(sessionId, commandId);
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    return response.bodyAsJsonObject();
  }

  public HttpResponse<Buffer> cancelResponse(String sessionId, String commandId) {
    return node.post("/sessions/" + sessionId + "/commands/" + commandId + "/cancel", new JsonObject());
  }

  public JsonObject cancel(String sessionId, String commandId) {
    HttpResponse<Buffer> response = cancelResponse(sessionId, commandId);
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    return response.bodyAsJsonObject();
  }

  /** Polls the command until it has {@code status}; fails if it ends in another final status. */
  public JsonObject awaitStatus(String sessionId, String commandId, String status) {
    AtomicReference<JsonObject> last = new AtomicReference<>();
    await().atMost(PATIENCE).pollInterval(Duration.ofMillis(20)).until(() -> {
      JsonObject command = get(sessionId, commandId);
      last.set(command);
      String now = command.getString("status");
      if (!now.equals(status) && CommandStatus.isFinal(now)) {
        throw new AssertionError("command ended " + now + " instead of " + status + ": " + command.encode());
      }
      return now.equals(status);
    });
    return last.get();
  }

  /** Polls the command until it is final, whatever the final status. */
  public JsonObject awaitFinal(String sessionId, String commandId) {
    AtomicReference<JsonObject> last = new AtomicReference<>();
    await().atMost(PATIENCE).pollInterval(Duration.ofMillis(20)).until(() -> {
      last.set(get(sessionId, commandId));
      return CommandStatus.isFinal(last.get().getString("status"));
    });
    return last.get();
  }

  /** Lists commands with a raw query string (e.g. {@code status=completed&limit=2}). */
  public HttpResponse<Buffer> list(String sessionId, String query) {
    return node.get("/sessions/" + sessionId + "/commands" + (query.isEmpty() ? "" : "?" + query));
  }

  // ---- events ----

  /** Every event of the session in {@code seq} order, read page by page. */
  public List<JsonObject> events(String sessionId) {
    List<JsonObject> all = new ArrayList<>();
    String cursor = null;
    do {
      HttpResponse<Buffer> page = node.get("/sessions/" + sessionId + "/events?limit=500"
          + (cursor == null ? "" : "&cursor=" + cursor));
      assertThat(page.statusCode()).as(page.bodyAsString()).isEqualTo(200);
      JsonObject body = page.bodyAsJsonObject();
      body.getJsonArray("data").forEach(event -> all.add((JsonObject) event));
      cursor = body.getBoolean("has_more") ? body.getString("next_cursor") : null;
    } while (cursor != null);
    return all;
  }

  /** The session's events that belong to one command, in {@code seq} order. */
  public List<JsonObject> events(String sessionId, String commandId) {
    return events(sessionId).stream().filter(e -> commandId.equals(e.getString("command_id"))).toList();
  }

  public List<JsonObject> events(String sessionId, String commandId, String eventType) {
    return events(sessionId, commandId).stream().filter(e -> eventType.equals(e.getString("event_type"))).toList();
  }

  /** The {@code seq} of the command's single event of that type; fails if there is not exactly one. */
  public long seqOf(String sessionId, String commandId, String eventType) {
    List<JsonObject> matching = events(sessionId, commandId, eventType);
    assertThat(matching).as(eventType + " events of " + commandId).hasSize(1);
    return matching.get(0).getLong("seq");
  }

  /** Waits until an engine run of the command has produced its first token (so it is running and stoppable). */
  public void awaitFirstToken(String sessionId, String commandId) {
    await().atMost(PATIENCE).pollInterval(Duration.ofMillis(20))
        .until(() -> !events(sessionId, commandId, "engine.token").isEmpty());
  }

  // ---- engines ----

  /** Creates a dummy engine in the session and returns its id. */
  public String dummyEngine(String sessionId, long tokenDelayMs, String response) {
    JsonObject configuration = new JsonObject().put("token_delay_ms", tokenDelayMs);
    if (response != null) {
      configuration.put("response", response);
    }
    HttpResponse<Buffer> created = node.post("/engines", new JsonObject().put("engine_type", "dummy")
        .put("session_id", sessionId).put("configuration", configuration));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    return created.bodyAsJsonObject().getString("engine_id");
  }

  /** A response of {@code words} words ("w0 w1 ..."). */
  public static String words(int words) {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < words; i++) {
      text.append(i == 0 ? "" : " ").append("w").append(i);
    }
    return text.toString();
  }

  /** The field names of a VALIDATION_ERROR envelope. */
  public static List<String> badFields(HttpResponse<Buffer> response) {
    JsonArray fields = response.bodyAsJsonObject().getJsonObject("error").getJsonObject("details").getJsonArray("fields");
    return fields.stream().map(f -> ((JsonObject) f).getString("field")).toList();
  }

  public static String errorCode(HttpResponse<Buffer> response) {
    return response.bodyAsJsonObject().getJsonObject("error").getString("code");
  }
}
