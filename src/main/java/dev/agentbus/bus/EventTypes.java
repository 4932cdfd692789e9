package dev.agentbus.bus;

import java.util.Set;

/**
 * Every event type agentbus itself appends to a session, defined once. Clients publish their own
 * types, which may not start with one of {@link #RESERVED_PREFIXES} (in any letter case).
 */
public final class EventTypes {
  private EventTypes() {}

  /** Prefixes only agentbus itself may append under. */
  public static final Set<String> RESERVED_PREFIXES = Set.of("session.", "command.", "engine.", "tool.", "handler.", "message.");

  // ---- sessions: data = the session ({@code session.deleted}: {@code {session_id}}) ----
  public static final String SESSION_CREATED = "session.created";
  public static final String SESSION_UPDATED = "session.updated";
  /** The last event of a session: every stream of the session ends after it. */
  public static final String SESSION_DELETED = "session.deleted";

  // ---- commands: data = {command_id, command_type, status, result?, error?} ----
  public static final String COMMAND_PREFIX = "command.";
  public static final String COMMAND_ACCEPTED = "command.accepted";
  public static final String COMMAND_STARTED = "command.started";

  /** The event of a command's transition to {@code status} ({@code command.completed}, ...). */
  public static String command(String status) {
    return COMMAND_PREFIX + status;
  }

  // ---- registered handlers: data = {handler_id, command_type | event_type, handler (no secret), scope} ----
  public static final String HANDLER_REGISTERED = "handler.registered";
  public static final String HANDLER_UNREGISTERED = "handler.unregistered";
  /**
   * An event handler's delivery was dead-lettered after {@code handlers.max_attempts}: data =
   * {@code {dead_letter_id, handler_id, scope, event_type (the handler's), event: {event_id, seq,
   * event_type}, attempts, last_error}}. A failed delivery of this event itself is never
   * dead-lettered nor announced (no loops).
   */
  public static final String HANDLER_FAILED = "handler.failed";

  // ---- tools: a direct execute (endpoint or tool.call) and session-scope registrations ----
  /** {@code {tool_call_id, name, scope, kind, arguments, command_id?}} */
  public static final String TOOL_STARTED = "tool.started";
  /** {@code {tool_call_id, name, result, is_error: false, duration_ms}} */
  public static final String TOOL_COMPLETED = "tool.completed";
  /** {@code {tool_call_id, name, result (the error message), is_error: true, duration_ms}} */
  public static final String TOOL_FAILED = "tool.failed";
  /** {@code {name, description, implementation (no secret), scope, session_id, created_at}} (no schema: GET the tool) */
  public static final String TOOL_REGISTERED = "tool.registered";
  public static final String TOOL_UNREGISTERED = "tool.unregistered";

  // ---- messages a client adds, edits or deletes (POST|PATCH|DELETE /sessions/{id}/messages…) ----
  /** {@code {message_id, role, type, parent_id}} (the content is read with GET) */
  public static final String MESSAGE_CREATED = "message.created";
  /** {@code {message_id, fields: [the fields changed]}} */
  public static final String MESSAGE_UPDATED = "message.updated";
  /** {@code {message_id, parent_id, reparented: n}}: its children now have its parent */
  public static final String MESSAGE_DELETED = "message.deleted";

  // ---- engine runs (see README "Engines: the tool-call loop" for each data shape) ----
  public static final String ENGINE_REASONING = "engine.reasoning";
  public static final String ENGINE_TOKEN = "engine.token";
  public static final String ENGINE_TOOL_CALL = "engine.tool_call";
  public static final String ENGINE_TOOL_RESULT = "engine.tool_result";
  public static final String ENGINE_RETRY = "engine.retry";
  public static final String ENGINE_USAGE = "engine.usage";
  public static final String ENGINE_MESSAGE = "engine.message";
  public static final String ENGINE_ERROR = "engine.error";
}
