package dev.agentbus.trace;

import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * {@code tracing.*}: whether Vert.x and agentbus record spans, and the bounds of storing them.
 *
 * @param enabled          record spans at all (off: no tracer; {@code traceparent} is still answered)
 * @param batchSize        spans per store write
 * @param maxQueued        spans waiting for the store; past it new spans are dropped (and counted)
 * @param flushMs          how often the queue is written out
 * @param retentionMs      a trace untouched for this long is deleted
 * @param maxSpansPerTrace spans kept per trace; later ones are not stored
 * @param otlpEndpoint     OTLP/HTTP base URL (spans also go to {@code <it>/v1/traces}); null: no export
 */
public record TraceSettings(boolean enabled, int batchSize, int maxQueued, long flushMs, long retentionMs,
                            int maxSpansPerTrace, String otlpEndpoint) {
  /** The environment variable OpenTelemetry's own SDKs read for the OTLP endpoint. */
  public static final String OTLP_ENDPOINT_ENV = "OTEL_EXPORTER_OTLP_ENDPOINT";

  /** From the node's configuration ({@code tracing.*}, defaults where absent) and the environment. */
  public static TraceSettings of(JsonObject config, Map<String, String> env) {
    JsonObject tracing = config.getJsonObject("tracing", new JsonObject());
    String endpoint = tracing.getString("otlp_endpoint");
    if (endpoint == null || endpoint.isBlank()) {
      endpoint = env.get(OTLP_ENDPOINT_ENV);
    }
    return new TraceSettings(tracing.getBoolean("enabled", true),
        Math.max(1, tracing.getInteger("batch_size", 200)),
        Math.max(1, tracing.getInteger("max_queued", 20_000)),
        Math.max(10, tracing.getLong("flush_ms", 250L)),
        Math.max(1_000, tracing.getLong("retention_ms", 3_600_000L)),
        Math.max(1, tracing.getInteger("max_spans_per_trace", 2_000)),
        endpoint == null || endpoint.isBlank() ? null : endpoint.trim());
  }

  public static TraceSettings of(JsonObject config) {
    return of(config, System.getenv());
  }
}
