package dev.agentbus.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.config.AppConfig;
import dev.agentbus.config.Settings;
import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.TestNode;
import dev.agentbus.support.Tenants;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The TCP bridge with a real node (auth on: the admin key, tenant keys from {@code /keys}) and a
 * worker written in Python ({@code src/test/python/bridge_worker.py}) speaking the framing over a plain
 * socket; raw frames from a Java socket for the refusals a worker would not send.
 */
class TcpBridgeTest {
  private static final File WORKER = new File("src/test/python/bridge_worker.py");
  private static final long STEP_MS = 20_000;
  static TestNode node;
  static int bridgePort;
  static String defaultKey;
  static String acmeKey;
  static HttpCalls tenant;
  static HttpCalls acme;
  static String python;
  final List<Process> workers = new ArrayList<>();

  @BeforeAll
  static void start() {
    python = new File("/usr/bin/python3").canExecute() ? "/usr/bin/python3" : "python3";
    bridgePort = TestNode.freePort();
    node = TestNode.start(Tenants.config()
        .put("bridge", new JsonObject().put("tcp", new JsonObject().put("port", bridgePort).put("max_frame_bytes", 4096)))
        .put("handlers", new JsonObject().put("retry_base_ms", 100).put("retry_max_ms", 400)));
    defaultKey = Tenants.key(node, "default");
    acmeKey = Tenants.key(node, "acme");
    tenant = new HttpCalls(node, defaultKey);
    acme = new HttpCalls(node, acmeKey);
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
  }

  @AfterEach
  void killWorkers() {
    workers.forEach(Process::destroyForcibly);
  }

  // ---- the Python worker ----

  /** A running worker: its process and the lines it prints. */
  record Worker(Process process, BlockingQueue<String> lines) {
    /** The next line starting with {@code prefix} (other lines are skipped), within {@link #STEP_MS}. */
    String await(String prefix) {
      long until = System.currentTimeMillis() + STEP_MS;
      try {
        while (System.currentTimeMillis() < until) {
          String line = lines.poll(until - System.currentTimeMillis(), TimeUnit.MILLISECONDS);
          if (line != null && line.startsWith(prefix)) {
            return line;
          }
          if (line == null || line.equals("EOF")) {
            break;
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      throw new AssertionError("the worker printed no line starting with " + prefix + " (it printed: " + lines + ")");
    }

    int exit() throws InterruptedException {
      assertThat(process.waitFor(STEP_MS, TimeUnit.MILLISECONDS)).as("the worker exits").isTrue();
      return process.exitValue();
    }
  }

  Worker worker(String key, boolean hold, String... addresses) {
    return worker(bridgePort, key, hold, addresses);
  }

  /** Starts {@code bridge_worker.py} against the bridge on {@code port}. */
  Worker worker(int port, String key, boolean hold, String... addresses) {
    assertThat(WORKER).as("the Python worker, in the repository").isFile();
    List<String> command = new ArrayList<>(List.of(python, WORKER.getPath(), "--port", String.valueOf(port), "--key", key));
    for (String address : addresses) {
      command.add("--address");
      command.add(address);
    }
    if (hold) {
      command.add("--hold");
    }
    Process process;
    try {
      process = new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (IOException e) {
      // python3 is on every machine this project supports (Debian's, and the test tools need it):
      // a worker that cannot start is a failure, not a skip.
      throw new UncheckedIOException("python3 could not start the worker", e);
    }
    workers.add(process);
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = out.readLine(); line != null; line = out.readLine()) {
          lines.add(line);
        }
      } catch (IOException closed) {
        // the process went
      }
      lines.add("EOF");
    });
    reader.setDaemon(true);
    reader.start();
    return new Worker(process, lines);
  }

  Worker ready(String address, boolean hold) {
    Worker worker = worker(defaultKey, hold, address);
    worker.await("READY");
    return worker;
  }

  // ---- REST ----

  static String handler(HttpCalls as, String session, String type, String address) {
    HttpResponse<Buffer> created = as.post("/sessions/" + session + "/handlers/commands", new JsonObject()
        .put("command_type", type).put("handler", new JsonObject().put("kind", "bus").put("address", address)));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    return type;
  }

  static JsonObject submit(String session, String type, String text, int timeoutSeconds, int wait) {
    HttpResponse<Buffer> submitted = tenant.post("/sessions/" + session + "/commands?wait=" + wait, new JsonObject()
        .put("command_type", type).put("parameters", new JsonObject().put("text", text))
        .put("metadata", new JsonObject().put("timeout", timeoutSeconds)));
    assertThat(submitted.statusCode()).as(submitted.bodyAsString()).isIn(200, 202);
    return submitted.bodyAsJsonObject();
  }

  static JsonObject awaitCommand(String session, String commandId) {
    long until = System.currentTimeMillis() + 2 * STEP_MS;
    JsonObject command;
    do {
      HttpResponse<Buffer> got = tenant.get("/sessions/" + session + "/commands/" + commandId + "?wait=10");
      assertThat(got.statusCode()).as(got.bodyAsString()).isEqualTo(200);
      command = got.bodyAsJsonObject();
    } while (!List.of("completed", "failed", "timed_out", "cancelled").contains(command.getString("status"))
        && System.currentTimeMillis() < until);
    return command;
  }

  static String session() {
    return tenant.createSession(new JsonObject()).getString("session_id");
  }

  // ---- the tests ----

  @Test
  @DisplayName("a Python worker on agentbus.ext.default.upper serves a bus command handler and a bus tool")
  void commandAndTool() {
    ready("agentbus.ext.default.upper", false);
    String session = session();
    handler(tenant, session, "text.upper", "agentbus.ext.default.upper");
    JsonObject done = submit(session, "text.upper", "hello", 10, 15);
    assertThat(done.getString("status")).as(done.encode()).isEqualTo("completed");
    assertThat(done.getJsonObject("result")).isEqualTo(new JsonObject().put("upper", "HELLO").put("by", "python"));

    HttpResponse<Buffer> tool = tenant.post("/sessions/" + session + "/tools", new JsonObject().put("name", "shout")
        .put("description", "upper-cases text")
        .put("parameters", new JsonObject().put("type", "object").put("properties", new JsonObject()
            .put("text", new JsonObject().put("type", "string"))))
        .put("implementation", new JsonObject().put("kind", "bus").put("address", "agentbus.ext.default.upper")));
    assertThat(tool.statusCode()).as(tool.bodyAsString()).isEqualTo(201);
    HttpResponse<Buffer> executed = tenant.post("/sessions/" + session + "/tools/shout/execute",
        new JsonObject().put("arguments", new JsonObject().put("text", "abc")));
    assertThat(executed.statusCode()).as(executed.bodyAsString()).isEqualTo(200);
    assertThat(executed.bodyAsJsonObject().getBoolean("is_error")).as(executed.bodyAsString()).isFalse();
    assertThat(executed.bodyAsJsonObject().getValue("result")).isEqualTo(new JsonObject().put("upper", "ABC").put("by", "python"));
  }

  @Test
  @DisplayName("no key, a bad key, another tenant's address or an internal one: the worker gets err frames and serves nothing")
  void refusedRegistrations() throws InterruptedException {
    Worker noKey = worker("", false, "agentbus.ext.default.unserved");
    assertThat(noKey.await("REFUSED")).contains("UNAUTHENTICATED");
    assertThat(noKey.exit()).isEqualTo(2);
    Worker badKey = worker("abk_not-a-key", false, "agentbus.ext.default.unserved");
    assertThat(badKey.await("REFUSED")).contains("UNAUTHENTICATED").doesNotContain("abk_not-a-key");
    assertThat(badKey.exit()).isEqualTo(2);
    Worker otherTenant = worker(defaultKey, false, "agentbus.ext.other.x");
    assertThat(otherTenant.await("REFUSED")).contains("access_denied").contains("agentbus.ext.default.*");
    assertThat(otherTenant.exit()).isEqualTo(2);
    Worker internal = worker(defaultKey, false, "agentbus.command.submit");
    assertThat(internal.await("REFUSED")).contains("access_denied");
    assertThat(internal.exit()).isEqualTo(2);
    Worker acmeOnDefault = worker(acmeKey, false, "agentbus.ext.default.unserved");
    assertThat(acmeOnDefault.await("REFUSED")).contains("agentbus.ext.acme.*");

    // nothing was registered: a command for the address finds nobody
    String session = session();
    handler(tenant, session, "nobody.upper", "agentbus.ext.default.unserved");
    JsonObject done = submit(session, "nobody.upper", "x", 1, 10);
    assertThat(done.getString("status")).isEqualTo("failed");
    assertThat(done.getJsonObject("error").getString("code")).isEqualTo("HANDLER_UNAVAILABLE");
  }

  @Test
  @DisplayName("a worker may only answer what it received: sending elsewhere, publishing and oversized frames are refused")
  void refusedFrames() throws IOException {
    try (Socket socket = new Socket("127.0.0.1", bridgePort)) {
      socket.setSoTimeout((int) STEP_MS);
      DataOutputStream out = new DataOutputStream(socket.getOutputStream());
      DataInputStream in = new DataInputStream(socket.getInputStream());
      JsonObject headers = new JsonObject().put("authorization", "Bearer " + defaultKey);
      write(out, new JsonObject().put("type", "send").put("address", "agentbus.session.create").put("headers", headers)
          .put("body", new JsonObject()));
      JsonObject err = read(in);
      assertThat(err.getString("type")).isEqualTo("err");
      assertThat(err.getString("code")).isEqualTo("access_denied");
      write(out, new JsonObject().put("type", "send").put("address", "some.service").put("replyAddress", "x").put("headers", headers));
      assertThat(read(in).getString("code")).isEqualTo("access_denied");
      write(out, new JsonObject().put("type", "publish").put("address", "agentbus.ext.default.upper").put("headers", headers));
      assertThat(read(in).getString("code")).isEqualTo("access_denied");
      write(out, new JsonObject().put("type", "hello").put("headers", headers));
      assertThat(read(in).getString("code")).isEqualTo("unknown_type");
      write(out, new JsonObject().put("type", "ping").put("headers", headers));
      assertThat(read(in).getString("type")).isEqualTo("pong");
      // a frame over bridge.tcp.max_frame_bytes (4096 here) is refused from its length alone, and the connection closed
      out.writeInt(1 << 30);
      out.flush();
      assertThat(read(in).getString("code")).isEqualTo("PAYLOAD_TOO_LARGE");
      assertThat(in.read()).as("the bridge closed the connection").isEqualTo(-1);
    }
  }

  @Test
  @DisplayName("a bus handler or tool may point at its own tenant's worker addresses only")
  void workerAddressesOfOwnTenant() {
    String session = acme.createSession(new JsonObject()).getString("session_id");
    HttpResponse<Buffer> foreign = acme.post("/sessions/" + session + "/handlers/commands", new JsonObject()
        .put("command_type", "steal").put("handler", new JsonObject().put("kind", "bus").put("address", "agentbus.ext.default.upper")));
    assertThat(HttpCalls.assertInvalid(foreign)).contains("handler.address");
    HttpResponse<Buffer> foreignTool = acme.post("/tools", new JsonObject().put("name", "steal").put("description", "")
        .put("parameters", new JsonObject().put("type", "object"))
        .put("implementation", new JsonObject().put("kind", "bus").put("address", "agentbus.ext.default.upper")));
    assertThat(HttpCalls.assertInvalid(foreignTool)).contains("implementation.address");
    HttpResponse<Buffer> internal = acme.post("/sessions/" + session + "/handlers/commands", new JsonObject()
        .put("command_type", "internal").put("handler", new JsonObject().put("kind", "bus").put("address", "agentbus.command.submit")));
    assertThat(HttpCalls.assertInvalid(internal)).contains("handler.address");
    HttpResponse<Buffer> own = acme.post("/sessions/" + session + "/handlers/commands", new JsonObject()
        .put("command_type", "mine").put("handler", new JsonObject().put("kind", "bus").put("address", "agentbus.ext.acme.upper")));
    assertThat(own.statusCode()).as(own.bodyAsString()).isEqualTo(201);
  }

  @Test
  @DisplayName("a worker killed with a command in flight: the command is retried and completes on the worker that comes back")
  void reconnectBeforeDeadline() {
    Worker holding = ready("agentbus.ext.default.held", true);
    String session = session();
    handler(tenant, session, "held.upper", "agentbus.ext.default.held");
    JsonObject accepted = submit(session, "held.upper", "again", 30, 0);
    String commandId = accepted.getString("command_id");
    assertThat(holding.await("GOT")).isEqualTo("GOT " + commandId);
    holding.process().destroyForcibly();
    ready("agentbus.ext.default.held", false);
    JsonObject done = awaitCommand(session, commandId);
    assertThat(done.getString("status")).as(done.encode()).isEqualTo("completed");
    assertThat(done.getJsonObject("result")).isEqualTo(new JsonObject().put("upper", "AGAIN").put("by", "python"));
  }

  @Test
  @DisplayName("a command for a worker not connected yet waits (retried) and completes once the worker connects before the deadline")
  void workerConnectsLater() {
    String session = session();
    handler(tenant, session, "late.upper", "agentbus.ext.default.late");
    String commandId = submit(session, "late.upper", "late", 30, 0).getString("command_id");
    HttpResponse<Buffer> waiting = tenant.get("/sessions/" + session + "/commands/" + commandId);
    assertThat(waiting.bodyAsJsonObject().getString("status")).isIn("pending", "executing");
    ready("agentbus.ext.default.late", false);
    JsonObject done = awaitCommand(session, commandId);
    assertThat(done.getString("status")).as(done.encode()).isEqualTo("completed");
    assertThat(done.getJsonObject("result")).isEqualTo(new JsonObject().put("upper", "LATE").put("by", "python"));
  }

  @Test
  @DisplayName("a worker killed with a command in flight and never back: the command fails HANDLER_UNAVAILABLE at its deadline")
  void noWorkerUntilDeadline() {
    Worker holding = ready("agentbus.ext.default.gone", true);
    String session = session();
    handler(tenant, session, "gone.upper", "agentbus.ext.default.gone");
    long started = System.currentTimeMillis();
    JsonObject accepted = submit(session, "gone.upper", "lost", 3, 0);
    String commandId = accepted.getString("command_id");
    assertThat(holding.await("GOT")).isEqualTo("GOT " + commandId);
    holding.process().destroyForcibly();
    JsonObject done = awaitCommand(session, commandId);
    assertThat(done.getString("status")).as(done.encode()).isEqualTo("failed");
    assertThat(done.getJsonObject("error").getString("code")).isEqualTo("HANDLER_UNAVAILABLE");
    assertThat(System.currentTimeMillis() - started).as("retried until close to the deadline").isGreaterThan(2_000);
  }

  @Test
  @DisplayName("in protected mode a loopback worker needs no key and serves the default tenant's addresses only")
  void protectedMode() throws InterruptedException {
    int port = TestNode.freePort();
    try (TestNode open = TestNode.start(new JsonObject().put("bridge", new JsonObject().put("tcp", new JsonObject().put("port", port))))) {
      worker(port, "", false, "agentbus.ext.default.local").await("READY");
      Worker foreign = worker(port, "", false, "agentbus.ext.acme.local");
      assertThat(foreign.await("REFUSED")).contains("agentbus.ext.default.*");
      assertThat(foreign.exit()).isEqualTo(2);
      HttpCalls local = new HttpCalls(open);
      String session = local.createSession(new JsonObject()).getString("session_id");
      handler(local, session, "local.upper", "agentbus.ext.default.local");
      HttpResponse<Buffer> done = local.post("/sessions/" + session + "/commands?wait=15", new JsonObject()
          .put("command_type", "local.upper").put("parameters", new JsonObject().put("text", "open")));
      assertThat(done.bodyAsJsonObject().getJsonObject("result")).as(done.bodyAsString())
          .isEqualTo(new JsonObject().put("upper", "OPEN").put("by", "python"));
    }
  }

  @Test
  @DisplayName("bridge.tcp.max_connections refuses one connection too many, and a silent connection is closed after idle_timeout_s")
  void connectionBounds() throws IOException {
    int port = TestNode.freePort();
    try (TestNode bounded = TestNode.start(new JsonObject().put("bridge", new JsonObject().put("tcp", new JsonObject()
        .put("port", port).put("max_connections", 1).put("idle_timeout_s", 1))))) {
      try (Socket first = connect(port)) {
        DataInputStream in = new DataInputStream(first.getInputStream());
        write(new DataOutputStream(first.getOutputStream()), new JsonObject().put("type", "ping"));
        assertThat(read(in).getString("type")).isEqualTo("pong");
        try (Socket second = connect(port)) {
          DataInputStream refused = new DataInputStream(second.getInputStream());
          assertThat(read(refused).getString("code")).isEqualTo("too_many_connections");
          assertThat(refused.read()).isEqualTo(-1);
        }
        assertThat(in.read()).as("closed once idle for a second").isEqualTo(-1);
      }
      // the idle connection's slot is free again (its close is handled asynchronously: poll)
      long until = System.currentTimeMillis() + STEP_MS;
      JsonObject answer;
      do {
        try (Socket again = connect(port)) {
          write(new DataOutputStream(again.getOutputStream()), new JsonObject().put("type", "ping"));
          answer = read(new DataInputStream(again.getInputStream()));
        }
      } while (!"pong".equals(answer.getString("type")) && System.currentTimeMillis() < until);
      assertThat(answer.getString("type")).isEqualTo("pong");
    }
  }

  static Socket connect(int port) throws IOException {
    Socket socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout((int) STEP_MS);
    return socket;
  }

  @Test
  @DisplayName("the bridge is off by default: no port unless bridge.tcp.port or AGENTBUS_TCP_BRIDGE_PORT is set")
  void offByDefault() {
    assertThat(Settings.of(AppConfig.defaults()).tcpBridge().enabled()).isFalse();
    assertThat(Settings.of(AppConfig.load(List.of(), Map.of("AGENTBUS_TCP_BRIDGE_PORT", "7444"))).tcpBridge().port()).isEqualTo(7444);
    try (TestNode plain = TestNode.start()) {
      boolean bridged = ((VertxInternal) plain.vertx()).deploymentManager().deployments().stream()
          .flatMap(deployment -> deployment.deployment().instances().stream())
          .anyMatch(instance -> instance instanceof TcpBridgeVerticle);
      assertThat(bridged).isFalse();
    }
    boolean bridged = ((VertxInternal) node.vertx()).deploymentManager().deployments().stream()
        .flatMap(deployment -> deployment.deployment().instances().stream())
        .anyMatch(instance -> instance instanceof TcpBridgeVerticle);
    assertThat(bridged).as("deployed when configured").isTrue();
  }

  // ---- raw frames ----

  static void write(DataOutputStream out, JsonObject frame) throws IOException {
    byte[] data = frame.encode().getBytes(StandardCharsets.UTF_8);
    out.writeInt(data.length);
    out.write(data);
    out.flush();
  }

  static JsonObject read(DataInputStream in) throws IOException {
    try {
      byte[] data = new byte[in.readInt()];
      in.readFully(data);
      return new JsonObject(new String(data, StandardCharsets.UTF_8));
    } catch (SocketTimeoutException e) {
      throw new AssertionError("no frame from the bridge within " + STEP_MS + " ms");
    }
  }
}
