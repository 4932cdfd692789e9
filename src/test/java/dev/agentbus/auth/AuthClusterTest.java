package dev.agentbus.auth;

import static dev.agentbus.auth.AuthFixtures.ADMIN_KEY;
import static dev.agentbus.auth.AuthFixtures.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.store.EmbeddedStore;
import dev.agentbus.support.TestCluster;
import dev.agentbus.support.TestNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Two clustered nodes sharing one store: a key made on one works on the other, and its revocation holds on both at once. */
class AuthClusterTest {
  static EmbeddedStore store;
  static Vertx memberA;
  static Vertx memberB;
  static TestNode nodeA;
  static TestNode nodeB;

  @BeforeAll
  static void startCluster() {
    store = EmbeddedStore.start("memory", null, "127.0.0.1", 0);
    TestCluster cluster = new TestCluster();
    memberA = cluster.member();
    memberB = cluster.member();
    JsonObject shared = AuthFixtures.authConfig().put("mongodb", new JsonObject().put("uri", store.uri()));
    // A long cache: only the revocation publish can make node B forget the key within the second.
    shared.getJsonObject("auth").put("cache_ttl_ms", 600_000);
    nodeA = TestNode.start(memberA, false, shared.copy());
    nodeB = TestNode.start(memberB, false, shared.copy());
  }

  @AfterAll
  static void stopCluster() {
    nodeA.close();
    nodeB.close();
    Future.join(memberA.close(), memberB.close()).await();
    store.close();
  }

  @Test
  @DisplayName("a key created on node A authenticates on node B, and once revoked on A it is refused on B within 1 s although B had cached it")
  void revocationHoldsClusterWide() {
    String key = AuthFixtures.call(nodeA, HttpMethod.POST, "/keys", bearer(ADMIN_KEY), new JsonObject().put("name", "shared")
        .put("scopes", new JsonArray().add("sessions:read"))).bodyAsJsonObject().getString("key");
    String keyId = AuthFixtures.call(nodeA, HttpMethod.GET, "/keys", bearer(ADMIN_KEY), null).bodyAsJsonObject()
        .getJsonArray("keys").stream().map(JsonObject.class::cast).filter(k -> k.getString("name").equals("shared"))
        .findFirst().orElseThrow().getString("key_id");
    // Both HTTP instances of node B cache it (requests spread over them).
    for (int i = 0; i < 4; i++) {
      assertThat(AuthFixtures.call(nodeB, HttpMethod.GET, "/sessions", bearer(key), null).statusCode()).isEqualTo(200);
    }

    assertThat(AuthFixtures.call(nodeA, HttpMethod.DELETE, "/keys/" + keyId, bearer(ADMIN_KEY), null).statusCode()).isEqualTo(200);
    long revoked = System.nanoTime();
    int consecutiveRefusals = 0;
    while (consecutiveRefusals < 4 && System.nanoTime() - revoked < 1_000_000_000L) {
      int status = AuthFixtures.call(nodeB, HttpMethod.GET, "/sessions", bearer(key), null).statusCode();
      consecutiveRefusals = status == 401 ? consecutiveRefusals + 1 : 0;
    }
    assertThat(consecutiveRefusals).as("refused on every HTTP instance of node B within 1 s").isEqualTo(4);
    assertThat(AuthFixtures.call(nodeA, HttpMethod.GET, "/sessions", bearer(key), null).statusCode()).isEqualTo(401);
  }
}
