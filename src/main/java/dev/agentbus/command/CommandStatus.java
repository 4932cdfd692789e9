package dev.agentbus.command;

import dev.agentbus.bus.EventTypes;
import java.util.Set;

/** {@code pending → executing → completed | failed | cancelled | timed_out}. */
public final class CommandStatus {
  private CommandStatus() {}

  public static final String PENDING = "pending";
  public static final String EXECUTING = "executing";
  public static final String COMPLETED = "completed";
  public static final String FAILED = "failed";
  public static final String CANCELLED = "cancelled";
  public static final String TIMED_OUT = "timed_out";

  public static final Set<String> ALL = Set.of(PENDING, EXECUTING, COMPLETED, FAILED, CANCELLED, TIMED_OUT);
  public static final Set<String> FINAL = Set.of(COMPLETED, FAILED, CANCELLED, TIMED_OUT);

  public static boolean isFinal(String status) {
    return FINAL.contains(status);
  }

  /** Whether a session event is the {@code command.*} event that ended this command. */
  public static boolean isFinalEventOf(io.vertx.core.json.JsonObject event, String commandId) {
    return commandId.equals(event.getString("command_id"))
        && event.getString("event_type").startsWith(EventTypes.COMMAND_PREFIX)
        && isFinal(event.getJsonObject("data", new io.vertx.core.json.JsonObject()).getString("status"));
  }
}
