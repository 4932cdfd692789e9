package dev.agentbus.command;

import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import dev.agentbus.store.GroupCommit;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.BulkOperation;
import io.vertx.ext.mongo.BulkWriteOptions;
import io.vertx.ext.mongo.MongoClient;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The group commit of the {@code commands} collection: inserts of new commands and conditional
 * updates ({@code {_id, status: <one status>}} → {@code $set}, served by the unique {@code (_id,
 * status)} index) queue here and go out as one unordered {@code bulkWrite} of whatever queued (at
 * most {@code maxBatch} operations), one write in flight at a time. A bulk's result has only
 * aggregate counts: when fewer updates matched than were sent, the updated commands are read back
 * by {@code _id: {$in}} and an update counts as applied only if the document now carries its
 * {@code $set} (status and timestamps); the others lost a race. Event-loop confined.
 */
final class CommandWrites {
  /** What an applied update must leave on the document (a racing writer sets other values). */
  private static final List<String> MARKS = List.of("status", "updated_at", "started_at", "completed_at");

  private record Queued(BulkOperation operation, String commandId, JsonObject set, Promise<Boolean> applied) {
    boolean isUpdate() {
      return set != null;
    }
  }

  private final MongoClient mongo;
  private final int maxQueued;
  private final GroupCommit<Queued> commit;

  CommandWrites(MongoClient mongo, int maxBatch, int maxQueued) {
    this.mongo = mongo;
    this.maxQueued = maxQueued;
    this.commit = new GroupCommit<>(maxBatch, this::write);
  }

  /** Inserts new commands; completes once they are durable. */
  Future<Void> insert(List<JsonObject> docs) {
    if (commit.queued() + docs.size() > maxQueued) {
      return Future.failedFuture(new BusError(ErrorCode.SERVICE_UNAVAILABLE, "Command store queue is full, retry later"));
    }
    List<Queued> inserts = docs.stream()
        .map(doc -> new Queued(BulkOperation.createInsert(doc), doc.getString("_id"), null, Promise.<Boolean>promise())).toList();
    commit.addAll(inserts);
    return Future.all(inserts.stream().map(queued -> queued.applied().future()).toList()).mapEmpty();
  }

  /** Applies {@code set} if the command's status is still {@code from}; whether it was applied. */
  Future<Boolean> update(String commandId, String from, JsonObject set) {
    if (commit.queued() >= maxQueued) {
      return Future.failedFuture(new BusError(ErrorCode.SERVICE_UNAVAILABLE, "Command store queue is full, retry later"));
    }
    JsonObject filter = new JsonObject().put("_id", commandId).put("status", from);
    Queued update = new Queued(BulkOperation.createUpdate(filter, new JsonObject().put("$set", set)), commandId, set, Promise.promise());
    commit.add(update);
    return update.applied().future();
  }

  private Future<Void> write(List<Queued> batch) {
    // Unordered: the driver sends the inserts and the updates as one request each. No command has
    // two operations in one batch (its ledger waits for one transition before the next).
    return mongo.bulkWriteWithOptions(CommandLedger.COMMANDS, batch.stream().map(Queued::operation).toList(),
            new BulkWriteOptions().setOrdered(false))
        .compose(result -> {
          List<Queued> updates = batch.stream().filter(Queued::isUpdate).toList();
          return result.getMatchedCount() == updates.size() ? Future.succeededFuture(List.<String>of()) : unapplied(updates);
        })
        .onSuccess(lost -> batch.forEach(queued -> queued.applied().complete(!lost.contains(queued.commandId()))))
        .onFailure(failure -> batch.forEach(queued -> queued.applied().fail(failure)))
        .mapEmpty();
  }

  /** The ids of the updates that did not apply, told by reading the documents back. */
  private Future<List<String>> unapplied(List<Queued> updates) {
    JsonObject byIds = new JsonObject().put("_id", new JsonObject().put("$in",
        new JsonArray(updates.stream().map(Queued::commandId).toList())));
    return mongo.find(CommandLedger.COMMANDS, byIds).map(docs -> {
      Map<String, JsonObject> current = docs.stream().collect(Collectors.toMap(doc -> doc.getString("_id"), doc -> doc));
      return updates.stream().filter(update -> !carries(current.get(update.commandId()), update.set()))
          .map(Queued::commandId).toList();
    });
  }

  private static boolean carries(JsonObject doc, JsonObject set) {
    return doc != null && MARKS.stream().filter(set::containsKey)
        .allMatch(key -> java.util.Objects.equals(set.getValue(key), doc.getValue(key)));
  }
}
