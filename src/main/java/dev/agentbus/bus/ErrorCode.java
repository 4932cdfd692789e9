package dev.agentbus.bus;

/**
 * Stable error codes, shared by HTTP error envelopes, SSE {@code error} events, WebSocket
 * {@code error} frames and command {@code error} fields. The HTTP status is part of the contract.
 */
public enum ErrorCode {
  VALIDATION_ERROR(400),
  UNAUTHENTICATED(401),
  FORBIDDEN(403),
  /** No authentication is configured and the client is not on loopback: configure an admin key or JWT. */
  PROTECTED_MODE(403),
  NOT_FOUND(404),
  SESSION_NOT_FOUND(404),
  COMMAND_NOT_FOUND(404),
  EVENT_NOT_FOUND(404),
  ENGINE_NOT_FOUND(404),
  AGENT_NOT_FOUND(404),
  /** A chat thread (a session seen through {@code /chat}) does not exist. */
  THREAD_NOT_FOUND(404),
  MESSAGE_NOT_FOUND(404),
  TOOL_NOT_FOUND(404),
  METHOD_NOT_ALLOWED(405),
  CONFLICT(409),
  IDEMPOTENCY_IN_PROGRESS(409),
  PAYLOAD_TOO_LARGE(413),
  UNSUPPORTED_MEDIA_TYPE(415),
  IDEMPOTENCY_KEY_REUSED(422),
  HANDLER_NOT_FOUND(422),
  UNSUPPORTED(422),
  /** An MCP server could not be reached, or did not speak MCP (Streamable HTTP), when it was needed. */
  MCP_UNAVAILABLE(422),
  /** Command error only: the engine's tool-call loop reached {@code max_iterations} without a final answer. */
  MAX_ITERATIONS_EXCEEDED(422),
  RATE_LIMITED(429),
  INTERNAL_ERROR(500),
  COMMAND_EXECUTION_FAILED(500),
  /** The language model's server failed, refused, stalled or broke off its stream. */
  LLM_ERROR(502),
  /** Command error only: a registered handler refused the command (a 4xx answer, or a malformed one). */
  HANDLER_FAILED(502),
  /** Command error only: nobody served a bus handler's address until the command's deadline. */
  HANDLER_UNAVAILABLE(503),
  SERVICE_UNAVAILABLE(503),
  DATABASE_ERROR(503),
  TIMEOUT(504),
  /** Command error only: the node running the command left the cluster or restarted. */
  NODE_LOST(503),
  /** Command error only: the command was cancelled. */
  CANCELLED(409),
  /** Command error only: an earlier command of a sequential batch with stop_on_error failed. */
  BATCH_ABORTED(409);

  private final int httpStatus;

  ErrorCode(int httpStatus) {
    this.httpStatus = httpStatus;
  }

  public int httpStatus() {
    return httpStatus;
  }
}
