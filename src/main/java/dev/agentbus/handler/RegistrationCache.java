package dev.agentbus.handler;

import dev.agentbus.auth.Principal;
import dev.agentbus.auth.Tenancy;
import dev.agentbus.store.ScopedCollection;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A node's cache of each scope's event-handler registrations (a session id, or a tenant's global
 * scope; empty lists too) and of the tenants with a global scope ({@link EventHandlerStore#TENANTS},
 * kept as {@code [{tenant_id}]}), read by {@code _id} of the missing scopes, trusted for {@code
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

  /** Every tenant's global registrations, by tenant ({@code default} always among them, maybe with none). */
  Future<Map<String, List<JsonObject>>> globals() {
    return tenants().compose(tenants -> get(tenants.stream().map(ScopedCollection::globalScope).toList()).map(sets -> {
      Map<String, List<JsonObject>> byTenant = new LinkedHashMap<>();
      sets.forEach((scope, registrations) -> byTenant.put(ScopedCollection.tenantOfGlobal(scope), registrations));
      return byTenant;
    }));
  }

  private Future<List<String>> tenants() {
    long now = System.currentTimeMillis();
    Cached hit = cache.get(EventHandlerStore.TENANTS);
    Future<List<String>> listed = hit != null && hit.expiresAt() > now
        ? Future.succeededFuture(hit.registrations().stream().map(t -> t.getString(Tenancy.FIELD)).toList())
        : readTenants(now);
    return listed.map(others -> {
      List<String> all = new ArrayList<>(List.of(Principal.DEFAULT_TENANT));
      all.addAll(others);
      return all;
    });
  }

  private Future<List<String>> readTenants(long now) {
    long generationBefore = generation;
    return store.globalTenants().onSuccess(tenants -> {
      if (generation == generationBefore) {
        cache.put(EventHandlerStore.TENANTS, new Cached(tenants.stream().map(t -> new JsonObject().put(Tenancy.FIELD, t)).toList(),
            now + ttlMs));
      }
    });
  }

  /** The registration of {@code handlerId} in the session's scope or a global one, or null (handler ids are unique). */
  Future<JsonObject> find(String sessionId, String handlerId) {
    return Future.all(get(List.of(sessionId)), globals()).map(all -> java.util.stream.Stream.concat(
            all.<Map<String, List<JsonObject>>>resultAt(0).values().stream(), all.<Map<String, List<JsonObject>>>resultAt(1).values().stream())
        .flatMap(List::stream).filter(r -> handlerId.equals(r.getString("handler_id"))).findFirst().orElse(null));
  }

  /** A session just created has no session-scope handlers yet (no read needed). */
  void knownEmpty(String sessionId) {
    cache.putIfAbsent(sessionId, new Cached(List.of(), System.currentTimeMillis() + ttlMs));
  }

  /** A change notice: the scope is read again next time (a global one: the tenants too, it may be a new tenant's). */
  void forget(String scope) {
    generation++;
    cache.remove(scope);
    if (ScopedCollection.isGlobal(scope)) {
      cache.remove(EventHandlerStore.TENANTS);
    }
  }
}
