package dev.agentbus.bridge;

import dev.agentbus.bus.Addresses;
import io.vertx.ext.bridge.PermittedOptions;
import io.vertx.ext.web.handler.sockjs.SockJSBridgeOptions;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which addresses the SockJS bridge carries, the one place that says so. Outbound (to the client):
 * only a session's event address {@code agentbus.session.<session_id>.events} ({@link
 * Addresses#sessionEvents}), and only after the bridge checked that the caller may read that
 * session. Inbound (from the client, as requests): only {@link Addresses#BRIDGE_COMMAND} and
 * {@link Addresses#BRIDGE_PUBLISH}. Everything else is refused, a bus publish from the client included.
 */
public final class BridgeGate {
  /** What a session id in an event address may look like (ids are letters, digits, {@code _} and {@code -}). */
  private static final String SESSION_ID = "[A-Za-z0-9_-]{1,128}";
  private static final Pattern EVENTS = Pattern.compile(Pattern.quote(Addresses.SESSION_EVENTS_PREFIX) + "(" + SESSION_ID + ")"
      + Pattern.quote(Addresses.SESSION_EVENTS_SUFFIX));
  /** The addresses a client may send requests to. */
  public static final Set<String> INBOUND = Set.of(Addresses.BRIDGE_COMMAND, Addresses.BRIDGE_PUBLISH);
  /** The longest address a client may name (an event address with the longest session id fits). */
  public static final int MAX_ADDRESS_LENGTH = 200;

  private BridgeGate() {}

  /** The session whose events {@code address} carries, or null when it is not a session's event address. */
  public static String sessionOf(String address) {
    if (address == null || address.length() > MAX_ADDRESS_LENGTH) {
      return null;
    }
    Matcher match = EVENTS.matcher(address);
    return match.matches() ? match.group(1) : null;
  }

  /** Whether a client may send requests to {@code address}. */
  public static boolean isInbound(String address) {
    return address != null && INBOUND.contains(address);
  }

  /**
   * The bridge's options: the permitted addresses above (Vert.x checks them again after the bridge's
   * own event handler), at most {@code maxHandlers} registrations and unanswered requests per socket,
   * a client silent (no ping) for {@code pingTimeoutMs} is closed, a request unanswered after {@code
   * replyTimeoutMs} fails {@code TIMEOUT}.
   */
  public static SockJSBridgeOptions options(int maxHandlers, long pingTimeoutMs, long replyTimeoutMs) {
    SockJSBridgeOptions options = new SockJSBridgeOptions()
        .setMaxAddressLength(MAX_ADDRESS_LENGTH)
        .setMaxHandlersPerSocket(maxHandlers)
        .setPingTimeout(pingTimeoutMs)
        .setReplyTimeout(replyTimeoutMs)
        .addOutboundPermitted(new PermittedOptions().setAddressRegex(EVENTS.pattern()));
    INBOUND.forEach(address -> options.addInboundPermitted(new PermittedOptions().setAddress(address)));
    return options;
  }
}
