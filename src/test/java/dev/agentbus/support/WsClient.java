package dev.agentbus.support;

import io.vertx.core.Future;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.awaitility.Awaitility;

/**
 * One real WebSocket to a node's session stream, collecting every text frame as JSON (or as raw
 * text when it is not JSON). Handlers are installed before the upgrade, so no frame is missed.
 */
public final class WsClient implements AutoCloseable {
  private final ClientWebSocket socket;
  private final List<JsonObject> frames = new CopyOnWriteArrayList<>();
  private final List<String> unparsable = new CopyOnWriteArrayList<>();
  private final CompletableFuture<Void> closed = new CompletableFuture<>();

  private WsClient(ClientWebSocket socket) {
    this.socket = socket;
  }

  /** A WebSocket client like a browser's: large frames allowed in (the server's limit is what matters). */
  public static WebSocketClient newClient(TestNode node) {
    return node.vertx().createWebSocketClient(new WebSocketClientOptions()
        .setMaxFrameSize(1 << 20).setMaxMessageSize(1 << 24));
  }

  /** Starts the upgrade of {@code /api/v1 + apiPath}; fails like the upgrade does (e.g. UpgradeRejectedException). */
  public static Future<WsClient> connect(WebSocketClient client, TestNode node, String apiPath) {
    return connect(client, node, apiPath, frame -> { });
  }

  /** Like {@link #connect(WebSocketClient, TestNode, String)}; {@code onFrame} sees each JSON frame as it arrives. */
  public static Future<WsClient> connect(WebSocketClient client, TestNode node, String apiPath, Consumer<JsonObject> onFrame) {
    ClientWebSocket socket = client.webSocket();
    WsClient ws = new WsClient(socket);
    socket.textMessageHandler(text -> {
      JsonObject frame;
      try {
        frame = new JsonObject(text);
      } catch (RuntimeException e) {
        ws.unparsable.add(text);
        return;
      }
      ws.frames.add(frame);
      onFrame.accept(frame);
    });
    socket.closeHandler(v -> ws.closed.complete(null));
    socket.exceptionHandler(failure -> { });
    return socket.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(node.port())
        .setURI("/api/v1" + apiPath)).map(ws);
  }

  public static WsClient open(WebSocketClient client, TestNode node, String apiPath) {
    return connect(client, node, apiPath).await();
  }

  public ClientWebSocket socket() {
    return socket;
  }

  public List<JsonObject> frames() {
    return frames;
  }

  public List<String> unparsable() {
    return unparsable;
  }

  /** The events of the {@code event} frames received so far, in arrival order. */
  public List<JsonObject> events() {
    return frames.stream().filter(f -> "event".equals(f.getString("type"))).map(f -> f.getJsonObject("event")).toList();
  }

  public List<Long> seqs() {
    return events().stream().map(e -> e.getLong("seq")).toList();
  }

  public List<String> eventTypes() {
    return events().stream().map(e -> e.getString("event_type")).toList();
  }

  public void send(JsonObject frame) {
    sendText(frame.encode());
  }

  public void sendText(String text) {
    socket.writeTextMessage(text).await();
  }

  /** Waits for the first frame (already received or still to come) that matches. */
  public JsonObject awaitFrame(Predicate<JsonObject> match, Duration atMost) {
    return Awaitility.await().atMost(atMost)
        .until(() -> frames.stream().filter(match).findFirst(), Optional::isPresent).orElseThrow();
  }

  /** Waits for the event frame with this seq. */
  public JsonObject awaitSeq(long seq, Duration atMost) {
    return awaitFrame(f -> "event".equals(f.getString("type")) && f.getJsonObject("event").getLong("seq") == seq, atMost)
        .getJsonObject("event");
  }

  public CompletableFuture<Void> closed() {
    return closed;
  }

  public Short closeStatus() {
    return socket.closeStatusCode();
  }

  public String closeReason() {
    return socket.closeReason();
  }

  @Override
  public void close() {
    if (!closed.isDone()) {
      socket.close();
    }
  }
}
