package dev.agentbus.support;

import dev.agentbus.store.EmbeddedStore;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/**
 * Two members of one Hazelcast cluster on one shared embedded store, auth on ({@link Tenants#config}):
 * {@code a} (with {@code aOverrides}) and {@code b}. Closing stops both nodes, their Vert.x and the store.
 */
public record TwoNodes(EmbeddedStore store, Vertx memberA, Vertx memberB, TestNode a, TestNode b) implements AutoCloseable {
  public static TwoNodes start(JsonObject aOverrides) {
    EmbeddedStore store = EmbeddedStore.start("memory", null, "127.0.0.1", 0);
    TestCluster cluster = new TestCluster();
    Vertx memberA = cluster.member();
    Vertx memberB = cluster.member();
    JsonObject shared = Tenants.config().put("mongodb", new JsonObject().put("uri", store.uri()));
    TestNode a = TestNode.start(memberA, false, shared.copy().mergeIn(aOverrides, true));
    return new TwoNodes(store, memberA, memberB, a, TestNode.start(memberB, false, shared.copy()));
  }

  @Override
  public void close() {
    a.close();
    b.close();
    memberA.close().await();
    memberB.close().await();
    store.close();
  }
}
