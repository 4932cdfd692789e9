package dev.agentbus.limit;

/**
 * The token-bucket arithmetic, shared by the node-local and the cluster-wide buckets. A bucket
 * holds at most {@code capacity} tokens and refills continuously at {@code capacity} per {@code
 * windowMs}; a request takes {@code cost} tokens or none. State is {@code {milli-tokens, last ms}}
 * (a {@code long[]}, so Hazelcast stores it without custom serialisation); a new bucket is full.
 */
final class TokenBucket {
  private TokenBucket() {}

  /**
   * Refills {@code state} (null: a new, full bucket) to {@code now} and takes {@code cost} if it can.
   *
   * @return {@code {new milli-tokens, now, allowed (1|0), remaining tokens, ms until full, ms until cost is available}}
   */
  static long[] take(long[] state, long capacity, long windowMs, long cost, long now) {
    long full = capacity * 1000;
    long tokens = full;
    if (state != null) {
      long elapsed = Math.max(0, Math.min(now - state[1], windowMs));
      tokens = Math.min(full, state[0] + elapsed * full / Math.max(1, windowMs));
    }
    long needed = cost * 1000;
    boolean allowed = tokens >= needed;
    if (allowed) {
      tokens -= needed;
    }
    long untilFull = (full - tokens) * windowMs / Math.max(1, full);
    long untilCost = allowed || needed > full ? 0 : (needed - tokens) * windowMs / Math.max(1, full);
    if (!allowed && needed > full) {
      untilCost = windowMs; // never enough: retry after a window, the answer stays no
    }
    return new long[] {tokens, now, allowed ? 1 : 0, tokens / 1000, untilFull, untilCost};
  }

  /** The answer of {@link #take}'s result. */
  static Take answer(long[] result) {
    return new Take(result[2] == 1, result[3], ceilSeconds(result[4]), Math.max(1, ceilSeconds(result[5])));
  }

  private static long ceilSeconds(long ms) {
    return (ms + 999) / 1000;
  }
}
