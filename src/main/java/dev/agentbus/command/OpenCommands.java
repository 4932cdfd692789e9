package dev.agentbus.command;

import dev.agentbus.bus.SharedNames;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;

/**
 * The commands accepted and not yet final, cluster-wide ({@link SharedNames#OPEN_COMMANDS}: a
 * Hazelcast map when clustered, a local one standalone): command id → {@code {_id, session_id,
 * command_type, node_id, deadline_ms}}. The reaper, the busy check and a session's cancel read
 * this small set, never the store. It does not survive a restart of the whole cluster: the
 * first node to start recovers what it lost from the store ({@link CommandRecovery}).
 */
final class OpenCommands {
  private final Future<AsyncMap<String, JsonObject>> map;

  OpenCommands(Vertx vertx) {
    this.map = vertx.sharedData().getAsyncMap(SharedNames.OPEN_COMMANDS);
  }

  Future<Void> add(List<JsonObject> docs) {
    return map.compose(open -> Future.all(docs.stream().map(doc -> open.put(doc.getString("_id"), entryOf(doc))).toList()))
        .mapEmpty();
  }

  Future<Void> remove(String commandId) {
    return map.compose(open -> open.remove(commandId)).mapEmpty();
  }

  /** The entries that match, oldest command first (ids are time-ordered). */
  Future<List<JsonObject>> matching(Predicate<JsonObject> filter) {
    return map.compose(AsyncMap::values).map(values -> values.stream().filter(filter)
        .sorted(Comparator.comparing(entry -> entry.getString("_id"))).toList());
  }

  private static JsonObject entryOf(JsonObject doc) {
    return new JsonObject().put("_id", doc.getString("_id")).put("session_id", doc.getString("session_id"))
        .put("command_type", doc.getString("command_type")).put("node_id", doc.getString("node_id"))
        .put("deadline_ms", doc.getValue("deadline_ms"));
  }
}
