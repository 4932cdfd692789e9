package dev.agentbus.command;

import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.util.Nodes;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.MongoClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finishes commands nobody is running any more: those owned by a node that is no longer a live
 * member (it died, or this is a restart) fail with {@code NODE_LOST}; those past their deadline
 * whose owner never noticed time out. Every node sweeps; the ledger's conditional updates make
 * concurrent sweeps harmless.
 */
final class CommandReaper {
  private static final Logger LOG = LoggerFactory.getLogger(CommandReaper.class);
  private static final int BATCH = 100;
  private static final long DEADLINE_GRACE_MS = 2_000;

  private final Vertx vertx;
  private final MongoClient mongo;
  private final CommandScheduler.Finisher finisher;

  CommandReaper(Vertx vertx, MongoClient mongo, CommandScheduler.Finisher finisher) {
    this.vertx = vertx;
    this.mongo = mongo;
    this.finisher = finisher;
  }

  long schedule(long periodMs) {
    return vertx.setPeriodic(periodMs / 4, periodMs, id -> sweep());
  }

  void sweep() {
    // The open set holds only unfinished commands, so these walk it, never the history.
    JsonObject orphaned = new JsonObject().put("node_id", new JsonObject().put("$nin", new JsonArray(Nodes.live(vertx))));
    JsonObject overdue = new JsonObject().put("deadline_ms", new JsonObject().put("$lt", System.currentTimeMillis() - DEADLINE_GRACE_MS));
    FindOptions ids = new FindOptions().setLimit(BATCH).setFields(new JsonObject().put("_id", 1));
    mongo.findWithOptions(CommandLedger.OPEN, orphaned, ids).onSuccess(docs -> docs.forEach(doc -> {
      LOG.warn("command {} lost its node; failing it with NODE_LOST", doc.getString("_id"));
      finisher.finish(doc.getString("_id"), CommandStatus.FAILED,
          new BusError(ErrorCode.NODE_LOST, "The node running this command left the cluster").toJson());
    }));
    mongo.findWithOptions(CommandLedger.OPEN, overdue, ids).onSuccess(docs -> docs.forEach(doc ->
        finisher.finish(doc.getString("_id"), CommandStatus.TIMED_OUT,
            new BusError(ErrorCode.TIMEOUT, "Command exceeded its timeout").toJson())));
  }
}
