package dev.agentbus.auth;

import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.Bus;
import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.config.Settings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.net.InetAddress;
import java.security.KeyFactory;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Turns a presented credential into a {@link Principal}, or fails {@code UNAUTHENTICATED}: the
 * admin key (constant time), an API key ({@code abk_}, looked up by its hash through {@link
 * AuthVerticle}, cached for {@code auth.cache_ttl_ms} and evicted on every node by {@link
 * Addresses#AUTH_KEY_REVOKED}), a session token ({@code abt_}, never cached, so it dies with its
 * session at once) or a JWT (vertx-auth-jwt with the configured key: {@code alg: none} and any other
 * algorithm are refused; {@code exp} is required; {@code nbf}, issuer and audience are checked with
 * the configured clock skew). Failures never carry the credential.
 */
public final class Authenticator {
  private static final int MAX_CACHED = 10_000;
  private static final Pattern IP_LITERAL = Pattern.compile("[0-9A-Fa-f:.%]+");
  private record Cached(Principal principal, long until) {}
  private static final Principal ADMIN = Principal.admin();

  private final Vertx vertx;
  private final Settings.Auth settings;
  private final JWTAuth jwt;
  private final Map<String, Cached> keys = new LinkedHashMap<>();
  /** The admin key's digest, computed once: each request digests only what it presents. */
  private final byte[] adminDigest;

  /** One per HTTP verticle instance (its cache is touched on that instance's event loop only). */
  public Authenticator(Vertx vertx, Settings.Auth settings) {
    this.vertx = vertx;
    this.settings = settings;
    this.adminDigest = settings.adminKey() == null ? null : Secrets.digest(settings.adminKey());
    this.jwt = settings.jwt().configured() ? JWTAuth.create(vertx, jwtOptions(settings.jwt())) : null;
    // Unregistered with the HTTP verticle that created it.
    vertx.eventBus().<JsonObject>consumer(Addresses.AUTH_KEY_REVOKED,
        message -> keys.remove(message.body().getString("hash")));
  }

  public boolean configured() {
    return settings.configured();
  }

  /** The principal {@code credential} authenticates (a credential, never null or blank). */
  public Future<Principal> authenticate(String credential, String requestId) {
    byte[] digest = Secrets.digest(credential);
    if (Secrets.same(digest, adminDigest)) {
      return Future.succeededFuture(ADMIN);
    }
    if (credential.startsWith(Secrets.KEY_PREFIX)) {
      return apiKey(Secrets.hex(digest), requestId);
    }
    if (credential.startsWith(Secrets.TOKEN_PREFIX)) {
      return Bus.request(vertx, Addresses.AUTH_TOKEN_LOOKUP, new JsonObject().put("hash", Secrets.hash(credential)), requestId)
          .map(Principal::fromJson);
    }
    if (jwt != null && credential.chars().filter(c -> c == '.').count() == 2) {
      Future<io.vertx.ext.auth.User> verified;
      try {
        verified = jwt.authenticate(new TokenCredentials(credential));
      } catch (RuntimeException malformed) {
        verified = Future.failedFuture(malformed);
      }
      return verified
          .recover(failure -> Future.failedFuture(refused("The JWT is invalid, expired, not yet valid or not for this audience")))
          .map(user -> fromClaims(user.attributes().getJsonObject("accessToken", user.principal())));
    }
    return Future.failedFuture(refused("The credential is unknown, revoked or expired"));
  }

  private Future<Principal> apiKey(String hash, String requestId) {
    Cached cached = keys.get(hash);
    long now = System.currentTimeMillis();
    if (cached != null && cached.until() > now) {
      return Future.succeededFuture(cached.principal());
    }
    return Bus.request(vertx, Addresses.AUTH_KEY_LOOKUP, new JsonObject().put("hash", hash), requestId).map(found -> {
      Principal principal = Principal.fromJson(found);
      if (keys.size() >= MAX_CACHED) {
        keys.remove(keys.keySet().iterator().next());
      }
      keys.put(hash, new Cached(principal, System.currentTimeMillis() + settings.cacheTtlMs()));
      return principal;
    });
  }

  private Principal fromClaims(JsonObject claims) {
    if (!(claims.getValue("exp") instanceof Number) || claims.getString("sub") == null) {
      throw refused("The JWT must carry exp and sub");
    }
    Set<String> scopes = new TreeSet<>();
    Object scope = claims.getValue("scope");
    if (scope instanceof String granted) {
      for (String item : granted.trim().split("\\s+")) {
        if (Principal.SCOPES.contains(item)) {
          scopes.add(item);
        }
      }
    }
    Object tenant = claims.getValue(settings.jwt().tenantClaim());
    if (tenant != null && !(tenant instanceof String named && Tenancy.ID.matcher(named).matches())) {
      throw refused("The JWT's " + settings.jwt().tenantClaim() + " claim is not a tenant id");
    }
    Object tier = claims.getValue("tier");
    return new Principal("jwt", claims.getString("sub"), tenant instanceof String t ? t : Principal.DEFAULT_TENANT, scopes,
        tier instanceof String t ? t : "default", null);
  }

  /**
   * Whether a client address (the socket peer's literal IP — never a forwarded header, never a name
   * to resolve) is loopback: in protected mode, the only clients served.
   */
  public static boolean isLoopback(String ip) {
    try {
      return ip != null && IP_LITERAL.matcher(ip).matches() && InetAddress.getByName(ip).isLoopbackAddress();
    } catch (Exception notAnAddress) {
      return false;
    }
  }

  static BusError refused(String message) {
    return new BusError(ErrorCode.UNAUTHENTICATED, message);
  }

  private static JWTAuthOptions jwtOptions(Settings.Jwt config) {
    JWTOptions checks = new JWTOptions().setLeeway(config.clockSkewSeconds()).setIgnoreExpiration(false);
    if (config.issuer() != null && !config.issuer().isBlank()) {
      checks.setIssuer(config.issuer());
    }
    if (config.audience() != null && !config.audience().isBlank()) {
      checks.setAudience(List.of(config.audience()));
    }
    JWTAuthOptions options = new JWTAuthOptions().setJWTOptions(checks);
    if (config.secret() != null && !config.secret().isBlank()) {
      options.addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(config.secret()));
    }
    if (config.publicKey() != null && !config.publicKey().isBlank()) {
      String pem = config.publicKey().replace("\\n", "\n");
      options.addPubSecKey(new PubSecKeyOptions().setAlgorithm(isRsa(pem) ? "RS256" : "ES256").setBuffer(pem));
    }
    return options;
  }

  /** Whether a PEM public key is an RSA key (else it is taken as an EC P-256 key, ES256). */
  private static boolean isRsa(String pem) {
    String base64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    try {
      KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(base64)));
      return true;
    } catch (Exception notRsa) {
      return false;
    }
  }
}
