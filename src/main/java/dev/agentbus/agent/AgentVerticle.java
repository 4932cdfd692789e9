package dev.agentbus.agent;

import dev.agentbus.auth.Tenancy;
import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.Bus;
import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.config.Settings;
import dev.agentbus.store.Store;
import dev.agentbus.util.Ids;
import dev.agentbus.util.Json;
import dev.agentbus.util.Pages;
import dev.agentbus.util.Times;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.ext.mongo.UpdateOptions;
import java.util.List;
import java.util.Map;

/**
 * Owns agents: reusable engine settings with a name, shared by every session of their tenant
 * (not per session). Create, read, list, patch, delete. Fields arrive validated by the
 * HTTP layer; an agent's {@code mcp_servers} is always stored as an array of registered MCP server
 * ids ({@code mcp_...}, each checked with {@link Addresses#MCP_GET} on behalf of the caller: an
 * unknown one, or another tenant's, is a 400 naming it) and URLs.
 *
 * <p>An agent belongs to its creator's tenant ({@link Tenancy#home}): a request acting for another
 * tenant finds no such agent ({@code AGENT_NOT_FOUND}) and lists none of it. Names need not be unique.
 */
public class AgentVerticle extends VerticleBase {
  private static final List<String> PATCHABLE = List.of("name", "description", "status", "llm_config", "mcp_servers", "system_prompt");
  /** An agent's status when none is stored (an agent created before statuses existed, or created without one). */
  public static final String ACTIVE = "active";

  private MongoClient mongo;

  @Override
  public Future<?> start() {
    mongo = Store.client(vertx, Settings.of(config()).mongo());
    return Future.all(List.of(
        Bus.serve(vertx, Addresses.AGENT_CREATE, (body, h) -> registeredServers(body, h).compose(known -> create(body, h))).completion(),
        Bus.serve(vertx, Addresses.AGENT_GET, (body, h) -> find(body.getString("agent_id"), h).map(AgentVerticle::toAgent)).completion(),
        Bus.serve(vertx, Addresses.AGENT_LIST, (body, h) -> list(body, h)).completion(),
        Bus.serve(vertx, Addresses.AGENT_PATCH, (body, h) -> find(body.getString("agent_id"), h)
            .compose(visible -> registeredServers(body, h)).compose(known -> patch(body))).completion(),
        Bus.serve(vertx, Addresses.AGENT_DELETE, (body, h) -> delete(body.getString("agent_id"), h)).completion()));
  }

  /** Fails {@code VALIDATION_ERROR} naming each {@code mcp_servers[i]} that is an id of no registered MCP server. */
  private Future<Void> registeredServers(JsonObject body, MultiMap headers) {
    JsonArray servers = body.getJsonArray("mcp_servers", new JsonArray());
    List<Integer> ids = new java.util.ArrayList<>();
    List<Future<JsonObject>> found = new java.util.ArrayList<>();
    for (int i = 0; i < servers.size(); i++) {
      String server = servers.getString(i);
      if (server != null && server.startsWith("mcp_")) {
        ids.add(i);
        found.add(Bus.request(vertx, Addresses.MCP_GET, new JsonObject().put("server_id", server),
            Tenancy.onBehalf(headers, Bus.withRequestId(null))));
      }
    }
    return Future.join(new java.util.ArrayList<>(found)).transform(done -> {
      List<dev.agentbus.bus.FieldErrors.FieldError> unknown = new java.util.ArrayList<>();
      for (int i = 0; i < ids.size(); i++) {
        Future<JsonObject> one = found.get(i);
        if (one.failed() && BusError.is(one.cause(), ErrorCode.NOT_FOUND)) {
          unknown.add(new dev.agentbus.bus.FieldErrors.FieldError("mcp_servers[" + ids.get(i) + "]",
              "is not a registered MCP server (POST /api/v1/mcp-servers), nor a URL"));
        } else if (one.failed()) {
          return Future.failedFuture(one.cause());
        }
      }
      return unknown.isEmpty() ? Future.succeededFuture() : Future.failedFuture(dev.agentbus.bus.FieldErrors.toError(unknown));
    });
  }

  private Future<JsonObject> create(JsonObject body, MultiMap headers) {
    String now = Times.now();
    JsonObject doc = new JsonObject()
        .put("_id", Ids.next("agt"))
        .put(Tenancy.FIELD, Tenancy.home(headers))
        .put("name", body.getString("name"))
        .put("description", body.getString("description"))
        .put("status", body.getString("status") == null ? ACTIVE : body.getString("status"))
        .put("llm_config", body.getJsonObject("llm_config", new JsonObject()))
        .put("mcp_servers", body.getJsonArray("mcp_servers", new JsonArray()))
        .put("system_prompt", body.getString("system_prompt"))
        .put("metadata", body.getJsonObject("metadata", new JsonObject()))
        .put("created_at", now)
        .put("updated_at", now);
    return mongo.insert(AgentStore.AGENTS, doc).map(id -> toAgent(doc));
  }

  /** The stored agent, if the caller of {@code headers} may see it: else (also another tenant's) {@code AGENT_NOT_FOUND}. */
  private Future<JsonObject> find(String agentId, MultiMap headers) {
    return mongo.findOne(AgentStore.AGENTS, new JsonObject().put("_id", agentId), null)
        .compose(doc -> doc == null || !Tenancy.sees(headers, doc) ? Future.failedFuture(notFound(agentId))
            : Future.succeededFuture(doc));
  }

  /**
   * Oldest first by id (ids are time-ordered); the cursor is the last agent id of the previous page.
   * {@code status}: only agents with it (no stored status counts as {@code active}); {@code q}: a
   * case-insensitive literal substring of the name or the description.
   */
  private Future<JsonObject> list(JsonObject body, MultiMap headers) {
    int limit = body.getInteger("limit");
    JsonObject query = Tenancy.filter(headers, body.getString(Tenancy.FIELD));
    String status = body.getString("status");
    if (status != null) {
      query.put("status", ACTIVE.equals(status) ? new JsonObject().put("$in", new JsonArray().add(ACTIVE).addNull()) : status);
    }
    if (body.getString("q") != null) {
      String literal = java.util.regex.Pattern.quote(body.getString("q"));
      query.put("$or", new JsonArray()
          .add(new JsonObject().put("name", new JsonObject().put("$regex", literal).put("$options", "i")))
          .add(new JsonObject().put("description", new JsonObject().put("$regex", literal).put("$options", "i"))));
    }
    if (body.getString("name_prefix") != null) {
      query.put("name", new JsonObject().put("$regex", "^" + java.util.regex.Pattern.quote(body.getString("name_prefix"))));
    }
    if (body.getString("cursor") != null) {
      query.put("_id", new JsonObject().put("$gt", body.getString("cursor")));
    }
    FindOptions options = new FindOptions().setSort(new JsonObject().put("_id", 1)).setLimit(limit + 1);
    return mongo.findWithOptions(AgentStore.AGENTS, query, options)
        .map(docs -> Pages.of(docs.stream().map(AgentVerticle::toAgent).toList(), limit, last -> last.getString("agent_id")));
  }

  /** Replaces the given fields (of an agent the caller may see, checked before); {@code metadata} merges key by key, a null value removing its key. */
  private Future<JsonObject> patch(JsonObject body) {
    String agentId = body.getString("agent_id");
    JsonObject set = new JsonObject().put("updated_at", Times.now());
    JsonObject unset = new JsonObject();
    for (String field : PATCHABLE) {
      if (body.containsKey(field)) {
        set.put(field, body.getValue(field));
      }
    }
    for (Map.Entry<String, Object> entry : body.getJsonObject("metadata", new JsonObject())) {
      if (entry.getValue() == null) {
        unset.put("metadata." + entry.getKey(), "");
      } else {
        set.put("metadata." + entry.getKey(), entry.getValue());
      }
    }
    JsonObject update = new JsonObject().put("$set", set);
    if (!unset.isEmpty()) {
      update.put("$unset", unset);
    }
    return mongo.findOneAndUpdateWithOptions(AgentStore.AGENTS, new JsonObject().put("_id", agentId), update,
            new FindOptions(), new UpdateOptions().setReturningNewDocument(true))
        .compose(doc -> doc == null ? Future.failedFuture(notFound(agentId)) : Future.succeededFuture(toAgent(doc)));
  }

  private Future<JsonObject> delete(String agentId, MultiMap headers) {
    return find(agentId, headers)
        .compose(visible -> mongo.removeDocument(AgentStore.AGENTS, new JsonObject().put("_id", agentId)))
        .compose(removed -> removed == null || removed.getRemovedCount() == 0
            ? Future.failedFuture(notFound(agentId))
            : Future.succeededFuture(new JsonObject().put("agent_id", agentId).put("deleted", true)));
  }

  private static BusError notFound(String agentId) {
    return BusError.notFound(ErrorCode.AGENT_NOT_FOUND, "Agent", "agent_id", agentId);
  }

  /**
   * The public agent: {@code {agent_id, tenant_id, name, description, status, llm_config, mcp_servers,
   * system_prompt, metadata, created_at, updated_at}}.
   */
  private static final List<String> VIEW =
      List.of("name", "description", "llm_config", "mcp_servers", "system_prompt", "metadata", "created_at", "updated_at");

  static JsonObject toAgent(JsonObject doc) {
    return Json.view(doc, "agent_id", VIEW, List.of()).put(Tenancy.FIELD, Tenancy.of(doc))
        .put("status", doc.getString("status") == null ? ACTIVE : doc.getString("status"));
  }
}
