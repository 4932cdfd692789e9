package dev.agentbus.http;

import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.config.Settings;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.net.URI;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * CORS and the Origin check, the router's first handler (a preflight is answered before any
 * authentication). A request's {@code Origin} is allowed when it is one of {@code
 * http.cors.allowed_origins} or the node's own origin (scheme and {@code Host}); without an {@code
 * Origin} (not a browser, or a same-origin GET) nothing changes.
 * <ul>
 *   <li>A preflight ({@code OPTIONS} with {@code Access-Control-Request-Method}) from a listed
 *       origin is 204 with the allowed methods and headers; from any other, 403 without CORS headers.</li>
 *   <li>A listed origin's requests get {@code Access-Control-Allow-Origin} and {@code
 *       Access-Control-Expose-Headers}; others get no CORS header, so a browser hides the response.</li>
 *   <li>A disallowed origin's stream (SSE, WebSocket upgrade) or state-changing request ({@code
 *       POST}, {@code PUT}, {@code PATCH}, {@code DELETE}) is 403 {@code FORBIDDEN} before anything
 *       runs: a browser sends those without asking first (a WebSocket, a "simple" POST), so hiding
 *       the response would not stop the prompt. So is every request of the SockJS bridge ({@code
 *       /eventbus/...}), whose own handler would otherwise answer any origin's {@code /info}.</li>
 * </ul>
 */
final class Cors implements Handler<RoutingContext> {
  static final String EXPOSED = "X-Request-ID, Location, Retry-After, RateLimit, RateLimit-Policy, Idempotent-Replayed";
  static final String ALLOWED_HEADERS =
      "Authorization, Content-Type, Idempotency-Key, X-API-Key, X-Session-Token, X-Request-ID, Last-Event-ID";
  static final String ALLOWED_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS";
  private static final Set<HttpMethod> STATE_CHANGING = Set.of(HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH, HttpMethod.DELETE);

  private final Set<String> allowed;

  Cors(Settings.Cors settings) {
    this.allowed = settings.allowedOrigins().stream().map(Cors::normalize).collect(Collectors.toUnmodifiableSet());
  }

  @Override
  public void handle(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    String origin = request.getHeader("Origin");
    if (origin == null) {
      ctx.next();
      return;
    }
    String normalized = normalize(origin);
    boolean listed = allowed.contains(normalized);
    HttpServerResponse response = ctx.response();
    if (listed) {
      response.putHeader("Access-Control-Allow-Origin", origin).putHeader("Vary", "Origin")
          .putHeader("Access-Control-Expose-Headers", EXPOSED);
    }
    if (request.method() == HttpMethod.OPTIONS && request.getHeader("Access-Control-Request-Method") != null) {
      if (!listed) {
        refuse(ctx, origin);
        return;
      }
      response.putHeader("Access-Control-Allow-Methods", ALLOWED_METHODS)
          .putHeader("Access-Control-Allow-Headers", ALLOWED_HEADERS)
          .putHeader("Access-Control-Max-Age", "600")
          .setStatusCode(204).end();
      return;
    }
    if (!listed && !normalized.equals(ownOrigin(request))
        && (STATE_CHANGING.contains(request.method()) || StreamRequests.test(ctx) || EventBusBridge.serves(request.path()))) {
      refuse(ctx, origin);
      return;
    }
    ctx.next();
  }

  private static void refuse(RoutingContext ctx, String origin) {
    Api.fail(ctx, new BusError(ErrorCode.FORBIDDEN, "Origin " + origin + " is not allowed; add it to http.cors.allowed_origins"
        + " (AGENTBUS_CORS_ORIGINS) to let its pages use this API", new JsonObject().put("field", "Origin")));
  }

  /** The node's own origin as the request names it: {@code scheme://host:port}. */
  private static String ownOrigin(HttpServerRequest request) {
    var authority = request.authority();
    if (authority == null) {
      return "";
    }
    return normalize(request.scheme() + "://" + authority.host() + (authority.port() >= 0 ? ":" + authority.port() : ""));
  }

  /** {@code scheme://host:port} lower-cased, the port explicit; what is not an origin stays as it is (never matches). */
  static String normalize(String origin) {
    try {
      URI uri = new URI(origin.trim());
      String scheme = uri.getScheme();
      String host = uri.getHost();
      if (scheme == null || host == null) {
        return origin;
      }
      scheme = scheme.toLowerCase(Locale.ROOT);
      int port = uri.getPort() != -1 ? uri.getPort() : scheme.equals("https") || scheme.equals("wss") ? 443 : 80;
      return scheme + "://" + host.toLowerCase(Locale.ROOT) + ":" + port;
    } catch (Exception e) {
      return origin;
    }
  }
}
