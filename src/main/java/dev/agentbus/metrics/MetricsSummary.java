package dev.agentbus.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.micrometer.core.instrument.search.Search;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /observability/metrics}: this node's meters as JSON — counts, and latency
 * percentiles (over Micrometer's decaying window, about the last two minutes) in milliseconds.
 */
public final class MetricsSummary {
  /** Vert.x's HTTP server timer (Prometheus: {@code vertx_http_server_response_time_seconds}). */
  private static final String HTTP_SERVER_RESPONSE_TIME = "vertx.http.server.response.time";

  private MetricsSummary() {}

  /** The summary, or null when metrics are off. */
  public static JsonObject of() {
    MeterRegistry registry = Metrics.registry();
    if (registry == null) {
      return null;
    }
    JsonObject byStatus = new JsonObject();
    JsonObject byType = new JsonObject();
    for (Counter counter : Search.in(registry).name(Metrics.COMMANDS).counters()) {
      long count = (long) counter.count();
      add(byStatus, counter.getId().getTag("status"), count);
      add(byType, counter.getId().getTag("command_type"), count);
    }
    JsonObject commandLatency = new JsonObject();
    for (Timer timer : Search.in(registry).name(Metrics.COMMAND_DURATION).timers()) {
      commandLatency.put(timer.getId().getTag("command_type"), latency(timer));
    }
    JsonObject byCode = new JsonObject();
    long requests = 0;
    double totalMs = 0;
    for (Timer timer : Search.in(registry).name(HTTP_SERVER_RESPONSE_TIME).timers()) {
      requests += timer.count();
      totalMs += timer.totalTime(TimeUnit.MILLISECONDS);
      add(byCode, String.valueOf(timer.getId().getTag("code")), timer.count());
    }
    JsonObject http = new JsonObject().put("requests", requests).put("mean_ms", requests == 0 ? 0 : totalMs / requests)
        .put("by_code", byCode);
    DistributionSummary batches = Search.in(registry).name(Metrics.EVENT_BATCH_SIZE).summary();
    Gauge streams = Search.in(registry).name(Metrics.STREAMS_OPEN).gauge();
    JsonObject tokens = new JsonObject();
    Search.in(registry).name(Metrics.MODEL_TOKENS).counters()
        .forEach(counter -> tokens.put(counter.getId().getTag("kind"), (long) counter.count()));
    JsonObject webhooks = new JsonObject();
    Search.in(registry).name(Metrics.WEBHOOK_DELIVERIES).counters()
        .forEach(counter -> webhooks.put(counter.getId().getTag("outcome"), (long) counter.count()));
    return new JsonObject()
        .put("commands", new JsonObject().put("by_status", byStatus).put("by_type", byType).put("latency_ms", commandLatency))
        .put("events", new JsonObject().put("appended", count(registry, Metrics.EVENTS_APPENDED))
            .put("write_batches", batches == null ? 0 : batches.count())
            .put("batch_size", batches == null ? new JsonObject() : percentiles(batches.takeSnapshot(), 1)))
        .put("streams", new JsonObject().put("open", streams == null ? 0 : (long) streams.value())
            .put("slow_consumer_closes", count(registry, Metrics.SLOW_CONSUMER_CLOSES)))
        .put("engines", new JsonObject().put("time_to_first_token_ms", latency(Search.in(registry).name(Metrics.FIRST_TOKEN).timer()))
            .put("tokens", tokens).put("streamed_deltas", count(registry, Metrics.STREAMED_DELTAS)).put("model_retries", count(registry, Metrics.MODEL_RETRIES)))
        .put("webhook_deliveries", webhooks)
        .put("rate_limit_rejections", count(registry, Metrics.RATE_LIMIT_REJECTIONS))
        .put("http", http);
  }

  /** {@code {count, p50, p95, p99, max}} of a timer, in milliseconds ({@code {count: 0}} when it has not recorded yet). */
  private static JsonObject latency(Timer timer) {
    if (timer == null) {
      return new JsonObject().put("count", 0);
    }
    HistogramSnapshot snapshot = timer.takeSnapshot();
    return percentiles(snapshot, 1e-6).put("count", snapshot.count()).put("max", snapshot.max(TimeUnit.MILLISECONDS));
  }

  /** {@code p50, p95, p99} of a snapshot, its values multiplied by {@code scale} (nanoseconds → ms: 1e-6). */
  private static JsonObject percentiles(HistogramSnapshot snapshot, double scale) {
    JsonObject out = new JsonObject();
    for (ValueAtPercentile value : snapshot.percentileValues()) {
      out.put("p" + Math.round(value.percentile() * 100), value.value() * scale);
    }
    return out;
  }

  private static long count(MeterRegistry registry, String name) {
    return (long) Search.in(registry).name(name).counters().stream().mapToDouble(Counter::count).sum();
  }

  private static void add(JsonObject into, String key, long count) {
    into.put(key, into.getLong(key, 0L) + count);
  }
}
