package dev.agentbus.stream;

import dev.agentbus.config.Settings;
import dev.agentbus.bus.StreamEnd;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One open Server-Sent Events response: status 200 and the SSE headers at once, a bounded writer,
 * a keep-alive comment every {@code streams.keepalive_ms}, and cleanup (timer, stream slot) however
 * it ends. A reader too slow to keep up has its connection dropped; it resumes with {@code Last-Event-ID}.
 */
public final class SseTransport implements Transport {
  private final RoutingContext ctx;
  private final HttpServerResponse response;
  private final BoundedWriter writer;
  private final Set<Runnable> onGone = new LinkedHashSet<>();
  private boolean ended;

  private SseTransport(RoutingContext ctx, Settings.Streams settings) {
    this.ctx = ctx;
    this.response = ctx.response();
    response.setChunked(true).setStatusCode(200)
        .putHeader("Content-Type", "text/event-stream; charset=utf-8")
        .putHeader("Cache-Control", "no-cache")
        .putHeader("X-Accel-Buffering", "no")
        .setWriteQueueMaxSize(settings.writeQueueMaxBytes());
    this.writer = new BoundedWriter(response, response::write, settings.maxQueuedFrames());
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
        List.copyOf(sse.onGone).forEach(Runnable::run);
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
  public boolean write(String frames) {
    if (response.ended() || response.closed()) {
      return false;
    }
    if (frames.isEmpty()) {
      return true;
    }
    if (!writer.write(frames)) {
      drop();
      return false;
    }
    return true;
  }

  @Override
  public boolean writable() {
    return writer.writable();
  }

  @Override
  public void whenWritable(Runnable next) {
    writer.whenWritable(next);
  }

  @Override
  public void end(StreamEnd reason, long lastSeq) {
    if (reason == StreamEnd.OVERFLOW) {
      drop();
      return;
    }
    ended = true;
    if (!response.ended() && !response.closed()) {
      response.end();
    }
  }

  @Override
  public Runnable onGone(Runnable action) {
    onGone.add(action);
    return () -> onGone.remove(action);
  }

  /** Drops the connection (a reader that cannot keep up resumes from its last cursor); counts as the client gone. */
  private void drop() {
    ctx.request().connection().close();
  }
}
