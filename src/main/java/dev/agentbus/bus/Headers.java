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
  /**
   * On a message the SockJS bridge lets through only so that it fails on the usual reply path: the
   * {@link BusError#toWire} of why it was refused (validation, scope, rate limit). Set by the bridge
   * alone (it replaces every header a client sent); the consumer fails the message with it.
   */
  public static final String REFUSED = "x-agentbus-refused";
}
