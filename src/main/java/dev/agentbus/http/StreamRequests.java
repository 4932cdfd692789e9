package dev.agentbus.http;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.util.regex.Pattern;

/**
 * Which requests open a stream, known before routing (for the Origin check and the stream-connect
 * limit): a WebSocket upgrade, an {@code Accept: text/event-stream} request, or a path of the
 * stream routes ({@code …/events/sse}, {@code …/events/stream}, {@code …/commands/{id}/stream},
 * {@code /stream/{id}}, {@code /ws}, {@code /chat/{id}/stream}, {@code /internal/chat/stream}).
 */
final class StreamRequests {
  private static final Pattern PATHS = Pattern.compile(
      "(/api/v1)?(/sessions/[^/]+/events/(sse|stream)|/sessions/[^/]+/commands/[^/]+/stream|/stream/[^/]+|/ws"
          + "|/chat/[^/]+/stream|/internal/chat/stream)/?");

  private StreamRequests() {}

  static boolean test(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    if (request.canUpgradeToWebSocket()) {
      return true;
    }
    String accept = request.getHeader("Accept");
    if (accept != null && accept.contains("text/event-stream")) {
      return true;
    }
    String path = request.path();
    // Every stream path holds one of these: most requests are told apart without the pattern.
    return (path.contains("/stream") || path.contains("/sse") || path.endsWith("/ws") || path.endsWith("/ws/"))
        && PATHS.matcher(path).matches();
  }
}
