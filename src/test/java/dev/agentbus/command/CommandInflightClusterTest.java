package dev.agentbus.command;

import static dev.agentbus.support.HttpCalls.assertError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentbus.store.EmbeddedStore;
import dev.agentbus.support.GatedHandler;
import dev.agentbus.support.TestCluster;
import dev.agentbus.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Two clustered nodes (real Hazelcast members) share one principal's in-flight run count. */
@Timeout(120)
class CommandInflightClusterTest {

  @Test
  @DisplayName("the cap holds across nodes, and the commands of a node that left release their slots when the reaper fails them")
  void capIsClusterWideAndTheReaperReleases() {
    EmbeddedStore store = EmbeddedStore.start("memory", null, "127.0.0.1", 0);
    TestCluster cluster = new TestCluster();
    // Protected mode: both nodes' loopback callers are the same local principal.
    JsonObject config = new JsonObject().put("mongodb", new JsonObject().put("uri", store.uri()))
        .put("limits", new JsonObject().put("max_inflight_runs", 2))
        .put("commands", new JsonObject().put("reaper_period_ms", 400));
    Vertx leaving = cluster.member();
    Vertx staying = cluster.member();
    TestNode first = TestNode.start(leaving, false, config.copy());
    TestNode second = TestNode.start(staying, false, config.copy());
    boolean left = false;
    try {
      String session = first.createSession();
      GatedHandler.register(leaving, session, "gated");
      String commands = "/sessions/" + session + "/commands";
      for (int i = 0; i < 2; i++) {
        HttpResponse<Buffer> accepted = first.post(commands, CommandClient.command("gated", new JsonObject()));
        assertThat(accepted.statusCode()).as(accepted.bodyAsString()).isEqualTo(202);
      }
      HttpResponse<Buffer> refused = second.post(commands, CommandClient.echo("n", 1));
      assertError(refused, 429, "RATE_LIMITED");
      assertThat(refused.getHeader("Retry-After")).isEqualTo("1");

      first.close();
      leaving.close().await();
      left = true;

      await().atMost(CommandClient.PATIENCE).until(() -> second.post(commands, CommandClient.echo("n", 2)).statusCode() == 202);
      HttpResponse<Buffer> failed = second.get(commands + "?status=failed");
      assertThat(failed.bodyAsJsonObject().getJsonArray("data")).hasSize(2)
          .allSatisfy(command -> assertThat(((JsonObject) command).getJsonObject("error").getString("code")).isEqualTo("NODE_LOST"));
    } finally {
      if (!left) {
        first.close();
        leaving.close().await();
      }
      second.close();
      staying.close().await();
      store.close();
    }
  }
}
