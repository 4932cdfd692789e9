package dev.agentbus.engine;

import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.Bus;
import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.bus.Headers;
import dev.agentbus.net.UrlGuard;
import dev.agentbus.tool.BuiltinTools;
import dev.agentbus.tool.ToolBox;
import dev.agentbus.event.Events;
import dev.agentbus.session.SessionDirectory;
import dev.agentbus.store.Collections;
import dev.agentbus.store.Store;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.shareddata.Lock;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.MongoClient;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs engines on this node: {@code engine.prompt} commands resolve their engine (named, an
 * agent's, the session's newest, or the default), wait for the session's conversation lock (one
 * run per conversation at a time, cluster-wide), and run the shared {@link AgentLoop} on the
 * engine type's {@link Model}. Cancels and timeouts ({@link Addresses#COMMAND_ABORTED}) abort the
 * run, including its outgoing model request.
 */
public class EngineVerticle extends VerticleBase {
  public static final Set<String> ENGINE_TYPES = Set.of("dummy", "openai");

  private final Map<String, AgentLoop> runs = new HashMap<>();
  /** Runs not started yet (resolving, waiting for the lock): "" or, if stopped meanwhile, the status that stopped them. */
  private final Map<String, String> starting = new HashMap<>();
  private final Map<String, Model> models = new HashMap<>();
  private JsonObject engines;
  private MongoClient mongo;
  private SessionDirectory sessions;
  private ToolBox tools;

  @Override
  public Future<?> start() {
    mongo = Store.client(vertx, config());
    sessions = new SessionDirectory(vertx, mongo, config());
    engines = config().getJsonObject("engines", new JsonObject());
    models.put("dummy", new DummyModel(vertx, engines.getJsonObject("dummy", new JsonObject()).getLong("token_delay_ms", 20L)));
    models.put("openai", new OpenAiModel(vertx, openAiSettings()));
    tools = new BuiltinTools(vertx);
    return Future.all(List.of(
        Bus.serveLocal(vertx, Addresses.ENGINE_RUN, this::run).completion(),
        vertx.eventBus().<JsonObject>consumer(Addresses.COMMAND_ABORTED, message -> {
          String commandId = message.body().getString("command_id");
          AgentLoop run = runs.get(commandId);
          if (run != null) {
            run.abort(stopped(message.body().getString("status")));
          } else if (starting.containsKey(commandId)) {
            starting.put(commandId, message.body().getString("status"));
          }
        }).completion()));
  }

  @Override
  public Future<?> stop() {
    // Runs die with this verticle's timers and its web client (closed on undeploy, which closes
    // their model requests). Their commands are not failed here (the event log may already be
    // gone): the CommandReaper of a live node fails them with NODE_LOST, event included.
    runs.clear();
    return sessions.close();
  }

  private JsonObject openAiSettings() {
    return engines.getJsonObject("openai", new JsonObject());
  }

  private Future<JsonObject> run(JsonObject body, MultiMap headers) {
    String sessionId = body.getString("session_id");
    String commandId = body.getString("command_id");
    String requestId = headers.get(Headers.REQUEST_ID);
    long deadline = body.getLong("deadline_ms", System.currentTimeMillis() + 300_000);
    starting.put(commandId, "");
    // The lock comes first: runs of one conversation queue in the order they asked for it.
    Future<Lock> lock = vertx.sharedData()
        .getLockWithTimeout("agentbus.conversation." + sessionId, Math.max(1, deadline - System.currentTimeMillis()))
        .recover(timeout -> Future.failedFuture(new BusError(ErrorCode.TIMEOUT,
            "Another run of this conversation did not finish before this command's deadline")));
    Future<JsonObject> engine = lock.compose(locked -> resolve(body).compose(this::checkBaseUrl)
        .onFailure(failed -> locked.release()));
    return engine.transform(found -> {
      String stoppedAs = starting.remove(commandId);
      if (found.failed()) {
        return Future.failedFuture(found.cause());
      }
      Lock locked = lock.result();
      if (stoppedAs != null && !stoppedAs.isEmpty()) {
        locked.release();
        return Future.failedFuture(stopped(stoppedAs));
      }
      JsonObject resolved = found.result();
      JsonObject configuration = resolved.getJsonObject("configuration");
      AgentLoop.Sink sink = (type, data) -> Events.append(vertx, sessionId, type, data, commandId);
      Conversation conversation = new Conversation(mongo, sessionId, commandId);
      AgentLoop loop = new AgentLoop(vertx, models.get(resolved.getString("engine_type")), tools,
          AgentLoop.Settings.from(engines, configuration), sink, conversation, requestId);
      runs.put(commandId, loop);
      return conversation.recent(engines.getInteger("max_history_messages", 200))
          .compose(history -> loop.run(resolved, body.getString("prompt"), history))
          .onComplete(done -> {
            runs.remove(commandId);
            locked.release();
          })
          .map(result -> result.put("engine_id", resolved.getString("_id"))
              .put("engine_type", resolved.getString("engine_type"))
              .put("model_name", resolved.getString("model_name")));
    });
  }

  /**
   * The engine a prompt runs on: the named engine, else the named agent's configuration, else the
   * session's newest engine, else the default; then the request's {@code llm_config} on top.
   */
  private Future<JsonObject> resolve(JsonObject body) {
    String sessionId = body.getString("session_id");
    Future<JsonObject> base;
    if (body.getString("engine_id") != null) {
      base = find(body.getString("engine_id"), sessionId);
    } else if (body.getString("agent_id") != null) {
      base = agent(body.getString("agent_id"));
    } else {
      base = mongo.findWithOptions(Collections.ENGINES, new JsonObject().put("session_id", sessionId),
              new FindOptions().setSort(new JsonObject().put("created_at", -1)).setLimit(1))
          .map(docs -> docs.isEmpty() ? engineOf(null, new JsonObject()) : docs.get(0));
    }
    JsonObject overrides = body.getJsonObject("llm_config");
    return base.map(engine -> overrides == null ? engine : engineOf(engine, overrides));
  }

  private Future<JsonObject> agent(String agentId) {
    return mongo.findOne(Collections.AGENTS, new JsonObject().put("_id", agentId), null).compose(agent -> {
      if (agent == null) {
        return Future.failedFuture(BusError.notFound(ErrorCode.AGENT_NOT_FOUND, "Agent", "agent_id", agentId));
      }
      JsonObject llmConfig = agent.getJsonObject("llm_config", new JsonObject()).copy();
      if (agent.getString("system_prompt") != null && llmConfig.getString("system_prompt") == null) {
        llmConfig.put("system_prompt", agent.getString("system_prompt"));
      }
      return Future.succeededFuture(engineOf(null, llmConfig).put("agent_id", agentId));
    });
  }

  /** {@code base} (or the default engine) with an llm_config's {@code provider}, {@code model} and settings on top. */
  private JsonObject engineOf(JsonObject base, JsonObject llmConfig) {
    JsonObject engine = base == null
        ? new JsonObject().putNull("_id").put("engine_type", engines.getString("default_type", "dummy")).putNull("model_name")
            .put("configuration", new JsonObject())
        : base.copy();
    JsonObject settings = llmConfig.copy();
    Object provider = settings.remove("provider");
    Object model = settings.remove("model");
    if (provider instanceof String type) {
      engine.put("engine_type", type);
      if (base != null && !type.equals(base.getString("engine_type"))) {
        engine.putNull("model_name");
      }
    }
    if (model instanceof String name) {
      engine.put("model_name", name);
    }
    if (engine.getString("model_name") == null) {
      engine.put("model_name", "openai".equals(engine.getString("engine_type"))
          ? openAiSettings().getString("model", "gpt-4o-mini") : engine.getString("engine_type"));
    }
    engine.put("configuration", engine.getJsonObject("configuration", new JsonObject()).copy().mergeIn(settings));
    return engine;
  }

  /** A user's own base URL is hostile until the SSRF guard says otherwise; the operator's is trusted. */
  private Future<JsonObject> checkBaseUrl(JsonObject engine) {
    String url = engine.getJsonObject("configuration").getString("base_url");
    if (!models.containsKey(engine.getString("engine_type"))) {
      return Future.failedFuture(new BusError(ErrorCode.UNSUPPORTED, "Engine type '" + engine.getString("engine_type")
          + "' is not supported; available: " + ENGINE_TYPES, new JsonObject().put("field", "engine_type")));
    }
    if (url == null || !"openai".equals(engine.getString("engine_type"))
        || url.replaceAll("/+$", "").equals(openAiSettings().getString("base_url", "").replaceAll("/+$", ""))) {
      return Future.succeededFuture(engine);
    }
    return UrlGuard.verify(vertx, url, config(), "configuration.base_url").map(engine);
  }

  private Future<JsonObject> find(String engineId, String sessionId) {
    JsonObject query = new JsonObject().put("_id", engineId);
    if (sessionId != null) {
      query.put("session_id", sessionId);
    }
    return mongo.findOne(Collections.ENGINES, query, null).compose(doc -> doc == null
        ? Future.failedFuture(BusError.notFound(ErrorCode.ENGINE_NOT_FOUND, "Engine", "engine_id", engineId))
        : Future.succeededFuture(doc));
  }

  /** Why a run stopped, from the status its command was finished with elsewhere. */
  private static BusError stopped(String commandStatus) {
    return "timed_out".equals(commandStatus)
        ? new BusError(ErrorCode.TIMEOUT, "Engine run stopped: the command timed out")
        : new BusError(ErrorCode.CANCELLED, "Engine run stopped: the command was " + commandStatus);
  }
}
