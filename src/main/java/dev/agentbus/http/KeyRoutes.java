package dev.agentbus.http;

import dev.agentbus.auth.AuthVerticle;
import dev.agentbus.auth.Principal;
import dev.agentbus.bus.Addresses;
import dev.agentbus.config.Settings;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Set;

/**
 * {@code /keys} (admin: API keys, the secret shown once by the create) and {@code POST
 * /sessions/{id}/tokens} (a session token for that one session). Both answers carry a secret, so
 * they skip the {@code Idempotency-Key} store (which would keep the answer): these creates are not idempotent.
 */
final class KeyRoutes {
  private static final java.util.regex.Pattern SECRET_ROUTES =
      java.util.regex.Pattern.compile(java.util.regex.Pattern.quote(Api.BASE) + "(/keys|/sessions/[^/]+/tokens)/?");
  static final Set<String> TIERS = Set.of("anonymous", "default", "premium");
  private final Api api;
  private final Settings.Auth auth;

  KeyRoutes(Api api, Settings.Auth auth) {
    this.api = api;
    this.auth = auth;
  }

  /** Whether a POST's answer holds a new secret (never stored for an Idempotency-Key replay). */
  static boolean carriesSecret(String path) {
    return SECRET_ROUTES.matcher(path).matches();
  }

  void mount(Router router) {
    String base = Api.BASE + "/keys";
    router.post(base).handler(this::create);
    router.get(base).handler(ctx -> api.forwardPlain(ctx, Addresses.AUTH_KEY_LIST, new JsonObject(), 200));
    router.get(base + "/:key_id").handler(ctx -> api.forwardPlain(ctx, Addresses.AUTH_KEY_GET, Api.path(ctx, "key_id"), 200));
    router.delete(base + "/:key_id").handler(ctx -> api.forwardPlain(ctx, Addresses.AUTH_KEY_DELETE, Api.path(ctx, "key_id"), 200));
    router.post(Api.BASE + "/sessions/:session_id/tokens").handler(this::token);
  }

  private void create(RoutingContext ctx) {
    JsonObject body = Api.body(ctx);
    Validator check = Validator.of(ctx);
    check.onlyKeys(body, "", List.of("name", "tenant_id", "scopes", "tier"));
    String tenant = check.string(body, "", "tenant_id", false, 64);
    check.pattern("tenant_id", tenant, dev.agentbus.auth.Tenancy.ID, "a tenant id: letters, digits, '.', '_' or '-'");
    JsonObject key = new JsonObject().put("name", check.string(body, "", "name", true, 200))
        .put("tenant_id", orDefault(tenant, Principal.DEFAULT_TENANT))
        .put("tier", orDefault(check.oneOf(body, "", "tier", TIERS), "default"))
        .put("scopes", scopes(check, body, Principal.SCOPES, null));
    check.throwIfInvalid();
    api.create(ctx, Future.succeededFuture(), Addresses.AUTH_KEY_CREATE, key, "/keys", "key_id");
  }

  private void token(RoutingContext ctx) {
    JsonObject body = Api.body(ctx);
    Validator check = Validator.of(ctx);
    check.onlyKeys(body, "", List.of("ttl_seconds", "scopes"));
    Integer ttl = check.integer(body, "", "ttl_seconds", false, 1, auth.sessionTokenMaxTtlSeconds());
    Principal creator = Api.principal(ctx);
    JsonArray scopes = body.containsKey("scopes") ? scopes(check, body, Set.copyOf(tokenScopes()), creator)
        : new JsonArray(AuthVerticle.SESSION_TOKEN_SCOPES);
    check.throwIfInvalid();
    JsonObject request = Api.path(ctx, "session_id").put("ttl_seconds", ttl == null ? auth.sessionTokenDefaultTtlSeconds() : ttl)
        .put("scopes", scopes);
    api.send(ctx, Addresses.AUTH_TOKEN_CREATE, request).onSuccess(made -> Api.json(ctx, 201, made))
        .onFailure(failure -> Api.fail(ctx, failure));
  }

  /** What a session token may grant: anything but {@code admin} and the global {@code sessions:write}. */
  private static List<String> tokenScopes() {
    return List.of("sessions:read", "events:read", "events:write", "commands:write", "tools:write", "handlers:write");
  }

  /** {@code scopes}: known scopes only, each one the creator itself holds (when given). */
  private static JsonArray scopes(Validator check, JsonObject body, Set<String> allowed, Principal creator) {
    JsonArray scopes = check.array(body, "", "scopes", 1, allowed.size());
    if (scopes == null) {
      return new JsonArray();
    }
    for (Object scope : scopes) {
      if (!(scope instanceof String name) || !allowed.contains(name)) {
        check.add("scopes", "must hold only these scopes: " + String.join(" ", allowed.stream().sorted().toList()));
        break;
      }
      if (creator != null && !creator.has(name)) {
        check.add("scopes", "cannot grant " + name + ", which the caller does not hold");
        break;
      }
    }
    return scopes;
  }

  private static String orDefault(String value, String fallback) {
    return value == null ? fallback : value;
  }
}
