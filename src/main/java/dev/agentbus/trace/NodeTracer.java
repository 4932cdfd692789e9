package dev.agentbus.trace;

import io.vertx.core.Context;
import io.vertx.core.spi.tracing.SpanKind;
import io.vertx.core.spi.tracing.TagExtractor;
import io.vertx.core.spi.tracing.VertxTracer;
import io.vertx.core.tracing.TracingPolicy;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * The Vert.x tracer of one node: vertx-opentelemetry's, on the node's own SDK, kept reachable from
 * the node's {@code Vertx} ({@link NodeTracing#of}) and shutting the SDK down when Vert.x closes.
 */
@SuppressWarnings({"rawtypes", "unchecked"})
final class NodeTracer implements VertxTracer<Object, Object> {
  private final NodeTracing tracing;
  private final VertxTracer delegate;

  NodeTracer(NodeTracing tracing, VertxTracer<?, ?> delegate) {
    this.tracing = tracing;
    this.delegate = delegate;
  }

  NodeTracing tracing() {
    return tracing;
  }

  @Override
  public <R> Object receiveRequest(Context context, SpanKind kind, TracingPolicy policy, R request, String operation,
                                   Iterable<Map.Entry<String, String>> headers, TagExtractor<R> tagExtractor) {
    return delegate.receiveRequest(context, kind, policy, request, operation, headers, tagExtractor);
  }

  @Override
  public <R> void sendResponse(Context context, R response, Object payload, Throwable failure, TagExtractor<R> tagExtractor) {
    delegate.sendResponse(context, response, payload, failure, tagExtractor);
  }

  @Override
  public <R> Object sendRequest(Context context, SpanKind kind, TracingPolicy policy, R request, String operation,
                                BiConsumer<String, String> headers, TagExtractor<R> tagExtractor) {
    return delegate.sendRequest(context, kind, policy, request, operation, headers, tagExtractor);
  }

  @Override
  public <R> void receiveResponse(Context context, R response, Object payload, Throwable failure, TagExtractor<R> tagExtractor) {
    delegate.receiveResponse(context, response, payload, failure, tagExtractor);
  }

  @Override
  public void close() {
    delegate.close();
    tracing.shutdown();
  }
}
