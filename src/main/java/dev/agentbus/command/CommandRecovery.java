package dev.agentbus.command;

import dev.agentbus.util.Nodes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.MongoClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The open set ({@link OpenCommands}) lives in memory, so a restart of the whole cluster (or of a
 * standalone node) forgets the commands that were unfinished. A node that starts as the only
 * member recovers them once: it pages through the store's {@code pending} and {@code executing}
 * commands ({@code {status: {$in}}} in {@code _id} order, {@value #PAGE} per read; a walk of the
 * collection on the embedded store, the {@code status_commands} index on MongoDB) and fails those
 * whose node is not live with {@code NODE_LOST}, event included. It runs asynchronously after
 * start, once per cold start, never on a hot path.
 */
final class CommandRecovery {
  private static final Logger LOG = LoggerFactory.getLogger(CommandRecovery.class);
  private static final int PAGE = 100;

  private CommandRecovery() {}

  /** Runs the recovery if this node is the only member; completes when it has walked every page. */
  static Future<Void> ifFirst(Vertx vertx, MongoClient mongo, CommandScheduler.Finisher finisher) {
    if (Nodes.live(vertx).size() > 1) {
      return Future.succeededFuture();
    }
    return page(vertx, mongo, finisher, null).onFailure(failure -> LOG.error("recovery of unfinished commands failed", failure));
  }

  private static Future<Void> page(Vertx vertx, MongoClient mongo, CommandScheduler.Finisher finisher, String after) {
    JsonObject unfinished = new JsonObject().put("status", new JsonObject()
        .put("$in", new JsonArray().add(CommandStatus.PENDING).add(CommandStatus.EXECUTING)));
    if (after != null) {
      unfinished.put("_id", new JsonObject().put("$gt", after));
    }
    FindOptions options = new FindOptions().setSort(new JsonObject().put("_id", 1)).setLimit(PAGE)
        .setFields(new JsonObject().put("_id", 1).put("node_id", 1));
    return mongo.findWithOptions(CommandLedger.COMMANDS, unfinished, options).compose(docs -> {
      var live = Nodes.live(vertx);
      docs.stream().filter(doc -> !live.contains(doc.getString("node_id"))).forEach(doc -> {
        LOG.warn("command {} was left unfinished by node {}; failing it with NODE_LOST", doc.getString("_id"), doc.getString("node_id"));
        finisher.finish(doc.getString("_id"), CommandStatus.FAILED, CommandReaper.nodeLost());
      });
      return docs.size() < PAGE ? Future.succeededFuture() : page(vertx, mongo, finisher, docs.get(docs.size() - 1).getString("_id"));
    });
  }
}
