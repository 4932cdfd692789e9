package dev.agentbus.engine;

/**
 * A model call failed. {@code retryable} failures (HTTP 429 and 5xx, connection failures,
 * stalls) are retried by the loop with backoff, honouring {@code retryAfterMs}, but only while
 * nothing of the turn has been streamed yet. The message must never contain an API key.
 *
 * @param httpStatus the server's status, 0 when there was no HTTP answer
 * @param retryAfterMs the server's {@code Retry-After} in milliseconds, -1 when absent
 */
public final class ModelError extends RuntimeException {
  private final int httpStatus;
  private final boolean retryable;
  private final long retryAfterMs;

  public ModelError(String message, int httpStatus, boolean retryable, long retryAfterMs) {
    super(message, null, false, false);
    this.httpStatus = httpStatus;
    this.retryable = retryable;
    this.retryAfterMs = retryAfterMs;
  }

  public int httpStatus() {
    return httpStatus;
  }

  public boolean retryable() {
    return retryable;
  }

  public long retryAfterMs() {
    return retryAfterMs;
  }
}
