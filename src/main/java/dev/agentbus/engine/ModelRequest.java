package dev.agentbus.engine;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * What one model call sends.
 *
 * @param model the model name ({@code model_name} of the engine)
 * @param messages the conversation in OpenAI chat format: {@code {role: system|user|assistant|tool,
 *     content, tool_calls?: [{id, type: "function", function: {name, arguments}}], tool_call_id?}}
 * @param tools the callable tools in OpenAI format: {@code [{type: "function", function: {name,
 *     description, parameters}}]}, names already in wire form (see {@link AgentLoop#wireName}); empty for none
 * @param configuration the engine's configuration: {@code temperature, max_tokens, top_p,
 *     base_url, ...} and, for {@code dummy}, its script
 */
public record ModelRequest(String model, JsonArray messages, JsonArray tools, JsonObject configuration) {}
