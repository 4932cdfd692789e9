package dev.agentbus.http;

import dev.agentbus.stream.BoundedWriter;
import dev.agentbus.stream.EventFeed;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * One open Server-Sent Events response, whatever its frame format: the headers, a bounded writer
 * (a reader that falls too far behind is cut off, never buffered without bound), a keep-alive
 * comment every {@code streams.keepalive_ms}, and cleanup (timer, stream slot, the caller's own)
 * however it ends. Every write is one or more complete SSE blocks ({@code ...\n\n}).
 */
final class SseResponse {
  private final RoutingContext ctx;
  private final HttpServerResponse response;
  private final BoundedWriter writer;
  private final List<Runnable> onClientGone = new ArrayList<>();
  private boolean finished;

  private SseResponse(RoutingContext ctx, int maxQueuedFrames, int writeQueueMaxBytes) {
    this.ctx = ctx;
    this.response = ctx.response();
    response.setChunked(true).setStatusCode(200)
        .putHeader("Content-Type", "text/event-stream; charset=utf-8")
        .putHeader("Cache-Control", "no-cache")
        .putHeader("X-Accel-Buffering", "no")
        .setWriteQueueMaxSize(writeQueueMaxBytes);
    this.writer = new BoundedWriter(response, response::write, maxQueuedFrames);
  }

  /**
   * Starts the response: status 200 and headers go out at once with {@code preamble} (non-empty SSE blocks);
   * {@code release} runs once when it ends or the connection closes.
   */
  static SseResponse open(Api api, RoutingContext ctx, JsonObject streams, String preamble, Runnable release) {
    SseResponse sse = new SseResponse(ctx, streams.getInteger("max_queued_frames", 1000),
        streams.getInteger("write_queue_max_bytes", 262_144));
    // A streaming POST is not replayed: a claimed Idempotency-Key is released (a non-2xx settles as a release).
    Idempotency.settle(ctx, 0, null);
    var vertx = api.vertx();
    long keepAlive = vertx.setPeriodic(streams.getLong("keepalive_ms", 15_000L), t -> sse.write(": keep-alive\n\n"));
    sse.response.closeHandler(closed -> {
      vertx.cancelTimer(keepAlive);
      release.run();
      if (!sse.finished) {
        sse.finished = true;
        sse.onClientGone.forEach(Runnable::run);
      }
    });
    sse.response.endHandler(ended -> {
      vertx.cancelTimer(keepAlive);
      release.run();
    });
    sse.response.write(preamble);
    return sse;
  }

  /** Writes frames; false (and the connection is closed) when the reader has fallen too far behind or left. */
  boolean write(String frames) {
    if (!isOpen()) {
      return false;
    }
    if (frames.isEmpty()) {
      return true;
    }
    if (!writer.write(frames)) {
      closeConnection();
      return false;
    }
    return true;
  }

  boolean isOpen() {
    return !response.ended() && !response.closed();
  }

  /** Ends the response normally (the stream is complete). */
  void end() {
    finished = true;
    if (isOpen()) {
      response.end();
    }
  }

  /** Drops the connection: for a reader that cannot keep up (it resumes from its last cursor); counts as the client gone. */
  void closeConnection() {
    ctx.request().connection().close();
  }

  /** Runs {@code action} if the client goes away before the stream was complete. */
  void onClientGone(Runnable action) {
    onClientGone.add(action);
  }

  /**
   * A feed subscriber writing each event as {@code frames(event)} (empty: nothing to send). The
   * feed's end reasons go to {@code onEnd}; an {@code overflow} closes the connection first.
   */
  EventFeed.Subscriber subscriber(Function<JsonObject, String> frames, BiConsumer<String, Long> onEnd) {
    return new EventFeed.Subscriber() {
      @Override
      public boolean deliver(JsonObject event) {
        return write(frames.apply(event));
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
      public void end(String reason, long lastSeq) {
        if ("overflow".equals(reason)) {
          closeConnection();
        }
        onEnd.accept(reason, lastSeq);
      }
    };
  }
}
