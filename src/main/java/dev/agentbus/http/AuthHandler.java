package dev.agentbus.http;

import dev.agentbus.auth.Authenticator;
import dev.agentbus.auth.Principal;
import dev.agentbus.auth.RouteScopes;
import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.trace.Traces;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Authentication and authorisation of every request, mounted before the routes (so a WebSocket is
 * refused before its upgrade): finds the credential ({@code Authorization: Bearer}, {@code X-API-Key},
 * {@code X-Session-Token}, or {@code ?access_token=} on stream routes only), has the {@link
 * Authenticator} turn it into a {@link Principal}, checks the scope of {@link RouteScopes} and a
 * session token's one session, and puts the principal under {@link Principal#CONTEXT_KEY}. With no
 * authentication configured (protected mode) a loopback client acts as {@link Principal#local} and
 * any other is 403 {@code PROTECTED_MODE}. No credential ever reaches a log line or an error.
 */
final class AuthHandler implements Handler<RoutingContext> {
  static final String REALM = "Bearer realm=\"agentbus\"";
  /** Query parameters that look like credentials: refused outside stream routes, whatever their value. */
  private static final List<String> QUERY_CREDENTIALS = List.of("access_token", "api_key", "apikey", "token", "key");
  private static final Pattern EVENTS_PUBLISH = Pattern.compile("/api/v1/sessions/[^/]+/events/?");

  private final Authenticator authenticator;

  private final dev.agentbus.limit.RateLimiter limiter;

  /** {@code limiter} charges refused attempts to the client IP's anonymous bucket (a guesser meets 429). */
  AuthHandler(Authenticator authenticator, dev.agentbus.limit.RateLimiter limiter) {
    this.authenticator = authenticator;
    this.limiter = limiter;
  }

  @Override
  public void handle(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    RouteScopes.Rule rule = RouteScopes.of(request.method().name(), request.path());
    String ip = request.remoteAddress() == null ? "unknown" : request.remoteAddress().hostAddress();
    if (rule.access() == RouteScopes.Access.OPEN) {
      ctx.put(Principal.CONTEXT_KEY, Principal.anonymous(ip));
      ctx.next();
      return;
    }
    for (String name : QUERY_CREDENTIALS) {
      if (request.params().contains(name) && !(rule.stream() && name.equals("access_token"))) {
        unauthenticated(ctx, "Credentials are not accepted in the query string here ('" + name + "'); send "
            + "Authorization: Bearer, X-API-Key or X-Session-Token (?access_token= is for SSE and WebSocket routes only)", false);
        return;
      }
    }
    if (!authenticator.configured()) {
      if (!Authenticator.isLoopback(ip)) {
        Api.fail(ctx, new BusError(ErrorCode.PROTECTED_MODE, "No authentication is configured, so this node serves "
            + "loopback clients only. Set AGENTBUS_ADMIN_KEY (or auth.admin_key), or AGENTBUS_JWT_SECRET / "
            + "AGENTBUS_JWT_PUBLIC_KEY, to accept other clients", new JsonObject().put("field", "remote_address")));
        return;
      }
      ctx.put(Principal.CONTEXT_KEY, Principal.local(ip));
      ctx.next();
      return;
    }
    if (rule.access() == RouteScopes.Access.CALLBACK || isProgressCallback(ctx)) {
      // The handler verticle verifies the callback token of Authorization: Bearer.
      ctx.put(Principal.CONTEXT_KEY, Principal.callback(ip, rule.sessionId()));
      ctx.next();
      return;
    }
    String credential = credential(request, rule);
    if (credential == null) {
      unauthenticated(ctx, "Authentication is required: Authorization: Bearer <API key or JWT>, X-API-Key or X-Session-Token", false);
      return;
    }
    Future<Principal> authenticated = authenticator.authenticate(credential, Api.requestId(ctx));
    // A WebSocket upgrade stays paused, unread, until its route upgrades it (after its own
    // asynchronous checks); any other request is held only while its credential is looked up (a
    // cached key, the admin key or a JWT is known at once).
    boolean upgrade = "websocket".equalsIgnoreCase(request.getHeader("Upgrade"));
    boolean held = upgrade || !authenticated.isComplete();
    if (held) {
      request.pause();
    }
    authenticated.onComplete(done -> {
      if (held && !upgrade) {
        request.resume();
      }
      if (done.failed()) {
        BusError error = BusError.from(done.cause(), request.path(), Api.requestId(ctx));
        if (error.code() == ErrorCode.UNAUTHENTICATED) {
          unauthenticated(ctx, "The credential is malformed, unknown, revoked or expired", true);
        } else {
          // The store could not be asked (503 DATABASE_ERROR, TIMEOUT): not the client's fault, and not a 401.
          Api.fail(ctx, error);
        }
        return;
      }
      Principal principal = done.result();
      if (principal.sessionId() != null && rule.access() != RouteScopes.Access.BRIDGE
          && !principal.sessionId().equals(rule.sessionId())) {
        forbidden(ctx, rule.scope(), "This session token grants session " + principal.sessionId() + " only");
      } else if (rule.scope() != null && !principal.has(rule.scope())) {
        forbidden(ctx, rule.scope(), "This credential lacks the scope " + rule.scope() + " that this route needs");
      } else {
        ctx.put(Principal.CONTEXT_KEY, principal);
        Traces.tagTenant(principal.tenantId());
        ctx.next();
      }
    });
  }

  /** The one credential of a request, or null; a malformed Authorization header counts as one (and fails). */
  private static String credential(HttpServerRequest request, RouteScopes.Rule rule) {
    String authorization = request.getHeader("Authorization");
    if (authorization != null) {
      return authorization.regionMatches(true, 0, "Bearer ", 0, 7) ? authorization.substring(7).trim() : "\u0000malformed";
    }
    for (String header : List.of("X-API-Key", "X-Session-Token")) {
      String value = request.getHeader(header);
      if (value != null) {
        return value.trim();
      }
    }
    String query = rule.stream() ? request.getParam("access_token") : null;
    return query == null ? null : query.trim();
  }

  /** {@code POST /sessions/{id}/events} naming {@code command_id}: a 202 handler's progress, authenticated by its callback token. */
  private static boolean isProgressCallback(RoutingContext ctx) {
    if (!ctx.request().method().name().equals("POST") || !EVENTS_PUBLISH.matcher(ctx.request().path()).matches()) {
      return false;
    }
    try {
      JsonObject body = ctx.body() == null ? null : ctx.body().asJsonObject();
      return body != null && body.getValue("command_id") != null;
    } catch (RuntimeException notJson) {
      return false;
    }
  }

  /**
   * 401, after charging the attempt to the client IP's anonymous bucket: once that is spent, the
   * answer is 429 {@code RATE_LIMITED} with {@code Retry-After}, whatever the credential.
   */
  private void unauthenticated(RoutingContext ctx, String message, boolean invalidToken) {
    HttpServerRequest request = ctx.request();
    ctx.put(Principal.CONTEXT_KEY, Principal.anonymous(request.remoteAddress() == null ? "unknown" : request.remoteAddress().hostAddress()));
    limiter.charge(ctx, request.method().name(), request.path()).onComplete(charged -> {
      if (charged.failed() && charged.cause() instanceof BusError limited && limited.code() == ErrorCode.RATE_LIMITED) {
        ctx.response().putHeader("Retry-After", String.valueOf(limited.details().getValue("retry_after_s")));
        Api.fail(ctx, limited);
        return;
      }
      ctx.response().putHeader("WWW-Authenticate", invalidToken ? REALM + ", error=\"invalid_token\"" : REALM);
      Api.fail(ctx, new BusError(ErrorCode.UNAUTHENTICATED, message, new JsonObject().put("field", "Authorization")));
    });
  }

  private static void forbidden(RoutingContext ctx, String scope, String message) {
    String challenge = REALM + ", error=\"insufficient_scope\"" + (scope == null ? "" : ", scope=\"" + scope + "\"");
    ctx.response().putHeader("WWW-Authenticate", challenge);
    Api.fail(ctx, new BusError(ErrorCode.FORBIDDEN, message, new JsonObject().put("required_scope", scope)));
  }
}
