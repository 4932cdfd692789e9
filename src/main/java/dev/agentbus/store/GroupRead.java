package dev.agentbus.store;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads of one collection by {@code _id}, batched: whatever reads queued while the previous one
 * ran go out as one {@code find {_id: {$in: [...]}}} (at most {@code maxBatch} ids, {@link
 * GroupCommit}), served by the {@code _id} index on every store. A lone reader pays one request,
 * as before; concurrent readers share one. Event-loop confined.
 */
public final class GroupRead {
  private record Queued(Object id, Promise<JsonObject> found) {}

  private final MongoClient mongo;
  private final String collection;
  private final GroupCommit<Queued> commit;

  public GroupRead(MongoClient mongo, String collection, int maxBatch) {
    this.mongo = mongo;
    this.collection = collection;
    this.commit = new GroupCommit<>(maxBatch, this::read);
  }

  /** The document with this {@code _id}, or null. */
  public Future<JsonObject> byId(Object id) {
    Queued queued = new Queued(id, Promise.promise());
    commit.add(queued);
    return queued.found().future();
  }

  private Future<Void> read(List<Queued> batch) {
    JsonArray ids = new JsonArray(batch.stream().map(Queued::id).distinct().toList());
    return mongo.find(collection, new JsonObject().put("_id", new JsonObject().put("$in", ids)))
        .onSuccess(docs -> {
          Map<Object, JsonObject> byId = new HashMap<>();
          docs.forEach(doc -> byId.put(doc.getValue("_id"), doc));
          // Each reader gets its own copy: callers may change what they read.
          batch.forEach(queued -> {
            JsonObject doc = byId.get(queued.id());
            queued.found().complete(doc == null ? null : doc.copy());
          });
        })
        .onFailure(failure -> batch.forEach(queued -> queued.found().fail(failure)))
        .mapEmpty();
  }
}
