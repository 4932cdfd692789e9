package dev.agentbus.metrics;

import dev.agentbus.bus.CommandTypes;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import io.vertx.micrometer.backends.BackendRegistries;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.EnumSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The application's meters, beside the ones Vert.x records itself (HTTP server and client, event
 * bus, pools, JVM), all on the one Prometheus registry of vertx-micrometer-metrics. Every method is
 * a no-op when metrics are off ({@code metrics.enabled: false}: no registry), so callers never check.
 *
 * <p>Every label has a small, fixed set of values: nothing is labelled per session, command, key
 * or tenant. User-chosen command types are counted as {@code other} (see {@link #commandTypeLabel}).
 */
public final class Metrics {
  public static final String COMMANDS = "agentbus_commands";
  public static final String COMMAND_DURATION = "agentbus_command_duration";
  public static final String EVENTS_APPENDED = "agentbus_events_appended";
  public static final String EVENT_BATCH_SIZE = "agentbus_event_write_batch_size";
  public static final String STREAMS_OPEN = "agentbus_streams_open";
  public static final String SLOW_CONSUMER_CLOSES = "agentbus_stream_slow_consumer_closes";
  public static final String FIRST_TOKEN = "agentbus_engine_time_to_first_token";
  public static final String MODEL_TOKENS = "agentbus_engine_tokens";
  public static final String STREAMED_DELTAS = "agentbus_engine_streamed_deltas";
  public static final String MODEL_RETRIES = "agentbus_engine_model_retries";
  public static final String WEBHOOK_DELIVERIES = "agentbus_webhook_deliveries";
  public static final String RATE_LIMIT_REJECTIONS = "agentbus_rate_limit_rejections";

  /** The command-type label of every type that is not built in. */
  public static final String OTHER_TYPE = "other";
  private static final double[] PERCENTILES = {0.5, 0.95, 0.99};
  /** The unlabelled counters and their help text (the first registration's description is the one exposed). */
  private static final java.util.Map<String, String> COUNTERS = java.util.Map.of(
      EVENTS_APPENDED, "Events stored in the session logs",
      SLOW_CONSUMER_CLOSES, "Streams closed because the reader could not keep up",
      STREAMED_DELTAS, "Answer text deltas the models streamed",
      MODEL_RETRIES, "Model calls retried after a retryable failure",
      RATE_LIMIT_REJECTIONS, "Requests, stream connects and frames refused with 429");
  private static final String WEBHOOK_DESCRIPTION = "Webhook attempts (handlers, event handlers, HTTP tools) by outcome";

  private Metrics() {}

  /**
   * {@code options} with Micrometer metrics on a Prometheus registry when {@code enabled} ({@code
   * metrics.enabled}). Vert.x's own labels are limited to method, status code, pool and event-bus
   * side: never the HTTP path or the bus address, which name sessions.
   */
  public static VertxOptions enable(VertxOptions options, boolean enabled) {
    if (!enabled) {
      return options;
    }
    return options.setMetricsOptions(new MicrometerMetricsOptions()
        .setEnabled(true)
        .setJvmMetricsEnabled(true)
        .setLabels(EnumSet.of(Label.HTTP_METHOD, Label.HTTP_CODE, Label.POOL_TYPE, Label.POOL_NAME, Label.EB_SIDE))
        .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true)));
  }

  /** The registry, or null when metrics are off. */
  static MeterRegistry registry() {
    return BackendRegistries.getDefaultNow();
  }

  /**
   * Registers the unlabelled counters at zero, so a scrape shows them before they first count
   * (a query over {@code rate()} then sees the first increment).
   */
  public static void declare() {
    MeterRegistry registry = registry();
    if (registry == null) {
      return;
    }
    COUNTERS.forEach((name, description) -> Counter.builder(name).description(description).register(registry));
    for (String outcome : new String[] {"2xx", "4xx", "5xx", "failed"}) {
      Counter.builder(WEBHOOK_DELIVERIES).description(WEBHOOK_DESCRIPTION).tag("outcome", outcome).register(registry);
    }
  }

  /** The Prometheus text exposition of every meter, or null when metrics are off. */
  public static String scrape() {
    return registry() instanceof PrometheusMeterRegistry prometheus ? prometheus.scrape() : null;
  }

  /** Built-in command types by name; every user-chosen one as {@value #OTHER_TYPE}. */
  static String commandTypeLabel(String commandType) {
    return commandType != null && CommandTypes.BUILT_IN.contains(commandType) ? commandType : OTHER_TYPE;
  }

  /** A command reached its final status ({@code command}: its stored document; null: nothing changed). */
  public static void commandFinished(JsonObject command) {
    MeterRegistry registry = registry();
    if (registry == null || command == null) {
      return;
    }
    String type = commandTypeLabel(command.getString("command_type"));
    String status = String.valueOf(command.getString("status"));
    Counter.builder(COMMANDS).description("Commands that reached a final status")
        .tag("command_type", type).tag("status", status).register(registry).increment();
    Duration took = between(command.getString("created_at"), command.getString("completed_at"));
    if (took != null) {
      Timer.builder(COMMAND_DURATION).description("From a command's creation to its final status")
          .tag("command_type", type).publishPercentiles(PERCENTILES)
          .register(registry).record(took);
    }
  }

  /** {@code count} events were stored (and announced) by one group-commit write. */
  public static void eventsAppended(int count) {
    MeterRegistry registry = registry();
    if (registry != null) {
      Counter.builder(EVENTS_APPENDED).description(COUNTERS.get(EVENTS_APPENDED)).register(registry).increment(count);
    }
  }

  /** One group-commit write of {@code size} events to the store. */
  public static void eventBatchWritten(int size) {
    MeterRegistry registry = registry();
    if (registry != null) {
      DistributionSummary.builder(EVENT_BATCH_SIZE).description("Events per group-commit write to the store")
          .publishPercentiles(PERCENTILES).register(registry).record(size);
    }
  }

  /** Reports {@code open} (the node's count of open SSE and WebSocket streams) as a gauge. */
  public static void openStreams(AtomicInteger open) {
    MeterRegistry registry = registry();
    if (registry != null) {
      Gauge.builder(STREAMS_OPEN, open, AtomicInteger::get).description("SSE and WebSocket streams open on this node")
          .strongReference(true).register(registry);
    }
  }

  /** A stream was closed because its reader fell too far behind. */
  public static void slowConsumerClosed() {
    count(SLOW_CONSUMER_CLOSES);
  }

  /** A run's first streamed token came {@code millis} after the run started. */
  public static void firstToken(long millis) {
    MeterRegistry registry = registry();
    if (registry != null) {
      Timer.builder(FIRST_TOKEN).description("From the start of an engine run to its first streamed token")
          .publishPercentiles(PERCENTILES).register(registry).record(millis, TimeUnit.MILLISECONDS);
    }
  }

  /** The model streamed one piece of answer text (a delta: one or a few tokens). */
  public static void tokenStreamed() {
    count(STREAMED_DELTAS);
  }

  /** A model turn's reported usage ({@code prompt_tokens}, {@code completion_tokens}; null: none reported). */
  public static void modelUsage(JsonObject usage) {
    MeterRegistry registry = registry();
    if (registry == null || usage == null) {
      return;
    }
    for (String kind : new String[] {"prompt", "completion"}) {
      Long tokens = usage.getLong(kind + "_tokens");
      if (tokens != null && tokens > 0) {
        Counter.builder(MODEL_TOKENS).description("Tokens the models reported, by kind")
            .tag("kind", kind).register(registry).increment(tokens);
      }
    }
  }

  /** A model call failed retryably and is tried again. */
  public static void modelRetried() {
    count(MODEL_RETRIES);
  }

  /** A webhook attempt ended: {@code status} of the answer, or -1 when there was none (refused, timeout, connection). */
  public static void webhookDelivery(int status) {
    MeterRegistry registry = registry();
    if (registry != null) {
      String outcome = status < 100 || status > 599 ? "failed" : (status / 100) + "xx";
      Counter.builder(WEBHOOK_DELIVERIES).description(WEBHOOK_DESCRIPTION)
          .tag("outcome", outcome).register(registry).increment();
    }
  }

  /** A request, stream connect or frame was refused with 429 {@code RATE_LIMITED}. */
  public static void rateLimited() {
    count(RATE_LIMIT_REJECTIONS);
  }

  private static void count(String name) {
    MeterRegistry registry = registry();
    if (registry != null) {
      Counter.builder(name).description(COUNTERS.get(name)).register(registry).increment();
    }
  }

  private static Duration between(String from, String to) {
    if (from == null || to == null) {
      return null;
    }
    try {
      Duration took = Duration.between(Instant.parse(from), Instant.parse(to));
      return took.isNegative() ? Duration.ZERO : took;
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
