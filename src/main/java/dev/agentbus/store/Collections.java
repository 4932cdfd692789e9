package dev.agentbus.store;

/** MongoDB collection names. Documents use our own string ids as {@code _id}. */
public final class Collections {
  private Collections() {}

  public static final String SESSIONS = "sessions";
  public static final String EVENTS = "events";
  public static final String COMMANDS = "commands";
  public static final String ENGINES = "engines";
  /** Reusable engine configurations (seed 000 agents). */
  public static final String AGENTS = "agents";
  /**
   * The conversation of each session, one document per message: {@code {_id: "msg_...",
   * session_id, command_id, role: user|assistant|tool, type: message|reasoning|tool_call|tool_result,
   * content, parent_id, created_at, duration_ms?, tool_call?: {id, name, arguments}, tool_call_id?,
   * is_error?}}. Ids are time-ordered, so {@code _id} order is conversation order.
   */
  public static final String MESSAGES = "messages";
  /** Seed 003 conversations: {@code {_id: "<company_id>/<conversation_id>", session_id, user_id, company_id, created_at}}. */
  public static final String CONVERSATIONS = "conversations";
  public static final String IDEMPOTENCY_KEYS = "idempotency_keys";
  public static final String SUBSCRIBER_CURSORS = "subscriber_cursors";
}
