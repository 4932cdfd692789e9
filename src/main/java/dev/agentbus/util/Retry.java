package dev.agentbus.util;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.function.Supplier;

/** Bounded retries with exponential backoff, on the caller's context. */
public final class Retry {
  private Retry() {}

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
