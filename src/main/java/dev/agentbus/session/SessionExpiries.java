package dev.agentbus.session;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.ext.mongo.UpdateOptions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * When sessions expire, by time bucket, so the expiry sweep reads only what is due: the
 * {@code session_expiries} collection (owned by {@link SessionVerticle}) holds {@code {_id:
 * "b<bucket>", sessions: [id]}}, where a bucket is {@code expires_at} in ms divided by the sweep
 * period, and {@code {_id: "swept", bucket}}, the last bucket the sweep finished. Every read and
 * write is by {@code _id} (its index on every store). An entry is a hint, not the truth: the
 * sweep removes a listed session only if the session itself says it has expired (a later patch
 * may have moved or dropped its expiry; the entry of the new bucket was written with it).
 */
final class SessionExpiries {
  static final String EXPIRIES = "session_expiries";
  /** Buckets read per request. */
  private static final int BUCKETS_PER_READ = 500;
  private static final String SWEPT = "swept";

  private final MongoClient mongo;
  private final long bucketMs;

  SessionExpiries(MongoClient mongo, long bucketMs) {
    this.mongo = mongo;
    this.bucketMs = bucketMs;
  }

  /** Lists {@code sessionId} under the bucket of {@code expiresAtMs}. */
  Future<Void> record(String sessionId, long expiresAtMs) {
    return mongo.updateCollectionWithOptions(EXPIRIES, new JsonObject().put("_id", "b" + bucketOf(expiresAtMs)),
        new JsonObject().put("$addToSet", new JsonObject().put("sessions", sessionId)),
        new UpdateOptions().setUpsert(true)).mapEmpty();
  }

  /**
   * The session ids listed in the buckets that ended by {@code nowMs} and were not swept yet (at
   * most {@code maxBuckets} of them, oldest first), and the last of those buckets, for
   * {@link #swept}. Nothing when there is nothing new. A store's first sweep (no {@code swept}
   * cursor yet) first adopts the sessions an older agentbus gave an expiry ({@link #adopt}).
   */
  Future<Due> due(long nowMs, int maxBuckets) {
    long last = bucketOf(nowMs) - 1;
    return mongo.findOne(EXPIRIES, new JsonObject().put("_id", SWEPT), null)
        .compose(swept -> swept != null ? Future.succeededFuture(swept.getLong("bucket") + 1) : adopt(last))
        .compose(from -> {
      long to = Math.min(last, from + maxBuckets - 1);
      if (to < from) {
        return Future.succeededFuture(new Due(List.of(), List.of(), from - 1));
      }
      return read(from, to, new ArrayList<>(), new ArrayList<>()).map(found -> new Due(found.sessions, found.buckets, to));
    });
  }

  /**
   * Once per store, on its first sweep: lists every session that has an {@code expires_at} (a
   * walk of {@code sessions}, the one place this class does not go by {@code _id}; a store written
   * by this version has none unlisted) and returns the first bucket to sweep.
   */
  private Future<Long> adopt(long last) {
    return mongo.findWithOptions(SessionStore.SESSIONS, new JsonObject().put("expires_at", new JsonObject().put("$exists", true)),
        new FindOptions().setFields(new JsonObject().put("expires_at", 1))).compose(docs -> {
          List<Future<Void>> listed = new ArrayList<>();
          long first = last;
          for (JsonObject doc : docs) {
            long at = Instant.parse(doc.getString("expires_at")).toEpochMilli();
            first = Math.min(first, bucketOf(at));
            listed.add(record(doc.getString("_id"), at));
          }
          long from = first;
          return Future.all(listed).map(done -> from);
        });
  }

  private record Found(List<String> sessions, List<String> buckets) {}

  private Future<Found> read(long from, long to, List<String> sessions, List<String> buckets) {
    if (from > to) {
      return Future.succeededFuture(new Found(sessions, buckets));
    }
    JsonArray ids = new JsonArray();
    for (long bucket = from; bucket <= to && ids.size() < BUCKETS_PER_READ; bucket++) {
      ids.add("b" + bucket);
    }
    long next = from + ids.size();
    return mongo.findWithOptions(EXPIRIES, new JsonObject().put("_id", new JsonObject().put("$in", ids)), new FindOptions())
        .compose(docs -> {
          for (JsonObject doc : docs) {
            buckets.add(doc.getString("_id"));
            doc.getJsonArray("sessions", new JsonArray()).forEach(id -> sessions.add((String) id));
          }
          return read(next, to, sessions, buckets);
        });
  }

  /** Sessions due to expire, the bucket documents they came from, and the last bucket this read covered. */
  record Due(List<String> sessions, List<String> buckets, long through) {}

  /** After the due sessions were handled: the sweep goes on from {@code due.through + 1}, and the read buckets go. */
  Future<Void> swept(Due due) {
    Future<?> cursor = mongo.updateCollectionWithOptions(EXPIRIES, new JsonObject().put("_id", SWEPT),
        new JsonObject().put("$set", new JsonObject().put("bucket", due.through())), new UpdateOptions().setUpsert(true));
    Future<?> removed = due.buckets().isEmpty() ? Future.succeededFuture()
        : mongo.removeDocuments(EXPIRIES, new JsonObject().put("_id", new JsonObject().put("$in", new JsonArray(due.buckets()))));
    return Future.all(cursor, removed).mapEmpty();
  }

  private long bucketOf(long ms) {
    return Math.floorDiv(ms, bucketMs);
  }
}
