package dev.agentbus.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.Tenants;
import dev.agentbus.support.TestNode;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The SockJS event-bus bridge at {@code /eventbus} against a real node with auth on (an admin key,
 * API keys of tenants acme and globex): the unmodified {@code @vertx/eventbus-bridge-client.js}
 * over {@code sockjs-client} in Node (a subprocess with a deadline, reporting JSON lines), and a raw
 * SockJS WebSocket from Java for what the Node client cannot show (session tokens, caps, shutdown).
 * The headless-Chromium run is {@link SockJsBridgeBrowserTest}. Skipped, saying why, only when node
 * or {@code src/test/js/node_modules} is missing ({@code scripts/ensure-test-tools.sh} installs them).
 */
@Timeout(180)
class SockJsBridgeTest {
  static final Path JS = Path.of("src/test/js");
  static TestNode node;
  static String acmeKey;
  static String globexKey;
  static HttpCalls acme;
  static HttpCalls globex;

  @BeforeAll
  static void start() {
    node = TestNode.start(Tenants.config());
    acmeKey = Tenants.key(node, "acme");
    globexKey = Tenants.key(node, "globex");
    acme = new HttpCalls(node, acmeKey);
    globex = new HttpCalls(node, globexKey);
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  static boolean nodeTools() {
    return Files.isDirectory(JS.resolve("node_modules/@vertx/eventbus-bridge-client.js"))
        && Files.isDirectory(JS.resolve("node_modules/sockjs-client")) && onPath("node");
  }

  static boolean onPath(String command) {
    try {
      return new ProcessBuilder(command, "--version").redirectErrorStream(true).start().waitFor(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      return false;
    }
  }

  /**
   * Runs {@code bridge-client.mjs} with {@code config}; {@code onReady} runs when it prints {@code
   * {"ready": true}}. Returns its {@code result}, failing with its output on its error or deadline.
   */
  static JsonObject runClient(JsonObject config, Runnable onReady) throws Exception {
    Process client = new ProcessBuilder("node", "bridge-client.mjs", config.encode()).directory(JS.toFile())
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    CompletableFuture<JsonObject> result = new CompletableFuture<>();
    StringBuilder output = new StringBuilder();
    Thread reader = new Thread(() -> {
      try (BufferedReader lines = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
          output.append(line).append('\n');
          JsonObject message = new JsonObject(line);
          if (message.getBoolean("ready", false)) {
            onReady.run();
          } else if (message.containsKey("result")) {
            result.complete(message.getJsonObject("result"));
          } else if (message.containsKey("error")) {
            result.completeExceptionally(new AssertionError("the client failed: " + output));
          }
        }
        result.completeExceptionally(new AssertionError("the client ended without a result: " + output));
      } catch (Exception e) {
        result.completeExceptionally(e);
      }
    });
    reader.start();
    try {
      return result.get(90, TimeUnit.SECONDS);
    } finally {
      if (!client.waitFor(10, TimeUnit.SECONDS)) {
        client.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  static String bridgeUrl() {
    return "http://127.0.0.1:" + node.port() + "/eventbus";
  }

  /** The {@code error} of a refused send or registration, as the client saw it. */
  static JsonObject refusal(JsonObject result, String step) {
    JsonObject error = result.getJsonObject(step).getJsonObject("error");
    assertThat(error).as(step + " was refused: " + result.getValue(step)).isNotNull();
    assertThat(error.getString("failureType")).isEqualTo("RECIPIENT_FAILURE");
    return error;
  }

  @Test
  @DisplayName("the real bridge client in Node subscribes to its session, receives a live REST event, submits and publishes, and is refused elsewhere with REST's codes")
  void nodeClient() throws Exception {
    assumeTrue(nodeTools(), "node or src/test/js/node_modules is missing (scripts/ensure-test-tools.sh runs npm ci)");
    String session = acme.createSession(new JsonObject().put("name", "bridge")).getString("session_id");
    String foreign = globex.createSession(new JsonObject().put("name", "globex's")).getString("session_id");
    CompletableFuture<JsonObject> published = new CompletableFuture<>();
    JsonObject result = runClient(new JsonObject().put("url", bridgeUrl()).put("key", acmeKey).put("session", session)
        .put("foreign_session", foreign).put("mode", "full"), () -> {
          HttpResponse<Buffer> posted = acme.post("/sessions/" + session + "/events",
              new JsonObject().put("event_type", "rest.note").put("data", new JsonObject().put("text", "from REST")));
          published.complete(posted.bodyAsJsonObject());
        });

    assertThat(result.getBoolean("opened")).isTrue();
    // agentbus.bridge.publish answers the stored event, as POST /sessions/{id}/events does; it comes back live
    JsonObject stored = result.getJsonObject("publish").getJsonObject("reply");
    assertThat(stored.getString("session_id")).isEqualTo(session);
    assertThat(stored.getString("event_type")).isEqualTo("bridge.probe");
    assertThat(stored.getString("source")).isEqualTo("client");
    assertThat(stored.getJsonObject("metadata").getString("from")).isEqualTo("node");
    assertThat(stored.getString("event_id")).isNotBlank();
    assertThat(result.getJsonObject("probe")).as("a probe came back through the registration").isNotNull();
    assertThat(acme.get("/sessions/" + session + "/events/" + result.getJsonObject("probe").getString("event_id"))
        .bodyAsJsonObject()).isEqualTo(result.getJsonObject("probe"));

    // the live event is the event JSON REST shows
    JsonObject live = result.getJsonObject("live");
    assertThat(live).isEqualTo(published.get(1, TimeUnit.SECONDS));
    assertThat(live).isEqualTo(acme.get("/sessions/" + session + "/events/" + live.getString("event_id")).bodyAsJsonObject());

    // agentbus.bridge.command answers the accepted command; it completes, and its events arrive
    JsonObject accepted = result.getJsonObject("command").getJsonObject("reply");
    assertThat(accepted.getString("command_type")).isEqualTo("echo");
    assertThat(accepted.getString("session_id")).isEqualTo(session);
    assertThat(accepted.getJsonObject("parameters").getString("text")).isEqualTo("over the bridge");
    assertThat(accepted.getJsonObject("metadata").getString("priority")).isEqualTo("high");
    assertThat(accepted.getLong("accepted_seq")).isPositive();
    assertThat(result.getJsonObject("completed").getString("command_id")).isEqualTo(accepted.getString("command_id"));
    JsonObject polled = acme.get("/sessions/" + session + "/commands/" + accepted.getString("command_id")).bodyAsJsonObject();
    assertThat(polled.getString("status")).isEqualTo("completed");

    // validated like REST, with the same codes and fields
    JsonObject invalid = refusal(result, "invalid");
    assertThat(invalid.getInteger("failureCode")).isEqualTo(400);
    assertThat(invalid.getString("code")).isEqualTo("VALIDATION_ERROR");
    assertThat(invalid.getJsonObject("details").getJsonArray("fields").stream()
        .map(field -> ((JsonObject) field).getString("field")).toList()).contains("command_type", "colour");
    HttpResponse<Buffer> restReserved = acme.post("/sessions/" + session + "/events", new JsonObject().put("event_type", "command.fake"));
    JsonObject invalidEvent = refusal(result, "invalidEvent");
    assertThat(invalidEvent.getInteger("failureCode")).isEqualTo(restReserved.statusCode());
    assertThat(invalidEvent.getString("code")).isEqualTo(restReserved.bodyAsJsonObject().getJsonObject("error").getString("code"));
    JsonObject notObject = refusal(result, "notObject");
    assertThat(notObject.getString("code")).isEqualTo("VALIDATION_ERROR");
    assertThat(notObject.getJsonObject("details").getString("field")).isEqualTo("body");

    // another tenant's session does not exist for acme; internal and unknown addresses are forbidden
    JsonObject foreignCommand = refusal(result, "foreignCommand");
    assertThat(foreignCommand.getInteger("failureCode")).isEqualTo(404);
    assertThat(foreignCommand.getString("code")).isEqualTo("SESSION_NOT_FOUND");
    assertThat(globex.get("/sessions/" + foreign + "/commands").bodyAsJsonObject().getJsonArray("data")).isEmpty();
    for (String step : List.of("internal", "random", "internalRegister")) {
      JsonObject forbidden = refusal(result, step);
      assertThat(forbidden.getInteger("failureCode")).as(step).isEqualTo(403);
      assertThat(forbidden.getString("code")).as(step).isEqualTo("FORBIDDEN");
    }
    JsonObject foreignRegister = refusal(result, "foreignRegister");
    assertThat(foreignRegister.getInteger("failureCode")).isEqualTo(404);
    assertThat(foreignRegister.getString("code")).isEqualTo("SESSION_NOT_FOUND");
    assertThat(result.getInteger("foreignEvents")).isZero();
    // Vert.x's own word for each refusal (no address, so the client's onerror hears it) follows the coded one
    assertThat(result.getJsonArray("unhandled").getList()).containsOnly("rejected");
    // the credential, given in the query string, is in no stored log record
    HttpResponse<Buffer> logs = Tenants.admin(node).get("/observability/logs?limit=500");
    assertThat(logs.statusCode()).isEqualTo(200);
    assertThat(logs.bodyAsJsonObject().getJsonArray("data")).isNotEmpty();
    assertThat(logs.bodyAsString()).doesNotContain(acmeKey);
    // the internal submit never ran: the session holds only the bridge's one command
    assertThat(acme.get("/sessions/" + session + "/commands").bodyAsJsonObject().getJsonArray("data")).hasSize(1);
  }

  @Test
  @DisplayName("a bad or missing credential is refused with 401 before any socket opens, and the client never opens")
  void badCredential() throws Exception {
    HttpResponse<Buffer> bogus = HttpCalls.await(node.client().get("/eventbus/info?access_token=abk_not_a_key").send());
    HttpCalls.assertError(bogus, 401, "UNAUTHENTICATED");
    assertThat(bogus.getHeader("WWW-Authenticate")).contains("invalid_token");
    assertThat(bogus.bodyAsString()).doesNotContain("abk_not_a_key");
    HttpCalls.assertError(HttpCalls.await(node.client().get("/eventbus/info").send()), 401, "UNAUTHENTICATED");
    Throwable upgrade = connectFailure(new WebSocketConnectOptions().setURI("/eventbus/000/badcred1/websocket?access_token=abk_not_a_key"));
    assertThat(upgrade).isInstanceOf(UpgradeRejectedException.class);
    assertThat(((UpgradeRejectedException) upgrade).getStatus()).isEqualTo(401);
    // a credential in the query is for the bridge and streams only: the REST routes still refuse one
    HttpCalls.assertError(HttpCalls.await(node.client().get("/api/v1/sessions?access_token=" + acmeKey).send()), 401, "UNAUTHENTICATED");

    assumeTrue(nodeTools(), "node or src/test/js/node_modules is missing (scripts/ensure-test-tools.sh runs npm ci)");
    JsonObject result = runClient(new JsonObject().put("url", bridgeUrl()).put("key", "abk_not_a_key").put("mode", "connect"), () -> {});
    assertThat(result.getBoolean("opened")).isFalse();
  }

  @Test
  @DisplayName("a page of a disallowed origin is refused (403) on the info request and on the socket; the node's own and no origin pass")
  void disallowedOrigin() {
    HttpResponse<Buffer> info = HttpCalls.await(node.client().get("/eventbus/info?access_token=" + acmeKey)
        .putHeader("Origin", "http://evil.example").send());
    HttpCalls.assertError(info, 403, "FORBIDDEN");
    assertThat(info.getHeader("Access-Control-Allow-Origin")).isNull();
    Throwable upgrade = connectFailure(new WebSocketConnectOptions().setURI("/eventbus/000/origin01/websocket?access_token=" + acmeKey)
        .addHeader("Origin", "http://evil.example"));
    assertThat(((UpgradeRejectedException) upgrade).getStatus()).isEqualTo(403);

    HttpResponse<Buffer> plain = HttpCalls.await(node.client().get("/eventbus/info?access_token=" + acmeKey).send());
    assertThat(plain.statusCode()).isEqualTo(200);
    assertThat(plain.bodyAsJsonObject().getBoolean("websocket")).isTrue();
    HttpResponse<Buffer> own = HttpCalls.await(node.client().get("/eventbus/info?access_token=" + acmeKey)
        .putHeader("Origin", "http://127.0.0.1:" + node.port()).send());
    assertThat(own.statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("only the WebSocket transport is served: SockJS's XHR transports are not there")
  void webSocketOnly() {
    HttpResponse<Buffer> xhr = HttpCalls.await(node.client().request(HttpMethod.POST, "/eventbus/000/xhronly1/xhr_streaming")
        .putHeader("Authorization", "Bearer " + acmeKey).send());
    HttpCalls.assertError(xhr, 404, "NOT_FOUND");
    HttpResponse<Buffer> polling = HttpCalls.await(node.client().request(HttpMethod.POST, "/eventbus/000/xhronly1/xhr")
        .putHeader("Authorization", "Bearer " + acmeKey).send());
    HttpCalls.assertError(polling, 404, "NOT_FOUND");
  }

  @Test
  @DisplayName("a session token reads and writes its own session over the bridge, and nothing else")
  void sessionToken() throws Exception {
    String session = acme.createSession(new JsonObject()).getString("session_id");
    String other = acme.createSession(new JsonObject()).getString("session_id");
    HttpResponse<Buffer> minted = acme.post("/sessions/" + session + "/tokens", new JsonObject().put("ttl_seconds", 600)
        .put("scopes", new JsonArray().add("events:read").add("commands:write")));
    assertThat(minted.statusCode()).as(minted.bodyAsString()).isEqualTo(201);
    try (RawSocket socket = RawSocket.open(minted.bodyAsJsonObject().getString("token"))) {
      socket.register("agentbus.session." + other + ".events");
      JsonObject refused = socket.next(frame -> "err".equals(frame.getString("type")) && frame.containsKey("failureCode"));
      assertThat(refused.getInteger("failureCode")).isEqualTo(403);
      assertThat(new JsonObject(refused.getString("message")).getString("code")).isEqualTo("FORBIDDEN");

      socket.send("agentbus.bridge.command", new JsonObject().put("session_id", other).put("command_type", "echo"), "r-other");
      JsonObject otherCommand = socket.reply("r-other");
      assertThat(otherCommand.getInteger("failureCode")).isEqualTo(403);
      // the token lacks events:write
      socket.send("agentbus.bridge.publish", new JsonObject().put("session_id", session).put("event_type", "app.note"), "r-pub");
      JsonObject publish = socket.reply("r-pub");
      assertThat(publish.getInteger("failureCode")).isEqualTo(403);
      assertThat(new JsonObject(publish.getString("message")).getJsonObject("details").getString("required_scope")).isEqualTo("events:write");

      socket.register("agentbus.session." + session + ".events");
      socket.send("agentbus.bridge.command", new JsonObject().put("session_id", session).put("command_type", "echo")
          .put("parameters", new JsonObject().put("n", 1)), "r-own");
      JsonObject own = socket.reply("r-own");
      assertThat(own.getString("type")).isEqualTo("rec");
      String commandId = own.getJsonObject("body").getString("command_id");
      JsonObject completed = socket.next(frame -> "rec".equals(frame.getString("type"))
          && frame.getJsonObject("body").getString("event_type", "").equals("command.completed"));
      assertThat(completed.getJsonObject("body").getString("command_id")).isEqualTo(commandId);
    }
  }

  @Test
  @DisplayName("headers a client puts on a message never reach the bus: a forged principal or refusal is replaced by the bridge's own")
  void forgedHeaders() throws Exception {
    String session = globex.createSession(new JsonObject()).getString("session_id");
    try (RawSocket socket = RawSocket.open(acmeKey)) {
      JsonObject admin = new JsonObject().put("kind", "admin").put("id", "admin").put("scopes", new JsonArray().add("admin"));
      socket.sendRaw(new JsonObject().put("type", "send").put("address", "agentbus.bridge.command").put("replyAddress", "r-forged")
          .put("headers", new JsonObject().put("x-agentbus-principal", admin.encode()).put("x-agentbus-refused", "nonsense"))
          .put("body", new JsonObject().put("session_id", session).put("command_type", "echo")));
      JsonObject reply = socket.reply("r-forged");
      assertThat(reply.getInteger("failureCode")).isEqualTo(404);
      assertThat(new JsonObject(reply.getString("message")).getString("code")).isEqualTo("SESSION_NOT_FOUND");
    }
    assertThat(globex.get("/sessions/" + session + "/commands").bodyAsJsonObject().getJsonArray("data")).isEmpty();
  }

  @Test
  @DisplayName("bounded: a principal at max_streams_per_principal is refused 429 before its next socket, and a graceful shutdown closes the bridge's sockets")
  void capsAndShutdown() throws Exception {
    TestNode limited = TestNode.start(Tenants.config().put("limits", new JsonObject().put("max_streams_per_principal", 1)));
    try {
      String key = Tenants.key(limited, "acme");
      try (RawSocket first = RawSocket.open(limited, key)) {
        HttpCalls.assertError(HttpCalls.await(limited.client().get("/eventbus/info?access_token=" + key).send()), 429, "RATE_LIMITED");
        Throwable second = connectFailure(limited, new WebSocketConnectOptions().setURI("/eventbus/000/second01/websocket?access_token=" + key));
        assertThat(((UpgradeRejectedException) second).getStatus()).isEqualTo(429);
        assertThat(OpenBridgeSockets.count(limited.vertx())).isEqualTo(1);

        dev.agentbus.util.Draining.begin(limited.vertx());
        HttpCalls.await(dev.agentbus.http.HttpApiVerticle.drain(limited.vertx()));
        first.closed().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      }
      assertThat(OpenBridgeSockets.count(limited.vertx())).isZero();
    } finally {
      limited.close();
    }
  }

  @Test
  @DisplayName("a message over http.max_ws_frame_bytes closes the socket (1009) instead of being read")
  void oversizedMessage() throws Exception {
    String session = acme.createSession(new JsonObject()).getString("session_id");
    try (RawSocket socket = RawSocket.open(acmeKey)) {
      String big = "x".repeat(node.config().getJsonObject("http").getInteger("max_ws_frame_bytes") + 1);
      socket.send("agentbus.bridge.publish", new JsonObject().put("session_id", session).put("event_type", "app.big")
          .put("data", new JsonObject().put("text", big)), "r-big");
      assertThat(socket.closed().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS)).isNull();
      assertThat(socket.closeStatus()).isEqualTo((short) 1009);
    }
    assertThat(acme.get("/sessions/" + session + "/events").bodyAsJsonObject().getJsonArray("data").stream()
        .map(e -> ((JsonObject) e).getString("event_type")).toList()).doesNotContain("app.big");
  }

  @Test
  @DisplayName("revoking an API key closes its open bridge sockets")
  void revokedKey() throws Exception {
    HttpResponse<Buffer> created = Tenants.admin(node).post("/keys", new JsonObject().put("name", "revoked-soon")
        .put("tenant_id", "acme").put("scopes", Tenants.TENANT_SCOPES));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    try (RawSocket socket = RawSocket.open(created.bodyAsJsonObject().getString("key"))) {
      assertThat(Tenants.admin(node).delete("/keys/" + created.bodyAsJsonObject().getString("key_id")).statusCode()).isEqualTo(200);
      socket.closed().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  @DisplayName("a client that stops reading its events is closed once streams.write_queue_max_bytes are unsent, instead of being buffered for")
  void slowReaderClosed() throws Exception {
    // One HTTP verticle: the socket's events and every publish are served on one event loop.
    TestNode single = TestNode.start(new JsonObject().put("http", new JsonObject().put("instances", 1)));
    try {
      String session = single.createSession();
      try (RawSocket socket = RawSocket.open(single, null)) {
        socket.register("agentbus.session." + session + ".events");
        JsonObject probe = null;
        for (int n = 1; probe == null && n <= 40; n++) {
          String eventId = single.post("/sessions/" + session + "/events", new JsonObject().put("event_type", "app.probe"))
              .bodyAsJsonObject().getString("event_id");
          try {
            probe = socket.next(frame -> "rec".equals(frame.getString("type"))
                && eventId.equals(frame.getJsonObject("body").getString("event_id")), 500);
          } catch (AssertionError notYet) {
            // the registration was not live yet
          }
        }
        assertThat(probe).isNotNull();
        socket.pause();
        String blob = "b".repeat(48 * 1024);
        dev.agentbus.support.Publisher.many(single, session, 300, 4, i -> new JsonObject().put("event_type", "app.big")
            .put("data", new JsonObject().put("i", i).put("blob", blob)), e -> { }).await();
        socket.resume();
        socket.closed().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertThat(socket.received()).as("far fewer than the 300 big events reached the slow reader").isLessThan(300);
      }
      assertThat(OpenBridgeSockets.count(single.vertx())).isZero();
    } finally {
      single.close();
    }
  }

  @Test
  @DisplayName("in protected mode (no authentication configured) a loopback client uses the bridge without a credential")
  void protectedMode() throws Exception {
    TestNode open = TestNode.start(new JsonObject());
    try {
      String session = open.createSession();
      try (RawSocket socket = RawSocket.open(open, null)) {
        socket.send("agentbus.bridge.command", new JsonObject().put("session_id", session).put("command_type", "echo"), "r-local");
        JsonObject reply = socket.reply("r-local");
        assertThat(reply.getString("type")).as(reply.encode()).isEqualTo("rec");
        assertThat(reply.getJsonObject("body").getString("session_id")).isEqualTo(session);
      }
    } finally {
      open.close();
    }
  }

  static Throwable connectFailure(WebSocketConnectOptions options) {
    return connectFailure(node, options);
  }

  static Throwable connectFailure(TestNode target, WebSocketConnectOptions options) {
    WebSocketClient client = target.vertx().createWebSocketClient();
    try {
      Future<WebSocket> connected = client.connect(options.setHost("127.0.0.1").setPort(target.port()));
      try {
        connected.toCompletionStage().toCompletableFuture().get(HttpCalls.TIMEOUT_MS, TimeUnit.MILLISECONDS);
      } catch (Exception expected) {
        // the failure is the connect's cause
      }
      assertThat(connected.failed()).as("the upgrade was refused").isTrue();
      return connected.cause();
    } finally {
      client.close();
    }
  }

  /**
   * A SockJS WebSocket spoken by hand ({@code o}, {@code h}, {@code a[...]}, {@code c[...]} frames;
   * messages sent as a JSON array of strings): the bridge's messages, decoded, in a queue.
   */
  static final class RawSocket implements AutoCloseable {
    private final WebSocketClient client;
    private final io.vertx.core.http.ClientWebSocket socket;
    private final LinkedBlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
    private final java.util.List<JsonObject> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final io.vertx.core.Promise<Void> closed = io.vertx.core.Promise.promise();
    private final java.util.concurrent.atomic.AtomicInteger received = new java.util.concurrent.atomic.AtomicInteger();

    private RawSocket(WebSocketClient client, io.vertx.core.http.ClientWebSocket socket) {
      this.client = client;
      this.socket = socket;
    }

    static RawSocket open(String credential) throws Exception {
      return open(node, credential);
    }

    static RawSocket open(TestNode target, String credential) throws Exception {
      // large enough for anything the node sends (SockJS puts what queued up into one frame)
      WebSocketClient client = target.vertx().createWebSocketClient(new io.vertx.core.http.WebSocketClientOptions()
          .setMaxFrameSize(1 << 26).setMaxMessageSize(1 << 26));
      CompletableFuture<Void> opened = new CompletableFuture<>();
      // handlers set before the upgrade, so the open frame cannot pass unseen
      io.vertx.core.http.ClientWebSocket socket = client.webSocket();
      RawSocket raw = new RawSocket(client, socket);
      socket.closeHandler(v -> raw.closed.tryComplete());
      socket.textMessageHandler(text -> {
        if (text.equals("o")) {
          opened.complete(null);
        } else if (text.startsWith("a")) {
          new JsonArray(text.substring(1)).forEach(message -> {
            raw.received.incrementAndGet();
            raw.frames.add(new JsonObject((String) message));
          });
        }
      });
      HttpCalls.await(socket.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(target.port())
          .setURI("/eventbus/000/" + Long.toHexString(System.nanoTime()) + "/websocket"
              + (credential == null ? "" : "?access_token=" + credential))));
      opened.get(10, TimeUnit.SECONDS);
      return raw;
    }

    void register(String address) {
      sendRaw(new JsonObject().put("type", "register").put("address", address));
    }

    void send(String address, JsonObject body, String replyAddress) {
      sendRaw(new JsonObject().put("type", "send").put("address", address).put("body", body).put("replyAddress", replyAddress));
    }

    void sendRaw(JsonObject message) {
      HttpCalls.await(socket.writeTextMessage(new JsonArray().add(message.encode()).encode()));
    }

    /** The reply (or error reply) to {@code replyAddress}. */
    JsonObject reply(String replyAddress) throws InterruptedException {
      return next(frame -> replyAddress.equals(frame.getString("address")));
    }

    /** The first message, seen before or arriving within 10 s, that {@code test} accepts. */
    JsonObject next(java.util.function.Predicate<JsonObject> test) throws InterruptedException {
      return next(test, 10_000);
    }

    /** The first message, seen before or arriving within {@code withinMs}, that {@code test} accepts. */
    JsonObject next(java.util.function.Predicate<JsonObject> test, long withinMs) throws InterruptedException {
      for (JsonObject frame : seen) {
        if (test.test(frame)) {
          seen.remove(frame);
          return frame;
        }
      }
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(withinMs);
      while (System.nanoTime() < deadline) {
        JsonObject frame = frames.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
        if (frame == null) {
          break;
        }
        if (test.test(frame)) {
          return frame;
        }
        seen.add(frame);
      }
      throw new AssertionError("no such message within " + withinMs + " ms; seen: " + seen);
    }

    Future<Void> closed() {
      return closed.future();
    }

    void pause() {
      socket.pause();
    }

    void resume() {
      socket.resume();
    }

    /** How many bridge messages arrived in all. */
    int received() {
      return received.get();
    }

    Short closeStatus() {
      return socket.closeStatusCode();
    }

    @Override
    public void close() {
      client.close();
    }
  }
}
