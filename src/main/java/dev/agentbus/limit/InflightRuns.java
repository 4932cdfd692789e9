package dev.agentbus.limit;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import com.hazelcast.map.IMap;
import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.bus.SharedNames;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.Shareable;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.Serializable;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Caps the runs (unfinished commands) one principal has in flight at once, cluster-wide ({@code
 * limits.max_inflight_runs}). A principal's count is one entry, keyed by {@link
 * dev.agentbus.auth.Principal#rateKey}: in one Hazelcast map ({@link SharedNames#INFLIGHT_RUNS})
 * on a clustered node, each change one entry processor run on the key's owner (atomic: nodes never
 * admit past the cap together); in this node's memory otherwise. A take is one operation, a
 * release one; a count never goes below zero and its entry goes when it reaches zero.
 *
 * <p><b>Leaks.</b> A slot is released by whichever node concludes the command, the reaper's
 * {@code NODE_LOST} for a dead node's commands included. What a dying node can leak (a slot taken
 * for a submit that never reached the open set, a release that could not be sent) is bounded by
 * the entry's time to live, {@code ttlMs} after the principal's last take or release: by then every
 * command counted before that last change is final (its timeout and the reaper's sweep are within
 * the ttl), so whatever count is left is leaked and goes with the entry. A whole-cluster restart
 * starts from zero (the restart's recovery then releases nothing below zero). If the counts cannot
 * be reached the run passes (fail open, logged), as the request rate limits do.
 */
public final class InflightRuns {
  private static final Logger LOG = LoggerFactory.getLogger(InflightRuns.class);
  /** The answer of a refused change: the count is unchanged. */
  private static final long REFUSED = -1;

  private interface Counts {
    /** Adds {@code delta} to {@code key}'s count unless it would pass {@code max}: the new count, or {@link #REFUSED}. */
    Future<Long> add(String key, long delta, long max);
  }

  private final Counts counts;
  private final int max;

  private InflightRuns(Counts counts, int max) {
    this.counts = counts;
    this.max = max;
  }

  /**
   * The cap of {@code max} runs per principal (0: no cap, nothing counted): the cluster's counts
   * when {@code vertx} is clustered on Hazelcast (entries living {@code ttlMs} after their last
   * change), else this node's (shared by its verticles).
   */
  public static InflightRuns of(Vertx vertx, int max, long ttlMs) {
    if (vertx.isClustered() && ((VertxInternal) vertx).clusterManager() instanceof HazelcastClusterManager manager) {
      IMap<String, Long> map = manager.getHazelcastInstance().getMap(SharedNames.INFLIGHT_RUNS);
      return new InflightRuns((key, delta, cap) -> Future.fromCompletionStage(
          map.submitToKey(key, new AddRuns(delta, cap, ttlMs)), vertx.getOrCreateContext()), max);
    }
    ConcurrentHashMap<String, Long> local = vertx.sharedData().<String, LocalCounts>getLocalMap(SharedNames.INFLIGHT_RUNS)
        .computeIfAbsent("counts", k -> new LocalCounts()).counts;
    return new InflightRuns((key, delta, cap) -> {
      long[] answer = {REFUSED};
      local.compute(key, (k, current) -> {
        answer[0] = added(current, delta, cap);
        return answer[0] == REFUSED ? current : (answer[0] == 0 ? null : Long.valueOf(answer[0]));
      });
      return Future.succeededFuture(answer[0]);
    }, max);
  }

  /** Whether runs are counted at all. */
  public boolean enabled() {
    return max > 0;
  }

  /**
   * Takes {@code runs} slots of {@code key} (all or none), or fails with 429 {@code RATE_LIMITED}
   * (details {@code limit}, {@code max_inflight_runs}, {@code retry_after_s}) when they would pass
   * the cap.
   */
  public Future<Void> take(String key, int runs) {
    if (!enabled()) {
      return Future.succeededFuture();
    }
    return counts.add(key, runs, max)
        .recover(failure -> {
          LOG.warn("in-flight run counts unavailable, {} run(s) of {} pass: {}", runs, key, failure.getMessage());
          return Future.succeededFuture(0L);
        })
        .compose(count -> count != REFUSED ? Future.succeededFuture()
            : Future.failedFuture(new BusError(ErrorCode.RATE_LIMITED, "At most " + max
                + " runs (unfinished commands) may be in flight at once per principal (limits.max_inflight_runs);"
                + " retry once one has finished", new JsonObject().put("limit", "max_inflight_runs")
                .put("max_inflight_runs", max).put("retry_after_s", 1))));
  }

  /** Gives back {@code runs} slots of {@code key}; a failure is logged (the entry's ttl bounds the leak). */
  public void release(String key, int runs) {
    if (enabled()) {
      counts.add(key, -runs, max).onFailure(failure ->
          LOG.warn("{} in-flight run(s) of {} could not be released: {}", runs, key, failure.getMessage()));
    }
  }

  /** The count after adding {@code delta} to {@code current} (null: none), never below zero; {@link #REFUSED} past {@code max}. */
  static long added(Long current, long delta, long max) {
    long now = current == null ? 0 : current;
    long next = Math.max(0, now + delta);
    return delta > 0 && next > max ? REFUSED : next;
  }

  private static final class LocalCounts implements Shareable {
    final ConcurrentHashMap<String, Long> counts = new ConcurrentHashMap<>();
  }

  /** Runs on the key's owner, under its partition lock. */
  record AddRuns(long delta, long max, long ttlMs) implements EntryProcessor<String, Long, Long>, Serializable {
    @Override
    public Long process(Map.Entry<String, Long> entry) {
      long next = added(entry.getValue(), delta, max);
      if (next == REFUSED) {
        return next;
      }
      if (next == 0) {
        entry.setValue(null);
      } else if (entry instanceof ExtendedMapEntry<String, Long> extended) {
        extended.setValue(next, ttlMs, TimeUnit.MILLISECONDS);
      } else {
        entry.setValue(next);
      }
      return next;
    }
  }
}
