package dev.agentbus.stream;

import dev.agentbus.bus.StreamEnd;
import dev.agentbus.config.Settings;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

/**
 * One open Server-Sent Events response: status 200 and the SSE headers at once, a bounded writer,
 * a keep-alive comment every {@code streams.keepalive_ms}, and cleanup (timer, stream slot) however
 * it ends. A reader too slow to keep up has its connection dropped; it resumes with {@code Last-Event-ID}.
 * Any other end (shutdown included) ends the response after the format's closing frames.
 */
public final class SseTransport extends BoundedTransport {
  private final RoutingContext ctx;
  private final HttpServerResponse response;
  private boolean ended;

  private SseTransport(RoutingContext ctx, Settings.Streams settings) {
    super(ctx.response(), ctx.response()::write, settings.maxQueuedFrames());
    this.ctx = ctx;
    this.response = ctx.response();
    response.setChunked(true).setStatusCode(200)
        .putHeader("Content-Type", "text/event-stream; charset=utf-8")
        .putHeader("Cache-Control", "no-cache")
        .putHeader("X-Accel-Buffering", "no")
        .setWriteQueueMaxSize(settings.writeQueueMaxBytes());
  }

  /**
   * Starts the response: status, headers and {@code opening} (non-empty SSE blocks) go out at once;
   * {@code release} runs once when it ends or the connection closes.
   */
  static SseTransport open(Vertx vertx, RoutingContext ctx, Settings.Streams settings, String opening, Runnable release) {
    SseTransport sse = new SseTransport(ctx, settings);
    long keepAlive = vertx.setPeriodic(settings.keepaliveMs(), t -> sse.write(": keep-alive\n\n"));
    sse.response.closeHandler(closed -> {
      vertx.cancelTimer(keepAlive);
      release.run();
      if (!sse.ended) {
        sse.ended = true;
        sse.gone();
      }
    });
    sse.response.endHandler(done -> {
      vertx.cancelTimer(keepAlive);
      release.run();
    });
    sse.response.write(opening);
    return sse;
  }

  @Override
  boolean isOpen() {
    return !response.ended() && !response.closed();
  }

  /** Drops the connection (a reader that cannot keep up resumes from its last cursor); counts as the client gone. */
  @Override
  void tooSlow() {
    ctx.request().connection().close();
  }

  @Override
  public void end(StreamEnd reason, long lastSeq) {
    if (reason == StreamEnd.OVERFLOW) {
      tooSlow();
      return;
    }
    ended = true;
    if (isOpen()) {
      response.end();
    }
  }
}
