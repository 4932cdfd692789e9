package dev.agentbus.limit;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.Shareable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A node's buckets in memory, one set per Vert.x instance (shared by its HTTP verticles). At most
 * {@code maxKeys} are kept, least recently used dropped first: a dropped bucket comes back full,
 * which is what an idle bucket is anyway after one window.
 */
final class LocalBuckets implements Buckets, Shareable {
  private final Map<String, long[]> buckets;

  private LocalBuckets(int maxKeys) {
    this.buckets = new LinkedHashMap<>(1024, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, long[]> eldest) {
        return size() > maxKeys;
      }
    };
  }

  static LocalBuckets shared(Vertx vertx, int maxKeys) {
    return vertx.sharedData().<String, LocalBuckets>getLocalMap("agentbus.rate-buckets")
        .computeIfAbsent("buckets", k -> new LocalBuckets(maxKeys));
  }

  @Override
  public Future<Take> take(String key, long capacity, long windowMs, long cost) {
    long[] result;
    synchronized (buckets) {
      result = TokenBucket.take(buckets.get(key), capacity, windowMs, cost, System.currentTimeMillis());
      buckets.put(key, new long[] {result[0], result[1]});
    }
    return Future.succeededFuture(TokenBucket.answer(result));
  }

  int size() {
    synchronized (buckets) {
      return buckets.size();
    }
  }
}
