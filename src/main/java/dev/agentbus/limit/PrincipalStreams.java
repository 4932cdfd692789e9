package dev.agentbus.limit;

import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.Shareable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Caps the streams (SSE and WebSocket) one principal has open on one node at once. Counts live in
 * a map shared by the node's HTTP verticles; a principal's entry is removed when its last stream
 * closes, so the map is no larger than the set of principals with a stream open.
 */
public final class PrincipalStreams {
  private static final class Open implements Shareable {
    final ConcurrentHashMap<String, Integer> counts = new ConcurrentHashMap<>();
  }

  private final ConcurrentHashMap<String, Integer> counts;
  private final int max;

  public PrincipalStreams(Vertx vertx, int max) {
    this.max = max;
    this.counts = vertx.sharedData().<String, Open>getLocalMap("agentbus.principal-streams")
        .computeIfAbsent("open", k -> new Open()).counts;
  }

  /**
   * Takes one of {@code key}'s stream slots, or fails with 429 {@code RATE_LIMITED}; the returned
   * release is safe to call more than once.
   */
  public Runnable acquire(String key) {
    boolean[] taken = {false};
    counts.compute(key, (k, open) -> {
      int now = open == null ? 0 : open;
      taken[0] = now < max;
      return taken[0] ? now + 1 : (now == 0 ? null : now);
    });
    if (!taken[0]) {
      throw new BusError(ErrorCode.RATE_LIMITED, "At most " + max + " streams may be open at once; close one first",
          new JsonObject().put("limit", "max_streams_per_principal").put("retry_after_s", 1));
    }
    AtomicBoolean released = new AtomicBoolean();
    return () -> {
      if (released.compareAndSet(false, true)) {
        counts.computeIfPresent(key, (k, open) -> open <= 1 ? null : open - 1);
      }
    };
  }

  /** Streams open under {@code key} on this node. */
  public int open(String key) {
    return counts.getOrDefault(key, 0);
  }
}
