package dev.agentbus.handler;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A node's cache of each scope's event-handler registrations (a session id, or {@code "*"} for
 * global; empty lists too), read by {@code _id: {$in}} of the missing scopes, trusted for {@code
 * handlers.cache_ttl_ms} unless a change notice drops the scope first. A read that a notice
 * overtook is answered but not cached (it may predate the change). Bounded LRU. Event-loop confined.
 */
final class RegistrationCache {
  private record Cached(List<JsonObject> registrations, long expiresAt) {}

  private final EventHandlerStore store;
  private final long ttlMs;
  private final Map<String, Cached> cache;
  /** Counts change notices. */
  private long generation;

  RegistrationCache(EventHandlerStore store, long ttlMs, int maxEntries) {
    this.store = store;
    this.ttlMs = ttlMs;
    this.cache = new LinkedHashMap<>(256, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Cached> eldest) {
        return size() > maxEntries;
      }
    };
  }

  /** The registrations of each scope, from the cache or one read of the missing ones. */
  Future<Map<String, List<JsonObject>>> get(List<String> scopes) {
    long now = System.currentTimeMillis();
    Map<String, List<JsonObject>> found = new LinkedHashMap<>();
    List<String> missing = new ArrayList<>();
    for (String scope : scopes) {
      Cached hit = cache.get(scope);
      if (hit != null && hit.expiresAt() > now) {
        found.put(scope, hit.registrations());
      } else {
        missing.add(scope);
      }
    }
    if (missing.isEmpty()) {
      return Future.succeededFuture(found);
    }
    long generationBefore = generation;
    return store.sets(missing).map(read -> {
      read.forEach((scope, registrations) -> {
        if (generation == generationBefore) {
          cache.put(scope, new Cached(registrations, now + ttlMs));
        }
        found.put(scope, registrations);
      });
      return found;
    });
  }

  /** The registration of {@code handlerId} in the session's scope or the global one, or null. */
  Future<JsonObject> find(String sessionId, String handlerId) {
    return get(List.of(sessionId, EventHandlerStore.GLOBAL)).map(sets -> sets.values().stream().flatMap(List::stream)
        .filter(r -> handlerId.equals(r.getString("handler_id"))).findFirst().orElse(null));
  }

  /** A session just created has no session-scope handlers yet (no read needed). */
  void knownEmpty(String sessionId) {
    cache.putIfAbsent(sessionId, new Cached(List.of(), System.currentTimeMillis() + ttlMs));
  }

  /** A change notice: the scope is read again next time. */
  void forget(String scope) {
    generation++;
    cache.remove(scope);
  }
}
