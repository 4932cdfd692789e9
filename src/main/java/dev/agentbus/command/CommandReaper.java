package dev.agentbus.command;

import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.util.Nodes;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finishes commands nobody is running any more, from the open set ({@link OpenCommands}, never
 * the store): those owned by a node that is no longer a live member (it died) fail with {@code
 * NODE_LOST}, here; those past their deadline whose owner never noticed time out, on their node
 * while it is live. Every node sweeps; the ledger's conditional updates make concurrent sweeps
 * harmless. A restart's leftovers are {@link CommandRecovery}'s.
 */
final class CommandReaper {
  private static final Logger LOG = LoggerFactory.getLogger(CommandReaper.class);
  private static final long DEADLINE_GRACE_MS = 2_000;

  /** Finishes a command on the node that runs it ({@code nodeId}), or here when that node is gone. */
  interface Router {
    void finishAt(String nodeId, String commandId, String status, JsonObject error);
  }

  private final Vertx vertx;
  private final OpenCommands open;
  private final Router router;

  CommandReaper(Vertx vertx, OpenCommands open, Router router) {
    this.vertx = vertx;
    this.open = open;
    this.router = router;
  }

  long schedule(long periodMs) {
    return vertx.setPeriodic(periodMs / 4, periodMs, id -> sweep());
  }

  static JsonObject nodeLost() {
    return new BusError(ErrorCode.NODE_LOST, "The node running this command left the cluster").toJson();
  }

  void sweep() {
    var live = Nodes.live(vertx);
    long overdueBefore = System.currentTimeMillis() - DEADLINE_GRACE_MS;
    open.matching(entry -> !live.contains(entry.getString("node_id")) || entry.getLong("deadline_ms", Long.MAX_VALUE) < overdueBefore)
        .onSuccess(entries -> entries.forEach(entry -> {
          String id = entry.getString("_id");
          String node = entry.getString("node_id");
          if (!live.contains(node)) {
            LOG.warn("command {} lost its node; failing it with NODE_LOST", id);
            router.finishAt(node, id, CommandStatus.FAILED, nodeLost());
          } else {
            router.finishAt(node, id, CommandStatus.TIMED_OUT, new BusError(ErrorCode.TIMEOUT, "Command exceeded its timeout").toJson());
          }
        }))
        .onFailure(failure -> LOG.warn("reaper could not read the open set", failure));
  }
}
