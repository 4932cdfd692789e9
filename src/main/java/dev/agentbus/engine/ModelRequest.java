package dev.agentbus.engine;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * What one model call sends.
 *
 * @param model the model name ({@code model_name} of the engine)
 * @param messages the conversation in OpenAI chat format: {@code {role: system|user|assistant|tool,
 *     content, tool_calls?: [{id, type: "function", function: {name, arguments}}], tool_call_id?}}
 * @param tools the callable tools in OpenAI format: {@code [{type: "function", function: {name,
 *     description, parameters}}]}, names already in wire form (see {@link dev.agentbus.tool.WireNames}); empty for none
 * @param configuration the engine's configuration: {@code temperature, max_tokens, top_p,
 *     base_url, ...} and, for {@code dummy}, its script
 * @param wireNames tool name → its wire name in {@code tools} (the dummy's script names tools by their names)
 */
public record ModelRequest(String model, JsonArray messages, JsonArray tools, JsonObject configuration, Map<String, String> wireNames) {
  public ModelRequest(String model, JsonArray messages, JsonArray tools, JsonObject configuration) {
    this(model, messages, tools, configuration, Map.of());
  }
}
