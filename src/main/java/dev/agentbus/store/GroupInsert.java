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
 * The group commit of new documents into one collection: inserts queue here and go out as one
 * unordered bulk insert of whatever queued (at most {@code maxBatch}), one write in flight at a
 * time, so concurrent creators share a store request. When a bulk fails, the documents are read
 * back by {@code _id}: each one found stored succeeds, the others fail with the write's failure.
 * Bounded: past {@code maxQueued} waiting inserts, {@code SERVICE_UNAVAILABLE}. Event-loop confined.
 */
public final class GroupInsert {
  private record Queued(JsonObject doc, Promise<Void> stored) {}

  private final MongoClient mongo;
  private final String collection;
  private final int maxQueued;
  private final GroupCommit<Queued> commit;

  public GroupInsert(MongoClient mongo, String collection, int maxBatch, int maxQueued) {
    this.mongo = mongo;
    this.collection = collection;
    this.maxQueued = maxQueued;
    this.commit = new GroupCommit<>(maxBatch, this::write);
  }

  /** Completes once {@code doc} (with its {@code _id}) is durable. */
  public Future<Void> insert(JsonObject doc) {
    if (commit.queued() >= maxQueued) {
      return Future.failedFuture(new BusError(ErrorCode.SERVICE_UNAVAILABLE, "The " + collection + " write queue is full, retry later"));
    }
    Promise<Void> stored = Promise.promise();
    commit.add(new Queued(doc, stored));
    return stored.future();
  }

  private Future<Void> write(List<Queued> batch) {
    return mongo.bulkWriteWithOptions(collection, batch.stream().map(queued -> BulkOperation.createInsert(queued.doc())).toList(),
            new BulkWriteOptions().setOrdered(false))
        .<Void>compose(written -> {
          batch.forEach(queued -> queued.stored().complete());
          return Future.succeededFuture();
        }, failure -> reconcile(batch, failure));
  }

  private Future<Void> reconcile(List<Queued> batch, Throwable failure) {
    JsonObject byIds = new JsonObject().put("_id", new JsonObject().put("$in",
        new JsonArray(batch.stream().map(queued -> queued.doc().getValue("_id")).toList())));
    return mongo.findWithOptions(collection, byIds, new FindOptions().setFields(new JsonObject().put("_id", 1)))
        .map(found -> {
          Set<Object> stored = new HashSet<>();
          found.forEach(doc -> stored.add(doc.getValue("_id")));
          batch.forEach(queued -> {
            if (stored.contains(queued.doc().getValue("_id"))) {
              queued.stored().complete();
            } else {
              queued.stored().fail(failure);
            }
          });
          return (Void) null;
        })
        .otherwise(readFailure -> {
          batch.forEach(queued -> queued.stored().tryFail(failure));
          return null;
        });
  }
}
