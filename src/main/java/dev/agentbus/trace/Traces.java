package dev.agentbus.trace;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.tracing.opentelemetry.VertxContextStorageProvider;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What the rest of agentbus asks of tracing, each a no-op off a traced node's threads: the W3C
 * {@code traceparent} of the current span, tagging the request's span with its tenant, and a span
 * around work the Vert.x tracer does not see (store writes).
 */
public final class Traces {
  private static final String TRACEPARENT = "traceparent";

  private Traces() {}

  /**
   * {@code 00-<trace_id>-<span_id>-<flags>} of the span current on this Vert.x context (the HTTP
   * server span in a request handler), or null when there is none (tracing off).
   */
  public static String traceparent() {
    if (NodeTracing.current() == null) {
      return null;
    }
    SpanContext span = Span.current().getSpanContext();
    return span.isValid() ? "00-" + span.getTraceId() + "-" + span.getSpanId() + "-" + span.getTraceFlags().asHex() : null;
  }

  /** {@link #traceparent()} when its trace is sampled (recorded), else null: what is worth carrying to later work. */
  public static String sampledTraceparent() {
    if (NodeTracing.current() == null) {
      return null;
    }
    SpanContext span = Span.current().getSpanContext();
    return span.isValid() && span.isSampled() ? "00-" + span.getTraceId() + "-" + span.getSpanId() + "-" + span.getTraceFlags().asHex() : null;
  }

  /**
   * Runs {@code work} now, on a fresh duplicate of the current Vert.x context whose current span is
   * the remote one {@code traceparent} names, so what it starts (bus requests, HTTP calls, store
   * writes) joins that trace: for work queued in one request and started later, out of that request's
   * context (a command the scheduler starts). No trace ({@code traceparent} null, tracing off): runs as is.
   */
  public static void resume(Vertx vertx, String traceparent, Runnable work) {
    NodeTracing tracing = NodeTracing.of(vertx);
    if (tracing == null || traceparent == null) {
      work.run();
      return;
    }
    Context parent = tracing.openTelemetry().getPropagators().getTextMapPropagator()
        .extract(Context.root(), Map.of(TRACEPARENT, traceparent), SingleHeader.INSTANCE);
    ContextInternal duplicate = ((ContextInternal) vertx.getOrCreateContext()).duplicate();
    VertxContextStorageProvider.VertxContextStorage.INSTANCE.attach(duplicate, parent);
    duplicate.dispatch(work);
  }

  /**
   * Starts a client span {@code name} in each trace of {@code traceparents} (nulls and repeats
   * skipped) other than the current one, as a child of that traceparent's span: for one piece of
   * work done for several traced requests at once (a group commit). The returned action ends them.
   */
  public static Runnable alsoIn(Vertx vertx, java.util.Collection<String> traceparents, String name, String attribute, long value) {
    NodeTracing tracing = NodeTracing.of(vertx);
    if (tracing == null) {
      return () -> { };
    }
    String current = NodeTracing.current() == null ? null : Span.current().getSpanContext().getTraceId();
    java.util.Set<String> seen = new java.util.HashSet<>();
    java.util.List<Span> spans = new java.util.ArrayList<>();
    for (String traceparent : traceparents) {
      if (traceparent == null || !seen.add(traceparent)) {
        continue;
      }
      Context parent = tracing.openTelemetry().getPropagators().getTextMapPropagator()
          .extract(Context.root(), Map.of(TRACEPARENT, traceparent), SingleHeader.INSTANCE);
      SpanContext parentSpan = Span.fromContext(parent).getSpanContext();
      if (!parentSpan.isValid() || parentSpan.getTraceId().equals(current)) {
        continue;
      }
      spans.add(tracing.tracer().spanBuilder(name).setParent(parent).setSpanKind(SpanKind.CLIENT)
          .setAttribute(attribute, value).startSpan());
    }
    return spans.isEmpty() ? () -> { } : () -> spans.forEach(Span::end);
  }

  /** Reads a {@code traceparent} from a one-entry map. */
  private enum SingleHeader implements TextMapGetter<Map<String, String>> {
    INSTANCE;

    @Override
    public Iterable<String> keys(Map<String, String> carrier) {
      return carrier.keySet();
    }

    @Override
    public String get(Map<String, String> carrier, String key) {
      return carrier == null ? null : carrier.get(key);
    }
  }

  /** Records the request's tenant on the current span (the HTTP server span), so its trace is readable by that tenant. */
  public static void tagTenant(String tenantId) {
    if (tenantId != null && NodeTracing.current() != null) {
      Span.current().setAttribute(SpanQueue.TENANT_ID, tenantId);
    }
  }

  /**
   * {@code work} inside a client span {@code name} (a child of the current span, with {@code
   * attribute}: a number as a long, anything else as text) that ends when its future does, failed
   * spans marked {@code error}. Outside a trace (no current span) it records
   * nothing, like Vert.x's own {@code PROPAGATE} policy.
   */
  public static <T> Future<T> around(String name, String attribute, Object value, Supplier<Future<T>> work) {
    NodeTracing tracing = NodeTracing.current();
    if (tracing == null || !Span.current().getSpanContext().isValid()) {
      return work.get();
    }
    SpanBuilder builder = tracing.tracer().spanBuilder(name).setSpanKind(SpanKind.CLIENT);
    if (value instanceof Number number) {
      builder.setAttribute(attribute, number.longValue());
    } else {
      builder.setAttribute(attribute, String.valueOf(value));
    }
    Span span = builder.startSpan();
    Future<T> result;
    try (Scope ignored = span.storeInContext(Context.current()).makeCurrent()) {
      result = work.get();
    } catch (RuntimeException e) {
      result = Future.failedFuture(e);
    }
    return result.onComplete(done -> {
      if (done.failed()) {
        span.recordException(done.cause());
        span.setStatus(StatusCode.ERROR, String.valueOf(done.cause().getMessage()));
      }
      span.end();
    });
  }
}
