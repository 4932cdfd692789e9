package dev.agentbus.http;

import dev.agentbus.config.Settings;

/** The request limits the HTTP layer enforces, read once from the config. */
record Limits(int defaultPage, int maxPage, int maxBulk, int maxBatch, int maxTimeoutSeconds, int maxWaitSeconds,
              long maxOffset) {
  /** The longest prompt, message or system prompt, in characters. */
  static final int MAX_TEXT = 100_000;

  static Limits from(Settings settings) {
    return new Limits(settings.pages().defaultLimit(), settings.pages().maxLimit(), settings.sessions().maxBulk(),
        settings.commands().maxBatch(), settings.commands().maxTimeoutSeconds(), settings.commands().maxWaitSeconds(),
        100_000);
  }
}
