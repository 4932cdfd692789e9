package dev.agentbus.command;

import dev.agentbus.auth.Tenancy;
import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.Bus;
import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.bus.FieldErrors;
import dev.agentbus.bus.FieldErrors.FieldError;
import dev.agentbus.bus.Headers;
import dev.agentbus.config.Settings;
import dev.agentbus.limit.InflightRuns;
import dev.agentbus.session.Sessions;
import dev.agentbus.store.Store;
import dev.agentbus.trace.Traces;
import dev.agentbus.util.Ids;
import dev.agentbus.util.Nodes;
import dev.agentbus.util.Pages;
import dev.agentbus.util.Times;
import io.vertx.core.CompositeFuture;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Owns commands: accepts them (store, then {@code command.accepted}), runs them on this node
 * through the {@link CommandScheduler}, serves polls, lists and cancels for any node, and removes a
 * deleted session's commands ({@link Addresses#COMMAND_PURGE_SESSION}). A cancel (or interrupt,
 * or overdue sweep) of a command running on another live node is forwarded to that node ({@link
 * Addresses#commandConclude}), whose ledger keeps the command's events in transition order. When
 * the node shuts down it drains ({@link Addresses#COMMAND_DRAIN}): its queued commands are handed
 * to another node ({@link Addresses#COMMAND_ADOPT}), its running ones get the grace time.
 * Deploy one instance per node (the scheduler's queue and slots are per instance).
 */
public class CommandVerticle extends VerticleBase {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CommandVerticle.class);
  private CommandHandlers handlers;
  private CommandLedger ledger;
  private CommandScheduler scheduler;
  private BusyPolicy busy;
  private InflightSlots slots;
  private Settings.Commands limits;
  private long reaperTimer;
  /** Set once the node drains: no command is accepted or adopted here any more. */
  private boolean draining;
  private MessageConsumer<JsonObject> adoption;
  /** The hand-overs of this drain, so the drain ends only once each was answered (or fell back to running here). */
  private final List<Future<JsonObject>> handOvers = new ArrayList<>();
  /** The {@code traceparent} of each accepted command this node has not started yet. */
  private final Map<String, String> traceOf = new HashMap<>();

  @Override
  public Future<?> start() {
    Settings settings = Settings.of(config());
    limits = settings.commands();
    var mongo = Store.client(vertx, settings.mongo());
    handlers = CommandHandlers.of(vertx);
    OpenCommands open = new OpenCommands(vertx);
    ledger = new CommandLedger(vertx, mongo, new CommandWrites(mongo, settings.store().writeBatch(), settings.store().maxQueuedWrites()),
        open, limits.eventHoldMs());
    CommandScheduler.Finisher finisher = (id, status, error) -> conclude(id, status, null, error);
    scheduler = new CommandScheduler(vertx, limits.maxConcurrent(),
        limits.maxQueued(), this::execute, finisher);
    // A count outliving every command it counts (timeout, then the reaper's sweep) can only be leaked.
    long inflightTtlMs = 2 * (limits.maxTimeoutSeconds() * 1000L + limits.reaperPeriodMs());
    slots = new InflightSlots(InflightRuns.of(vertx, settings.limits().enabled() ? settings.limits().maxInflightRuns() : 0,
        inflightTtlMs));
    busy = new BusyPolicy(ledger, (entry, error) -> concludeAt(entry.getString("node_id"), entry.getString("_id"),
        CommandStatus.CANCELLED, error, null));
    reaperTimer = new CommandReaper(vertx, open, (node, id, status, error) -> concludeAt(node, id, status, error, null))
        .schedule(limits.reaperPeriodMs());
    adoption = Bus.serve(vertx, Addresses.COMMAND_ADOPT, (body, h) -> adopt(body));
    return Future.all(List.of(
        adoption.completion(),
        Bus.serveLocal(vertx, Addresses.COMMAND_DRAIN, (body, h) -> drain(body.getLong("grace_ms"))).completion(),
        Bus.serve(vertx, Addresses.commandConclude(Nodes.self(vertx)), (body, h) -> conclude(body.getString("command_id"),
            body.getString("status"), null, body.getJsonObject("error"))).completion(),
        Bus.serve(vertx, Addresses.COMMAND_SUBMIT, this::submit).completion(),
        Bus.serve(vertx, Addresses.COMMAND_BATCH, this::batch).completion(),
        Bus.serve(vertx, Addresses.COMMAND_GET, this::get).completion(),
        Bus.serve(vertx, Addresses.COMMAND_LIST, this::list).completion(),
        Bus.serve(vertx, Addresses.COMMAND_CANCEL, this::cancel).completion(),
        Bus.serve(vertx, Addresses.COMMAND_CANCEL_SESSION, (body, h) -> cancelSession(body.getString("session_id"))).completion(),
        Bus.serve(vertx, Addresses.COMMAND_PURGE_SESSION, (body, h) -> ledger.purge(body.getString("session_id"))
            .map(removed -> new JsonObject().put("commands", removed))).completion(),
        Bus.serveLocal(vertx, Addresses.COMMAND_START, (body, h) -> start(body.getString("command_id"))).completion(),
        vertx.eventBus().<JsonObject>consumer(Addresses.COMMAND_ABORTED, message -> aborted(message.body())).completion()))
        .onSuccess(serving -> CommandRecovery.ifFirst(vertx, mongo, finisher));
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(reaperTimer);
    return Future.succeededFuture();
  }

  private Future<JsonObject> submit(JsonObject body, MultiMap headers) {
    if (draining) {
      return Future.failedFuture(shuttingDown());
    }
    JsonObject newSession = body.getJsonObject("new_session");
    if (body.getString("session_id") == null && newSession != null) {
      // Created on behalf of the caller, so the new session is the caller's tenant's.
      return Bus.request(vertx, Addresses.SESSION_CREATE, newSession, Tenancy.onBehalf(headers, Bus.withRequestId(null)))
          .compose(session -> submit(body.copy().put("session_id", session.getString("session_id")), headers));
    }
    String sessionId = body.getString("session_id");
    long waitMs = body.getLong("wait_seconds", 0L) * 1000;
    return prepare(sessionId, List.of(body), headers, null)
        .compose(docs -> busy.apply(sessionId, body.getString("command_type"), body.getString("if_busy")).map(docs))
        .compose(docs -> accept(docs, headers, false, false, waitMs <= 0))
        .compose(docs -> {
          String id = docs.get(0).getString("_id");
          if (waitMs <= 0) {
            return Future.succeededFuture(docs.get(0));
          }
          return scheduler.awaitFinal(id, waitMs).compose(last -> last != null ? Future.succeededFuture(last) : ledger.findById(id));
        })
        .map(CommandLedger::toCommand);
  }

  private Future<JsonObject> batch(JsonObject body, MultiMap headers) {
    if (draining) {
      return Future.failedFuture(shuttingDown());
    }
    String sessionId = body.getString("session_id");
    String batchId = Ids.next("bat");
    boolean sequential = "sequential".equals(body.getString("mode"));
    List<JsonObject> items = body.getJsonArray("commands").stream().map(JsonObject.class::cast).toList();
    return prepare(sessionId, items, headers, batchId)
        .compose(docs -> accept(docs, headers, sequential, body.getBoolean("stop_on_error", false), true))
        .map(docs -> new JsonObject().put("batch_id", batchId).put("mode", sequential ? "sequential" : "parallel")
            .put("stop_on_error", body.getBoolean("stop_on_error", false))
            .put("commands", new JsonArray(docs.stream().map(CommandLedger::toCommand).toList())));
  }

  /**
   * Checks the session on behalf of the caller (another tenant's is {@code SESSION_NOT_FOUND},
   * whatever the items say), resolves every command's handler (this node's built-in or in-process
   * ones, else a registered one through {@link Addresses#HANDLER_RESOLVE}) and checks its
   * parameters; nothing is stored unless all pass. The commands carry the session's tenant.
   */
  private Future<List<JsonObject>> prepare(String sessionId, List<JsonObject> items, MultiMap headers, String batchId) {
    String requestId = headers.get(Headers.REQUEST_ID);
    Future<JsonObject> session = Sessions.require(vertx, sessionId, headers);
    List<Future<CommandHandler>> resolved = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      String prefix = batchId == null ? "" : "commands[" + i + "].";
      String type = items.get(i).getString("command_type");
      var local = handlers.resolve(sessionId, type);
      resolved.add(local.isPresent() ? Future.succeededFuture(local.get())
          : Bus.request(vertx, Addresses.HANDLER_RESOLVE, new JsonObject().put("session_id", sessionId).put("command_type", type),
                  requestId)
              .<CommandHandler>map(registration -> RegisteredHandler.INSTANCE)
              .recover(failure -> Future.failedFuture(BusError.is(failure, ErrorCode.HANDLER_NOT_FOUND)
                  ? new BusError(ErrorCode.HANDLER_NOT_FOUND,
                      "No handler is registered for command type '" + type + "' in this session or globally",
                      new JsonObject().put("field", prefix + "command_type").put("command_type", type))
                  : failure)));
    }
    Future<CompositeFuture> allResolved = Future.all(resolved);
    Future<Void> checked = Future.join(session, allResolved)
        .transform(joined -> session.failed() ? Future.failedFuture(session.cause()) : allResolved.mapEmpty());
    return checked.compose(all -> {
      List<FieldError> invalid = new ArrayList<>();
      List<JsonObject> docs = new ArrayList<>();
      List<Future<Void>> admissions = new ArrayList<>();
      for (int i = 0; i < items.size(); i++) {
        JsonObject item = items.get(i);
        String prefix = batchId == null ? "" : "commands[" + i + "].";
        CommandHandler handler = resolved.get(i).result();
        JsonObject parameters = item.getJsonObject("parameters", new JsonObject());
        handler.validate(parameters).forEach(e -> invalid.add(new FieldError(prefix + e.field(), e.issue())));
        docs.add(newCommand(sessionId, item, parameters, requestId, batchId, i));
        admissions.add(prefixed(handler.admit(vertx, sessionId, parameters, requestId), prefix));
      }
      if (!invalid.isEmpty()) {
        return Future.failedFuture(FieldErrors.toError(invalid));
      }
      if (!scheduler.hasRoomFor(docs.size())) {
        return Future.failedFuture(new BusError(ErrorCode.SERVICE_UNAVAILABLE, "Command queue is full, retry later"));
      }
      String tenant = Tenancy.of(session.result());
      docs.forEach(doc -> doc.put(Tenancy.FIELD, tenant));
      return Future.all(admissions).map(docs);
    });
  }

  /** A batch item's admission failure names its fields under the item ({@code commands[i].parameters.x}). */
  private static Future<Void> prefixed(Future<Void> admission, String prefix) {
    if (prefix.isEmpty()) {
      return admission;
    }
    return admission.recover(failure -> {
      ErrorCode code = BusError.codeOf(failure);
      if (code == ErrorCode.INTERNAL_ERROR || code == ErrorCode.DATABASE_ERROR) {
        return Future.failedFuture(failure);
      }
      BusError error = BusError.from(failure, "command admission", null);
      JsonObject details = error.details() == null ? new JsonObject() : error.details().copy();
      if (details.getValue("field") instanceof String field) {
        details.put("field", prefix + field);
      }
      if (details.getValue("fields") instanceof JsonArray fields) {
        JsonArray renamed = new JsonArray();
        fields.forEach(item -> renamed.add(item instanceof JsonObject f && f.getValue("field") instanceof String name
            ? f.copy().put("field", prefix + name) : item));
        details.put("fields", renamed);
      }
      return Future.failedFuture(new BusError(error.code(), error.getMessage(), details));
    });
  }

  private JsonObject newCommand(String sessionId, JsonObject item, JsonObject parameters, String requestId, String batchId, int index) {
    JsonObject metadata = item.getJsonObject("metadata", new JsonObject()).copy();
    int timeout = metadata.getInteger("timeout", limits.defaultTimeoutSeconds());
    metadata.put("timeout", timeout).put("priority", metadata.getString("priority", "normal"));
    String now = Times.now();
    JsonObject doc = new JsonObject()
        .put("_id", Ids.next("cmd")).put("session_id", sessionId)
        .put("command_type", item.getString("command_type")).put("parameters", parameters)
        .put("metadata", metadata).put("status", CommandStatus.PENDING)
        .put("result", null).put("error", null)
        .put("created_at", now).put("updated_at", now)
        .put("deadline_ms", System.currentTimeMillis() + timeout * 1000L)
        .put("request_id", requestId)
        .put("node_id", Nodes.self(vertx));
    if (batchId != null) {
      doc.put("batch_id", batchId).put("batch_index", index);
    }
    return doc;
  }

  /**
   * Takes the caller's in-flight slots ({@link InflightSlots}: 429 past the cap), then stores the
   * commands and queues them. {@code announceNow}: the reply carries {@code accepted_seq}, so {@code
   * command.accepted} is stored before it.
   */
  private Future<List<JsonObject>> accept(List<JsonObject> docs, MultiMap headers, boolean sequential, boolean stopOnError,
                                          boolean announceNow) {
    String traceparent = headers.get(Headers.TRACEPARENT);
    return slots.take(headers, docs).compose(taken -> ledger.accept(docs, announceNow)
        .onFailure(failure -> slots.untake(docs))).map(accepted -> {
      if (traceparent != null) {
        docs.forEach(doc -> traceOf.put(doc.getString("_id"), traceparent));
      }
      scheduler.admit(docs, sequential, stopOnError);
      return docs;
    });
  }

  private static BusError shuttingDown() {
    return new BusError(ErrorCode.SERVICE_UNAVAILABLE, "This node is shutting down; retry through another node",
        new JsonObject().put("reason", "shutting_down"));
  }

  /**
   * {@link Addresses#COMMAND_DRAIN}: accepts nothing more; with another live member, stops adopting
   * and hands every queued command to another node (never failing it); alone, lets the queue run
   * here. Answers once nothing runs here any more, or after {@code graceMs}.
   */
  private Future<JsonObject> drain(long graceMs) {
    draining = true;
    int[] handedOver = {0};
    String self = Nodes.self(vertx);
    boolean peers = Nodes.live(vertx).stream().anyMatch(node -> !node.equals(self));
    Future<Void> unregistered = adoption.unregister().recover(failure -> Future.succeededFuture());
    return unregistered.compose(v -> {
      if (peers) {
        scheduler.drain((commands, sequential, stopOnError) -> {
          handedOver[0] += commands.size();
          handOver(commands, sequential, stopOnError);
        });
      }
      Promise<Void> grace = Promise.promise();
      long timer = vertx.setTimer(Math.max(1, graceMs), t -> grace.tryComplete());
      return Future.any(settled(), grace.future()).onComplete(done -> vertx.cancelTimer(timer));
    }).map(done -> {
      int left = scheduler.trackedCount();
      LOG.info("commands drained: {} handed over, {} still running after the grace", handedOver[0], left);
      return new JsonObject().put("handed_over", handedOver[0]).put("running", left);
    });
  }

  /**
   * Completes once nothing runs here and every hand-over was answered. A sequential batch hands its
   * rest over when its running command ends, and a hand-over nobody took runs here: both count.
   */
  private Future<Void> settled() {
    return scheduler.idle().compose(idle -> {
      List<Future<JsonObject>> sent = new ArrayList<>(handOvers);
      return Future.join(sent).transform(answered -> scheduler.trackedCount() == 0 && handOvers.size() == sent.size()
          ? Future.succeededFuture() : settled());
    });
  }

  /** Sends pending commands to another node ({@link Addresses#COMMAND_ADOPT}); if none takes them, they run here. */
  private void handOver(List<JsonObject> commands, boolean sequential, boolean stopOnError) {
    JsonObject body = new JsonObject().put("commands", new JsonArray(commands)).put("sequential", sequential)
        .put("stop_on_error", stopOnError);
    handOvers.add(ledger.handOver(commands.stream().map(command -> command.getString("_id")).toList())
        .compose(released -> Bus.request(vertx, Addresses.COMMAND_ADOPT, body, Bus.withRequestId(null).setLocalOnly(false)))
        .onSuccess(reply -> LOG.info("handed {} pending command(s) over to another node ({} adopted)", commands.size(),
            reply.getInteger("adopted")))
        .onFailure(failure -> {
          LOG.warn("no node took {} pending command(s) ({}); they run here", commands.size(), failure.getMessage());
          scheduler.runHere(commands, sequential, stopOnError);
        }));
  }

  /** {@link Addresses#COMMAND_ADOPT}: pending commands of a draining node become this node's, and run here. */
  private Future<JsonObject> adopt(JsonObject body) {
    if (draining) {
      return Future.failedFuture(shuttingDown());
    }
    List<JsonObject> docs = body.getJsonArray("commands").stream().map(JsonObject.class::cast).toList();
    return ledger.adopt(docs, Nodes.self(vertx)).map(adopted -> {
      if (!adopted.isEmpty()) {
        scheduler.admit(adopted, body.getBoolean("sequential", false), body.getBoolean("stop_on_error", false));
      }
      return new JsonObject().put("adopted", adopted.size());
    });
  }

  private void execute(JsonObject command, Runnable release) {
    // In the trace of the request that submitted it, whichever context the scheduler starts it from.
    Traces.resume(vertx, traceOf.remove(command.getString("_id")), () -> executeNow(command, release));
  }

  private void executeNow(JsonObject command, Runnable release) {
    String id = command.getString("_id");
    // Built-in and in-process handlers first; any other type was resolved to a registered one at submit.
    CommandHandler handler = handlers.resolve(command.getString("session_id"), command.getString("command_type"))
        .orElse(RegisteredHandler.INSTANCE);
    // A handler that starts itself requests COMMAND_START when its work begins; the others start now.
    boolean startsItself = handler.startsItself();
    Future<JsonObject> starting = startsItself ? Future.succeededFuture(command) : ledger.markStarting(id);
    starting.onComplete(started -> {
      // Not tracked any more: it was cancelled or timed out (possibly on another node) while starting.
      if (started.failed() || started.result() == null || !scheduler.isTracking(id)) {
        release.run();
        return;
      }
      var context = new CommandHandler.Context(vertx, started.result(), command.getString("request_id"), command.getLong("deadline_ms"));
      Future<JsonObject> run;
      try {
        run = handler.execute(context);
      } catch (RuntimeException e) {
        run = Future.failedFuture(e);
      }
      run.onComplete(outcome -> {
        // Its finish is queued before the slot goes to the next command, so finishes (and their held
        // command.started events) reach the store and the log in the order the commands started.
        if (outcome.succeeded()) {
          conclude(id, CommandStatus.COMPLETED, outcome.result(), null);
        } else if (outcome.cause() instanceof CommandHandler.Failure failure) {
          conclude(id, CommandStatus.FAILED, null, failure.error());
        } else {
          BusError error = BusError.from(outcome.cause(), "command " + id, command.getString("request_id"));
          conclude(id, CommandStatus.FAILED, null, error.toJson());
        }
        release.run();
      });
    });
  }

  /** {@link Addresses#COMMAND_START}: {@code pending → executing} for a handler that starts itself. */
  private Future<JsonObject> start(String commandId) {
    return ledger.markExecuting(commandId).compose(doc -> doc != null ? Future.succeededFuture(CommandLedger.toCommand(doc))
        : ledger.findById(commandId).compose(current -> Future.failedFuture(current == null
            ? BusError.notFound(ErrorCode.COMMAND_NOT_FOUND, "Command", "command_id", commandId)
            : new BusError(ErrorCode.CONFLICT, "Command " + commandId + " is no longer pending: it is " + current.getString("status"),
                new JsonObject().put("command_id", commandId).put("status", current.getString("status"))))));
  }

  /** Finishes a command (if still unfinished), updates local state, and stops it wherever it runs. */
  private Future<JsonObject> conclude(String commandId, String status, JsonObject result, JsonObject error) {
    traceOf.remove(commandId);
    return ledger.finish(commandId, status, result, error).compose(doc -> {
      if (doc == null) {
        return ledger.findById(commandId);
      }
      scheduler.concluded(doc);
      slots.release(doc);
      LOG.atInfo().addKeyValue("command_id", commandId).addKeyValue("session_id", doc.getString("session_id"))
          .addKeyValue("request_id", doc.getString("request_id")).addKeyValue("tenant_id", doc.getString("tenant_id"))
          .log("command {} ({}) {} error={} request_id={}", commandId, doc.getString("command_type"), status,
          error == null ? null : error.getString("code"), doc.getString("request_id"));
      if (!CommandStatus.COMPLETED.equals(status) && !CommandStatus.FAILED.equals(status)) {
        vertx.eventBus().publish(Addresses.COMMAND_ABORTED, new JsonObject()
            .put("command_id", commandId).put("session_id", doc.getString("session_id")).put("status", status));
      }
      return Future.succeededFuture(doc);
    });
  }

  /**
   * Finishes a command on the node running it ({@code nodeId}) when that is another live node, so
   * its events stay in order there; here otherwise (this node's, or its node is gone), and here too
   * when the forward finds nobody serving (the node is leaving).
   */
  private Future<JsonObject> concludeAt(String nodeId, String commandId, String status, JsonObject error, String requestId) {
    if (nodeId == null || nodeId.equals(Nodes.self(vertx)) || !Nodes.live(vertx).contains(nodeId)) {
      return conclude(commandId, status, null, error);
    }
    JsonObject body = new JsonObject().put("command_id", commandId).put("status", status).put("error", error);
    return Bus.request(vertx, Addresses.commandConclude(nodeId), body, Bus.withRequestId(requestId).setLocalOnly(false))
        .recover(failure -> BusError.is(failure, ErrorCode.SERVICE_UNAVAILABLE)
            ? conclude(commandId, status, null, error) : Future.failedFuture(failure));
  }

  private void aborted(JsonObject notice) {
    String id = notice.getString("command_id");
    traceOf.remove(id);
    if (scheduler.isTracking(id)) {
      ledger.findById(id).onSuccess(doc -> {
        if (doc != null) {
          scheduler.concluded(doc);
        }
      });
    }
  }

  private Future<JsonObject> get(JsonObject body, MultiMap headers) {
    String sessionId = body.getString("session_id");
    String commandId = body.getString("command_id");
    long waitMs = body.getLong("wait_seconds", 0L) * 1000;
    if (sessionId == null) {
      // By id alone (the inference shortcuts' request ids): the stored command names its session.
      // Another tenant's command is not found, as if it did not exist.
      return ledger.findById(commandId).compose(doc -> doc == null || !Tenancy.sees(headers, doc)
          ? Future.failedFuture(BusError.notFound(ErrorCode.COMMAND_NOT_FOUND, "Command", "command_id", commandId))
          : get(body.copy().put("session_id", doc.getString("session_id")), headers));
    }
    Future<JsonObject> command = waitMs <= 0 ? find(sessionId, commandId, headers)
        : CommandWaiter.awaitFinal(vertx, sessionId, commandId, waitMs, () -> find(sessionId, commandId, headers));
    return command.map(CommandLedger::toCommand);
  }

  /**
   * The command, if the caller may see it; else {@code SESSION_NOT_FOUND} when its session does not
   * exist or is another tenant's (the command's {@code tenant_id} tells, without asking the session
   * owner), else {@code COMMAND_NOT_FOUND}.
   */
  private Future<JsonObject> find(String sessionId, String commandId, MultiMap headers) {
    return ledger.find(sessionId, commandId)
        .compose(doc -> Tenancy.sees(headers, doc) ? Future.succeededFuture(doc)
            : Future.failedFuture(BusError.notFound(ErrorCode.SESSION_NOT_FOUND, "Session", "session_id", sessionId)))
        .recover(failure -> failure instanceof BusError e && e.code() == ErrorCode.COMMAND_NOT_FOUND
            ? Sessions.require(vertx, sessionId, headers).compose(session -> Future.failedFuture(failure))
            : Future.failedFuture(failure));
  }

  private Future<JsonObject> cancel(JsonObject body, MultiMap headers) {
    String id = body.getString("command_id");
    String requestId = headers.get(Headers.REQUEST_ID);
    return find(body.getString("session_id"), id, headers)
        .compose(doc -> CommandStatus.isFinal(doc.getString("status")) ? Future.succeededFuture(doc)
            : concludeAt(doc.getString("node_id"), id, CommandStatus.CANCELLED,
                new BusError(ErrorCode.CANCELLED, "Cancelled by request").toJson(), requestId))
        .map(CommandLedger::toCommand);
  }

  private Future<JsonObject> cancelSession(String sessionId) {
    JsonObject error = new BusError(ErrorCode.CANCELLED, "Session deleted").toJson();
    return ledger.unfinished(sessionId, null)
        .compose(docs -> Future.all(docs.stream().map(entry -> concludeAt(entry.getString("node_id"), entry.getString("_id"),
                CommandStatus.CANCELLED, error, null)).toList())
            .map(done -> new JsonObject().put("cancelled", docs.size())));
  }

  private Future<JsonObject> list(JsonObject body, MultiMap headers) {
    int limit = body.getInteger("limit");
    return Sessions.require(vertx, body.getString("session_id"), headers)
        .compose(session -> ledger.list(body))
        .map(docs -> Pages.of(docs.stream().map(CommandLedger::toCommand).toList(), limit, last -> last.getString("command_id")));
  }
}
