package dev.agentbus.command;

import dev.agentbus.auth.Tenancy;
import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.bus.EventTypes;
import dev.agentbus.event.Events;
import dev.agentbus.metrics.Metrics;
import dev.agentbus.store.Store;
import dev.agentbus.util.Json;
import dev.agentbus.util.Retry;
import dev.agentbus.util.Times;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.ext.mongo.UpdateOptions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The durable record of commands, the repository of the {@code commands} collection (owned by
 * {@link CommandVerticle}): every status change is a conditional update in the store ({@code
 * {_id, status: <one status>}}), then its {@code command.<status>} event. A transition that lost
 * a race (cancel vs. completion) changes nothing and announces nothing. Public only for {@link
 * #COMMANDS} and {@link #ensureIndexes}.
 *
 * <p><b>Fewer round trips.</b> The node that accepted a command (the one that runs it) keeps an
 * outbox of its events: {@code command.accepted}, {@code command.started} and the final event are
 * appended together ({@link Events#appendAll}, one request, in transition order) when the command
 * reaches a final status, when the hold ({@code commands.event_hold_ms}) expires, or at once when
 * the caller needs the seq (a submit without {@code ?wait}, a batch: their replies carry {@code
 * accepted_seq}). The {@code pending → executing} write of a handler that does not start itself is
 * held the same way: a handler that finishes within the hold moves its command from {@code
 * pending} straight to its final status in one update (setting {@code started_at} too). So during
 * the hold a read of the command may still see {@code pending} (at most the hold: then it is
 * {@code executing}, its {@code command.started} stored), and its events are not in the log yet. A
 * node that dies within the hold loses those events (the command still ends {@code NODE_LOST},
 * with its final event). Store writes go through the group commit ({@link CommandWrites}).
 *
 * <p>Transitions of one command are applied one after another, and every transition of a command
 * whose node is live runs on that node (others forward to it, see {@link
 * dev.agentbus.bus.Addresses#commandConclude}), so its events reach the log in transition order:
 * accepted, started, final. A command this node does not hold (its node is gone) is finished
 * directly: the update, then its event.
 *
 * <p>The unfinished commands are in {@link OpenCommands}, not the store. The one scan of the
 * store for them, {@link CommandRecovery}, runs once per cold start of a cluster (or a standalone
 * node), asynchronously, never on a hot path.
 */
public final class CommandLedger {
  /**
   * {@code {_id: "cmd_...", session_id, tenant_id, command_type, parameters, metadata: {priority,
   * timeout}, status, result, error, created_at, updated_at, started_at?, completed_at?,
   * deadline_ms, request_id, node_id, batch_id?, batch_index?, inflight_key?}}: {@code tenant_id} is
   * its session's (absent on commands stored before tenancy: {@code default}'s); {@code
   * inflight_key} the principal whose in-flight slot it holds until final ({@link InflightSlots}).
   */
  public static final String COMMANDS = "commands";

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CommandLedger.class);

  /** A command accepted here and not final yet: the store's status, the one in memory, unsent events. */
  private static final class Outbox {
    final JsonObject doc;
    String stored = CommandStatus.PENDING;
    final List<JsonObject> drafts = new ArrayList<>();
    long holdTimer = -1;

    Outbox(JsonObject doc) {
      this.doc = doc;
    }

    String id() {
      return doc.getString("_id");
    }
  }

  private final Vertx vertx;
  private final MongoClient mongo;
  private final CommandWrites writes;
  private final OpenCommands open;
  private final long holdMs;
  /** The last transition of each command still in progress here; the next one waits for it. */
  private final Map<String, Future<JsonObject>> inProgress = new HashMap<>();
  private final Map<String, Outbox> outboxes = new HashMap<>();

  CommandLedger(Vertx vertx, MongoClient mongo, CommandWrites writes, OpenCommands open, long holdMs) {
    this.vertx = vertx;
    this.mongo = mongo;
    this.writes = writes;
    this.open = open;
    this.holdMs = holdMs;
  }

  /**
   * Stores new pending commands (and adds them to the open set). With {@code announceNow} (or no
   * hold) their {@code command.accepted} events are stored too, in order, and each doc gets its
   * {@code accepted_seq}; if they cannot be, the commands are removed again: nothing half-accepted
   * stays. Otherwise the events wait in the commands' outboxes.
   */
  Future<Void> accept(List<JsonObject> docs, boolean announceNow) {
    List<JsonObject> stored = docs.stream().map(JsonObject::copy).toList();
    JsonObject byIds = new JsonObject().put("_id", new JsonObject().put("$in",
        new JsonArray(docs.stream().map(doc -> doc.getString("_id")).toList())));
    return Future.all(writes.insert(stored), open.add(docs))
        .compose(written -> {
          List<Outbox> boxes = stored.stream().map(doc -> {
            Outbox box = new Outbox(doc);
            box.drafts.add(draft(doc, EventTypes.COMMAND_ACCEPTED));
            outboxes.put(box.id(), box);
            return box;
          }).toList();
          if (!announceNow && holdMs > 0) {
            boxes.forEach(this::hold);
            return Future.succeededFuture();
          }
          return flush(boxes).onSuccess(events -> {
            for (int i = 0; i < docs.size(); i++) {
              docs.get(i).put("accepted_seq", events.get(i).getLong("seq"));
            }
          });
        })
        .recover(failure -> {
          stored.forEach(doc -> close(outboxes.get(doc.getString("_id"))));
          return Future.join(mongo.removeDocuments(COMMANDS, byIds),
                  Future.join(docs.stream().map(doc -> open.remove(doc.getString("_id"))).toList()))
              .transform(undone -> Future.failedFuture(failure));
        })
        .mapEmpty();
  }

  /**
   * {@code pending → executing} now (the store, then {@code command.started} with whatever the
   * outbox held); null when the command is no longer pending. For a handler that starts itself:
   * its own events follow.
   */
  Future<JsonObject> markExecuting(String commandId) {
    return transition(commandId, () -> {
      JsonObject set = startSet();
      Outbox box = outboxes.get(commandId);
      if (box == null) {
        return updateDirectly(commandId, List.of(CommandStatus.PENDING), set, EventTypes.COMMAND_STARTED);
      }
      return writes.update(commandId, CommandStatus.PENDING, set).compose(applied -> {
        if (!applied) {
          return lostRace(box);
        }
        box.stored = CommandStatus.EXECUTING;
        box.doc.mergeIn(set);
        box.drafts.add(draft(box.doc, EventTypes.COMMAND_STARTED));
        return flushLogged(box).map(box.doc.copy());
      });
    });
  }

  /**
   * {@code pending → executing} for a handler about to run: in memory now, in the store and the
   * log when the hold expires or with the command's final status, whichever comes first; null
   * when the command is no longer pending.
   */
  Future<JsonObject> markStarting(String commandId) {
    if (holdMs <= 0 || !outboxes.containsKey(commandId)) {
      return markExecuting(commandId);
    }
    return transition(commandId, () -> {
      Outbox box = outboxes.get(commandId);
      if (box == null) {
        return Future.succeededFuture();
      }
      box.doc.mergeIn(startSet());
      box.drafts.add(draft(box.doc, EventTypes.COMMAND_STARTED));
      hold(box);
      return Future.succeededFuture(box.doc.copy());
    });
  }

  /** Moves an unfinished command to a final status; null when it was already final. */
  Future<JsonObject> finish(String commandId, String status, JsonObject result, JsonObject error) {
    return transition(commandId, () -> {
      String now = Times.now();
      JsonObject set = new JsonObject().put("status", status).put("result", result).put("error", error)
          .put("completed_at", now).put("updated_at", now);
      Outbox box = outboxes.get(commandId);
      if (box == null) {
        return updateDirectly(commandId, List.of(CommandStatus.PENDING, CommandStatus.EXECUTING), set,
            EventTypes.command(status));
      }
      if (!box.stored.equals(box.doc.getString("status"))) {
        set.put("started_at", box.doc.getString("started_at"));
      }
      return writes.update(commandId, box.stored, set).compose(applied -> {
        close(box);
        leaveOpenSet(commandId);
        if (!applied) {
          return lostRace(box);
        }
        box.doc.mergeIn(set);
        box.drafts.add(draft(box.doc, EventTypes.command(status)));
        return flushLogged(box).map(box.doc);
      });
    }).onSuccess(Metrics::commandFinished);
  }

  /**
   * Before pending commands go to another node (this one drains): whatever their outboxes hold
   * ({@code command.accepted}) is stored now, and the outboxes are dropped, so the adopting node's
   * {@code command.started} and final event follow in order, and what this node still does to them
   * (a cancel forwarded here) is written directly.
   */
  Future<Void> handOver(List<String> commandIds) {
    return Future.all(commandIds.stream().map(id -> transition(id, () -> release(id).onComplete(done -> close(outboxes.get(id)))))
        .toList()).mapEmpty();
  }

  /**
   * Takes over commands another node handed over: those still pending become {@code nodeId}'s (in
   * the store, then the open set); the ones adopted, with their new {@code node_id}. A command
   * finished meanwhile (cancelled, timed out) is left alone.
   */
  Future<List<JsonObject>> adopt(List<JsonObject> docs, String nodeId) {
    List<Future<JsonObject>> updates = docs.stream().map(doc -> writes.update(doc.getString("_id"), CommandStatus.PENDING,
            new JsonObject().put("node_id", nodeId).put("updated_at", Times.now()))
        .map(applied -> applied ? doc.copy().put("node_id", nodeId) : null)).toList();
    return Future.all(updates).compose(all -> {
      List<JsonObject> adopted = updates.stream().map(Future::result).filter(java.util.Objects::nonNull).toList();
      return open.add(adopted).map(adopted);
    });
  }

  /** The hold expired: the held {@code executing} write, if any, then the held events. */
  private Future<JsonObject> release(String commandId) {
    Outbox box = outboxes.get(commandId);
    if (box == null) {
      return Future.succeededFuture();
    }
    String status = box.doc.getString("status");
    Future<Boolean> written = status.equals(box.stored) ? Future.succeededFuture(true)
        : writes.update(commandId, box.stored, new JsonObject().put("status", status)
            .put("started_at", box.doc.getString("started_at")).put("updated_at", box.doc.getString("updated_at")));
    return written.compose(applied -> {
      if (!applied) {
        close(box);
        return lostRace(box);
      }
      box.stored = status;
      return flushLogged(box).map((JsonObject) null);
    });
  }

  private void hold(Outbox box) {
    if (box.holdTimer < 0) {
      box.holdTimer = vertx.setTimer(holdMs, t -> {
        box.holdTimer = -1;
        transition(box.id(), () -> release(box.id()));
      });
    }
  }

  private void close(Outbox box) {
    if (box != null) {
      vertx.cancelTimer(box.holdTimer);
      outboxes.remove(box.id(), box);
    }
  }

  /**
   * Someone else finished the command first (a node that took this one for gone): its final event
   * is in the log, so the held ones are dropped rather than appended after it.
   */
  private Future<JsonObject> lostRace(Outbox box) {
    if (!box.drafts.isEmpty()) {
      LOG.warn("command {} was finished elsewhere; {} held event(s) dropped request_id={}",
          box.id(), box.drafts.size(), box.doc.getString("request_id"));
    }
    box.drafts.clear();
    return Future.succeededFuture();
  }

  /** Appends the outboxes' events in one request, in order; the stored events. */
  private Future<List<JsonObject>> flush(List<Outbox> boxes) {
    List<JsonObject> drafts = new ArrayList<>();
    boxes.forEach(box -> {
      drafts.addAll(box.drafts);
      box.drafts.clear();
    });
    return drafts.isEmpty() ? Future.succeededFuture(List.of())
        : Retry.withBackoff(vertx, 3, 100, () -> Events.appendAll(vertx, drafts));
  }

  /** The transition is durable; if only its events are missing, that is said rather than failing the command. */
  private Future<Void> flushLogged(Outbox box) {
    int held = box.drafts.size();
    return flush(List.of(box)).<Void>mapEmpty().otherwise(failure -> {
      LOG.error("command {} is {} but {} of its events could not be stored request_id={}",
          box.id(), box.doc.getString("status"), held, box.doc.getString("request_id"), failure);
      return null;
    });
  }

  private void leaveOpenSet(String commandId) {
    open.remove(commandId).onFailure(failure ->
        LOG.warn("command {} stays in the open set until the reaper finds it final", commandId, failure));
  }

  private static JsonObject startSet() {
    String now = Times.now();
    return new JsonObject().put("status", CommandStatus.EXECUTING).put("started_at", now).put("updated_at", now);
  }

  /**
   * Runs one command's transitions one after another (update, then its events), so their events
   * are announced in the order the store applied them: a cancel racing the start cannot put
   * {@code command.cancelled} before {@code command.started}. Event-loop confined.
   */
  private Future<JsonObject> transition(String commandId, Supplier<Future<JsonObject>> step) {
    Future<JsonObject> previous = inProgress.getOrDefault(commandId, Future.succeededFuture());
    Future<JsonObject> next = previous.transform(done -> step.get());
    inProgress.put(commandId, next);
    next.onComplete(done -> inProgress.remove(commandId, next));
    return next;
  }

  /**
   * A command not held here: the conditional update, as {@code {_id, status: <one status>}}
   * equality filters tried in turn (the unique {@code (_id, status)} index serves each on the
   * embedded store, which cannot use an index for {@code status: {$in}}), then its event. Status
   * only moves forward (pending → executing → final), so for {@code from = [pending, executing]}
   * the tries executing, pending, executing are enough: a command that was pending at the first
   * try and moved on before the second is executing or final at the third.
   */
  private Future<JsonObject> updateDirectly(String commandId, List<String> from, JsonObject set, String eventType) {
    List<String> tries = from.size() == 1 ? from : List.of(CommandStatus.EXECUTING, CommandStatus.PENDING, CommandStatus.EXECUTING);
    boolean finishing = CommandStatus.isFinal(set.getString("status"));
    return tryUpdate(commandId, tries, 0, set)
        .onSuccess(doc -> {
          if (finishing) {
            leaveOpenSet(commandId);
          }
        })
        .compose(doc -> doc == null ? Future.succeededFuture() : Retry.withBackoff(vertx, 3, 100,
                () -> Events.appendAll(vertx, List.of(draft(doc, eventType))))
            .otherwise(failure -> {
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

  /**
   * A session's unfinished commands (of {@code commandType}, unless null), oldest first, as open-set
   * entries ({@code _id, node_id, ...}).
   */
  Future<List<JsonObject>> unfinished(String sessionId, String commandType) {
    return open.matching(entry -> sessionId.equals(entry.getString("session_id"))
        && (commandType == null || commandType.equals(entry.getString("command_type"))));
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

  /** A {@code command.*} event's draft: the command's status now (and its outcome once final). */
  private static JsonObject draft(JsonObject doc, String eventType) {
    JsonObject data = new JsonObject()
        .put("command_id", doc.getString("_id"))
        .put("command_type", doc.getString("command_type"))
        .put("status", doc.getString("status"));
    if (CommandStatus.isFinal(doc.getString("status"))) {
      data.put("result", doc.getValue("result")).put("error", doc.getValue("error"));
    }
    return Events.draft(doc.getString("session_id"), eventType, data, doc.getString("_id"));
  }

  /** Removes every command of a (deleted) session, and what is left of it in the open set; the number removed. */
  Future<Long> purge(String sessionId) {
    return unfinished(sessionId, null)
        .compose(left -> Future.all(left.stream().map(entry -> open.remove(entry.getString("_id"))).toList()))
        .compose(removed -> Store.removeSession(mongo, COMMANDS, sessionId));
  }

  /**
   * The transitions' {@code (_id, status)} (unique because {@code _id} is; the embedded store
   * uses it for the equality filter of each conditional update), a session's commands in id order,
   * and the cold-start recovery's unfinished commands (on a real MongoDB).
   */
  public static Future<Void> ensureIndexes(MongoClient mongo) {
    return Future.all(List.of(
        mongo.createIndexWithOptions(COMMANDS, new JsonObject().put("_id", 1).put("status", 1),
            new io.vertx.ext.mongo.IndexOptions().unique(true).name("id_status")),
        Store.index(mongo, COMMANDS, new JsonObject().put("session_id", 1).put("_id", 1), "session_commands"),
        Store.index(mongo, COMMANDS, new JsonObject().put("status", 1).put("_id", 1), "status_commands")))
        .mapEmpty();
  }

  /** The public shape of a command. */
  private static final List<String> VIEW = List.of("session_id", "command_type", "parameters", "metadata", "status",
      "result", "error", "created_at", "started_at", "completed_at");
  private static final List<String> VIEW_WHEN_SET = List.of("accepted_seq", "batch_id", "batch_index");

  static JsonObject toCommand(JsonObject doc) {
    return Json.view(doc, "command_id", VIEW, VIEW_WHEN_SET).put(Tenancy.FIELD, Tenancy.of(doc));
  }
}
