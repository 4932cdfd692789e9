package dev.agentbus.tool;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.Collection;
import java.util.List;

/** The tools an engine's loop may call. */
public interface ToolBox {
  /** A tool as offered to a model: {@code parameters} is the JSON Schema of its arguments. */
  record ToolSpec(String name, String description, JsonObject parameters) {}

  /**
   * What a call produced. It never fails: bad arguments, unknown tools and tool failures are
   * outcomes with {@code isError} true and a message the model can read in {@code result}.
   */
  record ToolOutcome(String result, boolean isError, long durationMs) {}

  /** The specs of the named tools, in the given order; {@code null} means every tool. Unknown names are skipped. */
  List<ToolSpec> specs(Collection<String> names);

  boolean has(String name);

  /** Runs a tool for a session. Arguments are checked against the tool's schema first. */
  Future<ToolOutcome> call(String sessionId, String name, JsonObject arguments);
}
