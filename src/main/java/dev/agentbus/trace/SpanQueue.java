package dev.agentbus.trace;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The node's finished spans on their way to the store: a bounded, non-blocking queue that a span's
 * end only offers to (a full queue drops the span and counts it, never slowing the request), drained
 * in batches by {@link TraceVerticle}.
 *
 * <p>At a span's start it also makes the span safe and readable: the query of every URL is
 * redacted (stream routes accept {@code ?access_token=}), Vert.x's bare names ({@code GET},
 * {@code send}) get their path or bus address, and the span is tagged with its node once the node
 * is known ({@link #nodeId}).
 */
public final class SpanQueue implements SpanProcessor {
  /** The attribute naming the node that recorded a span. */
  public static final AttributeKey<String> NODE_ID = AttributeKey.stringKey("node_id");
  /** The attribute naming the tenant of the request (set on the HTTP server span once authenticated). */
  public static final AttributeKey<String> TENANT_ID = AttributeKey.stringKey("tenant_id");
  static final String REDACTED = "[redacted]";

  private static final AttributeKey<String> URL_QUERY = AttributeKey.stringKey("url.query");
  private static final AttributeKey<String> URL_PATH = AttributeKey.stringKey("url.path");
  private static final AttributeKey<String> HTTP_URL = AttributeKey.stringKey("http.url");
  private static final AttributeKey<String> URL_FULL = AttributeKey.stringKey("url.full");
  private static final AttributeKey<String> DESTINATION = AttributeKey.stringKey("messaging.destination.name");

  private final ArrayBlockingQueue<SpanData> queue;
  private final AtomicLong dropped = new AtomicLong();
  private volatile String nodeId;

  SpanQueue(int capacity) {
    this.queue = new ArrayBlockingQueue<>(capacity);
  }

  /** Names the node on every span started from now on (known once Vert.x and its cluster are up). */
  void nodeId(String nodeId) {
    this.nodeId = nodeId;
  }

  /** Spans dropped because the queue was full. */
  public long dropped() {
    return dropped.get();
  }

  /** Counts {@code count} spans whose store write failed as dropped. */
  void droppedOnWrite(int count) {
    dropped.addAndGet(count);
  }

  /** Spans waiting for the store. */
  public int queued() {
    return queue.size();
  }

  /** Takes up to {@code max} waiting spans, oldest first. */
  List<SpanData> take(int max) {
    List<SpanData> batch = new ArrayList<>(Math.min(max, queue.size()));
    queue.drainTo(batch, max);
    return batch;
  }

  @Override
  public void onStart(Context parentContext, ReadWriteSpan span) {
    String node = nodeId;
    if (node != null) {
      span.setAttribute(NODE_ID, node);
    }
    if (span.getAttribute(URL_QUERY) != null) {
      span.setAttribute(URL_QUERY, REDACTED);
    }
    for (AttributeKey<String> key : List.of(HTTP_URL, URL_FULL)) {
      String url = span.getAttribute(key);
      if (url != null && url.indexOf('?') >= 0) {
        span.setAttribute(key, url.substring(0, url.indexOf('?')) + "?" + REDACTED);
      }
    }
    String name = span.getName();
    String destination = span.getAttribute(DESTINATION);
    if (destination != null && ("send".equals(name) || "publish".equals(name))) {
      span.updateName(name + " " + destination);
    } else if (name.indexOf(' ') < 0) {
      String path = span.getAttribute(URL_PATH);
      if (path == null) {
        path = pathOf(span.getAttribute(URL_FULL));
      }
      if (path != null) {
        span.updateName(name + " " + path);
      }
    }
  }

  @Override
  public boolean isStartRequired() {
    return true;
  }

  @Override
  public void onEnd(ReadableSpan span) {
    if (span.getSpanContext().isSampled() && !queue.offer(span.toSpanData())) {
      dropped.incrementAndGet();
    }
  }

  @Override
  public boolean isEndRequired() {
    return true;
  }

  @Override
  public CompletableResultCode shutdown() {
    return CompletableResultCode.ofSuccess();
  }

  /** The path of an absolute URL ({@code http://host:port/path?query}), or null. */
  static String pathOf(String url) {
    if (url == null) {
      return null;
    }
    int scheme = url.indexOf("://");
    int slash = url.indexOf('/', scheme < 0 ? 0 : scheme + 3);
    if (slash < 0) {
      return null;
    }
    int query = url.indexOf('?', slash);
    return query < 0 ? url.substring(slash) : url.substring(slash, query);
  }
}
