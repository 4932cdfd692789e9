package dev.agentbus;

import dev.agentbus.agent.AgentVerticle;
import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.Bus;
import dev.agentbus.auth.AuthVerticle;
import dev.agentbus.bridge.BridgeVerticle;
import dev.agentbus.bridge.TcpBridgeVerticle;
import dev.agentbus.command.CommandVerticle;
import dev.agentbus.config.AppConfig;
import dev.agentbus.config.Settings;
import dev.agentbus.conversation.ConversationVerticle;
import dev.agentbus.engine.EngineCatalogVerticle;
import dev.agentbus.engine.EngineVerticle;
import dev.agentbus.event.EventLogVerticle;
import dev.agentbus.handler.EventHandlerVerticle;
import dev.agentbus.handler.HandlerVerticle;
import dev.agentbus.http.HttpApiVerticle;
import dev.agentbus.idempotency.IdempotencyVerticle;
import dev.agentbus.log.LogQueryVerticle;
import dev.agentbus.log.LogRetentionVerticle;
import dev.agentbus.log.LogWriterVerticle;
import dev.agentbus.mcp.McpVerticle;
import dev.agentbus.session.SessionVerticle;
import dev.agentbus.tool.ToolVerticle;
import dev.agentbus.util.Draining;
import dev.agentbus.store.EmbeddedStore;
import dev.agentbus.store.Store;
import dev.agentbus.trace.TraceVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts one node: the embedded store when no {@code mongodb.uri} is configured, the indexes,
 * then the verticles — the event log, sessions, commands and engines, and the HTTP edge last.
 *
 * <p>The verticles are deployed from a context that belongs to no deployment, so they are not
 * Vert.x children of this one: Vert.x undeploys a deployment's children all at once, in parallel,
 * before the parent's {@code stop()} runs, which would take the event log away while the others
 * still write to it. Undeploying this verticle therefore undeploys them in {@link #stop}, in reverse
 * order. Stop a node with {@code vertx.undeploy(id)} of this verticle before {@code vertx.close()}
 * (which would otherwise undeploy every top-level deployment at once).
 *
 * <p>Stopping a serving node is graceful, whether SIGTERM ({@code Main}'s hook) or {@code POST
 * /shutdown} asked for it: the node drains first (see {@link #stop}), then its verticles stop.
 */
public class MainVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(MainVerticle.class);
  /** The longest a drain may wait for the command verticle's answer beyond the grace time. */
  private static final long DRAIN_SLACK_MS = 10_000;
  private final List<String> deployed = new ArrayList<>();
  private final Runnable shutdownRequested;
  private Settings settings;
  private boolean serving;
  private EmbeddedStore embedded;
  /** Deployments made from here are top-level (not children of this verticle). */
  private ContextInternal detached;

  /** A node whose {@code POST /shutdown} undeploys this verticle, then closes Vert.x (leaving the cluster). */
  public MainVerticle() {
    this(null);
  }

  /**
   * A node whose {@code POST /shutdown} runs {@code shutdownRequested} ({@code Main}: exit the JVM,
   * so the shutdown hook stops the node as on SIGTERM); null: undeploy this verticle, then close Vert.x.
   */
  public MainVerticle(Runnable shutdownRequested) {
    this.shutdownRequested = shutdownRequested;
  }

  @Override
  public Future<?> start() {
    JsonObject config = config().copy();
    settings = Settings.of(config);
    Draining.clear(vertx);
    vertx.eventBus().localConsumer(Addresses.NODE_SHUTDOWN, request -> shutDown());
    detached = ((VertxInternal) vertx).createEventLoopContext();
    return resolveStore(settings)
        .compose(uri -> {
          // the verticles read the resolved store URI from the config they are deployed with
          AppConfig.set(config, "mongodb.uri", uri);
          return Store.ensureIndexes(Store.client(vertx, settings.mongo().withUri(uri)));
        })
        // Traces first: on stop it goes last, storing the spans of everything that stopped before it.
        .compose(indexed -> deploy(TraceVerticle.class, config, 1))
        // Then the log writer: it keeps what every other verticle logs, until they have all stopped.
        .compose(done -> deploy(LogWriterVerticle.class, config, 1))
        .compose(done -> deploy(LogRetentionVerticle.class, config, 1))
        .compose(done -> deploy(LogQueryVerticle.class, config, 1))
        // Event handlers before the event log (every event it stores passes through them; on stop they go after it).
        .compose(done -> deploy(EventHandlerVerticle.class, config, 1))
        .compose(done -> deploy(EventLogVerticle.class, config, 1))
        .compose(done -> deploy(SessionVerticle.class, config, 1))
        .compose(done -> deploy(CommandVerticle.class, config, 1))
        // MCP sessions before the engines that call them: on stop they close after the engines.
        .compose(done -> deploy(McpVerticle.class, config, 1))
        // Engines last but HTTP: on stop they go first, while what a run uses (catalog, agents,
        // conversations, tools, commands, sessions, the event log) is still there.
        .compose(done -> deploy(AgentVerticle.class, config, 1))
        .compose(done -> deploy(ConversationVerticle.class, config, 1))
        .compose(done -> deploy(EngineCatalogVerticle.class, config, 1))
        .compose(done -> deploy(ToolVerticle.class, config, 1))
        .compose(done -> deploy(EngineVerticle.class, config, 1))
        .compose(done -> deploy(IdempotencyVerticle.class, config, 1))
        .compose(done -> deploy(HandlerVerticle.class, config, 1))
        .compose(done -> deploy(AuthVerticle.class, config, 1))
        // The SockJS bridge's inbound addresses, before the HTTP edge that serves its sockets.
        .compose(done -> deploy(BridgeVerticle.class, config, 1))
        .compose(done -> deploy(HttpApiVerticle.class, config, httpInstances(settings.http())))
        // The TCP bridge for workers, when configured: on stop it goes first (its workers' requests fail over).
        .compose(done -> settings.tcpBridge().enabled() ? deploy(TcpBridgeVerticle.class, config, 1) : Future.succeededFuture(""))
        .onSuccess(done -> {
          serving = true;
          LOG.info("agentbus node ready on port {} (clustered: {})", settings.http().port(), vertx.isClustered());
        })
        // Vert.x does not stop a verticle whose start failed, and these are not its children: undo here.
        .recover(failure -> stop().transform(undone -> Future.failedFuture(failure)));
  }

  /**
   * Drains a node that was serving ({@link #drain}), then undeploys in reverse order, one after
   * another — HTTP first (no new requests or streams; open streams are closed), the event log last,
   * so that work finishing during shutdown can still record its events — then closes the embedded
   * store. A failure is logged and the rest still stops; the first one is the result.
   */
  @Override
  public Future<?> stop() {
    Future<Void> drained = serving ? drain() : Future.succeededFuture();
    serving = false;
    return drained.transform(done -> undeployAll());
  }

  private void shutDown() {
    LOG.info("shutdown requested");
    if (shutdownRequested != null) {
      shutdownRequested.run();
    } else {
      vertx.undeploy(deploymentID()).onComplete(undeployed -> vertx.close());
    }
  }

  /**
   * A graceful shutdown's drain, before anything is undeployed: readiness answers 503 and new work
   * is refused ({@link Draining}); the node is announced not ready, and its streams end with their
   * resume cursors ({@link HttpApiVerticle#drain}); its queued commands go to another node and its
   * running ones get {@code shutdown.grace_ms} to finish ({@link Addresses#COMMAND_DRAIN}). Never fails.
   */
  private Future<Void> drain() {
    Draining.begin(vertx);
    long graceMs = settings.shutdown().graceMs();
    LOG.info("draining (grace {} ms)", graceMs);
    return HttpApiVerticle.drain(vertx)
        .recover(failure -> {
          LOG.warn("ending the streams or withdrawing readiness failed: {}", failure.getMessage(), failure);
          return Future.succeededFuture();
        })
        .compose(streamsEnded -> Bus.request(vertx, Addresses.COMMAND_DRAIN, new JsonObject().put("grace_ms", graceMs),
            Bus.withRequestId(null).setSendTimeout(graceMs + DRAIN_SLACK_MS)))
        .onSuccess(commands -> LOG.info("drained: {} command(s) handed over, {} still running",
            commands.getInteger("handed_over"), commands.getInteger("running")))
        .<Void>mapEmpty()
        .recover(failure -> {
          LOG.warn("draining the commands failed: {}", failure.getMessage(), failure);
          return Future.succeededFuture();
        });
  }

  private Future<?> undeployAll() {
    List<Throwable> failures = new ArrayList<>();
    Future<?> undeployed = Future.succeededFuture();
    for (int i = deployed.size() - 1; i >= 0; i--) {
      String id = deployed.get(i);
      undeployed = undeployed.transform(previous -> vertx.undeploy(id).onFailure(failure -> {
        LOG.error("undeploying {} failed: {}", id, failure.getMessage(), failure);
        failures.add(failure);
      }));
    }
    deployed.clear();
    return undeployed
        .transform(done -> embedded == null ? Future.succeededFuture() : vertx.executeBlocking(() -> {
          embedded.close();
          embedded = null;
          return null;
        }))
        .transform(closed -> closed.failed() ? Future.failedFuture(closed.cause())
            : failures.isEmpty() ? Future.succeededFuture() : Future.failedFuture(failures.get(0)));
  }

  /** The configured {@code mongodb.uri}, or (none configured) the URI of the embedded store it starts. */
  private Future<String> resolveStore(Settings settings) {
    String uri = settings.mongo().uri();
    if (uri != null && !uri.isBlank()) {
      return Future.succeededFuture(uri);
    }
    Settings.Store store = settings.store();
    return vertx.executeBlocking(() -> {
      embedded = EmbeddedStore.start(store.embedded(), store.dataDir(), store.host(), store.port());
      return embedded.uri();
    });
  }

  /** Deploys from {@link #detached} (a top-level deployment); completes on this verticle's context. */
  private Future<String> deploy(Class<? extends VerticleBase> verticle, JsonObject config, int instances) {
    Promise<String> done = ((ContextInternal) context).promise();
    detached.runOnContext(v -> vertx.deployVerticle(verticle, new DeploymentOptions().setConfig(config).setInstances(instances))
        .onComplete(done));
    return done.future().onSuccess(deployed::add);
  }

  /** {@code http.instances}, or one per core when it is 0. */
  private static int httpInstances(Settings.Http http) {
    int configured = http.instances();
    return configured > 0 ? configured : Runtime.getRuntime().availableProcessors();
  }
}
