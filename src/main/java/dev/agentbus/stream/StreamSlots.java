package dev.agentbus.stream;

import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.bus.SharedNames;
import dev.agentbus.metrics.Metrics;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.Shareable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/** Caps the SSE and WebSocket streams open on one node (shared by all HTTP verticle instances). */
public final class StreamSlots {
  private static final class OpenStreams implements Shareable {
    final AtomicInteger count = new AtomicInteger();
  }

  private final AtomicInteger open;
  private final int max;

  public StreamSlots(Vertx vertx, int max) {
    this.max = max;
    this.open = vertx.sharedData().<String, OpenStreams>getLocalMap(SharedNames.STREAMS)
        .computeIfAbsent("open", k -> new OpenStreams()).count;
    Metrics.openStreams(open);
  }

  /** How many streams are open on this node now (what {@code GET /status} reports). */
  public static int openOn(Vertx vertx) {
    OpenStreams streams = vertx.sharedData().<String, OpenStreams>getLocalMap(SharedNames.STREAMS).get("open");
    return streams == null ? 0 : streams.count.get();
  }

  /** Takes a slot, or fails with {@code SERVICE_UNAVAILABLE}; the returned release is safe to call more than once. */
  public Runnable acquire() {
    if (open.incrementAndGet() > max) {
      open.decrementAndGet();
      throw new BusError(ErrorCode.SERVICE_UNAVAILABLE,
          "This node has " + max + " streams open, its limit; retry later or through another node");
    }
    AtomicBoolean released = new AtomicBoolean();
    return () -> {
      if (released.compareAndSet(false, true)) {
        open.decrementAndGet();
      }
    };
  }
}
