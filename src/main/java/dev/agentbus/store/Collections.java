package dev.agentbus.store;

/** MongoDB collection names. Documents use our own string ids as {@code _id}. */
public final class Collections {
  private Collections() {}

  public static final String SESSIONS = "sessions";
  public static final String EVENTS = "events";
  public static final String COMMANDS = "commands";
  public static final String ENGINES = "engines";
  public static final String IDEMPOTENCY_KEYS = "idempotency_keys";
  public static final String SUBSCRIBER_CURSORS = "subscriber_cursors";
}
