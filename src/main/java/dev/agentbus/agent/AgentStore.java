package dev.agentbus.agent;

import dev.agentbus.store.Store;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;

/**
 * The {@code agents} collection (reusable engine configurations), owned by
 * {@link AgentVerticle}: {@code {_id: "agt_...", name, llm_config, mcp_servers, system_prompt,
 * metadata, created_at, updated_at}}. Agents are global, not per session.
 */
public final class AgentStore {
  private AgentStore() {}

  public static final String AGENTS = "agents";

  /** The list's {@code name_prefix} filter. */
  public static Future<Void> ensureIndexes(MongoClient mongo) {
    return Store.index(mongo, AGENTS, new JsonObject().put("name", 1), "agent_names");
  }
}
