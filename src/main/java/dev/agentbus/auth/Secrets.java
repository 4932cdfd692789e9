package dev.agentbus.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * The credentials agentbus issues: API keys ({@code abk_…}) and session tokens ({@code abt_…}),
 * 32 random bytes each, stored only as their SHA-256 (hex) and compared in constant time.
 */
public final class Secrets {
  public static final String KEY_PREFIX = "abk_";
  public static final String TOKEN_PREFIX = "abt_";
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  });

  private Secrets() {}

  /** A new secret: {@code prefix} and 43 base64url characters (256 bits). */
  public static String generate(String prefix) {
    byte[] random = new byte[32];
    RANDOM.nextBytes(random);
    return prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
  }

  /** SHA-256 hex of a presented credential: what is stored and looked up (as {@code _id}). */
  public static String hash(String secret) {
    return hex(digest(secret));
  }

  /** The hex form of a {@link #digest}: {@link #hash} of its secret. */
  public static String hex(byte[] digest) {
    return HexFormat.of().formatHex(digest);
  }

  /** Constant-time comparison of two secrets (of any length: their digests are compared). */
  public static boolean same(String given, String expected) {
    if (given == null || expected == null) {
      return false;
    }
    return MessageDigest.isEqual(digest(given), digest(expected));
  }

  /** SHA-256 of a secret (a fresh array; the digest instance is per thread and reset by {@code digest}). */
  public static byte[] digest(String secret) {
    return SHA256.get().digest(secret.getBytes(StandardCharsets.UTF_8));
  }

  /** Constant-time comparison of a presented secret's {@link #digest} with an expected one's. */
  public static boolean same(byte[] givenDigest, byte[] expectedDigest) {
    return givenDigest != null && expectedDigest != null && MessageDigest.isEqual(givenDigest, expectedDigest);
  }
}
