package dev.agentbus.support;

import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One real Server-Sent Events connection to a node, parsed as it arrives. Only complete blocks
 * (terminated by a blank line) count; a block cut off by a closed connection is ignored, as a
 * browser's EventSource would. Lists are safe to read from the test thread.
 */
public final class SseClient {
  /** One dispatched SSE event: its {@code id:}, {@code event:} and {@code data:} fields. */
  public record Event(String id, String type, String data) {
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
    Context context = node.vertx().getOrCreateContext();
    SseClient client = new SseClient(context, onEvent);
    Promise<SseClient> opened = Promise.promise();
    context.runOnContext(v -> node.http().request(new RequestOptions().setMethod(HttpMethod.GET).setURI("/api/v1" + apiPath))
        .compose(request -> {
          headers.forEach(request::putHeader);
          request.putHeader("Accept", "text/event-stream");
          return request.send();
        })
        .onSuccess(response -> {
          if (response.statusCode() != 200) {
            response.body().onComplete(body -> opened.fail(new IllegalStateException(
                "SSE open " + apiPath + " -> " + response.statusCode() + " " + (body.succeeded() ? body.result() : ""))));
            return;
          }
          client.response = response;
          response.handler(client::onChunk);
          response.endHandler(end -> client.finished.complete("end"));
          response.exceptionHandler(failure -> client.finished.complete("failed: " + failure));
          response.request().connection().closeHandler(closed -> client.finished.complete("connection closed"));
          opened.complete(client);
        })
        .onFailure(opened::fail));
    return opened.future().await();
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
    String type = "message";
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
