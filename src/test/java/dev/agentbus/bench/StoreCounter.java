package dev.agentbus.bench;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import java.util.function.Supplier;

/**
 * Store requests counted by a {@link StoreWire} around one workload: adds {@code store_requests}
 * (driver monitoring apart) and {@code store_requests_by_command} ({@code "insert events"}: n, ...)
 * to the workload's result. Does nothing without a counter URL.
 */
record StoreCounter(Vertx vertx, String url) {
  JsonObject around(Supplier<JsonObject> workload) {
    if (url == null) {
      return workload.get();
    }
    JsonObject before = snapshot();
    JsonObject result = workload.get();
    JsonObject after = snapshot();
    JsonObject byCommand = new JsonObject();
    JsonObject was = before.getJsonObject("by_command");
    after.getJsonObject("by_command").forEach(entry -> {
      long delta = ((Number) entry.getValue()).longValue() - was.getLong(entry.getKey(), 0L);
      if (delta > 0 && !StoreWire.MONITORING.contains(entry.getKey().split(" ")[0])) {
        byCommand.put(entry.getKey(), delta);
      }
    });
    return result.put("store_requests", after.getLong("requests") - before.getLong("requests"))
        .put("store_requests_by_command", byCommand);
  }

  /** {@code store_requests} ÷ {@code count}, two decimals. */
  static double per(JsonObject result, long count) {
    return Math.round(100.0 * result.getLong("store_requests", 0L) / Math.max(1, count)) / 100.0;
  }

  private JsonObject snapshot() {
    java.net.URI uri = java.net.URI.create(url);
    return WebClient.create(vertx).get(uri.getPort(), uri.getHost(), uri.getPath()).send().await().bodyAsJsonObject();
  }
}
