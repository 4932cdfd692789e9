package dev.agentbus.auth;

import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The scope each route needs — the one table README's "Scopes" section shows. Paths are matched
 * below {@code /api/v1}, and as they are for the few routes served at the root ({@link #ROOT}:
 * {@code /internal/...}, {@code /health...}, {@code /metrics}, {@code /openapi.json}, {@code /docs...}, {@code /eventbus...}, the console's {@code /} and {@code /console/...});
 * the first matching row wins; a path
 * no row names needs authentication but no scope (the router then answers 404 or 405).
 */
public final class RouteScopes {
  /** How a route is guarded. */
  public enum Access {
    /** No credentials needed (liveness and readiness probes). */
    OPEN,
    /** A handler's callback: authenticated by its own callback token, which the handler verticle verifies. */
    CALLBACK,
    /** A valid principal holding {@link Rule#scope} (null: any valid principal). */
    SCOPED,
    /**
     * The SockJS event-bus bridge ({@code /eventbus/...}): any valid principal, a session token of
     * any session included; the bridge checks each message's scope and session itself.
     */
    BRIDGE
  }

  /**
   * @param scope     the scope needed (for {@link Access#SCOPED}; null: none beyond authentication)
   * @param stream    an SSE or WebSocket route: {@code ?access_token=} is accepted here, and only here
   * @param sessionId the session the path names ({@code :session_id} or {@code :thread_id}), else null —
   *                  a session token is valid only where this is its session
   */
  public record Rule(Access access, String scope, boolean stream, String sessionId) {}

  /** {@code prefix}: the path's literal start, so most rows are passed over without running their pattern. */
  private record Row(Set<String> methods, Pattern path, String prefix, boolean namesSession, Access access, String scope,
                     boolean stream) {}

  private static final Set<String> ANY = Set.of();
  private static final Set<String> GET = Set.of("GET");
  private static final Set<String> POST = Set.of("POST");
  private static final Set<String> WRITE = Set.of("POST", "PATCH", "PUT", "DELETE");
  private static final String S = "(?<session>[^/]+)";

  private static final List<Row> ROWS = List.of(
      row(GET, "/health(/live|/ready)?", Access.OPEN, null, false),
      // the API's description and its UI (at the root; /api/v1/openapi.json too)
      row(GET, "/openapi\\.json", Access.OPEN, null, false),
      row(GET, "/docs(/.*)?", Access.OPEN, null, false),
      row(GET, "/status", Access.SCOPED, "metrics:read", false),
      row(ANY, "/config", Access.SCOPED, "admin", false),
      row(POST, "/shutdown", Access.SCOPED, "admin", false),
      row(GET, "/(metrics|observability/metrics)", Access.SCOPED, "metrics:read", false),
      // structured logs: read like metrics; adding a record is writing telemetry, like publishing an event
      row(GET, "/observability/logs", Access.SCOPED, "metrics:read", false),
      row(POST, "/observability/logs", Access.SCOPED, "events:write", false),
      // a tenant's key reads only traces of its own requests (the trace verticle checks)
      row(GET, "/observability/traces/[^/]+", Access.SCOPED, "metrics:read", false),
      row(ANY, "/keys(/.*)?", Access.SCOPED, "admin", false),
      // a tenant's own registries (tenant-wide scope): another tenant never sees them
      row(GET, "/(mcp-servers|tools|handlers)(/.*)?", Access.SCOPED, "sessions:read", false),
      row(WRITE, "/(mcp-servers|tools)(/.*)?", Access.SCOPED, "tools:write", false),
      row(WRITE, "/handlers(/.*)?", Access.SCOPED, "handlers:write", false),
      row(POST, "/sessions(/bulk-create|/bulk-delete)?", Access.SCOPED, "sessions:write", false),
      row(GET, "/sessions", Access.SCOPED, "sessions:read", false),
      row(POST, "/sessions/" + S + "/tokens", Access.SCOPED, "sessions:write", false),
      row(GET, "/sessions/" + S + "/events/(sse|stream)", Access.SCOPED, "events:read", true),
      row(GET, "/sessions/" + S + "/commands/[^/]+/stream", Access.SCOPED, "events:read", true),
      row(POST, "/sessions/" + S + "/commands/[^/]+/result", Access.CALLBACK, null, false),
      row(POST, "/sessions/" + S + "/commands(/batch|/[^/]+/cancel)?", Access.SCOPED, "commands:write", false),
      row(WRITE, "/sessions/" + S + "/events(/.*)?", Access.SCOPED, "events:write", false),
      row(GET, "/sessions/" + S + "/events(/.*)?", Access.SCOPED, "events:read", false),
      row(WRITE, "/sessions/" + S + "/handlers(/.*)?", Access.SCOPED, "handlers:write", false),
      row(POST, "/sessions/" + S + "/tools/[^/]+/execute", Access.SCOPED, "commands:write", false),
      row(WRITE, "/sessions/" + S + "/tools(/.*)?", Access.SCOPED, "tools:write", false),
      row(WRITE, "/sessions/" + S + "/messages(/[^/]+)?", Access.SCOPED, "sessions:write", false),
      row(WRITE, "/sessions/" + S, Access.SCOPED, "sessions:write", false),
      row(GET, "/sessions/" + S + "(/.*)?", Access.SCOPED, "sessions:read", false),
      row(POST, "/engines/[^/]+/execute", Access.SCOPED, "commands:write", true),
      row(WRITE, "/(engines|agents)(/.*)?", Access.SCOPED, "engines:write", false),
      row(GET, "/(engines|agents)(/.*)?", Access.SCOPED, "sessions:read", false),
      row(POST, "/chat", Access.SCOPED, "sessions:write", false),
      row(POST, "/chat/" + S + "/stream", Access.SCOPED, "commands:write", true),
      row(GET, "/chat/" + S, Access.SCOPED, "sessions:read", false),
      row(POST, "/infer", Access.SCOPED, "commands:write", false),
      row(GET, "/(status|result)/[^/]+", Access.SCOPED, "sessions:read", false),
      row(GET, "/stream/[^/]+", Access.SCOPED, "events:read", true),
      row(GET, "/ws", Access.SCOPED, "commands:write", true),
      row(POST, "/internal/chat/stream", Access.SCOPED, "commands:write", true),
      // the SockJS bridge (at the root): ?access_token= (a browser's SockJS cannot set headers); per-message scopes
      row(GET, "/eventbus(/.*)?", Access.BRIDGE, null, true),
      // the web console's page and files (at the root; last, as its prefix is every path's)
      row(GET, "/(console(/.*)?)?", Access.OPEN, null, false));

  /** Root paths (outside {@code /api/v1}) whose rows apply as they are; every other root path needs authentication only. */
  private static final Pattern ROOT = Pattern.compile("/internal/.*|/health(/.*)?|/metrics|/openapi\\.json|/docs(/.*)?|/eventbus(/.*)?|/|/console(/.*)?");

  private RouteScopes() {}

  private static Row row(Set<String> methods, String path, Access access, String scope, boolean stream) {
    int literal = 1;
    while (literal < path.length() && "()[]?*+|.\\".indexOf(path.charAt(literal)) < 0) {
      literal++;
    }
    return new Row(methods, Pattern.compile(path), path.substring(0, literal), path.contains("(?<session>"), access, scope, stream);
  }

  /** The rule of a request: {@code path} is the full request path ({@code /api/v1/...}). */
  public static Rule of(String method, String path) {
    String relative = path.startsWith("/api/v1/") ? path.substring("/api/v1".length())
        : ROOT.matcher(path).matches() ? path : null;
    if (relative != null) {
      if (relative.length() > 1 && relative.endsWith("/")) {
        relative = relative.substring(0, relative.length() - 1);
      }
      for (Row row : ROWS) {
        if (!relative.startsWith(row.prefix()) || (!row.methods().isEmpty() && !row.methods().contains(method))) {
          continue;
        }
        Matcher match = row.path().matcher(relative);
        if (match.matches()) {
          String session = row.namesSession() ? match.group("session") : null;
          return new Rule(row.access(), row.scope(), row.stream(), session);
        }
      }
    }
    return new Rule(Access.SCOPED, null, false, null);
  }
}
