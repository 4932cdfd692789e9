package dev.agentbus.command;

import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.List;

/** Commands waiting for an execution slot: {@code high} before {@code normal} before {@code low}, FIFO within one. */
final class CommandQueue {
  public static final List<String> PRIORITIES = List.of("high", "normal", "low");

  private final List<ArrayDeque<JsonObject>> lanes = List.of(new ArrayDeque<>(), new ArrayDeque<>(), new ArrayDeque<>());

  void offer(JsonObject command) {
    String priority = command.getJsonObject("metadata", new JsonObject()).getString("priority", "normal");
    lanes.get(Math.max(0, PRIORITIES.indexOf(priority))).add(command);
  }

  JsonObject poll() {
    for (ArrayDeque<JsonObject> lane : lanes) {
      if (!lane.isEmpty()) {
        return lane.poll();
      }
    }
    return null;
  }

  /** Takes every queued command out, in the order they would have run. */
  List<JsonObject> pollAll() {
    List<JsonObject> all = new java.util.ArrayList<>();
    for (JsonObject next = poll(); next != null; next = poll()) {
      all.add(next);
    }
    return all;
  }

  void remove(String commandId) {
    lanes.forEach(lane -> lane.removeIf(command -> commandId.equals(command.getString("_id"))));
  }
}
