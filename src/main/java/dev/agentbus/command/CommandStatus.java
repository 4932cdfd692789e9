package dev.agentbus.command;

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
}
