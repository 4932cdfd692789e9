package dev.agentbus;

import com.hazelcast.config.Config;
import dev.agentbus.config.AppConfig;
import dev.agentbus.config.Settings;
import dev.agentbus.metrics.Metrics;
import dev.agentbus.store.EmbeddedStore;
import dev.agentbus.trace.NodeTracing;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Command line entry point.
 * <ul>
 *   <li>no flag: one node (embedded store unless {@code MONGODB_URI} is set);</li>
 *   <li>{@code --cluster} (or {@code CLUSTER=true}): the node joins the Hazelcast cluster of {@code cluster.xml};</li>
 *   <li>{@code --store-only}: only the embedded store, on {@code STORE_PORT} (default 27017), for local clusters.</li>
 * </ul>
 */
public final class Main {
  private static final Logger LOG = LoggerFactory.getLogger(Main.class);
  /** {@code --store-only} listens here when {@code store.port} is 0 ("any free port" makes no sense for a shared store). */
  private static final int STORE_ONLY_PORT = 27017;

  private Main() {}

  public static void main(String[] args) throws Exception {
    List<String> flags = Arrays.asList(args);
    JsonObject config = AppConfig.load(flags, System.getenv());
    Settings settings = Settings.of(config);
    if (flags.contains("--store-only")) {
      runStoreOnly(settings.store());
      return;
    }
    Vertx vertx = startVertx(settings, config);
    AtomicReference<String> node = new AtomicReference<>();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("shutting down");
      stop(vertx, node.get());
    }, "agentbus-shutdown"));
    try {
      // POST /shutdown exits the JVM, so its hook below stops the node exactly as SIGTERM does.
      MainVerticle main = new MainVerticle(() -> new Thread(() -> System.exit(0), "agentbus-exit").start());
      node.set(vertx.deployVerticle(main, new DeploymentOptions().setConfig(config)).await());
    } catch (Exception e) {
      LOG.error("node failed to start: {}", e.getMessage(), e);
      vertx.close().await();
      System.exit(1);
    }
  }

  /**
   * Undeploys the node's {@link MainVerticle} first (a graceful drain, then its verticles one after
   * another, in reverse order, then the embedded store), then closes Vert.x — which leaves the
   * cluster, and would otherwise undeploy them all at once.
   */
  static void stop(Vertx vertx, String mainDeploymentId) {
    if (mainDeploymentId != null) {
      try {
        vertx.undeploy(mainDeploymentId).await();
      } catch (Exception e) {
        LOG.error("stopping the node failed: {}", e.getMessage(), e);
      }
    }
    vertx.close().await();
  }

  static Vertx startVertx(Settings settings, JsonObject config) throws Exception {
    Settings.Cluster cluster = settings.cluster();
    VertxOptions options = Metrics.enable(new VertxOptions(), settings.metrics().enabled());
    if (!cluster.enabled()) {
      return NodeTracing.enable(Vertx.builder().with(options), config).build();
    }
    Path file = Path.of(cluster.config());
    if (!Files.isRegularFile(file)) {
      throw new IllegalStateException("cluster config " + file.toAbsolutePath() + " not found (set CLUSTER_CONFIG)");
    }
    Config hazelcast = Config.loadFromFile(file.toFile());
    options.getEventBusOptions().setHost(cluster.host());
    return NodeTracing.enable(Vertx.builder().with(options), config)
        .withClusterManager(new HazelcastClusterManager(hazelcast)).buildClustered().await();
  }

  private static void runStoreOnly(Settings.Store store) throws InterruptedException {
    int port = store.port() == 0 ? STORE_ONLY_PORT : store.port();
    EmbeddedStore embedded = EmbeddedStore.start(store.embedded(), store.dataDir(), store.host(), port);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      embedded.close();
      stopped.countDown();
    }, "agentbus-store-shutdown"));
    stopped.await();
  }
}
