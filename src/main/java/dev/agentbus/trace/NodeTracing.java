package dev.agentbus.trace;

import dev.agentbus.config.Settings;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SdkTracerProviderBuilder;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.tracing.opentelemetry.OpenTelemetryTracingFactory;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's OpenTelemetry: its own {@link OpenTelemetrySdk} (never the global one, so several
 * nodes can share a JVM, as in the tests), W3C trace context, the {@link SpanQueue} that feeds the
 * store, and an OTLP/HTTP exporter when an endpoint is configured (no network otherwise).
 *
 * <p>Enable it where Vert.x is built ({@link #enable}); Vert.x then traces its HTTP server (every
 * request: policy {@code ALWAYS}), HTTP clients and event-bus messages (within a trace: {@code
 * PROPAGATE}). Find it again from the node's {@code Vertx} with {@link #of}.
 */
public final class NodeTracing {
  private static final Logger LOG = LoggerFactory.getLogger(NodeTracing.class);
  /** The instrumentation scope of agentbus's own spans. */
  static final String SCOPE = "dev.agentbus";

  private final Settings.Tracing settings;
  private final SpanQueue spans;
  private final OpenTelemetrySdk sdk;
  private final OpenTelemetryTracingFactory vertxFactory;

  private NodeTracing(Settings.Tracing settings) {
    this.settings = settings;
    this.spans = new SpanQueue(settings.maxQueued());
    SdkTracerProviderBuilder provider = SdkTracerProvider.builder()
        .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), "agentbus"))))
        // Parent-based: a caller's sampled traceparent is always recorded; of the traces that start
        // here, sample_ratio are (each recorded request costs store writes of its spans).
        .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(settings.sampleRatio())))
        .addSpanProcessor(spans);
    if (settings.otlpEndpoint() != null) {
      String endpoint = settings.otlpEndpoint().replaceAll("/+$", "") + "/v1/traces";
      provider.addSpanProcessor(BatchSpanProcessor.builder(OtlpHttpSpanExporter.builder().setEndpoint(endpoint).build()).build());
      LOG.info("exporting spans over OTLP/HTTP to {}", endpoint);
    }
    this.sdk = OpenTelemetrySdk.builder().setTracerProvider(provider.build())
        .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance())).build();
    // Built before Vert.x is: vertx-opentelemetry registers its context local when this class loads.
    this.vertxFactory = new OpenTelemetryTracingFactory(sdk);
  }

  /** {@code builder} with this node's tracer when {@code tracing.enabled} (the default); as it is otherwise. */
  public static VertxBuilder enable(VertxBuilder builder, JsonObject config) {
    Settings.Tracing settings = Settings.of(config).tracing();
    if (!settings.enabled()) {
      return builder;
    }
    NodeTracing tracing = new NodeTracing(settings);
    return builder.withTracer(options -> new NodeTracer(tracing, tracing.vertxFactory.tracer(options)));
  }

  /** The tracing of the node whose Vert.x is {@code vertx}, or null when it traces nothing. */
  public static NodeTracing of(Vertx vertx) {
    return vertx instanceof VertxInternal internal && internal.tracer() instanceof NodeTracer tracer ? tracer.tracing() : null;
  }

  /** The tracing of the node whose thread this is, or null (not a Vert.x thread, or tracing is off). */
  static NodeTracing current() {
    io.vertx.core.Context context = Vertx.currentContext();
    return context == null ? null : of(context.owner());
  }

  public OpenTelemetry openTelemetry() {
    return sdk;
  }

  Tracer tracer() {
    return sdk.getTracer(SCOPE);
  }

  public SpanQueue spans() {
    return spans;
  }

  public Settings.Tracing settings() {
    return settings;
  }

  /** Ends the SDK (flushing the OTLP exporter, if any); called when the node's Vert.x closes. */
  void shutdown() {
    sdk.getSdkTracerProvider().shutdown().join(5, TimeUnit.SECONDS);
  }
}
