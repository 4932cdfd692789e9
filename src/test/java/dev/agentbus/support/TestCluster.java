package dev.agentbus.support;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import dev.agentbus.metrics.Metrics;
import dev.agentbus.trace.NodeTracing;
import io.vertx.core.json.JsonObject;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.UUID;

/** Real Hazelcast members on loopback, in a cluster of their own name, with short failure detection. */
public final class TestCluster {
  private final String name = "agentbus-test-" + UUID.randomUUID();

  public Vertx member() {
    Config hazelcast = new Config().setClusterName(name);
    hazelcast.setProperty("hazelcast.phone.home.enabled", "false");
    hazelcast.setProperty("hazelcast.logging.type", "slf4j");
    hazelcast.setProperty("hazelcast.shutdownhook.enabled", "false");
    hazelcast.setProperty("hazelcast.wait.seconds.before.join", "0");
    hazelcast.setProperty("hazelcast.max.no.heartbeat.seconds", "5");
    hazelcast.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    NetworkConfig network = hazelcast.getNetworkConfig().setPort(5901).setPortAutoIncrement(true).setPortCount(40);
    network.getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).addMember("127.0.0.1");
    VertxOptions options = Metrics.enable(new VertxOptions(), true);
    options.getEventBusOptions().setHost("127.0.0.1").setPort(0);
    // Each member its own OpenTelemetry SDK (never the global one), its spans tagged with its node id.
    return NodeTracing.enable(Vertx.builder().with(options), TestNode.TEST_DEFAULTS.copy()).withClusterManager(new HazelcastClusterManager(hazelcast)).buildClustered().await();
  }
}
