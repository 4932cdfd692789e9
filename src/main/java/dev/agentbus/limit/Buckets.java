package dev.agentbus.limit;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

/**
 * Named token buckets ({@link TokenBucket}). On a clustered node they live in one Hazelcast map
 * ({@link ClusterBuckets}): every node takes from the same bucket atomically, so a limit holds
 * cluster-wide; otherwise in this node's memory ({@link LocalBuckets}), bounded.
 */
public interface Buckets {
  /** Takes {@code cost} tokens from the bucket {@code key} of {@code capacity} tokens per {@code windowMs}. */
  Future<Take> take(String key, long capacity, long windowMs, long cost);

  /** The cluster's buckets when {@code vertx} is clustered on Hazelcast, else this node's (shared by its verticles). */
  static Buckets of(Vertx vertx, int maxLocalKeys) {
    if (vertx.isClustered() && ((VertxInternal) vertx).clusterManager() instanceof HazelcastClusterManager manager) {
      return new ClusterBuckets(vertx, manager.getHazelcastInstance());
    }
    return LocalBuckets.shared(vertx, maxLocalKeys);
  }
}
