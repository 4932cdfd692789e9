package dev.agentbus;

import dev.agentbus.agent.AgentVerticle;
import dev.agentbus.command.CommandVerticle;
import dev.agentbus.conversation.ConversationVerticle;
import dev.agentbus.engine.EngineCatalogVerticle;
import dev.agentbus.engine.EngineVerticle;
import dev.agentbus.event.EventLogVerticle;
import dev.agentbus.http.HttpApiVerticle;
import dev.agentbus.idempotency.IdempotencyVerticle;
import dev.agentbus.session.SessionVerticle;
import dev.agentbus.store.EmbeddedStore;
import dev.agentbus.store.Store;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts one node: the embedded store when no {@code mongodb.uri} is configured, the indexes,
 * then the verticles — the event log, sessions, commands and engines, and the HTTP edge last.
 */
public class MainVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(MainVerticle.class);
  private final java.util.List<String> deployed = new java.util.ArrayList<>();
  private EmbeddedStore embedded;

  @Override
  public Future<?> start() {
    JsonObject config = config().copy();
    return resolveStore(config)
        .compose(uri -> {
          config.getJsonObject("mongodb").put("uri", uri);
          return Store.ensureIndexes(Store.client(vertx, config));
        })
        .compose(indexed -> deploy(EventLogVerticle.class, config, 1))
        .compose(done -> deploy(SessionVerticle.class, config, 1))
        .compose(done -> deploy(CommandVerticle.class, config, 1))
        .compose(done -> deploy(EngineVerticle.class, config, 1))
        .compose(done -> deploy(EngineCatalogVerticle.class, config, 1))
        .compose(done -> deploy(AgentVerticle.class, config, 1))
        .compose(done -> deploy(ConversationVerticle.class, config, 1))
        .compose(done -> deploy(IdempotencyVerticle.class, config, 1))
        .compose(done -> deploy(HttpApiVerticle.class, config, httpInstances(config)))
        .onSuccess(done -> LOG.info("agentbus node ready on port {} (clustered: {})",
            config.getJsonObject("http").getInteger("port"), vertx.isClustered()));
  }

  /**
   * Undeploys in reverse order — HTTP first, the event log last — so that work finishing during
   * shutdown can still record its events; the embedded store goes after everything.
   */
  @Override
  public Future<?> stop() {
    Future<?> undeployed = Future.succeededFuture();
    for (int i = deployed.size() - 1; i >= 0; i--) {
      String id = deployed.get(i);
      undeployed = undeployed.transform(previous -> vertx.undeploy(id));
    }
    return undeployed.transform(done -> embedded == null ? Future.succeededFuture() : vertx.executeBlocking(() -> {
      embedded.close();
      return null;
    }));
  }

  private Future<String> resolveStore(JsonObject config) {
    String uri = config.getJsonObject("mongodb").getString("uri");
    if (uri != null && !uri.isBlank()) {
      return Future.succeededFuture(uri);
    }
    JsonObject store = config.getJsonObject("store");
    return vertx.executeBlocking(() -> {
      embedded = EmbeddedStore.start(store.getString("embedded", "h2"), store.getString("data_dir", "data"),
          store.getString("host", "127.0.0.1"), store.getInteger("port", 0));
      return embedded.uri();
    });
  }

  private Future<String> deploy(Class<? extends VerticleBase> verticle, JsonObject config, int instances) {
    return vertx.deployVerticle(verticle, new DeploymentOptions().setConfig(config).setInstances(instances))
        .onSuccess(deployed::add);
  }

  private static int httpInstances(JsonObject config) {
    int configured = config.getJsonObject("http").getInteger("instances", 0);
    return configured > 0 ? configured : Runtime.getRuntime().availableProcessors();
  }
}
