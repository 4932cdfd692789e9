package dev.agentbus.handler;

import dev.agentbus.auth.Tenancy;
import dev.agentbus.store.ScopedCollection;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The tenants of a dispatch's sessions, so that a global event handler gets only its own tenant's
 * events. Only a session that some tenant's global handler could take an event of needs its tenant:
 * from the events' {@code tenant_id} when they carry it, else from the session directory (one bus
 * request, served from that node's cache), then remembered here (a session never changes tenant;
 * bounded LRU). With no global handler anywhere there is no look-up at all. Event-loop confined.
 */
final class SessionTenants {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SessionTenants.class);

  private final Vertx vertx;
  private final Map<String, String> known;

  SessionTenants(Vertx vertx, int maxEntries) {
    this.vertx = vertx;
    this.known = new java.util.LinkedHashMap<>(256, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
        return size() > maxEntries;
      }
    };
  }

  /**
   * Session id to tenant, for the sessions a registration of {@code globals} (by tenant) matches an
   * event of; a session whose tenant cannot be read (deleted meanwhile) is left out, so no global
   * handler gets its events.
   */
  Future<Map<String, String>> of(Map<String, List<JsonObject>> bySession,
      Map<String, List<JsonObject>> globals) {
    List<String> patterns = globals.values().stream().flatMap(List::stream).map(r -> r.getString("event_type")).distinct().toList();
    if (patterns.isEmpty()) {
      return Future.succeededFuture(Map.of());
    }
    List<String> sessions = new ArrayList<>();
    List<Future<String>> lookups = new ArrayList<>();
    bySession.forEach((sessionId, events) -> {
      if (events.stream().noneMatch(e -> patterns.stream().anyMatch(p -> Lane.matches(p, e.getString("event_type"))))) {
        return;
      }
      String stamped = events.stream().map(e -> e.getString(Tenancy.FIELD)).filter(java.util.Objects::nonNull).findFirst()
          .orElse(known.get(sessionId));
      sessions.add(sessionId);
      lookups.add(stamped != null ? Future.succeededFuture(stamped) : ScopedCollection.tenantOfSession(vertx, sessionId)
          .otherwise(failure -> {
            LOG.warn("the tenant of session {} is unknown ({}): no global event handler gets these events", sessionId,
                failure.getMessage());
            return null;
          }));
    });
    return Future.all(new ArrayList<>(lookups)).map(done -> {
      Map<String, String> tenants = new HashMap<>();
      for (int i = 0; i < sessions.size(); i++) {
        if (lookups.get(i).result() != null) {
          tenants.put(sessions.get(i), lookups.get(i).result());
          known.put(sessions.get(i), lookups.get(i).result());
        }
      }
      return tenants;
    });
  }
}
