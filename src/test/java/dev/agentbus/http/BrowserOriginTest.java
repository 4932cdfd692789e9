package dev.agentbus.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.agentbus.support.TestNode;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A real browser (Debian's headless {@code chromium}) on a page of another origin (another port):
 * it {@code fetch}es a session's SSE stream, opens {@code WS /ws} and sends a prompt, and posts a
 * "simple" (no-preflight) {@code POST /infer}; the page reports what it could do to its own server.
 * A disallowed origin can neither read the stream nor run a prompt (the node saw no command); an
 * allowed one can. Skipped, saying so, only when chromium is not installed ({@code scripts/ensure-test-tools.sh}, run by the build, installs it).
 */
@Timeout(180)
class BrowserOriginTest {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final java.util.Map<String, CompletableFuture<JsonObject>> REPORTS = new ConcurrentHashMap<>();
  static TestNode node;
  static HttpServer pages;
  static HttpServer otherPages;


  @BeforeAll
  static void start() {
    int allowedPort = TestNode.freePort();
    node = TestNode.start(new JsonObject().put("http", new JsonObject().put("cors",
        new JsonObject().put("allowed_origins", new JsonArray().add("http://127.0.0.1:" + allowedPort)))));
    pages = pageServer(allowedPort);
    otherPages = pageServer(TestNode.freePort());
  }

  @AfterAll
  static void stop() {
    pages.close().await();
    otherPages.close().await();
    node.close();
  }

  /** Serves {@code /page?name=&session=} and takes the page's {@code POST /report?name=}. */
  private static HttpServer pageServer(int port) {
    return node.vertx().createHttpServer().requestHandler(request -> {
      String name = request.getParam("name");
      if (request.path().equals("/report")) {
        request.body().onSuccess(body -> {
          REPORTS.computeIfAbsent(name, n -> new CompletableFuture<>()).complete(body.toJsonObject());
          request.response().end();
        });
      } else if (request.path().equals("/page")) {
        request.response().putHeader("Content-Type", "text/html; charset=utf-8")
            .end(page(name, request.getParam("session")));
      } else {
        request.response().setStatusCode(404).end();
      }
    }).listen(port, "127.0.0.1").await();
  }

  private static String page(String name, String session) {
    String api = "http://127.0.0.1:" + node.port() + "/api/v1";
    return """
        <!doctype html><html><head><title>origin test</title></head><body><script>
        const API = "%s", SESSION = "%s", NAME = "%s";
        async function sse() {
          const abort = new AbortController();
          try {
            const response = await fetch(API + "/sessions/" + SESSION + "/events/sse", {signal: abort.signal});
            const result = "read " + response.status;
            abort.abort();
            return result;
          } catch (e) { return "blocked " + e.name; }
        }
        function socket() {
          return new Promise(done => {
            const timer = setTimeout(() => done("timeout"), 10000);
            const ws = new WebSocket(API.replace("http:", "ws:") + "/ws");
            ws.onopen = () => ws.send(JSON.stringify({prompt: "from the browser", session_id: SESSION}));
            ws.onmessage = message => {
              if (JSON.parse(message.data).type === "ack") { clearTimeout(timer); ws.close(); done("ack"); }
            };
            ws.onerror = () => { clearTimeout(timer); done("error"); };
          });
        }
        async function post() {
          try {
            await fetch(API + "/infer", {method: "POST", mode: "no-cors", headers: {"Content-Type": "text/plain"},
              body: JSON.stringify({prompt: "simple post", session_id: SESSION})});
            return "sent";
          } catch (e) { return "blocked " + e.name; }
        }
        (async () => {
          const report = {sse: await sse(), ws: await socket(), post: await post()};
          await fetch("/report?name=" + NAME, {method: "POST", body: JSON.stringify(report)});
        })();
        </script></body></html>
        """.formatted(api, session, name);
  }

  /** Runs headless chromium on {@code url} until the page reported, then stops it. */
  private static JsonObject visit(String name, String url) throws Exception {
    Path profile = Files.createTempDirectory("agentbus-chromium");
    CompletableFuture<JsonObject> report = REPORTS.computeIfAbsent(name, n -> new CompletableFuture<>());
    Process browser = new ProcessBuilder(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--user-data-dir=" + profile, url))
        .redirectErrorStream(true).redirectOutput(profile.resolveSibling(profile.getFileName() + ".log").toFile()).start();
    try {
      return report.get(60, TimeUnit.SECONDS);
    } finally {
      browser.destroy();
      if (!browser.waitFor(10, TimeUnit.SECONDS)) {
        browser.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      deleteTree(profile);
    }
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    }
  }

  private static int commands(String session) {
    return node.get("/sessions/" + session + "/commands").bodyAsJsonObject().getJsonArray("data").size();
  }

  @Test
  @DisplayName("in chromium, a page of a disallowed origin can neither read an SSE stream nor run a prompt over WebSocket or a simple POST")
  void disallowedOriginIsBlocked() throws Exception {
    assumeTrue(Files.isExecutable(CHROMIUM), "chromium is not installed (apt-get install -y chromium; ./mvnw verify does it when it can)");
    String session = node.createSession();
    JsonObject report = visit("other", "http://127.0.0.1:" + otherPages.actualPort() + "/page?name=other&session=" + session);
    assertThat(report.getString("sse")).startsWith("blocked");
    assertThat(report.getString("ws")).isEqualTo("error");
    assertThat(commands(session)).as("the node ran nothing for that page").isZero();
  }

  @Test
  @DisplayName("in chromium, a page of an allowed origin reads the SSE stream and runs a prompt over WebSocket")
  void allowedOriginWorks() throws Exception {
    assumeTrue(Files.isExecutable(CHROMIUM), "chromium is not installed (apt-get install -y chromium; ./mvnw verify does it when it can)");
    String session = node.createSession();
    JsonObject report = visit("allowed", "http://127.0.0.1:" + pages.actualPort() + "/page?name=allowed&session=" + session);
    assertThat(report.getString("sse")).isEqualTo("read 200");
    assertThat(report.getString("ws")).isEqualTo("ack");
    // The no-cors text/plain POST is not JSON, refused for any origin: only the WebSocket prompt runs.
    assertThat(commands(session)).as("the WebSocket prompt ran").isEqualTo(1);
  }
}
