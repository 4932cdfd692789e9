package dev.agentbus.engine;

import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.Bus;
import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.event.Events;
import dev.agentbus.session.SessionDirectory;
import dev.agentbus.store.Collections;
import dev.agentbus.store.Store;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.MongoClient;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs engines. An engine streams {@code engine.*} events into its session and answers with the
 * final text. Today only {@code dummy} exists; other adapters plug in behind {@link Engine}.
 */
public class EngineVerticle extends VerticleBase {
  public static final Set<String> ENGINE_TYPES = Set.of("dummy", "openai");

  private final Map<String, Engine.Run> runs = new HashMap<>();
  /** Runs still looking up their engine: "" or, if stopped meanwhile, the status that stopped them. */
  private final Map<String, String> starting = new HashMap<>();
  private MongoClient mongo;
  private SessionDirectory sessions;
  private Engine dummy;

  @Override
  public Future<?> start() {
    mongo = Store.client(vertx, config());
    sessions = new SessionDirectory(vertx, mongo, config());
    long defaultDelay = config().getJsonObject("engines", new JsonObject())
        .getJsonObject("dummy", new JsonObject()).getLong("token_delay_ms", 20L);
    dummy = new DummyEngine(vertx, defaultDelay);
    return Future.all(List.of(
        Bus.serveLocal(vertx, Addresses.ENGINE_RUN, (body, h) -> run(body)).completion(),
        vertx.eventBus().<JsonObject>consumer(Addresses.COMMAND_ABORTED, message -> {
          String commandId = message.body().getString("command_id");
          Engine.Run run = runs.get(commandId);
          if (run != null) {
            run.abort(stopped(message.body().getString("status")));
          } else if (starting.containsKey(commandId)) {
            starting.put(commandId, message.body().getString("status"));
          }
        }).completion()));
  }

  @Override
  public Future<?> stop() {
    // Runs die with this verticle's timers. Their commands are not failed here (the event log may
    // already be gone): the CommandReaper of a live node fails them with NODE_LOST, event included.
    runs.clear();
    return sessions.close();
  }

  /** The engine a prompt runs on: the named one, else the session's newest, else a default dummy. */
  private Future<JsonObject> engineFor(String sessionId, String engineId) {
    if (engineId != null) {
      return find(engineId, sessionId);
    }
    return mongo.findWithOptions(Collections.ENGINES, new JsonObject().put("session_id", sessionId),
            new FindOptions().setSort(new JsonObject().put("created_at", -1)).setLimit(1))
        .map(docs -> docs.isEmpty()
            ? new JsonObject().put("_id", null).put("engine_type", "dummy").put("model_name", "dummy").put("configuration", new JsonObject())
            : docs.get(0));
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

  private Future<JsonObject> run(JsonObject body) {
    String sessionId = body.getString("session_id");
    String commandId = body.getString("command_id");
    starting.put(commandId, "");
    return engineFor(sessionId, body.getString("engine_id")).transform(looked -> {
      String stoppedAs = starting.remove(commandId);
      if (looked.failed()) {
        return Future.failedFuture(looked.cause());
      }
      if (stoppedAs != null && !stoppedAs.isEmpty()) {
        return Future.failedFuture(stopped(stoppedAs));
      }
      JsonObject engine = looked.result();
      Engine.Sink sink = (type, data) -> Events.append(vertx, sessionId, type, data, commandId);
      Engine.Run run = dummy.start(engine, body.getString("prompt"), sink);
      runs.put(commandId, run);
      return run.result()
          .onComplete(done -> runs.remove(commandId))
          .map(result -> result.put("engine_id", engine.getString("_id"))
              .put("engine_type", engine.getString("engine_type"))
              .put("model_name", engine.getString("model_name")));
    });
  }

  /** Why a run stopped, from the status its command was finished with elsewhere. */
  private static BusError stopped(String commandStatus) {
    return "timed_out".equals(commandStatus)
        ? new BusError(ErrorCode.TIMEOUT, "Engine run stopped: the command timed out")
        : new BusError(ErrorCode.CANCELLED, "Engine run stopped: the command was " + commandStatus);
  }
}
