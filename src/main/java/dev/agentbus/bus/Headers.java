package dev.agentbus.bus;

/** Event-bus message headers, set by the HTTP layer and forwarded by every verticle. */
public final class Headers {
  private Headers() {}

  /** The request id of the HTTP request (or WebSocket frame) that started the work. */
  public static final String REQUEST_ID = "x-request-id";
  /** The W3C trace context of the work. */
  public static final String TRACEPARENT = "traceparent";
  /** Who the work acts for: {@code dev.agentbus.auth.Principal#toJson}, encoded. */
  public static final String PRINCIPAL = "x-agentbus-principal";
}
