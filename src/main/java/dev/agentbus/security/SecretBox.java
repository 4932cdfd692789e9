package dev.agentbus.security;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts the credentials agentbus stores (MCP server header values) with AES-256-GCM under a key
 * derived (SHA-256) from {@code security.secret_key} / {@code AGENTBUS_SECRET_KEY}. A sealed value is
 * {@code v1:<base64url(12-byte nonce, ciphertext and tag)>}; the {@code context} (e.g. the server id
 * and header name) is bound as associated data, so a value copied to another record does not open.
 * With no key configured the box is {@linkplain #available() unavailable} and callers refuse to store
 * credentials rather than keep them in clear. Every node of a cluster needs the same key; changing it
 * makes values sealed under the old one unreadable.
 */
public final class SecretBox {
  private static final String PREFIX = "v1:";
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final SecretKeySpec key;

  private SecretBox(SecretKeySpec key) {
    this.key = key;
  }

  /** The box of {@code secretKey} (null or blank: an unavailable box). */
  public static SecretBox of(String secretKey) {
    if (secretKey == null || secretKey.isBlank()) {
      return new SecretBox(null);
    }
    try {
      byte[] derived = MessageDigest.getInstance("SHA-256")
          .digest(("agentbus-secret-box-v1:" + secretKey).getBytes(StandardCharsets.UTF_8));
      return new SecretBox(new SecretKeySpec(derived, "AES"));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }

  public boolean available() {
    return key != null;
  }

  public String seal(String plain, String context) {
    requireKey();
    byte[] nonce = new byte[NONCE_BYTES];
    RANDOM.nextBytes(nonce);
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
      byte[] sealed = cipher.doFinal(plain.getBytes(StandardCharsets.UTF_8));
      byte[] out = Arrays.copyOf(nonce, NONCE_BYTES + sealed.length);
      System.arraycopy(sealed, 0, out, NONCE_BYTES, sealed.length);
      return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(out);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("encryption failed", e);
    }
  }

  /** The plain value; throws {@link IllegalArgumentException} when it does not open (other key, other context, tampered). */
  public String open(String sealed, String context) {
    requireKey();
    if (sealed == null || !sealed.startsWith(PREFIX)) {
      throw new IllegalArgumentException("not a sealed value");
    }
    try {
      byte[] in = Base64.getUrlDecoder().decode(sealed.substring(PREFIX.length()));
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, in, 0, NONCE_BYTES));
      cipher.updateAAD(context.getBytes(StandardCharsets.UTF_8));
      return new String(cipher.doFinal(in, NONCE_BYTES, in.length - NONCE_BYTES), StandardCharsets.UTF_8);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IllegalArgumentException("the sealed value does not open with this key", e);
    }
  }

  private void requireKey() {
    if (key == null) {
      throw new IllegalStateException("no security.secret_key is configured");
    }
  }
}
