package dev.agentbus.session;

import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.config.Settings;
import dev.agentbus.store.GroupRead;
import dev.agentbus.util.Times;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Answers "does this session exist?" for the node, with a small bounded cache of live sessions.
 * Only {@link SessionVerticle} holds one (one cache and one eviction consumer per node); other
 * verticles ask it through {@link Sessions#require}. A deletion anywhere in the cluster evicts
 * the entry through {@link Addresses#SESSION_DELETED}; expiry is checked on every hit.
 */
final class SessionDirectory {
  private record Entry(JsonObject session, long cachedAt) {}

  /** Session reads (cache misses) share a request while another is in flight. */
  private static final int READ_BATCH = 200;
  private final MongoClient mongo;
  private final GroupRead reads;
  private final long ttlMs;
  private final Map<String, Entry> cache;
  private final MessageConsumer<JsonObject> evictions;

  SessionDirectory(Vertx vertx, MongoClient mongo, Settings.Sessions sessions) {
    this.mongo = mongo;
    this.reads = new GroupRead(mongo, SessionStore.SESSIONS, READ_BATCH);
    this.ttlMs = sessions.cacheTtlMs();
    int maxEntries = sessions.cacheMaxEntries();
    this.cache = new LinkedHashMap<>(256, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
        return size() > maxEntries;
      }
    };
    this.evictions = vertx.eventBus().consumer(Addresses.SESSION_DELETED,
        message -> evict(message.body().getString("session_id")));
  }

  /** The stored session, or a {@code SESSION_NOT_FOUND} failure (also for an expired one). */
  Future<JsonObject> require(String sessionId) {
    Entry entry = cache.get(sessionId);
    long now = System.currentTimeMillis();
    if (entry != null && now - entry.cachedAt() < ttlMs && !expired(entry.session())) {
      return Future.succeededFuture(entry.session());
    }
    return reads.byId(sessionId)
        .compose(doc -> {
          if (doc == null || expired(doc)) {
            cache.remove(sessionId);
            return Future.failedFuture(
                BusError.notFound(ErrorCode.SESSION_NOT_FOUND, "Session", "session_id", sessionId));
          }
          cache.put(sessionId, new Entry(doc, now));
          return Future.succeededFuture(doc);
        });
  }

  void remember(JsonObject session) {
    cache.put(session.getString("_id"), new Entry(session, System.currentTimeMillis()));
  }

  void evict(String sessionId) {
    cache.remove(sessionId);
  }

  Future<Void> close() {
    return evictions.unregister();
  }

  static boolean expired(JsonObject session) {
    String expiresAt = session.getString("expires_at");
    return expiresAt != null && expiresAt.compareTo(Times.now()) <= 0;
  }
}
