package dev.agentbus.session;

import dev.agentbus.auth.Tenancy;
import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.Bus;
import dev.agentbus.bus.BusError;
import dev.agentbus.bus.Headers;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/**
 * How other verticles check a session: a local {@link Addresses#SESSION_GET} request to this
 * node's {@link SessionVerticle}, which holds the node's one {@link SessionDirectory} (cache).
 * No other package reads the {@code sessions} collection.
 */
public final class Sessions {
  private Sessions() {}

  /**
   * The session (its public shape, {@code metadata} and {@code tenant_id} included), if the caller
   * of {@code headers} may see it ({@link Tenancy}), else a {@link BusError} {@code
   * SESSION_NOT_FOUND} — also for an expired session, and for another tenant's.
   * Every owner checks a session named by a request this way, with the request's headers.
   */
  public static Future<JsonObject> require(Vertx vertx, String sessionId, MultiMap headers) {
    String requestId = headers == null ? null : headers.get(Headers.REQUEST_ID);
    return Bus.request(vertx, Addresses.SESSION_GET, new JsonObject().put("session_id", sessionId),
            Tenancy.onBehalf(headers, Bus.withRequestId(null)))
        .recover(failure -> Future.failedFuture(BusError.from(failure, Addresses.SESSION_GET, requestId)));
  }

  /** {@link #require} for agentbus's own work (no caller to check: every tenant's session). */
  public static Future<JsonObject> require(Vertx vertx, String sessionId, String requestId) {
    return Bus.request(vertx, Addresses.SESSION_GET, new JsonObject().put("session_id", sessionId), Bus.withRequestId(requestId))
        .recover(failure -> Future.failedFuture(BusError.from(failure, Addresses.SESSION_GET, requestId)));
  }
}
