package dev.agentbus.auth;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Set;
import java.util.TreeSet;

/**
 * Who a request acts as: set once per HTTP request (or WebSocket connection) by the authentication
 * handler under {@link #CONTEXT_KEY}, carried on bus requests as {@link dev.agentbus.bus.Headers#PRINCIPAL}
 * (its {@link #toJson} encoded), and read by rate limits (by {@link #rateKey} and {@link #tier}).
 *
 * @param kind      {@code admin} (the configured admin key), {@code key} (an API key of {@code /keys}),
 *                  {@code jwt}, {@code session} (a session token), {@code local} (protected mode, a
 *                  loopback client with every scope), {@code callback} (a handler's answer or progress,
 *                  authenticated by its command's callback token, which the handler verticle checks)
 *                  or {@code anonymous} (no credentials: the open routes)
 * @param id        the key id, JWT subject, token id, or the client IP for {@code local}/{@code anonymous}
 * @param tenantId  the tenant whose data it sees ({@code default} for local; null for admin: all tenants)
 * @param scopes    granted scopes; {@code admin} implies all
 * @param tier      the rate-limit tier: {@code anonymous}, {@code default}, {@code premium}, …
 * @param sessionId the one session a session token grants, else null
 */
public record Principal(String kind, String id, String tenantId, Set<String> scopes, String tier, String sessionId) {
  /** The {@code RoutingContext} key the authentication handler puts the principal under. */
  public static final String CONTEXT_KEY = "agentbus.principal";
  /** Every scope of the API. */
  public static final Set<String> SCOPES = Set.of("sessions:read", "sessions:write", "commands:write", "events:read",
      "events:write", "engines:write", "tools:write", "handlers:write", "metrics:read", "admin");
  public static final String DEFAULT_TENANT = "default";

  public Principal {
    scopes = Set.copyOf(scopes);
  }

  /** Protected mode: a loopback client acting with every scope in the {@code default} tenant and tier. */
  public static Principal local(String ip) {
    return new Principal("local", ip, DEFAULT_TENANT, SCOPES, "default", null);
  }

  /** The configured admin key: every scope, every tenant. */
  public static Principal admin() {
    return new Principal("admin", "admin", null, Set.of("admin"), "premium", null);
  }

  /** A handler's callback from {@code ip}: no scope; its callback token is checked by the handler verticle. */
  public static Principal callback(String ip, String sessionId) {
    return new Principal("callback", ip, null, Set.of(), "default", sessionId);
  }

  /** No credentials: nothing but what needs no scope, limited by client IP. */
  public static Principal anonymous(String ip) {
    return new Principal("anonymous", ip, null, Set.of(), "anonymous", null);
  }

  /** Whether it may do what {@code scope} allows ({@code admin} allows everything). */
  public boolean has(String scope) {
    return scopes.contains("admin") || scopes.contains(scope);
  }

  /** The key its rate limits are counted under, cluster-wide: {@code <kind>:<id>}. */
  public String rateKey() {
    return kind + ":" + id;
  }

  public JsonObject toJson() {
    return new JsonObject().put("kind", kind).put("id", id).put("tenant_id", tenantId)
        .put("scopes", new JsonArray(new TreeSet<>(scopes).stream().toList())).put("tier", tier).put("session_id", sessionId);
  }

  public static Principal fromJson(JsonObject json) {
    Set<String> scopes = new TreeSet<>();
    json.getJsonArray("scopes", new JsonArray()).forEach(scope -> scopes.add(String.valueOf(scope)));
    return new Principal(json.getString("kind"), json.getString("id"), json.getString("tenant_id"), scopes,
        json.getString("tier"), json.getString("session_id"));
  }
}
