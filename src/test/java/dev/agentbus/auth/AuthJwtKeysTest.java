package dev.agentbus.auth;

import static dev.agentbus.auth.AuthFixtures.bearer;
import static dev.agentbus.auth.AuthFixtures.claims;
import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.support.TestNode;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** JWTs signed with a private key: the node is given only the PEM public key (AGENTBUS_JWT_PUBLIC_KEY). */
class AuthJwtKeysTest {
  private static String pem(KeyPair pair) {
    return "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
        .encodeToString(pair.getPublic().getEncoded()) + "\n-----END PUBLIC KEY-----\n";
  }

  private static String sign(String alg, String javaAlg, PrivateKey key, JsonObject claims) throws Exception {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String input = b64.encodeToString(new JsonObject().put("alg", alg).put("typ", "JWT").encode().getBytes(StandardCharsets.UTF_8))
        + "." + b64.encodeToString(claims.encode().getBytes(StandardCharsets.UTF_8));
    Signature signature = Signature.getInstance(javaAlg);
    signature.initSign(key);
    signature.update(input.getBytes(StandardCharsets.US_ASCII));
    return input + "." + b64.encodeToString(signature.sign());
  }

  private static TestNode nodeWith(String publicKeyPem) {
    return TestNode.start(new JsonObject().put("auth", new JsonObject().put("jwt", new JsonObject()
        .put("public_key", publicKeyPem).put("issuer", AuthFixtures.ISSUER).put("audience", AuthFixtures.AUDIENCE))));
  }

  private static int status(TestNode node, String token) {
    return AuthFixtures.call(node, HttpMethod.GET, "/sessions", bearer(token), null).statusCode();
  }

  @Test
  @DisplayName("RS256: a token signed by the configured key passes; another key's, and HS256 keyed with the public key text, are 401")
  void rs256() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    KeyPair trusted = generator.generateKeyPair();
    KeyPair other = generator.generateKeyPair();
    try (TestNode node = nodeWith(pem(trusted))) {
      assertThat(status(node, sign("RS256", "SHA256withRSA", trusted.getPrivate(), claims("sessions:read")))).isEqualTo(200);
      assertThat(status(node, sign("RS256", "SHA256withRSA", other.getPrivate(), claims("sessions:read")))).isEqualTo(401);
      assertThat(status(node, AuthFixtures.jwt("HS256", claims("sessions:read"), pem(trusted)))).as("algorithm confusion").isEqualTo(401);
      assertThat(status(node, AuthFixtures.jwt("none", claims("sessions:read"), null))).isEqualTo(401);
    }
  }

  @Test
  @DisplayName("ES256: a token signed by the configured P-256 key passes; another key's is 401")
  void es256() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair trusted = generator.generateKeyPair();
    KeyPair other = generator.generateKeyPair();
    try (TestNode node = nodeWith(pem(trusted))) {
      assertThat(status(node, sign("ES256", "SHA256withECDSAinP1363Format", trusted.getPrivate(), claims("sessions:read"))))
          .isEqualTo(200);
      assertThat(status(node, sign("ES256", "SHA256withECDSAinP1363Format", other.getPrivate(), claims("sessions:read"))))
          .isEqualTo(401);
    }
  }
}
