package dev.agentbus.limit;

/**
 * One request's answer from a bucket.
 *
 * @param allowed           whether its tokens were taken
 * @param remaining         whole tokens left
 * @param resetSeconds      seconds until the bucket is full again (the {@code t} of {@code RateLimit})
 * @param retryAfterSeconds when refused, seconds until the request's cost is available ({@code Retry-After}, at least 1)
 */
public record Take(boolean allowed, long remaining, long resetSeconds, long retryAfterSeconds) {}
