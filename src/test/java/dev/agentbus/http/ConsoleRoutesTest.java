package dev.agentbus.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.TestNode;
import dev.agentbus.support.Tenants;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
@DisplayName("The web console's page and files")
class ConsoleRoutesTest {
  static TestNode node;

  @BeforeAll
  static void start() {
    // authentication on: the console itself needs no credential, the API it calls does
    node = TestNode.start(Tenants.config());
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
  }

  private static HttpResponse<Buffer> get(String path) {
    return HttpCalls.await(node.client().get(path).send());
  }

  @Test
  @DisplayName("/ is the console's HTML page, served without a credential, with a self-only CSP and no-cache")
  void page() {
    HttpResponse<Buffer> page = get("/");
    assertThat(page.statusCode()).as(page.bodyAsString()).isEqualTo(200);
    assertThat(page.getHeader("Content-Type")).isEqualTo("text/html; charset=utf-8");
    assertThat(page.getHeader("Cache-Control")).isEqualTo("no-cache");
    assertThat(page.getHeader("X-Content-Type-Options")).isEqualTo("nosniff");
    String csp = page.getHeader("Content-Security-Policy");
    assertThat(csp).contains("default-src 'none'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'")
        .doesNotContain("unsafe-inline", "http:", "https:");
    assertThat(page.bodyAsString()).contains("<title>agentbus console</title>", "/console/console.js", "/console/console.css")
        .doesNotContainPattern("(src|href)=\"(https?:)?//");
    assertThat(get("/console/").bodyAsString()).isEqualTo(page.bodyAsString());
  }

  @Test
  @DisplayName("the console's files are served with their content types, no credential needed, nothing from another origin")
  void assets() {
    Map<String, String> types = Map.of(
        "/console/console.js", "text/javascript",
        "/console/api.js", "text/javascript",
        "/console/console.css", "text/css",
        "/console/index.html", "text/html");
    types.forEach((path, type) -> {
      HttpResponse<Buffer> asset = get(path);
      assertThat(asset.statusCode()).as(path).isEqualTo(200);
      assertThat(asset.getHeader("Content-Type")).as(path).startsWith(type);
      assertThat(asset.getHeader("Content-Security-Policy")).as(path).isEqualTo(ConsoleRoutes.CSP);
      assertThat(asset.getHeader("Cache-Control")).as(path).isEqualTo("no-cache");
      assertThat(asset.bodyAsString()).as(path + " loads nothing from the network").doesNotContain("https://", "//cdn");
    });
  }

  @Test
  @DisplayName("unknown console files and unknown API paths stay JSON 404s; the API still needs its credential")
  void shadowsNothing() {
    for (String path : new String[] {"/console/nope.js", "/api/v1/no-such-thing", "/api/v1/", "/nope"}) {
      HttpResponse<Buffer> missing = HttpCalls.await(node.client().get(path).putHeader("Authorization", "Bearer " + Tenants.ADMIN_KEY).send());
      assertThat(missing.statusCode()).as(path).isEqualTo(404);
      assertThat(missing.getHeader("Content-Type")).as(path).startsWith("application/json");
      assertThat(missing.bodyAsJsonObject().getJsonObject("error").getString("code")).as(path).isEqualTo("NOT_FOUND");
    }
    HttpResponse<Buffer> sessions = get("/api/v1/sessions");
    assertThat(sessions.statusCode()).isEqualTo(401);
    assertThat(sessions.bodyAsJsonObject().getJsonObject("error").getString("code")).isEqualTo("UNAUTHENTICATED");
    assertThat(get("/health").statusCode()).isIn(200, 503);
    assertThat(get("/openapi.json").statusCode()).isEqualTo(200);
    assertThat(get("/docs").bodyAsString()).contains("swagger-ui");
    // a write to the console's paths is not a route: 405/404 in the envelope, never a file
    HttpResponse<Buffer> post = HttpCalls.await(node.client().request(HttpMethod.POST, "/console/console.js")
        .putHeader("Authorization", "Bearer " + Tenants.ADMIN_KEY).sendJsonObject(new JsonObject()));
    assertThat(post.statusCode()).isIn(404, 405);
    assertThat(post.bodyAsJsonObject().containsKey("error")).isTrue();
  }

  @Test
  @DisplayName("a same-origin state-changing request (Origin equal to the host, as the console's fetch sends) is allowed")
  void sameOriginWrite() {
    String origin = "http://127.0.0.1:" + node.port();
    HttpResponse<Buffer> created = HttpCalls.await(node.client().request(HttpMethod.POST, "/api/v1/sessions")
        .putHeader("Origin", origin).putHeader("Authorization", "Bearer " + Tenants.ADMIN_KEY)
        .sendJsonObject(new JsonObject().put("name", "from-console")));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    HttpResponse<Buffer> foreign = HttpCalls.await(node.client().request(HttpMethod.POST, "/api/v1/sessions")
        .putHeader("Origin", "http://evil.example").putHeader("Authorization", "Bearer " + Tenants.ADMIN_KEY)
        .sendJsonObject(new JsonObject().put("name", "from-elsewhere")));
    assertThat(foreign.statusCode()).isEqualTo(403);
  }
}
