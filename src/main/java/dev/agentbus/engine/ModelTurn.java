package dev.agentbus.engine;

import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * One assistant turn, assembled from a model's stream.
 *
 * @param content the answer text ("" when none)
 * @param reasoning the reasoning text ("" when none)
 * @param toolCalls the tools the model wants called, in order, arguments reassembled (empty when none)
 * @param usage the counts of {@link #USAGE_KEYS} the model reported (a count it did not report is absent), or
 *     null when it reported none
 * @param finishReason {@code stop}, {@code tool_calls}, {@code length}, ... or null
 */
public record ModelTurn(String content, String reasoning, List<ToolCall> toolCalls, JsonObject usage, String finishReason) {
  /** The token counts a turn may report, and a run's {@code engine.usage} sums. */
  public static final List<String> USAGE_KEYS = List.of("prompt_tokens", "completion_tokens", "total_tokens");

  /** One tool call: {@code arguments} is the JSON text exactly as the model produced it. */
  public record ToolCall(String id, String name, String arguments) {}
}
