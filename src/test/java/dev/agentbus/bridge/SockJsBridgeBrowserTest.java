package dev.agentbus.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.Tenants;
import dev.agentbus.support.TestNode;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
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
 * The SockJS bridge in a real browser (Debian's headless {@code chromium}): a page of another
 * origin (another port, on the node's CORS allow-list) loads {@code sockjs.min.js} and {@code
 * vertx-eventbus.js} from {@code src/test/js/node_modules} (served by the test's page server: no
 * network), connects with an API key as {@code ?access_token=}, subscribes to its session, receives
 * an event the test publishes through REST, submits a command, and is refused another tenant's
 * session and an internal address. A page of a disallowed origin never gets a socket. The page
 * reports to its own server. Skipped, saying why, only when chromium or the node_modules are missing.
 */
@Timeout(180)
class SockJsBridgeBrowserTest {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path MODULES = Path.of("src/test/js/node_modules");
  static final Map<String, CompletableFuture<JsonObject>> REPORTS = new ConcurrentHashMap<>();
  static TestNode node;
  static HttpServer pages;
  static HttpServer otherPages;
  static String acmeKey;
  static HttpCalls acme;
  static HttpCalls globex;

  @BeforeAll
  static void start() {
    int allowedPort = TestNode.freePort();
    node = TestNode.start(Tenants.config().put("http", new JsonObject().put("cors",
        new JsonObject().put("allowed_origins", new JsonArray().add("http://127.0.0.1:" + allowedPort)))));
    acmeKey = Tenants.key(node, "acme");
    acme = new HttpCalls(node, acmeKey);
    globex = Tenants.as(node, "globex");
    pages = pageServer(allowedPort);
    otherPages = pageServer(TestNode.freePort());
  }

  @AfterAll
  static void stop() {
    pages.close().await();
    otherPages.close().await();
    node.close();
  }

  static void assumeTools() {
    assumeTrue(Files.isExecutable(CHROMIUM), "chromium is not installed (scripts/ensure-test-tools.sh installs it)");
    assumeTrue(Files.isRegularFile(MODULES.resolve("sockjs-client/dist/sockjs.min.js"))
        && Files.isRegularFile(MODULES.resolve("@vertx/eventbus-bridge-client.js/vertx-eventbus.js")),
        "src/test/js/node_modules is missing (scripts/ensure-test-tools.sh runs npm ci)");
  }

  /** Serves the page, the two client scripts, and takes the page's {@code POST /report?name=}. */
  private static HttpServer pageServer(int port) {
    return node.vertx().createHttpServer().requestHandler(request -> {
      String name = request.getParam("name");
      switch (request.path()) {
        case "/report" -> request.body().onSuccess(body -> {
          REPORTS.computeIfAbsent(name, n -> new CompletableFuture<>()).complete(body.toJsonObject());
          request.response().end();
        });
        case "/page" -> request.response().putHeader("Content-Type", "text/html; charset=utf-8")
            .end(page(name, request.getParam("session"), request.getParam("foreign")));
        case "/sockjs.min.js" -> script(request, MODULES.resolve("sockjs-client/dist/sockjs.min.js"));
        case "/vertx-eventbus.js" -> script(request, MODULES.resolve("@vertx/eventbus-bridge-client.js/vertx-eventbus.js"));
        default -> request.response().setStatusCode(404).end();
      }
    }).listen(port, "127.0.0.1").await();
  }

  private static void script(io.vertx.core.http.HttpServerRequest request, Path file) {
    request.response().putHeader("Content-Type", "application/javascript; charset=utf-8").sendFile(file.toString());
  }

  private static String page(String name, String session, String foreign) {
    String bridge = "http://127.0.0.1:" + node.port() + "/eventbus?access_token=" + acmeKey;
    return """
        <!doctype html><html><head><title>bridge test</title>
        <script src="/sockjs.min.js"></script><script src="/vertx-eventbus.js"></script></head><body><script>
        const BRIDGE = "%s", NAME = "%s", SESSION = "%s", FOREIGN = "%s";
        const report = (what, body) => fetch("/report?name=" + NAME + "-" + what, {method: "POST", body: JSON.stringify(body)});
        const fail = err => { let e = {}; try { e = JSON.parse(err.message); } catch (x) {} return {failureCode: err.failureCode, code: e.code}; };
        const timeout = (ms, what) => new Promise((resolve, reject) => { setTimeout(() => reject(new Error("timeout " + what)), ms); });
        const result = {};
        const eb = new EventBus(BRIDGE);
        eb.onerror = () => {};
        eb.onclose = () => { if (!result.opened) report("result", {opened: false}); };
        eb.onopen = async () => {
          result.opened = true;
          const events = [];
          let wake = () => {};
          eb.registerHandler("agentbus.session." + SESSION + ".events", (err, message) => {
            if (!err) { events.push(message.body); wake(); }
          });
          const arrival = (test, ms) => Promise.race([timeout(ms, "event"), new Promise(resolve => {
            const check = () => { const e = events.find(test); if (e) resolve(e); else wake = check; };
            check();
          })]);
          const send = (address, body) => new Promise(resolve =>
            eb.send(address, body, {}, (err, message) => resolve(err ? {error: fail(err)} : {reply: message.body})));
          try {
            // the registration takes effect unannounced: probe until a published event comes back
            for (let n = 1; !result.probe && n <= 40; n++) {
              await send("agentbus.bridge.publish", {session_id: SESSION, event_type: "browser.probe", data: {n}});
              result.probe = await arrival(e => e.event_type === "browser.probe", 500).catch(() => null);
            }
            await report("ready", {});
            result.live = await arrival(e => e.event_type === "rest.note", 10000);
            result.command = await send("agentbus.bridge.command", {session_id: SESSION, command_type: "echo", parameters: {text: "from chromium"}});
            result.completed = await arrival(e => e.event_type === "command.completed", 10000);
            result.foreignCommand = await send("agentbus.bridge.command", {session_id: FOREIGN, command_type: "echo"});
            result.internal = await send("agentbus.command.submit", {session_id: SESSION, command_type: "echo"});
            result.foreignRegister = await Promise.race([timeout(10000, "register"), new Promise(resolve =>
              eb.registerHandler("agentbus.session." + FOREIGN + ".events", err => resolve(err ? fail(err) : {delivered: true})))]);
          } catch (e) {
            result.error = String(e);
          }
          eb.close();
          report("result", result);
        };
        </script></body></html>
        """.formatted(bridge, name, session, foreign);
  }

  /** Runs headless chromium on {@code url} while {@code during} runs; stops it after. */
  private static void visit(String url, ThrowingRunnable during) throws Exception {
    Path profile = Files.createTempDirectory("agentbus-chromium");
    Process browser = new ProcessBuilder(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--user-data-dir=" + profile, url))
        .redirectErrorStream(true).redirectOutput(profile.resolveSibling(profile.getFileName() + ".log").toFile()).start();
    try {
      during.run();
    } finally {
      browser.destroy();
      if (!browser.waitFor(10, TimeUnit.SECONDS)) {
        browser.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      try (Stream<Path> paths = Files.walk(profile)) {
        paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
      } catch (IOException ignored) {
        // a leftover temp profile
      }
    }
  }

  interface ThrowingRunnable {
    void run() throws Exception;
  }

  static CompletableFuture<JsonObject> report(String name) {
    return REPORTS.computeIfAbsent(name, n -> new CompletableFuture<>());
  }

  @Test
  @DisplayName("in chromium, a page of an allowed origin subscribes over the bridge, receives a live REST event, submits a command, and is refused elsewhere")
  void allowedOrigin() throws Exception {
    assumeTools();
    String session = acme.createSession(new JsonObject()).getString("session_id");
    String foreign = globex.createSession(new JsonObject()).getString("session_id");
    String url = "http://127.0.0.1:" + pages.actualPort() + "/page?name=allowed&session=" + session + "&foreign=" + foreign;
    JsonObject[] result = new JsonObject[1];
    JsonObject[] published = new JsonObject[1];
    visit(url, () -> {
      report("allowed-ready").get(60, TimeUnit.SECONDS);
      published[0] = acme.post("/sessions/" + session + "/events", new JsonObject().put("event_type", "rest.note")
          .put("data", new JsonObject().put("text", "to the browser"))).bodyAsJsonObject();
      result[0] = report("allowed-result").get(60, TimeUnit.SECONDS);
    });
    JsonObject report = result[0];
    assertThat(report.getString("error")).as(report.encode()).isNull();
    assertThat(report.getBoolean("opened")).isTrue();
    assertThat(report.getJsonObject("probe").getString("source")).isEqualTo("client");
    assertThat(report.getJsonObject("live")).isEqualTo(published[0]);
    JsonObject accepted = report.getJsonObject("command").getJsonObject("reply");
    assertThat(accepted.getString("command_type")).isEqualTo("echo");
    assertThat(report.getJsonObject("completed").getString("command_id")).isEqualTo(accepted.getString("command_id"));
    assertThat(report.getJsonObject("foreignCommand").getJsonObject("error").getString("code")).isEqualTo("SESSION_NOT_FOUND");
    assertThat(report.getJsonObject("internal").getJsonObject("error").getInteger("failureCode")).isEqualTo(403);
    assertThat(report.getJsonObject("foreignRegister").getString("code")).isEqualTo("SESSION_NOT_FOUND");
  }

  @Test
  @DisplayName("in chromium, a page of a disallowed origin gets no bridge socket, whatever its credential")
  void disallowedOrigin() throws Exception {
    assumeTools();
    String session = acme.createSession(new JsonObject()).getString("session_id");
    String url = "http://127.0.0.1:" + otherPages.actualPort() + "/page?name=other&session=" + session + "&foreign=none";
    JsonObject[] result = new JsonObject[1];
    visit(url, () -> result[0] = report("other-result").get(60, TimeUnit.SECONDS));
    assertThat(result[0].getBoolean("opened")).isFalse();
    assertThat(acme.get("/sessions/" + session + "/events").bodyAsJsonObject().getJsonArray("data").stream()
        .map(e -> ((JsonObject) e).getString("event_type")).toList()).doesNotContain("browser.probe");
  }
}
