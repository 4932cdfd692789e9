package dev.agentbus.tool;

import static dev.agentbus.support.HttpCalls.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.Tenants;
import dev.agentbus.support.TestNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
@DisplayName("Registered tools belong to a tenant")
class ToolTenancyTest {
  static TestNode node;
  static HttpCalls acme;
  static HttpCalls globex;
  static HttpCalls admin;

  @BeforeAll
  static void start() {
    node = TestNode.start(Tenants.config());
    node.vertx().eventBus().<JsonObject>consumer("test.tenant.acme", m -> m.reply(new JsonObject().put("who", "acme")));
    node.vertx().eventBus().<JsonObject>consumer("test.tenant.globex", m -> m.reply(new JsonObject().put("who", "globex")));
    acme = Tenants.as(node, "acme");
    globex = Tenants.as(node, "globex");
    admin = Tenants.admin(node);
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
  }

  static JsonObject busTool(String name, String address) {
    return new JsonObject().put("name", name).put("parameters", new JsonObject().put("type", "object"))
        .put("implementation", new JsonObject().put("kind", "bus").put("address", address));
  }

  static HttpResponse<Buffer> execute(HttpCalls caller, String session, String name) {
    return caller.post("/sessions/" + session + "/tools/" + name + "/execute", new JsonObject());
  }

  static List<String> names(HttpCalls caller, String path) {
    HttpResponse<Buffer> listed = caller.get(path);
    assertThat(listed.statusCode()).as(listed.bodyAsString()).isEqualTo(200);
    return listed.bodyAsJsonObject().getJsonArray("data").stream().map(t -> ((JsonObject) t).getString("name")).toList();
  }

  @Test
  @DisplayName("two tenants register a global tool of the same name; each tenant's session runs its own")
  void sameNameGlobalToolPerTenant() {
    HttpResponse<Buffer> acmeTool = acme.post("/tools", busTool("whoami", "test.tenant.acme"));
    assertThat(acmeTool.statusCode()).as(acmeTool.bodyAsString()).isEqualTo(201);
    assertThat(acmeTool.bodyAsJsonObject().getString("tenant_id")).isEqualTo("acme");
    HttpResponse<Buffer> globexTool = globex.post("/tools", busTool("whoami", "test.tenant.globex"));
    assertThat(globexTool.statusCode()).as(globexTool.bodyAsString()).isEqualTo(201);
    String acmeSession = acme.createSession(new JsonObject()).getString("session_id");
    String globexSession = globex.createSession(new JsonObject()).getString("session_id");

    HttpResponse<Buffer> acmeRun = execute(acme, acmeSession, "whoami");
    HttpResponse<Buffer> globexRun = execute(globex, globexSession, "whoami");

    assertThat(acmeRun.statusCode()).as(acmeRun.bodyAsString()).isEqualTo(200);
    assertThat(acmeRun.bodyAsJsonObject().getJsonObject("result")).isEqualTo(new JsonObject().put("who", "acme"));
    assertThat(globexRun.statusCode()).as(globexRun.bodyAsString()).isEqualTo(200);
    assertThat(globexRun.bodyAsJsonObject().getJsonObject("result")).isEqualTo(new JsonObject().put("who", "globex"));
    assertThat(acme.get("/tools/whoami").bodyAsJsonObject().getJsonObject("implementation").getString("address"))
        .isEqualTo("test.tenant.acme");
    assertThat(names(acme, "/sessions/" + acmeSession + "/tools")).containsOnlyOnce("whoami");
  }

  @Test
  @DisplayName("another tenant cannot get, remove or run a tenant's tools, nor register in its session: 404, and the tools survive")
  void anotherTenantsToolsAreNotFound() {
    assertThat(acme.post("/tools", busTool("acme-secret", "test.tenant.acme")).statusCode()).isEqualTo(201);
    String acmeSession = acme.createSession(new JsonObject()).getString("session_id");
    assertThat(acme.post("/sessions/" + acmeSession + "/tools", busTool("acme-local", "test.tenant.acme")).statusCode()).isEqualTo(201);
    String globexSession = globex.createSession(new JsonObject()).getString("session_id");

    assertError(globex.get("/tools/acme-secret"), 404, "TOOL_NOT_FOUND");
    assertError(globex.delete("/tools/acme-secret"), 404, "TOOL_NOT_FOUND");
    assertError(execute(globex, globexSession, "acme-secret"), 404, "TOOL_NOT_FOUND");
    assertError(globex.get("/sessions/" + acmeSession + "/tools"), 404, "SESSION_NOT_FOUND");
    assertError(globex.get("/sessions/" + acmeSession + "/tools/acme-local"), 404, "SESSION_NOT_FOUND");
    assertError(globex.delete("/sessions/" + acmeSession + "/tools/acme-local"), 404, "SESSION_NOT_FOUND");
    assertError(execute(globex, acmeSession, "acme-local"), 404, "SESSION_NOT_FOUND");
    assertError(globex.post("/sessions/" + acmeSession + "/tools", busTool("planted", "test.tenant.globex")), 404, "SESSION_NOT_FOUND");

    assertThat(acme.get("/tools/acme-secret").statusCode()).isEqualTo(200);
    assertThat(names(acme, "/sessions/" + acmeSession + "/tools")).contains("acme-local", "acme-secret").doesNotContain("planted");
    assertThat(execute(acme, acmeSession, "acme-local").statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("a global tool stored before tenancy (no tenant_id, scope *) belongs to tenant default: its sessions run it, other tenants never see it")
  void toolStoredBeforeTenancyIsDefaults() {
    node.mongo().insert("tools", new JsonObject().put("_id", "*/legacy-tool").put("name", "legacy-tool").putNull("session_id")
        .put("scope", "global").put("description", "").put("parameters_json", "{\"type\":\"object\"}")
        .put("implementation", new JsonObject().put("kind", "bus").put("address", "test.tenant.acme"))
        .put("created_at", "2026-01-01T00:00:00Z")).toCompletionStage().toCompletableFuture().join();
    String defaultSession = admin.createSession(new JsonObject()).getString("session_id");
    String acmeSession = acme.createSession(new JsonObject()).getString("session_id");

    HttpResponse<Buffer> run = execute(admin, defaultSession, "legacy-tool");
    assertThat(run.statusCode()).as(run.bodyAsString()).isEqualTo(200);
    assertThat(admin.get("/tools/legacy-tool").bodyAsJsonObject().getString("tenant_id")).isEqualTo("default");
    assertThat(names(admin, "/tools?tenant_id=default")).contains("legacy-tool");
    assertError(execute(acme, acmeSession, "legacy-tool"), 404, "TOOL_NOT_FOUND");
    assertThat(names(acme, "/tools")).doesNotContain("legacy-tool");
  }

  @Test
  @DisplayName("the global list shows a tenant its own tools only; the admin lists every tenant's and filters with ?tenant_id=")
  void listsAreFilteredByTenant() {
    assertThat(acme.post("/tools", busTool("acme-listed", "test.tenant.acme")).statusCode()).isEqualTo(201);
    assertThat(globex.post("/tools", busTool("globex-listed", "test.tenant.globex")).statusCode()).isEqualTo(201);

    assertThat(names(acme, "/tools")).contains("acme-listed", "clock.now").doesNotContain("globex-listed");
    assertThat(names(globex, "/tools")).contains("globex-listed").doesNotContain("acme-listed");
    assertThat(names(globex, "/tools?tenant_id=acme")).doesNotContain("acme-listed");
    assertThat(names(admin, "/tools")).contains("acme-listed", "globex-listed");
    assertThat(names(admin, "/tools?tenant_id=globex")).contains("globex-listed").doesNotContain("acme-listed");
    assertError(admin.get("/tools?tenant_id=no/such"), 400, "VALIDATION_ERROR");
  }

  @Test
  @DisplayName("the admin gets and removes a tenant's global tool with ?tenant_id=; another tenant naming it is 404")
  void adminAddressesATenantsGlobalScope() {
    assertThat(globex.post("/tools", busTool("globex-managed", "test.tenant.globex")).statusCode()).isEqualTo(201);

    assertError(admin.get("/tools/globex-managed"), 404, "TOOL_NOT_FOUND");
    assertThat(admin.get("/tools/globex-managed?tenant_id=globex").bodyAsJsonObject().getString("tenant_id")).isEqualTo("globex");
    assertError(acme.get("/tools/globex-managed?tenant_id=globex"), 404, "TOOL_NOT_FOUND");
    assertError(acme.delete("/tools/globex-managed?tenant_id=globex"), 404, "TOOL_NOT_FOUND");
    assertThat(globex.get("/tools/globex-managed?tenant_id=globex").statusCode()).isEqualTo(200);

    assertThat(admin.delete("/tools/globex-managed?tenant_id=globex").statusCode()).isEqualTo(200);
    assertError(globex.get("/tools/globex-managed"), 404, "TOOL_NOT_FOUND");
  }
}
