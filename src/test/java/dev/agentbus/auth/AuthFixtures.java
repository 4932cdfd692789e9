package dev.agentbus.auth;

import dev.agentbus.support.TestNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Shared pieces of the auth tests: a node with auth configured, requests with headers, hand-made JWTs. */
final class AuthFixtures {
  static final String ADMIN_KEY = "admin-test-key-0123456789abcdef";
  static final String JWT_SECRET = "jwt-test-secret-0123456789abcdef0123456789";
  static final String ISSUER = "https://issuer.test";
  static final String AUDIENCE = "agentbus-test";

  private AuthFixtures() {}

  /** Overrides configuring the admin key and HS256 JWTs. */
  static JsonObject authConfig() {
    return new JsonObject().put("auth", new JsonObject().put("admin_key", ADMIN_KEY).put("jwt", new JsonObject()
        .put("secret", JWT_SECRET).put("issuer", ISSUER).put("audience", AUDIENCE).put("clock_skew_s", 5)));
  }

  static HttpResponse<Buffer> call(TestNode node, HttpMethod method, String apiPath, Map<String, String> headers, JsonObject body) {
    HttpRequest<Buffer> request = node.client().request(method, "/api/v1" + apiPath);
    headers.forEach(request::putHeader);
    return (body == null ? request.send() : request.sendJsonObject(body)).await();
  }

  static Map<String, String> bearer(String credential) {
    return Map.of("Authorization", "Bearer " + credential);
  }

  /** A JWT signed with HS256 and {@code secret}, or unsigned when {@code alg} is {@code none}. */
  static String jwt(String alg, JsonObject claims, String secret) {
    String header = b64(new JsonObject().put("alg", alg).put("typ", "JWT").encode().getBytes(StandardCharsets.UTF_8));
    String payload = b64(claims.encode().getBytes(StandardCharsets.UTF_8));
    String signingInput = header + "." + payload;
    if (alg.equals("none")) {
      return signingInput + ".";
    }
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return signingInput + "." + b64(mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII)));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Valid claims: this issuer and audience, expiring in 5 minutes, with {@code scope}. */
  static JsonObject claims(String scope) {
    long now = System.currentTimeMillis() / 1000;
    return new JsonObject().put("sub", "user-1").put("iss", ISSUER).put("aud", AUDIENCE).put("iat", now)
        .put("exp", now + 300).put("scope", scope).put("tenant_id", "acme");
  }

  private static String b64(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
