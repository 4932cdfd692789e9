package dev.agentbus.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.auth.Principal;
import dev.agentbus.idempotency.IdempotencyStore;
import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.TenantNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
@DisplayName("An Idempotency-Key never answers across tenants")
class IdempotencyTenancyTest {
  @RegisterExtension
  static final TenantNode tenants = new TenantNode();

  private static HttpResponse<Buffer> create(HttpCalls caller, String idempotencyKey) {
    return HttpCalls.await(caller.request(HttpMethod.POST, "/sessions").putHeader("Idempotency-Key", idempotencyKey)
        .sendJsonObject(new JsonObject().put("name", "same")));
  }

  @Test
  @DisplayName("the same key and body from two tenants run twice, each in its tenant; each tenant's retry replays its own; claims carry the tenant")
  void sameKeyInTwoTenantsRunsSeparately() {
    String key = "order-" + System.nanoTime();
    HttpResponse<Buffer> first = create(tenants.acme(), key);
    HttpResponse<Buffer> other = create(tenants.globex(), key);
    HttpResponse<Buffer> retry = create(tenants.globex(), key);

    assertThat(first.statusCode()).as(first.bodyAsString()).isEqualTo(201);
    assertThat(other.statusCode()).as(other.bodyAsString()).isEqualTo(201);
    assertThat(other.getHeader("Idempotent-Replayed")).isNull();
    assertThat(other.bodyAsJsonObject().getString("tenant_id")).isEqualTo("globex");
    assertThat(other.bodyAsJsonObject().getString("session_id")).isNotEqualTo(first.bodyAsJsonObject().getString("session_id"));
    assertThat(retry.getHeader("Idempotent-Replayed")).isEqualTo("true");
    assertThat(retry.bodyAsJsonObject().getString("session_id")).isEqualTo(other.bodyAsJsonObject().getString("session_id"));

    List<JsonObject> claims = HttpCalls.await(tenants.node().mongo().find(IdempotencyStore.IDEMPOTENCY_KEYS, new JsonObject()));
    List<String> sessionsClaimed = claims.stream().filter(c -> "globex".equals(c.getString("tenant_id")))
        .map(c -> c.getJsonObject("body").getString("session_id")).toList();
    assertThat(sessionsClaimed).contains(other.bodyAsJsonObject().getString("session_id"))
        .doesNotContain(first.bodyAsJsonObject().getString("session_id"));
  }

  @Test
  @DisplayName("one JWT subject in two tenants owns two sets of keys; tenant default's keys keep their pre-tenancy owner")
  void keysAreOwnedPerTenant() {
    Principal inAcme = new Principal("jwt", "alice", "acme", Set.of(), "default", null);
    Principal inGlobex = new Principal("jwt", "alice", "globex", Set.of(), "default", null);
    Principal inDefault = new Principal("jwt", "alice", Principal.DEFAULT_TENANT, Set.of(), "default", null);

    assertThat(Idempotency.owner(inAcme)).isNotEqualTo(Idempotency.owner(inGlobex));
    assertThat(Idempotency.owner(inDefault)).isEqualTo("jwt:alice");
    assertThat(Idempotency.owner(Principal.admin())).isEqualTo(Principal.admin().rateKey());
  }
}
