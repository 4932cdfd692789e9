package dev.agentbus.session;

import static dev.agentbus.support.HttpCalls.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.TenantNode;
import dev.agentbus.support.Tenants;
import dev.agentbus.support.TestNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
@DisplayName("Sessions belong to a tenant")
class SessionTenancyTest {
  @RegisterExtension
  static final TenantNode tenants = new TenantNode();
  static TestNode node;
  static HttpCalls acme;
  static HttpCalls globex;
  static HttpCalls admin;

  @BeforeAll
  static void start() {
    node = tenants.node();
    acme = tenants.acme();
    globex = tenants.globex();
    admin = tenants.admin();
  }

  private static List<String> listed(HttpCalls caller, String query) {
    HttpResponse<Buffer> page = caller.get("/sessions?limit=200" + query);
    assertThat(page.statusCode()).as(page.bodyAsString()).isEqualTo(200);
    return page.bodyAsJsonObject().getJsonArray("data").stream().map(s -> ((JsonObject) s).getString("session_id")).toList();
  }

  @Test
  @DisplayName("a session carries its creator's tenant; another tenant gets 404 on get, patch, delete and tokens, and it survives")
  void anotherTenantsSessionIsNotFound() {
    JsonObject session = acme.createSession(new JsonObject().put("name", "acme-private"));
    String id = session.getString("session_id");
    assertThat(session.getString("tenant_id")).isEqualTo("acme");

    assertError(globex.get("/sessions/" + id), 404, "SESSION_NOT_FOUND");
    assertError(globex.patch("/sessions/" + id, new JsonObject().put("name", "stolen")), 404, "SESSION_NOT_FOUND");
    assertError(globex.delete("/sessions/" + id), 404, "SESSION_NOT_FOUND");
    assertError(globex.post("/sessions/" + id + "/tokens", new JsonObject()), 404, "SESSION_NOT_FOUND");
    JsonObject bulk = globex.post("/sessions/bulk-delete", new JsonObject().put("session_ids", new JsonArray().add(id)))
        .bodyAsJsonObject().getJsonArray("results").getJsonObject(0);
    assertThat(bulk.getInteger("status")).isEqualTo(404);

    HttpResponse<Buffer> own = acme.get("/sessions/" + id);
    assertThat(own.statusCode()).isEqualTo(200);
    assertThat(own.bodyAsJsonObject().getString("name")).isEqualTo("acme-private");
    assertThat(admin.get("/sessions/" + id).statusCode()).as("the admin sees every tenant").isEqualTo(200);
  }

  @Test
  @DisplayName("a tenant lists only its own sessions; the admin lists all, or one tenant's with ?tenant_id=")
  void listsAreFilteredByTenant() {
    String mine = acme.createSession(new JsonObject()).getString("session_id");
    String theirs = globex.createSession(new JsonObject()).getString("session_id");

    assertThat(listed(acme, "")).contains(mine).doesNotContain(theirs);
    assertThat(listed(globex, "")).contains(theirs).doesNotContain(mine);
    assertThat(listed(globex, "&tenant_id=acme")).as("another tenant's id lists nothing").isEmpty();
    assertThat(listed(admin, "")).contains(mine, theirs);
    assertThat(listed(admin, "&tenant_id=acme")).contains(mine).doesNotContain(theirs);
    assertHasInvalid(admin.get("/sessions?tenant_id=no%20spaces"), "tenant_id");
  }

  @Test
  @DisplayName("a session token acts in its session's tenant, and a session stored before tenancy belongs to default")
  void tokensAndOldData() {
    String id = acme.createSession(new JsonObject()).getString("session_id");
    String token = acme.post("/sessions/" + id + "/tokens", new JsonObject()).bodyAsJsonObject().getString("token");
    HttpResponse<Buffer> events = node.client().get("/api/v1/sessions/" + id + "/events")
        .putHeader("X-Session-Token", token).send().await();
    assertThat(events.statusCode()).as(events.bodyAsString()).isEqualTo(200);

    String old = "ses_pretenancy" + System.nanoTime();
    HttpCalls.await(node.mongo().insert(SessionStore.SESSIONS, new JsonObject().put("_id", old).put("name", "old")
        .put("status", "active").put("metadata", new JsonObject()).put("created_at", "2026-01-01T00:00:00Z")
        .put("updated_at", "2026-01-01T00:00:00Z")));
    HttpCalls defaults = Tenants.as(node, "default");
    HttpResponse<Buffer> seen = defaults.get("/sessions/" + old);
    assertThat(seen.statusCode()).isEqualTo(200);
    assertThat(seen.bodyAsJsonObject().getString("tenant_id")).isEqualTo("default");
    assertThat(listed(defaults, "")).contains(old);
    assertError(acme.get("/sessions/" + old), 404, "SESSION_NOT_FOUND");
    assertThat(listed(acme, "")).doesNotContain(old);
  }

  private static void assertHasInvalid(HttpResponse<Buffer> response, String field) {
    assertThat(HttpCalls.assertInvalid(response)).contains(field);
  }
}
