package dev.agentbus.net;

import dev.agentbus.bus.BusError;
import dev.agentbus.config.Settings;
import dev.agentbus.metrics.Metrics;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.util.function.Consumer;

/**
 * One signed webhook attempt (Standard Webhooks), the way every outgoing POST of agentbus is made:
 * command handlers, event handlers and {@code http} tools.
 *
 * <p>Before each attempt the URL passes {@link UrlGuard} again (DNS may have changed); redirects
 * are never followed; the attempt is bounded by its timeout (connect and answer) and the answer's
 * body by {@code maxResponseBytes}. Headers: {@code webhook-id} (the caller's stable id, the same
 * on every retry), {@code webhook-timestamp} (seconds) and {@code webhook-signature} ({@link
 * Signatures#sign}).
 *
 * <p>The future completes with any answer, whatever its status (the caller interprets it); it
 * fails {@link Retryable} when there was no answer (timeout, refused connection, reset), {@link
 * Refused} when trying again cannot help (a blocked URL, an oversized body).
 */
public final class Webhook {
  /** An answer: its status and (bounded) body. */
  public record Answer(int status, Buffer body) {}

  /** A failed attempt worth another one. */
  public static final class Retryable extends RuntimeException {
    public Retryable(String message) {
      super(message, null, false, false);
    }
  }

  /** A failed attempt not worth another one. */
  public static final class Refused extends RuntimeException {
    public Refused(String message) {
      super(message, null, false, false);
    }
  }

  private final Vertx vertx;
  private final HttpClient http;
  private final Settings.Security security;

  /** {@code http} should be created with redirects off ({@link #clientOptions()}). */
  public Webhook(Vertx vertx, HttpClient http, Settings.Security security) {
    this.vertx = vertx;
    this.http = http;
    this.security = security;
  }

  /** The client options every webhook client uses: no redirects, keep-alive, host verification. */
  public static io.vertx.core.http.HttpClientOptions clientOptions() {
    return new io.vertx.core.http.HttpClientOptions().setMaxRedirects(0).setKeepAlive(true).setVerifyHost(true);
  }

  /**
   * POSTs {@code body} to {@code url}, signed with {@code secret} under {@code id}. {@code field} names
   * the URL in a refusal ({@code "handler.url"}). {@code inFlight}, when given, is told the request
   * (so its owner can reset it on cancel) and then null once the attempt settles.
   */
  public Future<Answer> post(String url, String field, String secret, String id, String body, long timeoutMs,
                             int maxResponseBytes, Consumer<HttpClientRequest> inFlight) {
    return UrlGuard.verify(vertx, url, security, field)
        .recover(blocked -> Future.failedFuture(new Refused("The URL is refused: "
            + (blocked instanceof BusError e ? e.getMessage() : "blocked"))))
        .compose(allowed -> send(url, secret, id, body, timeoutMs, maxResponseBytes,
            inFlight == null ? request -> {} : inFlight))
        .onComplete(done -> Metrics.webhookDelivery(done.succeeded() ? done.result().status() : -1));
  }

  private Future<Answer> send(String url, String secret, String id, String body, long timeoutMs, int max,
                              Consumer<HttpClientRequest> inFlight) {
    long timestamp = System.currentTimeMillis() / 1000;
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(url).setFollowRedirects(false)
        .setConnectTimeout(timeoutMs)
        .putHeader("content-type", "application/json")
        .putHeader("user-agent", "agentbus")
        .putHeader("webhook-id", id)
        .putHeader("webhook-timestamp", String.valueOf(timestamp))
        .putHeader("webhook-signature", Signatures.sign(secret, id, timestamp, body));
    Promise<Answer> attempt = Promise.promise();
    HttpClientRequest[] sent = new HttpClientRequest[1];
    long timer = vertx.setTimer(Math.max(1, timeoutMs), t -> {
      // First the timeout (the reset below fails the request at once, with a less telling "stream reset").
      attempt.tryFail(new Retryable("no answer within " + timeoutMs + " ms"));
      if (sent[0] != null) {
        sent[0].reset(); // closes the connection: the pool does not fill up with silent receivers
      }
    });
    http.request(options)
        .compose(request -> {
          sent[0] = request;
          inFlight.accept(request);
          return request.send(body);
        })
        .onSuccess(response -> read(response, sent[0], max, attempt))
        .onFailure(failure -> attempt.tryFail(new Retryable(String.valueOf(failure.getMessage()))));
    return attempt.future().onComplete(settled -> {
      vertx.cancelTimer(timer);
      inFlight.accept(null);
    });
  }

  private static void read(HttpClientResponse response, HttpClientRequest request, int max, Promise<Answer> attempt) {
    Buffer content = Buffer.buffer();
    response.exceptionHandler(failure -> attempt.tryFail(new Retryable(String.valueOf(failure.getMessage()))));
    response.handler(chunk -> {
      if (content.length() + chunk.length() > max) {
        attempt.tryFail(new Refused("The response body is larger than " + max + " bytes"));
        request.reset(); // after: the reset fails the response too, which must not count as a retryable failure
      } else {
        content.appendBuffer(chunk);
      }
    });
    response.endHandler(end -> attempt.tryComplete(new Answer(response.statusCode(), content)));
  }
}
