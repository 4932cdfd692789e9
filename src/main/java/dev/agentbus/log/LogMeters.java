package dev.agentbus.log;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.micrometer.backends.BackendRegistries;

/** {@value #DROPPED} on the Prometheus registry of {@code dev.agentbus.metrics.Metrics} (a no-op when metrics are off). */
final class LogMeters {
  static final String DROPPED = "agentbus_log_records_dropped";

  private LogMeters() {}

  /** Registers the counter at zero, so a scrape shows it before the first drop. */
  static void declare() {
    counter();
  }

  static void dropped() {
    Counter counter = counter();
    if (counter != null) {
      counter.increment();
    }
  }

  private static Counter counter() {
    MeterRegistry registry = BackendRegistries.getDefaultNow();
    return registry == null ? null
        : Counter.builder(DROPPED).description("Log records dropped because the store writer's queue was full").register(registry);
  }
}
