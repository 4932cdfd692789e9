package dev.agentbus.limit;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import com.hazelcast.map.IMap;
import dev.agentbus.bus.SharedNames;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.Serial;
import java.io.Serializable;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The cluster's buckets: one Hazelcast map ({@link SharedNames#RATE_BUCKETS}), each take one
 * entry processor run on the key's owner — atomic, so nodes never admit more than the bucket
 * holds (no local share to over-spend). An entry expires two windows after its last use (a full
 * bucket is no entry), so the map stays as small as the set of recently active principals.
 */
final class ClusterBuckets implements Buckets {
  private final Vertx vertx;
  private final IMap<String, long[]> map;

  ClusterBuckets(Vertx vertx, HazelcastInstance hazelcast) {
    this.vertx = vertx;
    this.map = hazelcast.getMap(SharedNames.RATE_BUCKETS);
  }

  @Override
  public Future<Take> take(String key, long capacity, long windowMs, long cost) {
    var context = vertx.getOrCreateContext();
    return Future.fromCompletionStage(map.submitToKey(key, new TakeTokens(capacity, windowMs, cost)), context)
        .map(TokenBucket::answer);
  }

  /** Runs on the key's owner, under its partition lock; the owner's clock refills the bucket. */
  static final class TakeTokens implements EntryProcessor<String, long[], long[]>, Serializable {
    @Serial
    private static final long serialVersionUID = 1L;
    private final long capacity;
    private final long windowMs;
    private final long cost;

    TakeTokens(long capacity, long windowMs, long cost) {
      this.capacity = capacity;
      this.windowMs = windowMs;
      this.cost = cost;
    }

    @Override
    public long[] process(Map.Entry<String, long[]> entry) {
      long[] result = TokenBucket.take(entry.getValue(), capacity, windowMs, cost, System.currentTimeMillis());
      long[] state = {result[0], result[1]};
      if (entry instanceof ExtendedMapEntry<String, long[]> extended) {
        extended.setValue(state, 2 * windowMs, TimeUnit.MILLISECONDS);
      } else {
        entry.setValue(state);
      }
      return result;
    }
  }
}
