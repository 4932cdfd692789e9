package dev.agentbus.command;

import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.bus.EventTypes;
import dev.agentbus.event.Events;
import dev.agentbus.store.Store;
import dev.agentbus.util.Json;
import dev.agentbus.util.Retry;
import dev.agentbus.util.Times;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.BulkOperation;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.ext.mongo.UpdateOptions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The durable record of commands, the repository of the {@code commands} collection (owned by
 * {@link CommandVerticle}): every status change is a conditional update in the store, then a
 * {@code command.<status>} event. A transition that lost a race (cancel vs. completion) changes
 * nothing and announces nothing. Public only for {@link #COMMANDS} and {@link #ensureIndexes}.
 */
public final class CommandLedger {
  /**
   * {@code {_id: "cmd_...", session_id, command_type, parameters, metadata: {priority, timeout},
   * status, result, error, created_at, updated_at, started_at?, completed_at?, deadline_ms,
   * request_id, node_id, batch_id?, batch_index?}}.
   */
  public static final String COMMANDS = "commands";
  /**
   * The unfinished commands only, {@code {_id, session_id, command_type, node_id, deadline_ms}}:
   * what the reaper, the busy check and a session's cancel read, so they never walk the history.
   * Written with the command (in parallel), removed once it is final (in parallel with its event);
   * an entry left behind is removed when a finish finds its command already final.
   */
  static final String OPEN = "open_commands";

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CommandLedger.class);
  private final Vertx vertx;
  private final MongoClient mongo;
  /** The last transition of each command still in progress here; the next one waits for it. */
  private final Map<String, Future<JsonObject>> inProgress = new HashMap<>();

  CommandLedger(Vertx vertx, MongoClient mongo) {
    this.vertx = vertx;
    this.mongo = mongo;
  }

  /**
   * Stores new pending commands, then announces {@code command.accepted} for each, in order. If
   * the announcement cannot be stored, the commands are removed again: nothing half-accepted stays.
   */
  Future<Void> accept(List<JsonObject> docs) {
    List<BulkOperation> inserts = docs.stream().map(BulkOperation::createInsert).toList();
    List<BulkOperation> opens = docs.stream().map(doc -> BulkOperation.createInsert(new JsonObject()
        .put("_id", doc.getString("_id")).put("session_id", doc.getString("session_id"))
        .put("command_type", doc.getString("command_type")).put("node_id", doc.getString("node_id"))
        .put("deadline_ms", doc.getValue("deadline_ms")))).toList();
    JsonObject byIds = new JsonObject().put("_id", new JsonObject().put("$in",
        new JsonArray(docs.stream().map(doc -> doc.getString("_id")).toList())));
    return Future.all(mongo.bulkWrite(COMMANDS, inserts), mongo.bulkWrite(OPEN, opens))
        .compose(written -> Future.all(docs.stream().map(doc -> announce(doc, EventTypes.COMMAND_ACCEPTED)
                .onSuccess(event -> doc.put("accepted_seq", event.getLong("seq")))).toList()))
        .recover(failure -> Future.join(mongo.removeDocuments(COMMANDS, byIds), mongo.removeDocuments(OPEN, byIds))
            .transform(undone -> Future.failedFuture(failure)))
        .mapEmpty();
  }

  /** {@code pending → executing}; null when the command is no longer pending. */
  Future<JsonObject> markExecuting(String commandId) {
    String now = Times.now();
    return transition(commandId, List.of(CommandStatus.PENDING),
        new JsonObject().put("status", CommandStatus.EXECUTING).put("started_at", now).put("updated_at", now),
        EventTypes.COMMAND_STARTED);
  }

  /** Moves an unfinished command to a final status; null when it was already final. */
  Future<JsonObject> finish(String commandId, String status, JsonObject result, JsonObject error) {
    String now = Times.now();
    JsonObject set = new JsonObject().put("status", status).put("result", result).put("error", error)
        .put("completed_at", now).put("updated_at", now);
    return transition(commandId, List.of(CommandStatus.PENDING, CommandStatus.EXECUTING), set, EventTypes.command(status));
  }

  /**
   * Runs one command's transitions one after another (update, then its event), so their events
   * are announced in the order the store applied them: a cancel racing the start cannot put
   * {@code command.cancelled} before {@code command.started}. Event-loop confined.
   */
  private Future<JsonObject> transition(String commandId, List<String> from, JsonObject set, String eventType) {
    Future<JsonObject> previous = inProgress.getOrDefault(commandId, Future.succeededFuture());
    Future<JsonObject> next = previous.transform(done -> update(commandId, from, set, eventType));
    inProgress.put(commandId, next);
    next.onComplete(done -> inProgress.remove(commandId, next));
    return next;
  }

  /**
   * The conditional update, as {@code {_id, status: <one status>}} equality filters tried in turn
   * (the unique {@code (_id, status)} index serves each on the embedded store, which cannot use an
   * index for {@code status: {$in}}). Status only moves forward (pending → executing → final), so
   * for {@code from = [pending, executing]} the tries executing, pending, executing are enough: a
   * command that was pending at the first try and moved on before the second is executing or
   * final at the third. A finish from executing, the common case, takes one request.
   */
  private Future<JsonObject> update(String commandId, List<String> from, JsonObject set, String eventType) {
    List<String> tries = from.size() == 1 ? from : List.of(CommandStatus.EXECUTING, CommandStatus.PENDING, CommandStatus.EXECUTING);
    boolean finishing = CommandStatus.isFinal(set.getString("status"));
    return tryUpdate(commandId, tries, 0, set)
        .compose(doc -> {
          if (finishing) {
            // Final now (or already): it leaves the open set, alongside its event.
            mongo.removeDocument(OPEN, new JsonObject().put("_id", commandId))
                .onFailure(failure -> LOG.warn("command {} stays in the open set until a later finish", commandId, failure));
          }
          return Future.succeededFuture(doc);
        })
        .compose(doc -> doc == null ? Future.succeededFuture() : announce(doc, eventType)
            .otherwise(failure -> {
              // The transition is durable; only its event is missing. Say so rather than fail the command.
              LOG.error("command {} is {} but its {} event could not be stored request_id={}",
                  commandId, doc.getString("status"), eventType, doc.getString("request_id"), failure);
              return null;
            })
            .map(doc));
  }

  private Future<JsonObject> tryUpdate(String commandId, List<String> tries, int index, JsonObject set) {
    if (index == tries.size()) {
      return Future.succeededFuture();
    }
    JsonObject query = new JsonObject().put("_id", commandId).put("status", tries.get(index));
    return mongo.findOneAndUpdateWithOptions(COMMANDS, query, new JsonObject().put("$set", set),
            new FindOptions(), new UpdateOptions().setReturningNewDocument(true))
        .compose(doc -> doc != null ? Future.succeededFuture(doc) : tryUpdate(commandId, tries, index + 1, set));
  }

  /** Read by {@code _id} (its index on every store), then the session is checked here. */
  Future<JsonObject> find(String sessionId, String commandId) {
    return findById(commandId)
        .compose(doc -> doc == null || !sessionId.equals(doc.getString("session_id"))
            ? Future.failedFuture(BusError.notFound(ErrorCode.COMMAND_NOT_FOUND, "Command", "command_id", commandId))
            : Future.succeededFuture(doc));
  }

  Future<JsonObject> findById(String commandId) {
    return mongo.findOne(COMMANDS, new JsonObject().put("_id", commandId), null);
  }

  /** The ids of a session's unfinished commands (of {@code commandType}, unless null), oldest first (from the open set). */
  Future<List<JsonObject>> unfinished(String sessionId, String commandType) {
    JsonObject query = new JsonObject().put("session_id", sessionId);
    if (commandType != null) {
      query.put("command_type", commandType);
    }
    return mongo.findWithOptions(OPEN, query,
        new FindOptions().setFields(new JsonObject().put("_id", 1)).setSort(new JsonObject().put("_id", 1)));
  }

  Future<List<JsonObject>> list(JsonObject body) {
    JsonObject query = new JsonObject().put("session_id", body.getString("session_id"));
    for (String filter : List.of("status", "command_type")) {
      if (body.getString(filter) != null) {
        query.put(filter, body.getString(filter));
      }
    }
    if (body.getString("cursor") != null) {
      query.put("_id", new JsonObject().put("$gt", body.getString("cursor")));
    }
    return mongo.findWithOptions(COMMANDS, query,
        new FindOptions().setSort(new JsonObject().put("_id", 1)).setLimit(body.getInteger("limit") + 1));
  }

  private Future<JsonObject> announce(JsonObject doc, String eventType) {
    JsonObject data = new JsonObject()
        .put("command_id", doc.getString("_id"))
        .put("command_type", doc.getString("command_type"))
        .put("status", doc.getString("status"));
    if (CommandStatus.isFinal(doc.getString("status"))) {
      data.put("result", doc.getValue("result")).put("error", doc.getValue("error"));
    }
    return Retry.withBackoff(vertx, 3, 100,
        () -> Events.append(vertx, doc.getString("session_id"), eventType, data, doc.getString("_id")));
  }

  /** Removes every command of a (deleted) session; the number removed. */
  Future<Long> purge(String sessionId) {
    return Store.removeSession(mongo, OPEN, sessionId).compose(open -> Store.removeSession(mongo, COMMANDS, sessionId));
  }

  /**
   * The transitions' {@code (_id, status)} (unique because {@code _id} is; the embedded store
   * uses it for the equality filter of each try), a session's commands in id order, and the
   * open set's sweeps (on a real MongoDB; the open set is small on the embedded store).
   */
  public static Future<Void> ensureIndexes(MongoClient mongo) {
    return Future.all(List.of(
        mongo.createIndexWithOptions(COMMANDS, new JsonObject().put("_id", 1).put("status", 1),
            new io.vertx.ext.mongo.IndexOptions().unique(true).name("id_status")),
        Store.index(mongo, COMMANDS, new JsonObject().put("session_id", 1).put("_id", 1), "session_commands"),
        Store.index(mongo, OPEN, new JsonObject().put("session_id", 1).put("command_type", 1), "session_type"),
        Store.index(mongo, OPEN, new JsonObject().put("node_id", 1), "node"),
        Store.index(mongo, OPEN, new JsonObject().put("deadline_ms", 1), "deadline")))
        .mapEmpty();
  }

  /** The public shape of a command. */
  private static final List<String> VIEW = List.of("session_id", "command_type", "parameters", "metadata", "status",
      "result", "error", "created_at", "started_at", "completed_at");
  private static final List<String> VIEW_WHEN_SET = List.of("accepted_seq", "batch_id", "batch_index");

  static JsonObject toCommand(JsonObject doc) {
    return Json.view(doc, "command_id", VIEW, VIEW_WHEN_SET);
  }
}
