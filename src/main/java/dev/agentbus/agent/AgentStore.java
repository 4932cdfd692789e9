package dev.agentbus.agent;

import dev.agentbus.store.Store;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;

/**
 * The {@code agents} collection (reusable engine configurations), owned by
 * {@link AgentVerticle}: {@code {_id: "agt_...", tenant_id, name, llm_config, mcp_servers, system_prompt,
 * metadata, created_at, updated_at}}. Agents are a tenant's, not a session's.
 */
public final class AgentStore {
  private AgentStore() {}

  public static final String AGENTS = "agents";

  /** The list's {@code name_prefix} filter, and a tenant's list (by id, or by name prefix). */
  public static Future<Void> ensureIndexes(MongoClient mongo) {
    return Future.all(
        Store.index(mongo, AGENTS, new JsonObject().put("name", 1), "agent_names"),
        Store.index(mongo, AGENTS, new JsonObject().put("tenant_id", 1).put("_id", 1), "tenant_agents"),
        Store.index(mongo, AGENTS, new JsonObject().put("tenant_id", 1).put("name", 1), "tenant_agent_names")).mapEmpty();
  }
}
