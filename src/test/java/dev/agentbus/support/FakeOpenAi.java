package dev.agentbus.support;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real OpenAI-compatible server on 127.0.0.1 (random port) for tests: {@code POST
 * /v1/chat/completions} answers with the streaming wire format ({@code text/event-stream},
 * {@code data: <chat.completion.chunk>} blocks, then {@code data: [DONE]}).
 *
 * <p>Replies are served in the order {@link #enqueue enqueued}; when none is queued the default
 * reply streams {@code "Hello from the fake model"}. Every request is recorded (body and headers),
 * and so is every connection the client closes while a reply is still streaming.
 *
 * <pre>{@code
 * FakeOpenAi fake = FakeOpenAi.start(vertx);
 * fake.enqueue(Reply.toolCall("call_1", "get_weather", "{\"city\":\"Paris\"}", 5));
 * fake.enqueue(Reply.status(429, "{\"error\":{\"message\":\"slow down\"}}").header("Retry-After", "1"));
 * ... point engines.openai.base_url at fake.baseUrl() ...
 * assertThat(fake.requests().get(0).getString("model")).isEqualTo("gpt-test");
 * }</pre>
 *
 * {@link #start} and {@link #close} block: call them from the test thread, not an event loop.
 */
public final class FakeOpenAi implements AutoCloseable {
  /** A tool call a reply streams; {@code arguments} is JSON text. */
  public record ToolCall(String id, String name, String arguments) {}

  /** One request the server received. */
  public record Received(JsonObject body, MultiMap headers) {
    /** A request header (case-insensitive), or null. */
    public String header(String name) {
      return headers.get(name);
    }
  }

  private final Vertx vertx;
  private final HttpServer server;
  private final Queue<Reply> replies = new ConcurrentLinkedQueue<>();
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final AtomicInteger clientCloses = new AtomicInteger();
  private final List<Promise<Void>> closeWaiters = new CopyOnWriteArrayList<>();
  private final AtomicLong ids = new AtomicLong();

  private FakeOpenAi(Vertx vertx) {
    this.vertx = vertx;
    this.server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0)).requestHandler(this::handle);
  }

  /** Starts a server on a random port of 127.0.0.1 and returns once it listens. */
  public static FakeOpenAi start(Vertx vertx) {
    FakeOpenAi fake = new FakeOpenAi(vertx);
    fake.server.listen().await();
    return fake;
  }

  /** {@code http://127.0.0.1:PORT/v1}: the {@code base_url} to configure. */
  public String baseUrl() {
    return "http://127.0.0.1:" + server.actualPort() + "/v1";
  }

  public int port() {
    return server.actualPort();
  }

  /** Queues replies for the next requests, in order. */
  public FakeOpenAi enqueue(Reply... next) {
    replies.addAll(List.of(next));
    return this;
  }

  /** The JSON bodies of the chat-completion requests received so far, in order. */
  public List<JsonObject> requests() {
    return received.stream().map(Received::body).toList();
  }

  /** The chat-completion requests received so far (body and headers), in order. */
  public List<Received> received() {
    return List.copyOf(received);
  }

  /** How many times a client closed its connection while a reply was still streaming. */
  public int clientCloses() {
    return clientCloses.get();
  }

  /**
   * Completes the next time a client closes its connection while a reply is still streaming.
   * Ask for it before doing what should close the connection.
   */
  public Future<Void> nextClientClose() {
    Promise<Void> promise = Promise.promise();
    closeWaiters.add(promise);
    return promise.future();
  }

  /** Forgets queued replies, recorded requests and closes (between tests sharing one server). */
  public void reset() {
    replies.clear();
    received.clear();
    clientCloses.set(0);
    closeWaiters.clear();
  }

  /** Stops the server, closing its connections. */
  @Override
  public void close() {
    server.close().await();
  }

  private void handle(HttpServerRequest request) {
    if (request.method() != HttpMethod.POST || !request.path().equals("/v1/chat/completions")) {
      request.response().setStatusCode(404).putHeader("Content-Type", "application/json")
          .end(errorBody("Unknown request: " + request.method() + " " + request.path()).encode());
      return;
    }
    request.body().onSuccess(bytes -> {
      JsonObject body;
      try {
        body = bytes.toJsonObject();
      } catch (RuntimeException e) {
        request.response().setStatusCode(400).putHeader("Content-Type", "application/json")
            .end(errorBody("We could not parse the JSON body of your request.").encode());
        return;
      }
      received.add(new Received(body, MultiMap.caseInsensitiveMultiMap().addAll(request.headers())));
      Reply reply = replies.poll();
      serve(request, reply != null ? reply : defaultReply(), body.getString("model", "fake-model"));
    });
  }

  private static Reply defaultReply() {
    return Reply.text("Hello", " from", " the fake", " model").withUsage(12, 5);
  }

  private void serve(HttpServerRequest request, Reply reply, String model) {
    HttpServerResponse response = request.response();
    response.setStatusCode(reply.status);
    reply.headers.forEach(response::putHeader);
    if (reply.body != null) {
      if (!reply.headers.containsKey("Content-Type")) {
        response.putHeader("Content-Type", "application/json");
      }
      response.end(reply.body);
      return;
    }
    response.setChunked(true).putHeader("Content-Type", "text/event-stream").putHeader("Cache-Control", "no-cache");
    Streaming streaming = new Streaming(request, reply, frames(reply, model));
    response.closeHandler(v -> {
      if (!streaming.closedByServer) {
        clientCloses.incrementAndGet();
        List<Promise<Void>> waiters = List.copyOf(closeWaiters);
        closeWaiters.removeAll(waiters);
        waiters.forEach(Promise::tryComplete);
      }
    });
    streaming.next(0);
  }

  private List<String> frames(Reply reply, String model) {
    String id = "chatcmpl-fake" + ids.incrementAndGet();
    long created = System.currentTimeMillis() / 1000;
    List<String> frames = new ArrayList<>();
    for (Object frame : reply.frames) {
      if (frame instanceof JsonObject chunk) {
        JsonObject full = new JsonObject().put("id", id).put("object", "chat.completion.chunk").put("created", created)
            .put("model", model).put("system_fingerprint", "fp_fake").mergeIn(chunk);
        frames.add("data: " + full.encode() + "\n\n");
      } else {
        frames.add((String) frame);
      }
    }
    return frames;
  }

  private static JsonObject errorBody(String message) {
    return new JsonObject().put("error", new JsonObject().put("message", message).put("type", "invalid_request_error")
        .putNull("param").putNull("code"));
  }

  /** One reply being written, frame by frame. */
  private final class Streaming {
    final HttpServerRequest request;
    final Reply reply;
    final List<String> frames;
    boolean closedByServer;

    Streaming(HttpServerRequest request, Reply reply, List<String> frames) {
      this.request = request;
      this.reply = reply;
      this.frames = frames;
    }

    void next(int index) {
      HttpServerResponse response = request.response();
      if (response.closed() || response.ended()) {
        return;
      }
      if (index == reply.cutAfter) {
        closedByServer = true;
        request.connection().close();
        return;
      }
      if (index == reply.stallAfter) {
        return; // keep the connection open, send nothing more
      }
      if (index == reply.errorAfter) {
        response.end("data: " + new JsonObject().put("error", new JsonObject().put("message", reply.errorMessage)
            .put("type", "server_error").putNull("param").putNull("code")).encode() + "\n\n");
        return;
      }
      if (index >= frames.size()) {
        response.end(reply.done ? "data: [DONE]\n\n" : "");
        return;
      }
      response.write(frames.get(index));
      if (reply.chunkDelayMs > 0) {
        vertx.setTimer(reply.chunkDelayMs, t -> next(index + 1));
      } else {
        next(index + 1);
      }
    }
  }

  /**
   * What the fake answers to one request: a stream of chunks (content, reasoning, tool calls,
   * usage), or an HTTP error; optionally slowed, cut, stalled or broken by an error chunk.
   * "n chunks" counts the frames written, including the first {@code role} chunk.
   */
  public static final class Reply {
    private final List<Object> frames = new ArrayList<>();
    private final Map<String, String> headers = new LinkedHashMap<>();
    private int status = 200;
    private String body;
    private long chunkDelayMs;
    private int cutAfter = -1;
    private int stallAfter = -1;
    private int errorAfter = -1;
    private String errorMessage;
    private boolean done = true;

    private Reply() {}

    /** Streams the content pieces, one chunk each, then {@code finish_reason: "stop"}. */
    public static Reply text(String... contentPieces) {
      Reply reply = new Reply().add(new JsonObject().put("role", "assistant").put("content", ""), null);
      for (String piece : contentPieces) {
        reply.add(new JsonObject().put("content", piece), null);
      }
      return reply.add(new JsonObject(), "stop");
    }

    /** Streams {@code reasoning_content} pieces, then content pieces, then {@code finish_reason: "stop"}. */
    public static Reply reasoningThenText(List<String> reasoningPieces, List<String> contentPieces) {
      Reply reply = new Reply().add(new JsonObject().put("role", "assistant").put("content", ""), null);
      for (String piece : reasoningPieces) {
        reply.add(new JsonObject().put("reasoning_content", piece), null);
      }
      for (String piece : contentPieces) {
        reply.add(new JsonObject().put("content", piece), null);
      }
      return reply.add(new JsonObject(), "stop");
    }

    /** One tool call whose arguments arrive split over {@code fragments} chunks; {@code finish_reason: "tool_calls"}. */
    public static Reply toolCall(String id, String name, String argumentsJson, int fragments) {
      return toolCalls(fragments, new ToolCall(id, name, argumentsJson));
    }

    /**
     * Several (parallel) tool calls, one after the other as OpenAI streams them: for each, a chunk
     * with its {@code index}, {@code id} and name, then its arguments in {@code fragments} chunks.
     */
    public static Reply toolCalls(int fragments, ToolCall... calls) {
      Reply reply = new Reply().add(new JsonObject().put("role", "assistant").putNull("content"), null);
      for (int index = 0; index < calls.length; index++) {
        ToolCall call = calls[index];
        reply.add(toolCallDelta(new JsonObject().put("index", index).put("id", call.id()).put("type", "function")
            .put("function", new JsonObject().put("name", call.name()).put("arguments", ""))), null);
        for (String piece : split(call.arguments(), fragments)) {
          reply.add(toolCallDelta(new JsonObject().put("index", index).put("function", new JsonObject().put("arguments", piece))), null);
        }
      }
      return reply.add(new JsonObject(), "tool_calls");
    }

    /**
     * Chunks as given, e.g. {@code {"choices":[{"index":0,"delta":{...},"finish_reason":null}]}}
     * ({@code id}, {@code object}, {@code created} and {@code model} are filled in). See {@link #chunk}.
     */
    public static Reply chunks(JsonObject... chunks) {
      Reply reply = new Reply();
      reply.frames.addAll(List.of(chunks));
      return reply;
    }

    /** Raw text written as-is, one write per piece (to send comments, bad JSON, lines split across writes...). */
    public static Reply frames(String... raw) {
      Reply reply = new Reply();
      reply.frames.addAll(List.of(raw));
      return reply;
    }

    /** A plain HTTP answer (no stream): {@code status} with a JSON {@code body}. */
    public static Reply status(int status, String jsonBody) {
      Reply reply = new Reply();
      reply.status = status;
      reply.body = jsonBody;
      return reply;
    }

    /** A chunk whose first choice carries {@code delta} and {@code finishReason} (null for none). */
    public static JsonObject chunk(JsonObject delta, String finishReason) {
      JsonObject choice = new JsonObject().put("index", 0).put("delta", delta).putNull("logprobs").put("finish_reason", finishReason);
      return new JsonObject().put("choices", new JsonArray().add(choice));
    }

    /** Adds the final usage chunk ({@code choices: []}) before {@code [DONE]}. */
    public Reply withUsage(int promptTokens, int completionTokens) {
      return withUsage(new JsonObject().put("prompt_tokens", promptTokens).put("completion_tokens", completionTokens)
          .put("total_tokens", promptTokens + completionTokens));
    }

    /** Adds a final usage chunk ({@code choices: []}) with exactly these counts (some may be missing). */
    public Reply withUsage(JsonObject usage) {
      frames.add(new JsonObject().put("choices", new JsonArray()).put("usage", usage));
      return this;
    }

    /** Adds a response header. */
    public Reply header(String name, String value) {
      headers.put(name, value);
      return this;
    }

    /** Waits this long between two frames. */
    public Reply chunkDelayMs(long delayMs) {
      this.chunkDelayMs = delayMs;
      return this;
    }

    /** Writes {@code n} frames, then closes the connection (no {@code [DONE]}). */
    public Reply cutAfter(int n) {
      this.cutAfter = n;
      return this;
    }

    /** Writes {@code n} frames, then nothing more, keeping the connection open. */
    public Reply stallAfter(int n) {
      this.stallAfter = n;
      return this;
    }

    /** Writes {@code n} frames, then {@code data: {"error": {"message": message, ...}}}, and ends the body. */
    public Reply errorChunkAfter(int n, String message) {
      this.errorAfter = n;
      this.errorMessage = message;
      return this;
    }

    /** Ends the body cleanly after the last frame, without {@code data: [DONE]}. */
    public Reply withoutDone() {
      this.done = false;
      return this;
    }

    private Reply add(JsonObject delta, String finishReason) {
      frames.add(chunk(delta, finishReason));
      return this;
    }

    private static JsonObject toolCallDelta(JsonObject toolCall) {
      return new JsonObject().put("tool_calls", new JsonArray().add(toolCall));
    }

    private static List<String> split(String text, int pieces) {
      int count = Math.max(1, Math.min(pieces, text.length()));
      List<String> parts = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        parts.add(text.substring(i * text.length() / count, (i + 1) * text.length() / count));
      }
      return parts;
    }
  }
}
