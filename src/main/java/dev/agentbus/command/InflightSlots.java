package dev.agentbus.command;

import dev.agentbus.auth.Principal;
import dev.agentbus.auth.Tenancy;
import dev.agentbus.limit.InflightRuns;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * The in-flight run cap ({@link InflightRuns}) applied to commands: a submit's (or a batch's)
 * principal takes one slot per command before they are stored, each command keeps the principal's
 * key as {@code inflight_key}, and the node that concludes the command (whichever it is, the
 * reaper's included) gives the slot back. Agentbus's own submits (no principal) take none.
 */
final class InflightSlots {
  static final String KEY = "inflight_key";

  private final InflightRuns runs;

  InflightSlots(InflightRuns runs) {
    this.runs = runs;
  }

  /** Takes a slot per command for the caller of {@code headers} and marks the commands with its key; 429 past the cap. */
  Future<Void> take(MultiMap headers, List<JsonObject> docs) {
    Principal principal = Tenancy.requester(headers);
    if (principal == null || !runs.enabled()) {
      return Future.succeededFuture();
    }
    String key = principal.rateKey();
    return runs.take(key, docs.size()).onSuccess(taken -> docs.forEach(doc -> doc.put(KEY, key)));
  }

  /** Gives back the slots of commands that were not accepted after all. */
  void untake(List<JsonObject> docs) {
    String key = docs.isEmpty() ? null : docs.get(0).getString(KEY);
    if (key != null) {
      runs.release(key, docs.size());
    }
  }

  /** Gives back the slot of a command that just became final. */
  void release(JsonObject doc) {
    String key = doc.getString(KEY);
    if (key != null) {
      runs.release(key, 1);
    }
  }
}
