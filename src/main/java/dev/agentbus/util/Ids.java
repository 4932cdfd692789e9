package dev.agentbus.util;

import java.security.SecureRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Opaque, URL-safe, time-ordered ids with a type prefix ({@code ses_}, {@code cmd_}, ...):
 * 10 Crockford base32 characters of milliseconds, then 4 of a per-process sequence (so ids made
 * in the same millisecond on one node still sort in creation order), then 8 random.
 */
public final class Ids {
  private static final char[] ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz".toCharArray();
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final AtomicLong SEQUENCE = new AtomicLong(RANDOM.nextInt(1 << 20));

  private Ids() {}

  public static String next(String prefix) {
    StringBuilder id = new StringBuilder(prefix.length() + 23).append(prefix).append('_');
    append(id, System.currentTimeMillis(), 10);
    append(id, SEQUENCE.incrementAndGet(), 4);
    append(id, RANDOM.nextLong(), 8);
    return id.toString();
  }

  /**
   * The smallest id of {@code prefix} that {@link #next} can make at or after {@code millis}: a
   * bound for a range of time-ordered ids ({@code _id >= floor(prefix, t)} is "made at t or later").
   */
  public static String floor(String prefix, long millis) {
    StringBuilder id = new StringBuilder(prefix.length() + 23).append(prefix).append('_');
    append(id, millis, 10);
    return id.append("000000000000").toString();
  }

  private static void append(StringBuilder out, long value, int chars) {
    for (int i = chars - 1; i >= 0; i--) {
      out.append(ALPHABET[(int) ((value >>> (i * 5)) & 31)]);
    }
  }
}
