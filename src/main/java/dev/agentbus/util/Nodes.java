package dev.agentbus.util;

import dev.agentbus.bus.SharedNames;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import java.util.List;

/** This node's id and the ids of the live nodes (the cluster's members, or just this node). */
public final class Nodes {
  private Nodes() {}

  public static String self(Vertx vertx) {
    if (vertx.isClustered()) {
      return ((VertxInternal) vertx).clusterManager().getNodeId();
    }
    return (String) vertx.sharedData().getLocalMap(SharedNames.NODE).computeIfAbsent("id", k -> Ids.next("node"));
  }

  public static List<String> live(Vertx vertx) {
    if (vertx.isClustered()) {
      return ((VertxInternal) vertx).clusterManager().getNodes();
    }
    return List.of(self(vertx));
  }
}
