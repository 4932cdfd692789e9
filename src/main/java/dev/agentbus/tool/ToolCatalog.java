package dev.agentbus.tool;

import dev.agentbus.auth.Tenancy;
import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A node's view of the tools: lookups by {@code _id} and each scope's list, cached for {@code
 * tools.cache_ttl_ms} and dropped on {@link dev.agentbus.bus.Addresses#TOOL_CHANGED} notices, plus
 * the built-ins, as resolved tools {@code {name, scope, session_id?, description, parameters,
 * implementation, created_at?}}. Used on the {@link ToolVerticle}'s context only.
 */
final class ToolCatalog {
  private static final int MAX_CACHED = 10_000;
  private static final String LIST = "list:";

  private record Cached(Object value, long expiresAt) {}

  private final ToolStore store;
  private final BuiltinTools builtins;
  private final long cacheTtlMs;
  private final Map<String, Cached> cache = new HashMap<>();

  ToolCatalog(ToolStore store, BuiltinTools builtins, long cacheTtlMs) {
    this.store = store;
    this.builtins = builtins;
    this.cacheTtlMs = cacheTtlMs;
  }

  /** Drops what a {@code {key}} or {@code {session_id}} notice says changed. */
  void forget(JsonObject notice) {
    String key = notice.getString("key");
    if (key != null) {
      cache.remove(key);
      cache.remove(LIST + key.substring(0, key.indexOf('/')));
    }
    String sessionId = notice.getString("session_id");
    if (sessionId != null) {
      cache.remove(LIST + sessionId);
      cache.keySet().removeIf(cached -> cached.startsWith(sessionId + "/"));
    }
  }

  /**
   * The tool a session of {@code tenant} (or, {@code sessionId} null, the tenant itself) sees under
   * {@code name}: the session's own, else the tenant's global one, else the built-in; fails {@code TOOL_NOT_FOUND}.
   */
  Future<JsonObject> resolve(String sessionId, String tenant, String name) {
    Future<JsonObject> own = sessionId == null ? Future.succeededFuture() : lookup(ToolStore.key(sessionId, tenant, name));
    return own.compose(found -> found != null ? Future.succeededFuture(found) : lookup(ToolStore.key(null, tenant, name)))
        .compose(found -> {
          if (found != null) {
            return Future.succeededFuture(tool(found));
          }
          JsonObject builtin = builtinTools().stream().filter(t -> t.getString("name").equals(name)).findFirst().orElse(null);
          return builtin != null ? Future.succeededFuture(builtin) : Future.failedFuture(new BusError(ErrorCode.TOOL_NOT_FOUND,
              "No tool '" + name + "' in this session, globally or built in", new JsonObject().put("field", "name").put("name", name)));
        });
  }

  private Future<JsonObject> lookup(String key) {
    Cached hit = fresh(key);
    if (hit != null) {
      return Future.succeededFuture((JsonObject) hit.value());
    }
    return store.find(key).onSuccess(found -> remember(key, found));
  }

  /** One scope's registered tools (a session id, or a tenant's {@link ToolStore#globalScope}), oldest first. */
  @SuppressWarnings("unchecked")
  Future<List<JsonObject>> scope(String scope) {
    String key = LIST + scope;
    Cached hit = fresh(key);
    if (hit != null) {
      return Future.succeededFuture((List<JsonObject>) hit.value());
    }
    return store.listScope(scope).map(docs -> docs.stream().map(ToolCatalog::tool).toList()).onSuccess(tools -> remember(key, tools));
  }

  private Cached fresh(String key) {
    Cached hit = cache.get(key);
    return hit != null && hit.expiresAt() > System.currentTimeMillis() ? hit : null;
  }

  private void remember(String key, Object value) {
    if (cache.size() >= MAX_CACHED) {
      cache.clear();
    }
    cache.put(key, new Cached(value, System.currentTimeMillis() + cacheTtlMs));
  }

  List<JsonObject> builtinTools() {
    return builtins.specs(null).stream().map(spec -> new JsonObject().put("name", spec.name()).put("scope", "builtin")
        .put("description", spec.description()).put("parameters", spec.parameters())
        .put("implementation", new JsonObject().put("kind", "builtin"))).toList();
  }

  /** A stored document as a resolved tool: {@code {name, scope, session_id?, tenant_id, description, parameters, implementation, created_at}}. */
  static JsonObject tool(JsonObject doc) {
    return new JsonObject().put("name", doc.getString("name")).put("scope", doc.getString("scope"))
        .put(Tenancy.FIELD, Tenancy.of(doc))
        .put("session_id", doc.getString("session_id")).put("description", doc.getString("description"))
        .put("parameters", new JsonObject(doc.getString("parameters_json"))).put("implementation", doc.getJsonObject("implementation"))
        .put("created_at", doc.getString("created_at"));
  }

  /** The API shape; an http tool's secret only when {@code withSecret} (the registration's own reply). */
  static JsonObject view(JsonObject tool, boolean withSecret) {
    JsonObject implementation = tool.getJsonObject("implementation").copy();
    if (!withSecret) {
      implementation.remove("secret");
    }
    JsonObject view = new JsonObject().put("name", tool.getString("name")).put("description", tool.getString("description"))
        .put("parameters", tool.getJsonObject("parameters").copy()).put("implementation", implementation)
        .put("scope", tool.getString("scope"));
    if (tool.getString("session_id") != null) {
      view.put("session_id", tool.getString("session_id"));
    }
    if (tool.getString(Tenancy.FIELD) != null) {
      view.put(Tenancy.FIELD, tool.getString(Tenancy.FIELD));
    }
    if (tool.getString("created_at") != null) {
      view.put("created_at", tool.getString("created_at"));
    }
    return view;
  }

}
