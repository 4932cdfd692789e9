package dev.agentbus.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.support.TestNode;
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
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.awaitility.Awaitility;

/**
 * One real streaming HTTP call (any method, JSON body) whose SSE response is parsed as it
 * arrives: complete blocks only, with their {@code event:} (null when absent) and {@code data:}
 * lines, and comments. Handlers are installed before any body chunk. For the test thread.
 */
final class StreamingCall {
  static final Duration PATIENCE = Duration.ofSeconds(20);

  /** One SSE block: {@code id:} and {@code event:} (null when absent) and {@code data:}. */
  record Frame(String id, String event, String data) {
    JsonObject json() {
      return new JsonObject(data);
    }
  }

  private final List<Frame> frames = new CopyOnWriteArrayList<>();
  private final List<String> comments = new CopyOnWriteArrayList<>();
  private final CompletableFuture<String> finished = new CompletableFuture<>();
  private final Context context;
  private Buffer pending = Buffer.buffer();
  private volatile HttpClientResponse response;

  private StreamingCall(Context context) {
    this.context = context;
  }

  /** Sends the call (path from the root, e.g. {@code /api/v1/chat/x/stream}) and returns once the head arrived. */
  static StreamingCall open(TestNode node, HttpMethod method, String path, JsonObject body, Map<String, String> headers) {
    Context context = node.vertx().getOrCreateContext();
    StreamingCall call = new StreamingCall(context);
    Promise<StreamingCall> opened = Promise.promise();
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
          call.response = response;
          response.handler(call::onChunk);
          response.endHandler(end -> call.finished.complete("end"));
          response.exceptionHandler(failure -> call.finished.complete("failed: " + failure));
          response.request().connection().closeHandler(closed -> call.finished.complete("connection closed"));
          opened.complete(call);
        })
        .onFailure(opened::fail));
    return opened.future().toCompletionStage().toCompletableFuture().orTimeout(PATIENCE.toMillis(), TimeUnit.MILLISECONDS).join();
  }

  static StreamingCall post(TestNode node, String path, JsonObject body) {
    return open(node, HttpMethod.POST, path, body, Map.of());
  }

  private synchronized void onChunk(Buffer chunk) {
    pending.appendBuffer(chunk);
    byte[] bytes = pending.getBytes();
    int start = 0;
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
    String event = null;
    StringBuilder data = null;
    for (String line : block.split("\n", -1)) {
      if (line.startsWith(":")) {
        comments.add(line.substring(1).trim());
      } else if (line.startsWith("id:")) {
        id = line.substring(3).trim();
      } else if (line.startsWith("event:")) {
        event = line.substring(6).trim();
      } else if (line.startsWith("data:")) {
        String value = line.substring(5).stripLeading();
        data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
      }
    }
    if (data != null) {
      frames.add(new Frame(id, event, data.toString()));
    }
  }

  int status() {
    return response.statusCode();
  }

  String header(String name) {
    return response.getHeader(name);
  }

  List<Frame> frames() {
    return List.copyOf(frames);
  }

  /** The {@code data:} of every frame as JSON. */
  List<JsonObject> json() {
    return frames.stream().map(Frame::json).toList();
  }

  List<String> comments() {
    return List.copyOf(comments);
  }

  /** Waits until the server ends the response; returns every frame. */
  List<Frame> awaitEnd() {
    try {
      String how = finished.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
      assertThat(how).as("how the stream finished").isEqualTo("end");
    } catch (Exception e) {
      throw new AssertionError("stream did not end within " + PATIENCE + "; frames so far: " + frames, e);
    }
    return frames();
  }

  /** Waits for the first frame whose JSON matches. */
  JsonObject awaitJson(Predicate<JsonObject> match) {
    return Awaitility.await().atMost(PATIENCE).pollInterval(Duration.ofMillis(10))
        .until(() -> json().stream().filter(match).findFirst(), Optional::isPresent).orElseThrow();
  }

  boolean isFinished() {
    return finished.isDone();
  }

  /** Drops the connection, as a client that goes away. */
  void close() {
    CompletableFuture<Void> done = new CompletableFuture<>();
    context.runOnContext(v -> response.request().connection().close().onComplete(closed -> done.complete(null)));
    done.orTimeout(5, TimeUnit.SECONDS).join();
  }
}
