package dev.agentbus.store;

import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.BulkOperation;
import io.vertx.ext.mongo.BulkWriteOptions;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.MongoClient;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The group commit of one collection's simple writes: inserts and updates by {@code _id} queue
 * here and go out as one ordered bulk write of whatever queued (at most {@code maxBatch}), one
 * write in flight at a time ({@link GroupCommit}), so concurrent writers share a store request
 * and one writer's writes apply in its order. When a bulk fails, the inserts are read back by
 * {@code _id}: each one found stored succeeds; the rest of the batch fails with the write's
 * failure (an update may or may not have applied: callers use it only for idempotent ones, like a
 * tail's {@code $push} of a fresh id). Bounded: past {@code maxQueued} waiting writes, {@code
 * SERVICE_UNAVAILABLE}. Event-loop confined.
 */
public final class GroupWrite {
  private record Queued(BulkOperation operation, Object insertedId, Promise<Void> done) {}

  private final MongoClient mongo;
  private final String collection;
  private final int maxQueued;
  private final GroupCommit<Queued> commit;

  public GroupWrite(MongoClient mongo, String collection, int maxBatch, int maxQueued) {
    this.mongo = mongo;
    this.collection = collection;
    this.maxQueued = maxQueued;
    this.commit = new GroupCommit<>(maxBatch, this::write);
  }

  /** Completes once {@code doc} (with its {@code _id}) is durable. */
  public Future<Void> insert(JsonObject doc) {
    return enqueue(BulkOperation.createInsert(doc), doc.getValue("_id"));
  }

  /** Completes once {@code update} is applied to the document {@code _id = id} (created first when {@code upsert}). */
  public Future<Void> update(Object id, JsonObject update, boolean upsert) {
    return enqueue(BulkOperation.createUpdate(new JsonObject().put("_id", id), update, upsert, false), null);
  }

  private Future<Void> enqueue(BulkOperation operation, Object insertedId) {
    if (commit.queued() >= maxQueued) {
      return Future.failedFuture(new BusError(ErrorCode.SERVICE_UNAVAILABLE, "The " + collection + " write queue is full, retry later"));
    }
    Queued queued = new Queued(operation, insertedId, Promise.promise());
    commit.add(queued);
    return queued.done().future();
  }

  private Future<Void> write(List<Queued> batch) {
    return mongo.bulkWriteWithOptions(collection, batch.stream().map(Queued::operation).toList(), new BulkWriteOptions(true))
        .<Void>compose(written -> {
          batch.forEach(queued -> queued.done().complete());
          return Future.succeededFuture();
        }, failure -> reconcile(batch, failure));
  }

  private Future<Void> reconcile(List<Queued> batch, Throwable failure) {
    JsonArray ids = new JsonArray(batch.stream().filter(queued -> queued.insertedId() != null).map(Queued::insertedId).toList());
    Future<List<JsonObject>> stored = ids.isEmpty() ? Future.succeededFuture(List.of())
        : mongo.findWithOptions(collection, new JsonObject().put("_id", new JsonObject().put("$in", ids)),
            new FindOptions().setFields(new JsonObject().put("_id", 1)));
    return stored.<Void>map(found -> {
      Set<Object> present = new HashSet<>();
      found.forEach(doc -> present.add(doc.getValue("_id")));
      batch.forEach(queued -> {
        if (queued.insertedId() != null && present.contains(queued.insertedId())) {
          queued.done().complete();
        } else {
          queued.done().fail(failure);
        }
      });
      return null;
    }).otherwise(readFailure -> {
      batch.forEach(queued -> queued.done().tryFail(failure));
      return null;
    });
  }
}
