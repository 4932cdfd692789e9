package dev.agentbus.engine;

import static dev.agentbus.support.HttpCalls.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.TenantNode;
import dev.agentbus.support.Tenants;
import dev.agentbus.support.TestNode;
import io.vertx.core.buffer.Buffer;
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
@DisplayName("Engines belong to their session's tenant")
class EngineTenancyTest {
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

  private static String session(HttpCalls caller) {
    return caller.createSession(new JsonObject()).getString("session_id");
  }

  private static JsonObject engine(HttpCalls caller, String sessionId) {
    HttpResponse<Buffer> created = caller.post("/engines", new JsonObject().put("engine_type", "dummy").put("session_id", sessionId));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    return created.bodyAsJsonObject();
  }

  private static List<String> listed(HttpCalls caller, String query) {
    HttpResponse<Buffer> page = caller.get("/engines?limit=200" + query);
    assertThat(page.statusCode()).as(page.bodyAsString()).isEqualTo(200);
    return page.bodyAsJsonObject().getJsonArray("data").stream().map(e -> ((JsonObject) e).getString("engine_id")).toList();
  }

  @Test
  @DisplayName("an engine carries its session's tenant; another tenant gets 404 on get, execute and delete, and nothing runs")
  void anotherTenantsEngineIsNotFound() {
    String sessionId = session(acme);
    JsonObject engine = engine(acme, sessionId);
    String id = engine.getString("engine_id");
    assertThat(engine.getString("tenant_id")).isEqualTo("acme");

    assertError(globex.get("/engines/" + id), 404, "ENGINE_NOT_FOUND");
    assertError(globex.post("/engines/" + id + "/execute?wait=5", new JsonObject().put("prompt", "steal")), 404, "ENGINE_NOT_FOUND");
    assertError(globex.delete("/engines/" + id), 404, "ENGINE_NOT_FOUND");
    HttpResponse<Buffer> commands = acme.get("/sessions/" + sessionId + "/commands");
    assertThat(commands.bodyAsJsonObject().getJsonArray("data")).as("the refused execute submitted nothing").isEmpty();

    assertThat(acme.get("/engines/" + id).statusCode()).isEqualTo(200);
    assertThat(admin.get("/engines/" + id).statusCode()).as("the admin sees every tenant").isEqualTo(200);
    HttpResponse<Buffer> ran = acme.post("/engines/" + id + "/execute?wait=10", new JsonObject().put("prompt", "mine"));
    assertThat(ran.statusCode()).as(ran.bodyAsString()).isEqualTo(200);
    assertThat(ran.bodyAsJsonObject().getString("status")).isEqualTo("completed");
    assertThat(acme.delete("/engines/" + id).statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("an engine cannot be created in another tenant's session")
  void noEngineInAnotherTenantsSession() {
    String sessionId = session(acme);
    assertError(globex.post("/engines", new JsonObject().put("engine_type", "dummy").put("session_id", sessionId)),
        404, "SESSION_NOT_FOUND");
    assertThat(listed(admin, "&session_id=" + sessionId)).isEmpty();
  }

  @Test
  @DisplayName("a tenant lists only its own engines; the admin lists all, or one tenant's with ?tenant_id=")
  void listsAreFilteredByTenant() {
    String mine = engine(acme, session(acme)).getString("engine_id");
    String theirs = engine(globex, session(globex)).getString("engine_id");

    assertThat(listed(acme, "")).contains(mine).doesNotContain(theirs);
    assertThat(listed(globex, "")).contains(theirs).doesNotContain(mine);
    assertThat(listed(globex, "&tenant_id=acme")).as("another tenant's id lists nothing").isEmpty();
    assertThat(listed(admin, "")).contains(mine, theirs);
    assertThat(listed(admin, "&tenant_id=acme")).contains(mine).doesNotContain(theirs);
    assertThat(HttpCalls.assertInvalid(admin.get("/engines?tenant_id=no%20spaces"))).contains("tenant_id");
  }

  @Test
  @DisplayName("an engine stored before tenancy belongs to default")
  void oldEnginesBelongToDefault() {
    HttpCalls defaults = Tenants.as(node, "default");
    String sessionId = session(defaults);
    String old = "eng_pretenancy" + System.nanoTime();
    HttpCalls.await(node.mongo().insert(EngineStore.ENGINES, new JsonObject().put("_id", old).put("engine_type", "dummy")
        .put("model_name", "dummy").put("session_id", sessionId).put("configuration", new JsonObject())
        .put("status", "initialized").put("created_at", "2026-01-01T00:00:00Z")));

    HttpResponse<Buffer> seen = defaults.get("/engines/" + old);
    assertThat(seen.statusCode()).as(seen.bodyAsString()).isEqualTo(200);
    assertThat(seen.bodyAsJsonObject().getString("tenant_id")).isEqualTo("default");
    assertThat(listed(defaults, "")).contains(old);
    assertThat(listed(admin, "&tenant_id=default")).contains(old);
    assertError(acme.get("/engines/" + old), 404, "ENGINE_NOT_FOUND");
    assertThat(listed(acme, "")).doesNotContain(old);
  }
}
