package dev.agentbus.tool;

import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.Bus;
import dev.agentbus.tool.ToolBox.ToolOutcome;
import dev.agentbus.tool.ToolBox.ToolSpec;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The tools of engine runs, asked of the {@link ToolVerticle} over the bus: one {@link
 * Addresses#TOOL_OFFER} per run gives what the model is offered (built-ins, global and session
 * tools, the agent's MCP servers' tools), then one {@link Addresses#TOOL_EXECUTE} per call.
 */
public final class RunTools {
  /** Longer than any tool's own timeout (at most 300 s): the tool verticle answers first. */
  private static final long EXECUTE_TIMEOUT_MS = 310_000;

  /** The tools offered to one run; a call never fails (an unreachable tool verticle is a tool error too). */
  public interface Offer {
    List<ToolSpec> specs();

    Future<ToolOutcome> call(String name, String toolCallId, JsonObject arguments);
  }

  private final Vertx vertx;

  public RunTools(Vertx vertx) {
    this.vertx = vertx;
  }

  /**
   * What a run of {@code sessionId} offers: every tool, or only {@code names} (in that order; unknown
   * ones skipped); {@code mcpServers}: the agent's MCP servers (ids or URLs), may be empty.
   */
  public Future<Offer> offer(String sessionId, String commandId, Collection<String> names, JsonArray mcpServers, String requestId) {
    JsonObject request = new JsonObject().put("session_id", sessionId).put("mcp_servers", mcpServers == null ? new JsonArray() : mcpServers);
    if (names != null) {
      request.put("names", new JsonArray(new ArrayList<>(names)));
    }
    return Bus.request(vertx, Addresses.TOOL_OFFER, request, Bus.withRequestId(requestId)).map(answer -> {
      String tenant = answer.getString(dev.agentbus.auth.Tenancy.FIELD);
      List<ToolSpec> specs = new ArrayList<>();
      Map<String, JsonObject> mcp = new HashMap<>();
      answer.getJsonArray("tools").forEach(item -> {
        JsonObject tool = (JsonObject) item;
        specs.add(new ToolSpec(tool.getString("name"), tool.getString("description"), tool.getJsonObject("parameters")));
        if (tool.getString("server_id") != null) {
          mcp.put(tool.getString("name"), new JsonObject().put("server_id", tool.getString("server_id"))
              .put("tool", tool.getString("tool")).put("parameters", tool.getJsonObject("parameters")));
        }
      });
      return new Offer() {
        @Override
        public List<ToolSpec> specs() {
          return specs;
        }

        @Override
        public Future<ToolOutcome> call(String name, String toolCallId, JsonObject arguments) {
          JsonObject execute = new JsonObject().put("session_id", sessionId).put("name", name).put("arguments", arguments)
              .put("command_id", commandId).put("tool_call_id", toolCallId).put("direct", false).put("mcp", mcp.get(name))
              .put(dev.agentbus.auth.Tenancy.FIELD, tenant);
          DeliveryOptions options = Bus.withRequestId(requestId).setSendTimeout(EXECUTE_TIMEOUT_MS);
          return Bus.request(vertx, Addresses.TOOL_EXECUTE, execute, options).map(done -> new ToolOutcome(text(done.getValue("result")),
              done.getBoolean("is_error", false), done.getLong("duration_ms", 0L)))
              .otherwise(failure -> new ToolOutcome("The tool " + name + " could not be run: " + failure.getMessage(), true, 0));
        }
      };
    });
  }

  /** A result as the text a model reads: a string as is, any other JSON value encoded. */
  public static String text(Object result) {
    if (result instanceof String text) {
      return text;
    }
    return result == null ? "null" : io.vertx.core.json.Json.encode(result);
  }
}
