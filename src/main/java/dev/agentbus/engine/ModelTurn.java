package dev.agentbus.engine;

import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * One assistant turn, assembled from a model's stream.
 *
 * @param content the answer text ("" when none)
 * @param reasoning the reasoning text ("" when none)
 * @param toolCalls the tools the model wants called, in order, arguments reassembled (empty when none)
 * @param usage {@code {prompt_tokens, completion_tokens, total_tokens}}, or null when the server sent none
 * @param finishReason {@code stop}, {@code tool_calls}, {@code length}, ... or null
 */
public record ModelTurn(String content, String reasoning, List<ToolCall> toolCalls, JsonObject usage, String finishReason) {
  /** One tool call: {@code arguments} is the JSON text exactly as the model produced it. */
  public record ToolCall(String id, String name, String arguments) {}
}
