package dev.agentbus.util;

import dev.agentbus.bus.SharedNames;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.Shareable;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Whether this node is shutting down (node-local, shared by every verticle instance): once set, the
 * node answers readiness with 503 and refuses new work with 503 {@code SERVICE_UNAVAILABLE} and
 * {@code Retry-After}, while what it already runs finishes. Set once per start: a node that drained
 * stops (cleared only when a node starts again on the same Vert.x).
 */
public final class Draining {
  /** What a refused client is told to wait before retrying (through another node, behind a load balancer). */
  public static final int RETRY_AFTER_SECONDS = 2;

  private static final class Flag implements Shareable {
    final AtomicBoolean set = new AtomicBoolean();
  }

  private Draining() {}

  /** Marks this node as draining; false when it already was. */
  public static boolean begin(Vertx vertx) {
    return flag(vertx).set.compareAndSet(false, true);
  }

  /** A node starts on this Vert.x: it serves again. */
  public static void clear(Vertx vertx) {
    flag(vertx).set.set(false);
  }

  public static boolean isDraining(Vertx vertx) {
    return flag(vertx).set.get();
  }

  private static Flag flag(Vertx vertx) {
    return vertx.sharedData().<String, Flag>getLocalMap(SharedNames.NODE).computeIfAbsent("draining", k -> new Flag());
  }
}
