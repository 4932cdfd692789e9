package dev.agentbus.engine;

import dev.agentbus.config.Settings;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.WriteStream;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.ext.web.client.impl.HttpContext;
import io.vertx.ext.web.client.impl.WebClientInternal;
import io.vertx.ext.web.codec.BodyCodec;
import io.vertx.ext.web.codec.spi.BodyStream;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * Any OpenAI-compatible {@code POST /chat/completions} server, streamed. One {@link #call} is one
 * HTTP request whose Server-Sent Events body is parsed as it arrives ({@link ChatCompletionStream});
 * every failure is a precise {@link ModelError} (retryable or not, HTTP status, {@code Retry-After}).
 * Retries, stall timeouts and the tool-call loop belong to {@link AgentLoop}, not here.
 *
 * <p>The operator's API key goes only to the configured {@code base_url}: a call whose
 * configuration names another {@code base_url} is sent without it. The key never appears in an error.
 */
public final class OpenAiModel implements Model {
  /** At most this much of an error answer's body is read (for its {@code error.message}). */
  static final int MAX_ERROR_BODY_BYTES = 64 * 1024;
  /** A server's error message is quoted up to this length. */
  private static final int MAX_SERVER_MESSAGE_CHARS = 500;
  private static final List<String> PASSED_PARAMETERS = List.of("temperature", "max_tokens", "top_p");

  private final Vertx vertx;
  private final WebClient client;
  private final String baseUrl;
  private final String apiKey;
  private final String defaultModel;
  private final long idleTimeoutMs;
  private final int maxLineBytes;

  /**
   * @param openai the {@code engines.openai} settings: base URL, API key, model, connect timeout,
   *     idle timeout (no byte for that long fails the call; 0 = never), longest SSE line, and
   *     connections per server
   */
  public OpenAiModel(Vertx vertx, Settings.OpenAi openai) {
    this.vertx = vertx;
    this.baseUrl = withoutTrailingSlash(openai.baseUrl());
    String key = openai.apiKey();
    this.apiKey = key == null || key.isBlank() ? null : key;
    this.defaultModel = openai.model();
    this.idleTimeoutMs = openai.idleTimeoutMs();
    this.maxLineBytes = openai.maxLineBytes();
    WebClientOptions options = new WebClientOptions()
        .setConnectTimeout(openai.connectTimeoutMs())
        .setFollowRedirects(false) // a redirect must not carry the key (or the conversation) elsewhere
        .setUserAgent("agentbus");
    PoolOptions pool = new PoolOptions().setHttp1MaxSize(openai.maxConnections());
    this.client = WebClient.create(vertx, options, pool);
    // WebClient.send() offers no way to abort a request: this interceptor hands each call its
    // HttpClientRequest (to reset it) and its response head (status, headers) before the body flows.
    ((WebClientInternal) client).addInterceptor(this::intercept);
  }

  @Override
  public Call call(ModelRequest request, Deltas deltas) {
    Exchange exchange = new Exchange(vertx.getOrCreateContext(), deltas);
    String requested = withoutTrailingSlash(request.configuration() == null ? null : request.configuration().getString("base_url"));
    String target = requested != null ? requested : baseUrl;
    if (target == null || !(target.startsWith("http://") || target.startsWith("https://"))) {
      exchange.fail(error("the model server's base_url must be an absolute http(s) URL", 0, false, -1));
      return exchange;
    }
    HttpRequest<Void> http;
    try {
      http = client.postAbs(target + "/chat/completions").as(exchange);
    } catch (RuntimeException e) {
      exchange.fail(error("the model server's base_url is not a valid URL", 0, false, -1));
      return exchange;
    }
    http.followRedirects(false).putHeader("Accept", "text/event-stream");
    if (apiKey != null && target.equals(baseUrl)) {
      http.bearerTokenAuthentication(apiKey);
    }
    JsonObject body = body(request);
    exchange.onContext(() -> {
      exchange.watchIdle();
      http.sendJsonObject(body).onComplete(exchange::ended);
    });
    return exchange;
  }

  /** Closes the HTTP client (and every connection it holds). */
  public void close() {
    client.close();
  }

  private JsonObject body(ModelRequest request) {
    String model = request.model() != null && !request.model().isBlank() ? request.model() : defaultModel;
    JsonObject body = new JsonObject()
        .put("model", model)
        .put("messages", request.messages() == null ? new JsonArray() : request.messages())
        .put("stream", true)
        .put("stream_options", new JsonObject().put("include_usage", true));
    if (request.tools() != null && !request.tools().isEmpty()) {
      body.put("tools", request.tools());
    }
    JsonObject configuration = request.configuration() == null ? new JsonObject() : request.configuration();
    for (String parameter : PASSED_PARAMETERS) {
      if (configuration.getValue(parameter) != null) {
        body.put(parameter, configuration.getValue(parameter));
      }
    }
    return body;
  }

  private void intercept(HttpContext<?> context) {
    if (context.request().bodyCodec() instanceof Exchange exchange) {
      switch (context.phase()) {
        case SEND_REQUEST -> {
          if (!exchange.sending(context.clientRequest())) {
            context.fail(exchange.result().cause()); // failed (cancelled, idle) while connecting
            return;
          }
        }
        case RECEIVE_RESPONSE -> exchange.head(context.clientResponse());
        default -> { }
      }
    }
    context.next();
  }

  /** A {@link ModelError} whose message is guaranteed free of the API key. */
  private ModelError error(String message, int status, boolean retryable, long retryAfterMs) {
    String safe = apiKey == null ? message : message.replace(apiKey, "[redacted]");
    return new ModelError(safe, status, retryable, retryAfterMs);
  }

  private static String withoutTrailingSlash(String url) {
    if (url == null || url.isBlank()) {
      return null;
    }
    String trimmed = url.strip();
    while (trimmed.endsWith("/")) {
      trimmed = trimmed.substring(0, trimmed.length() - 1);
    }
    return trimmed;
  }

  static boolean retryableStatus(int status) {
    return status == 408 || status == 409 || status == 429 || status >= 500;
  }

  /** {@code retry-after-ms}, else {@code Retry-After} (delta-seconds or HTTP-date), in ms; -1 when absent or unreadable. */
  static long retryAfterMs(MultiMap headers, long nowMs) {
    String millis = headers.get("retry-after-ms");
    if (millis != null) {
      try {
        return Math.max(0, (long) Double.parseDouble(millis.strip()));
      } catch (NumberFormatException ignored) {
        // fall back to Retry-After
      }
    }
    String value = headers.get("Retry-After");
    if (value == null || value.isBlank()) {
      return -1;
    }
    try {
      return Math.max(0, (long) (Double.parseDouble(value.strip()) * 1000));
    } catch (NumberFormatException notSeconds) {
      try {
        long at = ZonedDateTime.parse(value.strip(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli();
        return Math.max(0, at - nowMs);
      } catch (DateTimeParseException notDate) {
        return -1;
      }
    }
  }

  /**
   * One call: its result, its HTTP request once sent, and the response body's reader. It is also
   * the call's {@link BodyCodec}, which is how the interceptor recognises it. Runs on {@code context}.
   */
  private final class Exchange implements Call, BodyCodec<Void> {
    private final Context context;
    private final ChatCompletionStream stream;
    private final Promise<ModelTurn> result = Promise.promise();
    private HttpClientRequest request;
    private int status;
    private MultiMap headers;
    private Buffer errorBody;
    private boolean finished;
    private long lastActivityMs;

    Exchange(Context context, Deltas deltas) {
      this.context = context;
      this.stream = new ChatCompletionStream(maxLineBytes, deltas);
    }

    @Override
    public Future<ModelTurn> result() {
      return result.future();
    }

    @Override
    public void cancel() {
      onContext(this::doCancel);
    }

    /** Runs {@code action} on the call's context: the WebClient, the deltas and the state all live there. */
    void onContext(Runnable action) {
      if (context == Vertx.currentContext()) {
        action.run();
      } else {
        context.runOnContext(v -> action.run());
      }
    }

    private void doCancel() {
      fail(error("cancelled", 0, false, -1));
    }

    /**
     * Fails the call when the server sends nothing for {@code idle_timeout_ms} (before or during the
     * body). One timer, re-armed only when it fires, so that bytes arriving cost no timer churn.
     */
    void watchIdle() {
      if (idleTimeoutMs > 0) {
        lastActivityMs = System.nanoTime() / 1_000_000;
        vertx.setTimer(idleTimeoutMs, this::checkIdle);
      }
    }

    private void checkIdle(long timer) {
      if (result.future().isComplete()) {
        return;
      }
      long quietMs = System.nanoTime() / 1_000_000 - lastActivityMs;
      if (quietMs >= idleTimeoutMs) {
        fail(error("the model server sent nothing for " + idleTimeoutMs + " ms", status, true, -1));
      } else {
        vertx.setTimer(idleTimeoutMs - quietMs, this::checkIdle);
      }
    }

    /** The request is about to be sent; false when the call already failed (cancelled, idle) and it must not be. */
    boolean sending(HttpClientRequest request) {
      this.request = request;
      return !result.future().isComplete();
    }

    void head(HttpClientResponse response) {
      lastActivityMs = System.nanoTime() / 1_000_000;
      status = response.statusCode();
      headers = response.headers();
      if (!success()) {
        errorBody = Buffer.buffer();
      }
    }

    private boolean success() {
      return status >= 200 && status < 300;
    }

    /** Bytes of the response body, as they arrive. */
    void received(Buffer bytes) {
      lastActivityMs = System.nanoTime() / 1_000_000;
      if (result.future().isComplete()) {
        return;
      }
      if (errorBody != null) {
        int room = MAX_ERROR_BODY_BYTES - errorBody.length();
        errorBody.appendBuffer(bytes, 0, Math.min(room, bytes.length()));
        if (bytes.length() >= room) {
          fail(httpError());
        }
        return;
      }
      try {
        if (stream.feed(bytes)) {
          result.tryComplete(stream.turn());
        }
      } catch (ModelError e) {
        fail(error(e.getMessage(), status, e.retryable(), e.retryAfterMs()));
      } catch (RuntimeException e) {
        fail(e);
      }
    }

    /** The WebClient is done with the exchange: the body ended, or the request failed. */
    void ended(AsyncResult<HttpResponse<Void>> outcome) {
      finished = true;
      if (result.future().isComplete()) {
        return;
      }
      if (status != 0 && !success()) {
        fail(httpError());
      } else if (stream.finished()) {
        // [DONE] is optional once a finish_reason arrived: the server may just end the body.
        try {
          result.tryComplete(stream.turn());
        } catch (ModelError e) {
          fail(e);
        }
      } else if (outcome.succeeded()) {
        fail(error("the model's stream ended early (HTTP " + status + ", no [DONE] and no finish_reason)", status, true, -1));
      } else {
        fail(transportError(outcome.cause()));
      }
    }

    private ModelError transportError(Throwable cause) {
      if (cause instanceof ModelError modelError) {
        return modelError;
      }
      String detail = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
      if (status == 0) {
        return error("could not reach the model server: " + detail, 0, true, -1);
      }
      return error("the model's stream ended early: " + detail, status, true, -1);
    }

    private ModelError httpError() {
      String reason = serverMessage();
      if (reason != null && reason.length() > MAX_SERVER_MESSAGE_CHARS) {
        reason = reason.substring(0, MAX_SERVER_MESSAGE_CHARS) + "…";
      }
      String message = "the model server answered HTTP " + status + (reason == null ? "" : ": " + reason);
      boolean retryable = retryableStatus(status);
      return error(message, status, retryable, retryable ? retryAfterMs(headers, System.currentTimeMillis()) : -1);
    }

    /** {@code error.message} (or {@code message}) of a JSON error body; null when there is none. */
    private String serverMessage() {
      if (errorBody == null || errorBody.length() == 0) {
        return null;
      }
      try {
        JsonObject body = new JsonObject(errorBody);
        Object error = body.getValue("error");
        if (error != null) {
          return ChatCompletionStream.errorMessage(error);
        }
        return body.getValue("message") instanceof String message ? message : null;
      } catch (DecodeException | ClassCastException notJson) {
        return null;
      }
    }

    /** Fails the call (if still open) and aborts its request if in flight. */
    void fail(Throwable failure) {
      if (result.tryFail(failure) && request != null && !finished) {
        // Resetting an HTTP/1.1 request in flight closes its connection: the server sees the client leave.
        request.reset();
      }
    }

    @Override
    public BodyStream<Void> stream() {
      return new Body();
    }

    /** Where the WebClient pipes the response body. */
    private final class Body implements BodyStream<Void> {
      @Override
      public Future<Void> write(Buffer data) {
        received(data);
        return Future.succeededFuture();
      }

      @Override
      public Future<Void> end() {
        return Future.succeededFuture();
      }

      @Override
      public Future<Void> result() {
        return Future.succeededFuture();
      }

      @Override
      public void handle(Throwable failure) {
        // The WebClient reports a broken body through the send() future, handled in ended().
      }

      @Override
      public WriteStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
        return this;
      }

      @Override
      public WriteStream<Buffer> setWriteQueueMaxSize(int maxSize) {
        return this;
      }

      @Override
      public boolean writeQueueFull() {
        return false;
      }

      @Override
      public WriteStream<Buffer> drainHandler(Handler<Void> handler) {
        return this;
      }
    }
  }
}
