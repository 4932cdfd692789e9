package dev.agentbus.event;

import dev.agentbus.auth.Tenancy;
import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.session.Sessions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The tenant of each session an owner of per-session data stamps on what it stores (events,
 * messages): remembered per session, so only a session's first touch asks the session directory
 * (agentbus's own lookup, {@link Sessions#require(Vertx, String, String)}), never every write. A
 * session's tenant never changes, so an entry goes only when the cache is full (least recently used
 * first) or the session is deleted. One instance per verticle, used on its event loop.
 */
public final class SessionTenants {
  private final Vertx vertx;
  private final Map<String, String> tenants;

  public SessionTenants(Vertx vertx, int maxSessions) {
    this.vertx = vertx;
    this.tenants = new LinkedHashMap<>(256, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
        return size() > maxSessions;
      }
    };
  }

  /**
   * The session's tenant; null when the session is gone (deleted while its last writes were on
   * their way: they are stored without one, read as {@code default}, and purged with it).
   */
  public Future<String> of(String sessionId) {
    String known = tenants.get(sessionId);
    if (known != null) {
      return Future.succeededFuture(known);
    }
    return Sessions.require(vertx, sessionId, (String) null)
        .map(session -> {
          String tenant = session.getString(Tenancy.FIELD);
          remember(sessionId, tenant);
          return tenant;
        })
        .recover(failure -> BusError.is(failure, ErrorCode.SESSION_NOT_FOUND) ? Future.succeededFuture(null)
            : Future.failedFuture(failure));
  }

  /** Records a tenant learnt elsewhere (a session document at hand); null is ignored. */
  public void remember(String sessionId, String tenant) {
    if (tenant != null) {
      tenants.put(sessionId, tenant);
    }
  }

  public void forget(String sessionId) {
    tenants.remove(sessionId);
  }
}
