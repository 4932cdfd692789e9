package dev.agentbus.http;

import io.vertx.core.json.JsonObject;

/** The request limits the HTTP layer enforces, read once from the config. */
record Limits(int defaultPage, int maxPage, int maxBulk, int maxBatch, int maxTimeoutSeconds, int maxWaitSeconds,
              long maxOffset) {
  /** The longest prompt, message or system prompt, in characters. */
  static final int MAX_TEXT = 100_000;

  static Limits from(JsonObject config) {
    JsonObject pages = config.getJsonObject("pagination", new JsonObject());
    JsonObject commands = config.getJsonObject("commands", new JsonObject());
    return new Limits(
        pages.getInteger("default_limit", 50),
        pages.getInteger("max_limit", 500),
        config.getJsonObject("sessions", new JsonObject()).getInteger("max_bulk", 100),
        commands.getInteger("max_batch", 100),
        commands.getInteger("max_timeout_s", 3600),
        commands.getInteger("max_wait_s", 60),
        100_000);
  }
}
