package dev.agentbus.util;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.function.Supplier;

/** Bounded retries with exponential backoff, on the caller's context. */
public final class Retry {
  private Retry() {}

  /**
   * The wait before retry {@code attempt} (0 for the first retry): {@code baseMs} doubled per
   * attempt, capped at {@code maxMs}, jittered uniformly into [d/2, d] so retries of many callers spread.
   */
  public static long jitteredBackoff(long baseMs, long maxMs, int attempt) {
    long delay = Math.min(maxMs, baseMs << Math.min(attempt, 30));
    return delay / 2 + java.util.concurrent.ThreadLocalRandom.current().nextLong(delay / 2 + 1);
  }

  /** Runs {@code action} up to {@code attempts} times, waiting {@code firstDelayMs}, then twice that, … between tries. */
  public static <T> Future<T> withBackoff(Vertx vertx, int attempts, long firstDelayMs, Supplier<Future<T>> action) {
    return action.get().recover(failure -> {
      if (attempts <= 1) {
        return Future.failedFuture(failure);
      }
      Promise<T> later = Promise.promise();
      vertx.setTimer(firstDelayMs, t -> withBackoff(vertx, attempts - 1, firstDelayMs * 2, action).onComplete(later));
      return later.future();
    });
  }
}
