package dev.agentbus.engine;

import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.Bus;
import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.bus.Headers;
import dev.agentbus.bus.SharedNames;
import dev.agentbus.command.CommandStatus;
import dev.agentbus.config.Settings;
import dev.agentbus.net.UrlGuard;
import dev.agentbus.tool.RunTools;
import dev.agentbus.event.Events;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.shareddata.Lock;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Runs engines on this node: an {@code engine.prompt} command waits for its session's
 * conversation lock (one run per conversation at a time, cluster-wide), has the catalog resolve
 * its engine ({@link Addresses#ENGINE_RESOLVE}), and runs the shared {@link AgentLoop} on the
 * engine type's {@link Model}. Cancels and timeouts ({@link Addresses#COMMAND_ABORTED}) abort the
 * run, including its outgoing model request.
 */
public class EngineVerticle extends VerticleBase {
  public static final Set<String> ENGINE_TYPES = Set.of("dummy", "openai");
  /** How long a finished run keeps the conversation lock waiting for its command's final event (its write may fail). */
  private static final long FINAL_EVENT_WAIT_MS = 5_000;
  private static final long LOCK_WAIT_GRACE_MS = 500;

  private final Map<String, AgentLoop> runs = new HashMap<>();
  /** Runs not started yet (resolving, waiting for the lock): "" or, if stopped meanwhile, the status that stopped them. */
  private final Map<String, String> starting = new HashMap<>();
  private final Map<String, Model> models = new HashMap<>();
  private Settings.Engines engines;
  private Settings.Security security;
  private RunTools tools;

  @Override
  public Future<?> start() {
    Settings settings = Settings.of(config());
    engines = settings.engines();
    security = settings.security();
    models.put("dummy", new DummyModel(vertx, engines.dummyTokenDelayMs()));
    models.put("openai", new OpenAiModel(vertx, engines.openai()));
    tools = new RunTools(vertx);
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
    return Future.succeededFuture();
  }

  private Future<JsonObject> run(JsonObject body, MultiMap headers) {
    String sessionId = body.getString("session_id");
    String commandId = body.getString("command_id");
    String requestId = headers.get(Headers.REQUEST_ID);
    long deadline = body.getLong("deadline_ms");
    starting.put(commandId, "");
    // The lock comes first: runs of one conversation queue in the order they asked for it. The wait
    // outlasts the deadline a little: the command's own timer times it out (timed_out), not this.
    Future<Lock> lock = vertx.sharedData()
        .getLockWithTimeout(SharedNames.conversationLock(sessionId), Math.max(1, deadline - System.currentTimeMillis()) + LOCK_WAIT_GRACE_MS)
        .recover(timeout -> Future.failedFuture(new BusError(ErrorCode.TIMEOUT,
            "Another run of this conversation did not finish before this command's deadline")));
    // Holding the lock, the run really starts: only now is the command executing (command.started),
    // unless it was cancelled or timed out while it waited (then the start fails and the lock goes).
    Promise<Void> finalEvent = Promise.promise();
    Future<JsonObject> started = lock.compose(locked -> start(sessionId, commandId, requestId, finalEvent)
        .onFailure(failed -> locked.release()));
    // The run's tools come in one request (built-ins, global and session tools, its agent's MCP tools).
    RunTools.Offer[] offered = new RunTools.Offer[1];
    Future<JsonObject> engine = started
        .compose(command -> Bus.request(vertx, Addresses.ENGINE_RESOLVE, body, Bus.withRequestId(requestId)))
        .compose(this::checkBaseUrl)
        .compose(resolved -> {
          JsonArray subset = resolved.getJsonObject("configuration").getJsonArray("tools");
          List<String> names = subset == null ? null : subset.stream().map(String::valueOf).toList();
          return tools.offer(sessionId, commandId, names, resolved.getJsonArray("mcp_servers"), requestId)
              .map(offer -> {
                offered[0] = offer;
                return resolved;
              });
        });
    Future<JsonObject> outcome = engine.transform(found -> {
      String stoppedAs = starting.remove(commandId);
      if (found.failed()) {
        return Future.failedFuture(found.cause());
      }
      if (stoppedAs != null && !stoppedAs.isEmpty()) {
        return Future.failedFuture(stopped(stoppedAs));
      }
      JsonObject resolved = found.result();
      JsonObject configuration = resolved.getJsonObject("configuration");
      AgentLoop.Sink sink = (type, data) -> Events.append(vertx, sessionId, type, data, commandId);
      Conversation conversation = new Conversation(vertx, sessionId, commandId, requestId);
      AgentLoop loop = new AgentLoop(vertx, models.get(resolved.getString("engine_type")), offered[0],
          AgentLoop.Settings.from(engines, configuration), sink, conversation, requestId);
      runs.put(commandId, loop);
      return conversation.recent(engines.maxHistoryMessages())
          .compose(history -> loop.run(resolved, body.getString("prompt"), history))
          .onComplete(done -> runs.remove(commandId))
          .map(result -> result.put("engine_id", resolved.getString("engine_id"))
              .put("engine_type", resolved.getString("engine_type"))
              .put("model_name", resolved.getString("model_name")));
    });
    // A started run keeps the lock until its command's final event is stored (the command verticle
    // concludes it after this reply), so the next run's command.started comes after that event.
    started.onSuccess(command -> outcome.onComplete(done -> releaseOnFinalEvent(lock.result(), finalEvent)));
    return outcome;
  }

  /**
   * Marks the command started ({@link Addresses#COMMAND_START}), listening first for the command's
   * final event, which completes {@code finalEvent}, so that it cannot be missed.
   */
  private Future<JsonObject> start(String sessionId, String commandId, String requestId, Promise<Void> finalEvent) {
    MessageConsumer<JsonObject> watch = vertx.eventBus().consumer(Addresses.sessionEvents(sessionId), message -> {
      if (CommandStatus.isFinalEventOf(message.body(), commandId)) {
        finalEvent.tryComplete();
      }
    });
    finalEvent.future().onComplete(seen -> watch.unregister());
    return watch.completion()
        .compose(listening -> Bus.request(vertx, Addresses.COMMAND_START, new JsonObject().put("command_id", commandId),
            Bus.withRequestId(requestId)))
        .onFailure(failed -> finalEvent.tryComplete());
  }

  /** Releases the lock once the final event is seen, or {@link #FINAL_EVENT_WAIT_MS} after the run if it never shows. */
  private void releaseOnFinalEvent(Lock lock, Promise<Void> finalEvent) {
    long timer = vertx.setTimer(FINAL_EVENT_WAIT_MS, t -> finalEvent.tryComplete());
    finalEvent.future().onComplete(seen -> {
      vertx.cancelTimer(timer);
      lock.release();
    });
  }

  /** A user's own base URL is hostile until the SSRF guard says otherwise; the operator's is trusted. */
  private Future<JsonObject> checkBaseUrl(JsonObject engine) {
    String url = engine.getJsonObject("configuration").getString("base_url");
    if (!models.containsKey(engine.getString("engine_type"))) {
      return Future.failedFuture(new BusError(ErrorCode.UNSUPPORTED, "Engine type '" + engine.getString("engine_type")
          + "' is not supported; available: " + ENGINE_TYPES, new JsonObject().put("field", "engine_type")));
    }
    if (url == null || !"openai".equals(engine.getString("engine_type"))
        || url.replaceAll("/+$", "").equals(Objects.toString(engines.openai().baseUrl(), "").replaceAll("/+$", ""))) {
      return Future.succeededFuture(engine);
    }
    return UrlGuard.verify(vertx, url, security, "configuration.base_url").map(engine);
  }

  /** Why a run stopped, from the status its command was finished with elsewhere. */
  private static BusError stopped(String commandStatus) {
    return "timed_out".equals(commandStatus)
        ? new BusError(ErrorCode.TIMEOUT, "Engine run stopped: the command timed out")
        : new BusError(ErrorCode.CANCELLED, "Engine run stopped: the command was " + commandStatus);
  }
}
