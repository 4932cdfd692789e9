package dev.agentbus.log;

import dev.agentbus.auth.Principal;
import dev.agentbus.bus.Headers;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;
import java.util.regex.Pattern;

/**
 * The ids a log record carries to tie it to the work it was written for. Any of them may be null.
 *
 * @param requestId the {@code X-Request-ID} of the HTTP request (or WebSocket frame) that started the work
 * @param traceId   the trace id of its W3C {@code traceparent}
 * @param sessionId the session the work is for
 * @param commandId the command the work is for
 * @param tenantId  the tenant of the principal the work acts for; null for agentbus's own work and the
 *                  admin's (records without a tenant are shown to the admin only)
 */
public record LogIds(String requestId, String traceId, String sessionId, String commandId, String tenantId) {
  public static final LogIds NONE = new LogIds(null, null, null, null, null);
  private static final Pattern TRACEPARENT = Pattern.compile("[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}");

  /** These ids, each replaced by {@code other}'s where that one is set. */
  public LogIds with(LogIds other) {
    return new LogIds(pick(other.requestId, requestId), pick(other.traceId, traceId), pick(other.sessionId, sessionId),
        pick(other.commandId, commandId), pick(other.tenantId, tenantId));
  }

  /**
   * The ids of a bus message: {@link Headers#REQUEST_ID}, the trace id of {@link Headers#TRACEPARENT},
   * the tenant of {@link Headers#PRINCIPAL}, and {@code session_id} / {@code command_id} of its body
   * (strings at its top level, or in a {@code command} object it carries).
   */
  public static LogIds of(MultiMap headers, JsonObject body) {
    String requestId = headers == null ? null : headers.get(Headers.REQUEST_ID);
    String traceId = headers == null ? null : traceId(headers.get(Headers.TRACEPARENT));
    String principal = headers == null ? null : headers.get(Headers.PRINCIPAL);
    // a command travels whole under "command" (handler deliveries): its ids are the work's
    JsonObject command = body != null && body.getValue("command") instanceof JsonObject nested ? nested : null;
    return new LogIds(requestId, traceId, pick(text(body, "session_id"), text(command, "session_id")),
        pick(text(body, "command_id"), text(command, "command_id")),
        principal == null ? null : TENANTS.of(principal));
  }

  /**
   * The tenants of encoded principals, remembered (every bus message is bound, and a node sees few
   * distinct principals): at most {@value #MAX_REMEMBERED}, forgotten all at once past that.
   */
  private static final class Tenants {
    private static final String NONE = "";
    private final java.util.concurrent.ConcurrentHashMap<String, String> known = new java.util.concurrent.ConcurrentHashMap<>();

    String of(String encoded) {
      String tenant = known.get(encoded);
      if (tenant == null) {
        if (known.size() >= MAX_REMEMBERED) {
          known.clear();
        }
        tenant = decode(encoded);
        known.put(encoded, tenant);
      }
      return tenant.isEmpty() ? null : tenant;
    }

    private static String decode(String encoded) {
      try {
        String tenant = tenantOf(Principal.fromJson(new JsonObject(encoded)));
        return tenant == null ? NONE : tenant;
      } catch (RuntimeException malformed) {
        // a principal header agentbus did not write: the record goes without a tenant (admin only)
        return NONE;
      }
    }
  }

  private static final int MAX_REMEMBERED = 1024;
  private static final Tenants TENANTS = new Tenants();

  /** The trace id of a {@code traceparent} header, or null when there is none or it is malformed. */
  public static String traceId(String traceparent) {
    if (traceparent == null) {
      return null;
    }
    var match = TRACEPARENT.matcher(traceparent);
    return match.matches() ? match.group(1) : null;
  }

  /** The tenant a principal's records belong to: its tenant; none for the admin (and for no principal). */
  public static String tenantOf(Principal principal) {
    return principal == null || "admin".equals(principal.kind()) ? null : principal.tenantId();
  }

  private static String text(JsonObject body, String key) {
    return body != null && body.getValue(key) instanceof String value ? value : null;
  }

  private static String pick(String preferred, String fallback) {
    return preferred != null ? preferred : fallback;
  }
}
