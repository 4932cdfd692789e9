package dev.agentbus.command;

import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * What a submit does when its session already has unfinished commands of the same type ({@code
 * if_busy}): {@code reject} fails {@code CONFLICT} naming the active one, {@code interrupt} cancels
 * them first (on the nodes running them), {@code enqueue} (or none) accepts it alongside. The
 * check reads the open set ({@link OpenCommands}), so two submits at the same instant can both
 * find the session idle.
 */
final class BusyPolicy {

  /** Cancels one command (an open-set entry: {@code _id, node_id, ...}) with {@code error}. */
  interface Canceller {
    Future<JsonObject> cancel(JsonObject entry, JsonObject error);
  }

  private final CommandLedger ledger;
  private final Canceller canceller;

  BusyPolicy(CommandLedger ledger, Canceller canceller) {
    this.ledger = ledger;
    this.canceller = canceller;
  }

  Future<Void> apply(String sessionId, String commandType, String ifBusy) {
    if (ifBusy == null || "enqueue".equals(ifBusy)) {
      return Future.succeededFuture();
    }
    return ledger.unfinished(sessionId, commandType).compose(active -> {
      if (active.isEmpty()) {
        return Future.succeededFuture();
      }
      String activeId = active.get(0).getString("_id");
      if ("reject".equals(ifBusy)) {
        return Future.failedFuture(new BusError(ErrorCode.CONFLICT, "Session '" + sessionId + "' has a '" + commandType
            + "' command in progress (" + activeId + ")", new JsonObject().put("field", "if_busy")
            .put("session_id", sessionId).put("active_command_id", activeId)));
      }
      JsonObject interrupted = new BusError(ErrorCode.CANCELLED, "Interrupted by a newer '" + commandType + "' command").toJson();
      List<Future<JsonObject>> cancelled = active.stream().map(doc -> canceller.cancel(doc, interrupted)).toList();
      return Future.all(cancelled).mapEmpty();
    });
  }
}
