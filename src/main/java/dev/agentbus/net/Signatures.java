package dev.agentbus.net;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Standard Webhooks signatures and agentbus's callback tokens. A webhook secret is {@code
 * whsec_<base64 key>}; a delivery is signed {@code v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>}.
 * A callback token is {@code <deadline_ms>.<base64url HMAC-SHA256(callback secret, "<command_id>.<deadline_ms>")>}:
 * valid for that one command until its deadline, checkable on any node that shares the callback secret.
 */
public final class Signatures {
  public static final String SECRET_PREFIX = "whsec_";
  private static final SecureRandom RANDOM = new SecureRandom();

  private Signatures() {}

  /** A new webhook secret: 24 random bytes. */
  public static String newSecret() {
    byte[] key = new byte[24];
    RANDOM.nextBytes(key);
    return SECRET_PREFIX + Base64.getEncoder().encodeToString(key);
  }

  /** The HMAC key of a {@code whsec_} secret, or null when it is not one (at least 16 bytes of base64). */
  public static byte[] key(String secret) {
    if (secret == null || !secret.startsWith(SECRET_PREFIX)) {
      return null;
    }
    try {
      byte[] key = Base64.getDecoder().decode(secret.substring(SECRET_PREFIX.length()));
      return key.length >= 16 && key.length <= 64 ? key : null;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** The {@code webhook-signature} header value for one delivery. */
  public static String sign(String secret, String id, long timestampSeconds, String body) {
    return "v1," + Base64.getEncoder().encodeToString(hmac(key(secret), id + "." + timestampSeconds + "." + body));
  }

  /** A callback token for {@code commandId}, valid until {@code deadlineMs}. */
  public static String callbackToken(byte[] callbackKey, String commandId, long deadlineMs) {
    return deadlineMs + "." + Base64.getUrlEncoder().withoutPadding()
        .encodeToString(hmac(callbackKey, commandId + "." + deadlineMs));
  }

  /** Whether {@code token} is {@code commandId}'s callback token and its deadline has not passed. */
  public static boolean validToken(byte[] callbackKey, String commandId, String token, long nowMs) {
    if (token == null || commandId == null) {
      return false;
    }
    int dot = token.indexOf('.');
    if (dot <= 0) {
      return false;
    }
    long deadline;
    try {
      deadline = Long.parseLong(token.substring(0, dot));
    } catch (NumberFormatException e) {
      return false;
    }
    byte[] expected = callbackToken(callbackKey, commandId, deadline).getBytes(StandardCharsets.US_ASCII);
    return MessageDigest.isEqual(expected, token.getBytes(StandardCharsets.US_ASCII)) && nowMs < deadline;
  }

  private static byte[] hmac(byte[] key, String text) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(text.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is unavailable", e);
    }
  }
}
