package dev.agentbus.engine;

import dev.agentbus.auth.Tenancy;
import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.Bus;
import dev.agentbus.bus.CommandTypes;
import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.bus.Headers;
import dev.agentbus.config.Settings;
import dev.agentbus.session.Sessions;
import dev.agentbus.store.GroupRead;
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
import java.util.List;

/**
 * The catalog of engines: create, read, list and delete the engine documents that runs
 * ({@link EngineVerticle}) execute ({@link EngineStore}). An engine belongs to one session; deleting
 * the session deletes its engines ({@link Addresses#ENGINE_PURGE_SESSION}).
 *
 * <p>Settings arrive already validated by the HTTP layer; this verticle owns the business rules:
 * the engine type exists, the session exists, and the model name defaults per type.
 *
 * <p>An engine belongs to its session's tenant ({@link Tenancy#FIELD}, stamped at create): a request
 * acting for another tenant finds no such engine ({@code ENGINE_NOT_FOUND}) and lists none of it.
 */
public class EngineCatalogVerticle extends VerticleBase {
  private MongoClient mongo;
  /** Reads by {@code _id} of engines and of the newest-engine pointers, batched across concurrent runs. */
  private GroupRead engines;
  private GroupRead pointers;
  private String openaiModel;
  private String defaultType;

  @Override
  public Future<?> start() {
    Settings settings = Settings.of(config());
    mongo = Store.client(vertx, settings.mongo());
    engines = new GroupRead(mongo, EngineStore.ENGINES, settings.store().writeBatch());
    pointers = new GroupRead(mongo, EngineStore.NEWEST, settings.store().writeBatch());
    openaiModel = settings.engines().openai().model();
    defaultType = settings.engines().defaultType();
    return Future.all(List.of(
        Bus.serve(vertx, Addresses.ENGINE_CREATE, (body, h) -> create(body, h)).completion(),
        Bus.serve(vertx, Addresses.ENGINE_GET, (body, h) -> find(body.getString("engine_id"), h).map(EngineCatalogVerticle::toEngine)).completion(),
        Bus.serve(vertx, Addresses.ENGINE_LIST, (body, h) -> list(body, h)).completion(),
        Bus.serve(vertx, Addresses.ENGINE_DELETE, (body, h) -> delete(body.getString("engine_id"), h)).completion(),
        Bus.serve(vertx, Addresses.ENGINE_RESOLVE, (body, h) -> resolve(body, h)).completion(),
        Bus.serve(vertx, Addresses.ENGINE_EXECUTE, (body, h) -> execute(body, h)).completion(),
        Bus.serve(vertx, Addresses.ENGINE_PURGE_SESSION, (body, h) -> Store.removeSession(mongo, EngineStore.ENGINES,
            body.getString("session_id")).compose(removed -> mongo.removeDocument(EngineStore.NEWEST,
                new JsonObject().put("_id", body.getString("session_id"))).map(pointer -> new JsonObject().put("engines", removed))))
            .completion()));
  }

  /** The session is checked on behalf of the caller: another tenant's session is {@code SESSION_NOT_FOUND}. */
  private Future<JsonObject> create(JsonObject body, MultiMap headers) {
    String type = body.getString("engine_type");
    if (!EngineVerticle.ENGINE_TYPES.contains(type)) {
      return Future.failedFuture(new BusError(ErrorCode.UNSUPPORTED,
          "Engine type '" + type + "' is not supported; available: " + EngineVerticle.ENGINE_TYPES.stream().sorted().toList(),
          new JsonObject().put("field", "engine_type").put("engine_type", type)));
    }
    String modelName = body.getString("model_name");
    JsonObject doc = new JsonObject()
        .put("_id", Ids.next("eng"))
        .put("engine_type", type)
        .put("model_name", modelName != null ? modelName : defaultModel(type))
        .put("session_id", body.getString("session_id"))
        .put("configuration", body.getJsonObject("configuration", new JsonObject()))
        .put("status", "initialized")
        .put("created_at", Times.now());
    return Sessions.require(vertx, body.getString("session_id"), headers)
        .compose(session -> mongo.insert(EngineStore.ENGINES, doc.put(Tenancy.FIELD, Tenancy.of(session))))
        .compose(id -> mongo.updateCollectionWithOptions(EngineStore.NEWEST, new JsonObject().put("_id", doc.getString("session_id")),
            new JsonObject().put("$set", new JsonObject().put("engine_id", doc.getString("_id"))), new io.vertx.ext.mongo.UpdateOptions().setUpsert(true)))
        .map(updated -> toEngine(doc));
  }

  private String defaultModel(String type) {
    return "openai".equals(type) ? openaiModel : type;
  }

  /** The stored engine, if the caller of {@code headers} may see it: else (also another tenant's) {@code ENGINE_NOT_FOUND}. */
  private Future<JsonObject> find(String engineId, MultiMap headers) {
    return engines.byId(engineId)
        .compose(doc -> doc == null || !Tenancy.sees(headers, doc) ? Future.failedFuture(notFound(engineId))
            : Future.succeededFuture(doc));
  }

  private static BusError notFound(String engineId) {
    return BusError.notFound(ErrorCode.ENGINE_NOT_FOUND, "Engine", "engine_id", engineId);
  }

  /**
   * See {@link Addresses#ENGINE_EXECUTE}: the engine's session runs the prompt. The engine is
   * checked against the caller before anything is submitted, and the command is submitted on the
   * caller's behalf, so the command owner applies its own checks to the same principal.
   */
  private Future<JsonObject> execute(JsonObject body, MultiMap headers) {
    String engineId = body.getString("engine_id");
    JsonObject parameters = new JsonObject().put("prompt", body.getString("prompt")).put("engine_id", engineId);
    if (body.getJsonObject("llm_config") != null) {
      parameters.put("llm_config", body.getJsonObject("llm_config"));
    }
    long waitSeconds = body.getLong("wait_seconds", 0L);
    return find(engineId, headers).compose(engine -> {
      JsonObject command = new JsonObject().put("session_id", engine.getString("session_id"))
          .put("command_type", CommandTypes.ENGINE_PROMPT).put("parameters", parameters).put("wait_seconds", waitSeconds);
      if (body.getJsonObject("metadata") != null) {
        command.put("metadata", body.getJsonObject("metadata"));
      }
      return Bus.request(vertx, Addresses.COMMAND_SUBMIT, command,
          Bus.outliving(Tenancy.onBehalf(headers, Bus.withRequestId(null)), waitSeconds));
    });
  }

  /**
   * See {@link Addresses#ENGINE_RESOLVE}. A named engine must be the session's own (so of its
   * tenant); a named agent must be of the session's tenant, else {@code AGENT_NOT_FOUND}. Only that
   * case reads the session (the node's cached {@link Sessions#require}), not the plain prompt.
   */
  private Future<JsonObject> resolve(JsonObject body, MultiMap headers) {
    String sessionId = body.getString("session_id");
    String engineId = body.getString("engine_id");
    String agentId = body.getString("agent_id");
    Future<JsonObject> base;
    if (engineId != null) {
      base = find(engineId, headers).compose(doc -> sessionId.equals(doc.getString("session_id")) ? Future.succeededFuture(toEngine(doc))
          : Future.failedFuture(notFound(engineId)));
    } else if (agentId != null) {
      base = sessionsAgent(sessionId, agentId, headers)
          .map(agent -> {
            JsonObject llmConfig = agent.getJsonObject("llm_config", new JsonObject()).copy();
            if (agent.getString("system_prompt") != null && llmConfig.getString("system_prompt") == null) {
              llmConfig.put("system_prompt", agent.getString("system_prompt"));
            }
            return withSettings(null, llmConfig).put("agent_id", agentId)
                .put("mcp_servers", agent.getJsonArray("mcp_servers", new JsonArray()));
          });
    } else {
      base = newest(sessionId).map(doc -> doc == null ? withSettings(null, new JsonObject()) : toEngine(doc));
    }
    JsonObject overrides = body.getJsonObject("llm_config");
    return base.map(engine -> overrides == null ? engine : withSettings(engine, overrides));
  }

  /** The agent {@code agentId}, if it belongs to the session's tenant: else {@code AGENT_NOT_FOUND}, as if there were none. */
  private Future<JsonObject> sessionsAgent(String sessionId, String agentId, MultiMap headers) {
    Future<JsonObject> session = Sessions.require(vertx, sessionId, headers);
    Future<JsonObject> agent = Bus.request(vertx, Addresses.AGENT_GET, new JsonObject().put("agent_id", agentId),
        Bus.withRequestId(headers.get(Headers.REQUEST_ID)));
    return Future.all(session, agent).compose(both -> Tenancy.of(session.result()).equals(Tenancy.of(agent.result()))
        ? agent : Future.failedFuture(BusError.notFound(ErrorCode.AGENT_NOT_FOUND, "Agent", "agent_id", agentId)));
  }

  /** {@code base} (or the default engine) with an llm_config's {@code provider}, {@code model} and settings on top. */
  private JsonObject withSettings(JsonObject base, JsonObject llmConfig) {
    JsonObject engine = base == null
        ? new JsonObject().putNull("engine_id").put("engine_type", defaultType).putNull("model_name").put("configuration", new JsonObject())
        : base.copy();
    JsonObject settings = llmConfig.copy();
    Object provider = settings.remove("provider");
    Object model = settings.remove("model");
    if (provider instanceof String type && !type.equals(engine.getString("engine_type"))) {
      engine.put("engine_type", type).putNull("model_name");
    }
    if (model instanceof String name) {
      engine.put("model_name", name);
    }
    if (engine.getString("model_name") == null) {
      engine.put("model_name", defaultModel(engine.getString("engine_type")));
    }
    engine.put("configuration", engine.getJsonObject("configuration", new JsonObject()).copy().mergeIn(settings));
    return engine;
  }

  /** Oldest first by id (ids are time-ordered); the cursor is the last engine id of the previous page. */
  private Future<JsonObject> list(JsonObject body, MultiMap headers) {
    int limit = body.getInteger("limit");
    JsonObject query = Tenancy.filter(headers, body.getString(Tenancy.FIELD));
    if (body.getString("session_id") != null) {
      query.put("session_id", body.getString("session_id"));
    }
    if (body.getString("status") != null) {
      query.put("status", body.getString("status"));
    }
    if (body.getString("cursor") != null) {
      query.put("_id", new JsonObject().put("$gt", body.getString("cursor")));
    }
    FindOptions options = new FindOptions().setSort(new JsonObject().put("_id", 1)).setLimit(limit + 1);
    return mongo.findWithOptions(EngineStore.ENGINES, query, options)
        .map(docs -> Pages.of(docs.stream().map(EngineCatalogVerticle::toEngine).toList(), limit,
            last -> last.getString("engine_id")));
  }

  private Future<JsonObject> delete(String engineId, MultiMap headers) {
    return find(engineId, headers)
        .compose(visible -> mongo.removeDocument(EngineStore.ENGINES, new JsonObject().put("_id", engineId)))
        .compose(removed -> removed == null || removed.getRemovedCount() == 0
            ? Future.failedFuture(notFound(engineId))
            : Future.succeededFuture(new JsonObject().put("engine_id", engineId).put("status", "deleted")));
  }

  /**
   * A session's newest engine (null when it has none): its {@link EngineStore#NEWEST} pointer,
   * then the engine, both by {@code _id}. Only when the pointer names an engine that is gone
   * (deleted) is the session's newest engine looked up by {@code session_id} (a scan on the
   * embedded store), and the pointer repaired or removed.
   */
  private Future<JsonObject> newest(String sessionId) {
    JsonObject pointerId = new JsonObject().put("_id", sessionId);
    return pointers.byId(sessionId).compose(pointer -> pointer == null ? Future.succeededFuture()
        : engines.byId(pointer.getString("engine_id"))
            .compose(engine -> engine != null ? Future.succeededFuture(engine)
                : mongo.findWithOptions(EngineStore.ENGINES, new JsonObject().put("session_id", sessionId),
                        new FindOptions().setSort(new JsonObject().put("created_at", -1)).setLimit(1))
                    .compose(docs -> (docs.isEmpty() ? mongo.removeDocument(EngineStore.NEWEST, pointerId).mapEmpty()
                        : mongo.updateCollection(EngineStore.NEWEST, pointerId,
                            new JsonObject().put("$set", new JsonObject().put("engine_id", docs.get(0).getString("_id")))).mapEmpty())
                        .map(repaired -> docs.isEmpty() ? null : docs.get(0)))));
  }

  /** The public engine: {@code {engine_id, tenant_id, engine_type, model_name, session_id, configuration, status, created_at}}. */
  private static final List<String> VIEW = List.of("engine_type", "model_name", "session_id", "configuration", "status", "created_at");

  static JsonObject toEngine(JsonObject doc) {
    return Json.view(doc, "engine_id", VIEW, List.of()).put(Tenancy.FIELD, Tenancy.of(doc));
  }
}
