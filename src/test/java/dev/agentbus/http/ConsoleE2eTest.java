package dev.agentbus.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.TestMcpServer;
import dev.agentbus.support.TestNode;
import dev.agentbus.support.Tenants;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The web console in a real browser: {@code src/test/js/console-e2e.mjs} drives Debian's headless
 * {@code chromium} with playwright-core against a real node — once in protected mode, once with
 * auth on and an API key pasted in. It creates a session with the keyboard, watches events the
 * REST API publishes arrive in the live log, takes the browser offline and back and sees the log
 * resume without a duplicate or a gap, publishes through the form, sees an API error, runs a
 * command, streams a chat, lists and changes tools, handlers and MCP servers, reads status and
 * health, deletes the session, and writes screenshots at 1280×800 and 390×844 under {@code
 * target/console-screenshots/}. Skipped, saying why, only when node, chromium or the script's
 * node_modules are missing ({@code scripts/ensure-test-tools.sh} installs them).
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
@DisplayName("The web console in headless Chromium")
class ConsoleE2eTest {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path JS = Path.of("src/test/js");
  static final Path SCRIPT = JS.resolve("console-e2e.mjs");
  static final long DEADLINE_S = 150;
  static TestMcpServer mcp;

  @BeforeAll
  static void tools() {
    assumeTrue(Files.isExecutable(CHROMIUM), "chromium is not installed at " + CHROMIUM);
    assumeTrue(Files.isDirectory(JS.resolve("node_modules/playwright-core")),
        "src/test/js/node_modules is missing (run: cd src/test/js && npm ci)");
    assumeTrue(nodeVersion() != null, "node is not on the PATH");
    mcp = TestMcpServer.start();
  }

  @AfterAll
  static void stop() {
    if (mcp != null) {
      mcp.close();
    }
  }

  private static String nodeVersion() {
    try {
      Process process = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        return null;
      }
      return process.exitValue() == 0 ? new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim() : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** A node whose dummy engine answers slowly enough (40 ms a token) that a browser sees each token; MCP on loopback allowed. */
  private static JsonObject overrides() {
    return new JsonObject()
        .put("engines", new JsonObject().put("dummy", new JsonObject().put("token_delay_ms", 40)))
        .put("security", new JsonObject().put("allowed_hosts", new JsonArray().add("127.0.0.1")));
  }

  @Test
  @DisplayName("protected mode (no auth configured, loopback): every flow works with no key")
  void protectedMode() throws Exception {
    try (TestNode node = TestNode.start(overrides())) {
      HttpCalls calls = new HttpCalls(node);
      seedRegistries(calls);
      JsonObject result = run(node, "protected", null);
      assertThat(result.getInteger("reconnects")).isGreaterThanOrEqualTo(2);
    }
  }

  @Test
  @DisplayName("auth on: the console asks for a key, and with a pasted API key (made through /keys) every flow works")
  void pastedKey() throws Exception {
    try (TestNode node = TestNode.start(overrides().mergeIn(Tenants.config()))) {
      HttpResponse<Buffer> created = Tenants.admin(node).post("/keys", new JsonObject().put("name", "console")
          .put("tenant_id", "console").put("scopes", Tenants.TENANT_SCOPES).put("tier", "default"));
      assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
      String key = created.bodyAsJsonObject().getString("key");
      seedRegistries(new HttpCalls(node, key));
      JsonObject result = run(node, "key", key);
      assertThat(result.getJsonArray("steps").encode()).contains("pasted key accepted", "authentication is on");
    }
  }

  /** A global tool and a global command handler for the console to list (bus kinds: no URL to guard). */
  private static void seedRegistries(HttpCalls calls) {
    HttpResponse<Buffer> tool = calls.post("/tools", new JsonObject().put("name", "console_lookup")
        .put("description", "Looks a thing up").put("parameters", new JsonObject().put("type", "object"))
        .put("implementation", new JsonObject().put("kind", "bus").put("address", "console.test.lookup")));
    assertThat(tool.statusCode()).as(tool.bodyAsString()).isEqualTo(201);
    HttpResponse<Buffer> handler = calls.post("/handlers/commands", new JsonObject().put("command_type", "console.job")
        .put("handler", new JsonObject().put("kind", "bus").put("address", "console.test.job")));
    assertThat(handler.statusCode()).as(handler.bodyAsString()).isEqualTo(201);
  }

  /** Runs the script against the node; returns its RESULT, failing with its output when a check failed. */
  private static JsonObject run(TestNode node, String mode, String key) throws Exception {
    File output = File.createTempFile("console-e2e-" + mode, ".log");
    output.deleteOnExit();
    ProcessBuilder builder = new ProcessBuilder("node", SCRIPT.getFileName().toString()).directory(JS.toFile())
        .redirectErrorStream(true).redirectOutput(output);
    builder.environment().put("AGENTBUS_URL", "http://127.0.0.1:" + node.port());
    builder.environment().put("AGENTBUS_MODE", mode);
    builder.environment().put("AGENTBUS_MCP_URL", mcp.url());
    builder.environment().put("SCREENSHOT_DIR", Path.of("target/console-screenshots").toAbsolutePath().toString());
    if (key != null) {
      builder.environment().put("AGENTBUS_KEY", key); // the environment, not argv: not in the process list
    }
    Process process = builder.start();
    boolean finished = process.waitFor(DEADLINE_S, TimeUnit.SECONDS);
    if (!finished) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
    }
    String log = Files.readString(output.toPath(), StandardCharsets.UTF_8);
    assertThat(finished).as("the script finished within %d s:%n%s", DEADLINE_S, log).isTrue();
    String line = log.lines().filter(l -> l.startsWith("RESULT ")).reduce((a, b) -> b).orElse(null);
    assertThat(line).as("the script's RESULT line:%n%s", log).isNotNull();
    JsonObject result = new JsonObject(line.substring("RESULT ".length()));
    assertThat(result.getBoolean("ok")).as("%s%n%s", result.getString("error"), log).isTrue();
    assertThat(process.exitValue()).isZero();
    assertThat(result.getJsonArray("steps").encode()).contains("resumed after going offline and after a cut", "chat streamed",
        "a command ran", "status and health visible", "MCP server registered", "deleted through the console");
    return result;
  }
}
