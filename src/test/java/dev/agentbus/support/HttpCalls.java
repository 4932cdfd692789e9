package dev.agentbus.support;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Blocking HTTP calls with a deadline (a hung server fails the test instead of hanging it) and
 * the assertions every API test shares: the error envelope and the fields a 400 names.
 */
public final class HttpCalls {
  public static final long TIMEOUT_MS = 15_000;

  private final WebClient client;
  private final String apiKey;

  public HttpCalls(TestNode node) {
    this(node, null);
  }

  /** Calls that present {@code apiKey} ({@code Authorization: Bearer}) on every request; null: none. */
  public HttpCalls(TestNode node, String apiKey) {
    this.client = node.client();
    this.apiKey = apiKey;
  }

  /** A request to an API path ({@code /sessions/...}), with the deadline (and the key, if any) already set. */
  public HttpRequest<Buffer> request(HttpMethod method, String apiPath) {
    HttpRequest<Buffer> request = client.request(method, "/api/v1" + apiPath).timeout(TIMEOUT_MS);
    return apiKey == null ? request : request.putHeader("Authorization", "Bearer " + apiKey);
  }

  public HttpResponse<Buffer> get(String apiPath) {
    return await(request(HttpMethod.GET, apiPath).send());
  }

  public HttpResponse<Buffer> delete(String apiPath) {
    return await(request(HttpMethod.DELETE, apiPath).send());
  }

  public HttpResponse<Buffer> post(String apiPath, JsonObject body) {
    return await(request(HttpMethod.POST, apiPath).sendJsonObject(body));
  }

  public HttpResponse<Buffer> patch(String apiPath, JsonObject body) {
    return await(request(HttpMethod.PATCH, apiPath).sendJsonObject(body));
  }

  /** A body sent as is, with the given content type (null: none). */
  public HttpResponse<Buffer> send(HttpMethod method, String apiPath, String contentType, Buffer body) {
    HttpRequest<Buffer> request = request(method, apiPath);
    if (contentType != null) {
      request.putHeader("Content-Type", contentType);
    }
    return await(request.sendBuffer(body));
  }

  /** Creates a session (asserting 201) and returns it. */
  public JsonObject createSession(JsonObject body) {
    HttpResponse<Buffer> created = post("/sessions", body);
    assertThat(created.statusCode()).as("create session: %s", created.bodyAsString()).isEqualTo(201);
    return created.bodyAsJsonObject();
  }

  /** Every event of a session in seq order (follows next_cursor). */
  public List<JsonObject> allEvents(String sessionId) {
    List<JsonObject> events = new java.util.ArrayList<>();
    String cursor = null;
    do {
      HttpResponse<Buffer> page = get("/sessions/" + sessionId + "/events?limit=500" + (cursor == null ? "" : "&cursor=" + cursor));
      assertThat(page.statusCode()).as("list events: %s", page.bodyAsString()).isEqualTo(200);
      JsonObject body = page.bodyAsJsonObject();
      body.getJsonArray("data").forEach(e -> events.add((JsonObject) e));
      cursor = body.getBoolean("has_more") ? body.getString("next_cursor") : null;
    } while (cursor != null);
    return events;
  }

  public static <T> T await(Future<T> future) {
    return await(future, TIMEOUT_MS);
  }

  public static <T> T await(Future<T> future, long timeoutMs) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError("request failed: " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new AssertionError("no answer within " + timeoutMs + " ms", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /**
   * Asserts an error response: the status, the envelope {@code {error: {code, message, details},
   * timestamp, request_id}} with the given code, and the request id equal to the X-Request-ID
   * header. Returns {@code error}.
   */
  public static JsonObject assertError(HttpResponse<Buffer> response, int status, String code) {
    assertThat(response.statusCode()).as("status of %s", response.bodyAsString()).isEqualTo(status);
    assertThat(response.getHeader("Content-Type")).startsWith("application/json");
    JsonObject body = response.bodyAsJsonObject();
    assertThat(body.fieldNames()).containsExactlyInAnyOrder("error", "timestamp", "request_id");
    JsonObject error = body.getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo(code);
    assertThat(error.getString("message")).isNotBlank();
    assertThat(error.getValue("details")).isInstanceOf(JsonObject.class);
    assertThat(body.getString("timestamp")).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z");
    assertThat(body.getString("request_id")).isNotBlank().isEqualTo(response.getHeader("X-Request-ID"));
    return error;
  }

  /** Asserts a 400 VALIDATION_ERROR and returns the names of every field it lists. */
  public static List<String> assertInvalid(HttpResponse<Buffer> response) {
    JsonObject details = assertError(response, 400, "VALIDATION_ERROR").getJsonObject("details");
    JsonArray fields = details.getJsonArray("fields");
    assertThat(fields).as("details.fields").isNotNull().isNotEmpty();
    List<String> names = fields.stream().map(f -> ((JsonObject) f).getString("field")).toList();
    fields.forEach(f -> assertThat(((JsonObject) f).getString("issue")).as("issue of %s", f).isNotBlank());
    assertThat(details.getString("field")).as("details.field is the first bad field").isEqualTo(names.get(0));
    return names;
  }
}
