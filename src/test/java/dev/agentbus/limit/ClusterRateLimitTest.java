package dev.agentbus.limit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.store.EmbeddedStore;
import dev.agentbus.support.TestCluster;
import dev.agentbus.support.TestNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Three clustered nodes (real Hazelcast members) share one principal's bucket. */
@Timeout(180)
class ClusterRateLimitTest {
  static final int QUOTA = 200;
  static EmbeddedStore store;
  static List<Vertx> members = new ArrayList<>();
  static List<TestNode> nodes = new ArrayList<>();

  @BeforeAll
  static void startCluster() {
    store = EmbeddedStore.start("memory", null, "127.0.0.1", 0);
    TestCluster cluster = new TestCluster();
    // A window of an hour: what refills while the test runs (~0.06 tokens a second) is no excuse for over-admission.
    JsonObject config = new JsonObject().put("mongodb", new JsonObject().put("uri", store.uri()))
        .put("limits", new JsonObject().put("window_s", 3600).put("tiers", new JsonObject().put("default", QUOTA)));
    for (int i = 0; i < 3; i++) {
      Vertx member = cluster.member();
      members.add(member);
      nodes.add(TestNode.start(member, false, config.copy()));
    }
  }

  @AfterAll
  static void stopCluster() {
    nodes.forEach(TestNode::close);
    Future.join(members.stream().map(Vertx::close).toList()).await();
    store.close();
  }

  @Test
  @DisplayName("three nodes hammered at once with one limit of 200: at most 5% over-admission, and every node refuses the rest with 429")
  void sharedLimit() {
    int perNode = 200;
    List<Future<HttpResponse<io.vertx.core.buffer.Buffer>>> calls = new ArrayList<>();
    for (int round = 0; round < perNode; round++) {
      for (TestNode node : nodes) {
        calls.add(node.client().get("/api/v1/sessions?limit=1").timeout(30_000).send());
      }
    }
    Future.join(calls).await();
    int admitted = 0;
    int[] refusedPerNode = new int[3];
    for (int i = 0; i < calls.size(); i++) {
      int status = calls.get(i).result().statusCode();
      if (status >= 200 && status < 300) {
        admitted++;
      } else {
        assertThat(status).isEqualTo(429);
        refusedPerNode[i % 3]++;
      }
    }
    double overAdmission = (admitted - QUOTA) / (double) QUOTA;
    System.out.printf("cluster rate limit: quota %d, %d requests over 3 nodes, %d admitted (over-admission %.1f%%)%n",
        QUOTA, calls.size(), admitted, overAdmission * 100);
    assertThat(admitted).as("admitted of a shared quota of " + QUOTA).isBetween(QUOTA, (int) (QUOTA * 1.05));
    assertThat(refusedPerNode).as("429s per node").doesNotContain(0);
  }
}
