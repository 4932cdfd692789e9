package dev.agentbus.support;

import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.awaitility.Awaitility;

/**
 * One real Server-Sent Events connection to a node, parsed as it arrives. Only complete blocks
 * (terminated by a blank line) count; a block cut off by a closed connection is ignored, as a
 * browser's EventSource would. Lists are safe to read from the test thread.
 */
public final class SseClient {
  public static final Duration PATIENCE = Duration.ofSeconds(20);

  /** One dispatched SSE event: its {@code id:}, {@code event:} (null when absent) and {@code data:} fields. */
  public record Event(String id, String event, String data) {
    /** The event's type as EventSource dispatches it: {@code message} when there was no {@code event:} line. */
    public String type() {
      return event == null ? "message" : event;
    }

    public long seq() {
      return Long.parseLong(id);
    }

    public JsonObject json() {
      return new JsonObject(data);
    }
  }

  private final List<Event> events = new CopyOnWriteArrayList<>();
  private final List<String> comments = new CopyOnWriteArrayList<>();
  private final List<String> retries = new CopyOnWriteArrayList<>();
  private final CompletableFuture<String> finished = new CompletableFuture<>();
  private final Context context;
  private final Consumer<Event> onEvent;
  private Buffer pending = Buffer.buffer();
  private volatile HttpClientResponse response;

  private SseClient(Context context, Consumer<Event> onEvent) {
    this.context = context;
    this.onEvent = onEvent;
  }

  /**
   * Opens {@code GET /api/v1 + apiPath} and returns once the response head arrived; fails when the
   * status is not 200. Handlers are installed on the connection's context before any body chunk.
   */
  public static SseClient open(TestNode node, String apiPath, Map<String, String> headers) {
    return open(node, apiPath, headers, event -> { });
  }

  /** Like {@link #open(TestNode, String, Map)}; {@code onEvent} sees each event as it is parsed. */
  public static SseClient open(TestNode node, String apiPath, Map<String, String> headers, Consumer<Event> onEvent) {
    SseClient client = send(node, HttpMethod.GET, "/api/v1" + apiPath, null, headers, onEvent);
    if (client.status() != 200) {
      throw new IllegalStateException("SSE open " + apiPath + " -> " + client.status() + " " + client.awaitBody());
    }
    return client;
  }

  /** {@code POST path} (from the root, e.g. {@code /api/v1/chat/x/stream}) with a JSON body, whatever its status. */
  public static SseClient post(TestNode node, String path, JsonObject body) {
    return send(node, HttpMethod.POST, path, body, Map.of(), event -> { });
  }

  /**
   * Sends any streaming call (path from the root, optional JSON body) and returns once the
   * response head arrived, whatever its status; the body is parsed as SSE as it arrives.
   */
  public static SseClient send(TestNode node, HttpMethod method, String path, JsonObject body, Map<String, String> headers) {
    return send(node, method, path, body, headers, event -> { });
  }

  private static SseClient send(TestNode node, HttpMethod method, String path, JsonObject body, Map<String, String> headers,
                                Consumer<Event> onEvent) {
    Context context = node.vertx().getOrCreateContext();
    SseClient client = new SseClient(context, onEvent);
    Promise<SseClient> opened = Promise.promise();
    context.runOnContext(v -> node.http().request(new RequestOptions().setMethod(method).setURI(path))
        .compose(request -> {
          headers.forEach(request::putHeader);
          request.putHeader("Accept", headers.getOrDefault("Accept", "text/event-stream"));
          if (body == null) {
            return request.send();
          }
          request.putHeader("Content-Type", "application/json");
          return request.send(body.toBuffer());
        })
        .onSuccess(response -> {
          client.response = response;
          response.handler(client::onChunk);
          response.endHandler(end -> client.finished.complete("end"));
          response.exceptionHandler(failure -> client.finished.complete("failed: " + failure));
          response.request().connection().closeHandler(closed -> client.finished.complete("connection closed"));
          opened.complete(client);
        })
        .onFailure(opened::fail));
    return opened.future().toCompletionStage().toCompletableFuture().orTimeout(PATIENCE.toMillis(), TimeUnit.MILLISECONDS).join();
  }

  public static SseClient open(TestNode node, String apiPath) {
    return open(node, apiPath, Map.of());
  }

  private void onChunk(Buffer chunk) {
    pending.appendBuffer(chunk);
    int start = 0;
    byte[] bytes = pending.getBytes();
    for (int i = 0; i + 1 < bytes.length; i++) {
      if (bytes[i] == '\n' && bytes[i + 1] == '\n') {
        onBlock(new String(bytes, start, i - start, StandardCharsets.UTF_8));
        start = i + 2;
        i++;
      }
    }
    pending = Buffer.buffer().appendBytes(bytes, start, bytes.length - start);
  }

  private void onBlock(String block) {
    String id = null;
    String type = null;
    StringBuilder data = null;
    for (String line : block.split("\n", -1)) {
      if (line.startsWith(":")) {
        comments.add(line.substring(1).trim());
        continue;
      }
      int colon = line.indexOf(':');
      String field = colon < 0 ? line : line.substring(0, colon);
      String value = colon < 0 ? "" : line.substring(colon + 1);
      if (value.startsWith(" ")) {
        value = value.substring(1);
      }
      switch (field) {
        case "id" -> id = value;
        case "event" -> type = value;
        case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
        case "retry" -> retries.add(value);
        default -> { }
      }
    }
    if (data != null) {
      Event event = new Event(id, type, data.toString());
      events.add(event);
      onEvent.accept(event);
    }
  }

  public HttpClientResponse response() {
    return response;
  }

  public List<Event> events() {
    return events;
  }

  public int status() {
    return response.statusCode();
  }

  public String header(String name) {
    return response.getHeader(name);
  }

  /** The {@code data:} of every event as JSON. */
  public List<JsonObject> json() {
    return events.stream().map(Event::json).toList();
  }

  /** Waits until the server ends the response; returns every event. */
  public List<Event> awaitEnd() {
    try {
      String how = finished.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
      if (!"end".equals(how)) {
        throw new AssertionError("stream finished by " + how + "; events so far: " + events);
      }
    } catch (InterruptedException | ExecutionException | TimeoutException e) {
      throw new AssertionError("stream did not end within " + PATIENCE + "; events so far: " + events, e);
    }
    return List.copyOf(events);
  }

  /** Waits for the first event whose JSON matches. */
  public JsonObject awaitJson(Predicate<JsonObject> match) {
    return Awaitility.await().atMost(PATIENCE).pollInterval(Duration.ofMillis(10))
        .until(() -> json().stream().filter(match).findFirst(), Optional::isPresent).orElseThrow();
  }

  /** The whole body, once the response ended (for a call that did not stream). */
  public String awaitBody() {
    awaitEndQuietly();
    return pending.toString(StandardCharsets.UTF_8);
  }

  private void awaitEndQuietly() {
    try {
      finished.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException | ExecutionException | TimeoutException e) {
      throw new AssertionError("response did not end within " + PATIENCE, e);
    }
  }

  public List<Long> seqs() {
    return events.stream().map(Event::seq).toList();
  }

  public List<String> comments() {
    return comments;
  }

  public List<String> retries() {
    return retries;
  }

  /** Completes with how the stream finished: {@code end}, {@code failed: ...} or {@code connection closed}. */
  public CompletableFuture<String> finished() {
    return finished;
  }

  public boolean isFinished() {
    return finished.isDone();
  }

  /** Stops reading (on the stream's context): the server's writes back up once socket buffers fill. */
  public void pause() {
    onContext(() -> response.pause());
  }

  public void resume() {
    onContext(() -> response.resume());
  }

  /** Closes the underlying connection (a client going away). */
  public void close() {
    if (response != null && !finished.isDone()) {
      onContext(() -> response.request().connection().close());
    }
  }

  private void onContext(Runnable action) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    context.runOnContext(v -> {
      try {
        action.run();
        done.complete(null);
      } catch (RuntimeException e) {
        done.completeExceptionally(e);
      }
    });
    try {
      done.get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
