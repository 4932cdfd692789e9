package dev.agentbus.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.support.TestNode;
import dev.agentbus.support.WsClient;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketFrame;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A WebSocket message over {@code http.max_ws_frame_bytes} (64 KiB) is refused with close 1009 on
 * both sockets, whether or not the client negotiated permessage-deflate (browsers and npm
 * {@code ws} do by default): compressed, such a message is small on the wire and used to be
 * dropped without a word.
 */
@DisplayName("WebSocket messages over the size limit")
class WebSocketFrameLimitTest {
  private static final int LIMIT = 65_536;
  private static final Duration WAIT = Duration.ofSeconds(10);
  static TestNode node;
  static WebSocketClient plain;
  static WebSocketClient deflating;
  private final List<WsClient> open = new ArrayList<>();

  @BeforeAll
  static void start() {
    node = TestNode.start();
    // Frames up to 1 MiB out, so a 100 KiB message goes as one frame (as browsers send it).
    plain = node.vertx().createWebSocketClient(new WebSocketClientOptions()
        .setMaxFrameSize(1 << 20).setMaxMessageSize(1 << 26).setTryUsePerMessageCompression(false));
    deflating = node.vertx().createWebSocketClient(new WebSocketClientOptions()
        .setMaxFrameSize(1 << 20).setMaxMessageSize(1 << 26).setTryUsePerMessageCompression(true));
  }

  @AfterAll
  static void stop() {
    plain.close().await();
    deflating.close().await();
    node.close();
  }

  @AfterEach
  void closeSockets() {
    open.forEach(WsClient::close);
  }

  static Stream<Arguments> endpointsAndCompression() {
    return Stream.of(
        Arguments.of("run socket /ws", false),
        Arguments.of("run socket /ws", true),
        Arguments.of("session stream", false),
        Arguments.of("session stream", true));
  }

  private WsClient connect(String endpoint, boolean compressed) {
    String path = endpoint.equals("run socket /ws") ? "/ws" : "/sessions/" + node.createSession() + "/events/stream";
    WsClient socket = WsClient.open(compressed ? deflating : plain, node, path);
    open.add(socket);
    String extensions = socket.socket().headers().get("Sec-WebSocket-Extensions");
    if (compressed) {
      assertThat(extensions).as("negotiated extensions").contains("permessage-deflate");
    } else {
      assertThat(extensions).as("negotiated extensions").isNull();
    }
    return socket;
  }

  /** A ping frame of exactly {@code bytes} bytes of JSON (both sockets answer a ping with a pong). */
  private static String ping(int bytes) {
    String head = "{\"type\":\"ping\",\"pad\":\"";
    String tail = "\"}";
    return head + "x".repeat(bytes - head.length() - tail.length()) + tail;
  }

  private static long pongs(WsClient socket) {
    return socket.frames().stream().filter(f -> "pong".equals(f.getString("type"))).count();
  }

  private static void assertAnswersPing(WsClient socket) {
    long before = pongs(socket);
    socket.sendText(ping(100));
    socket.awaitFrame(f -> "pong".equals(f.getString("type")) && pongs(socket) > before, WAIT);
  }

  private static void assertClosedTooBig(WsClient socket) throws Exception {
    socket.closed().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(socket.closeStatus()).as("close code").isEqualTo((short) 1009);
    assertThat(socket.closeReason()).isEqualTo("message too big: limit " + LIMIT + " bytes");
  }

  @ParameterizedTest(name = "{0}, compression {1}")
  @MethodSource("endpointsAndCompression")
  @DisplayName("a 100 KiB text message is refused with close 1009 naming the limit, and nothing of it is answered")
  void oversizeMessageClosesWith1009(String endpoint, boolean compressed) throws Exception {
    WsClient socket = connect(endpoint, compressed);
    assertAnswersPing(socket);

    socket.sendText(ping(100 * 1024));

    assertClosedTooBig(socket);
    assertThat(pongs(socket)).as("pongs (only the one before)").isEqualTo(1);
  }

  @ParameterizedTest(name = "{0}, compression {1}")
  @MethodSource("endpointsAndCompression")
  @DisplayName("messages just under and exactly at the limit are answered like any other")
  void messagesUpToTheLimitWork(String endpoint, boolean compressed) {
    WsClient socket = connect(endpoint, compressed);

    socket.sendText(ping(LIMIT - 16));
    socket.awaitFrame(f -> "pong".equals(f.getString("type")), WAIT);
    socket.sendText(ping(LIMIT));
    socket.awaitFrame(f -> "pong".equals(f.getString("type")) && pongs(socket) == 2, WAIT);

    assertAnswersPing(socket);
    assertThat(socket.closed()).isNotDone();
  }

  @ParameterizedTest(name = "{0}, compression {1}")
  @MethodSource("endpointsAndCompression")
  @DisplayName("a message one byte over the limit is refused with 1009")
  void oneByteOverTheLimitClosesWith1009(String endpoint, boolean compressed) throws Exception {
    WsClient socket = connect(endpoint, compressed);

    socket.sendText(ping(LIMIT + 1));

    assertClosedTooBig(socket);
    assertThat(pongs(socket)).isZero();
  }

  @ParameterizedTest(name = "{0}, compression {1}")
  @MethodSource("endpointsAndCompression")
  @DisplayName("after an oversize close the node still serves other open sockets and fresh ones")
  void nodeCarriesOnAfterAnOversizeClose(String endpoint, boolean compressed) throws Exception {
    WsClient bystander = connect(endpoint, compressed);
    WsClient offender = connect(endpoint, compressed);

    offender.sendText(ping(100 * 1024));
    assertClosedTooBig(offender);

    assertAnswersPing(bystander);
    assertAnswersPing(connect(endpoint, compressed));
  }

  @ParameterizedTest(name = "{0}, compression {1}")
  @MethodSource("endpointsAndCompression")
  @DisplayName("a message sent as several frames, each under the limit, is refused with 1009 once the total passes it")
  void fragmentedOversizeMessageClosesWith1009(String endpoint, boolean compressed) throws Exception {
    WsClient socket = connect(endpoint, compressed);
    String text = ping(100 * 1024);
    int third = text.length() / 3;

    socket.socket().writeFrame(WebSocketFrame.textFrame(text.substring(0, third), false)).await();
    socket.socket().writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer(text.substring(third, 2 * third)), false)).await();
    socket.socket().writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer(text.substring(2 * third)), true))
        .otherwiseEmpty().await();

    assertClosedTooBig(socket);
    assertThat(pongs(socket)).isZero();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("endpoints")
  @DisplayName("a 16 MiB message that deflates to about 1 KiB per 1 MiB frame is refused with 1009, not inflated")
  void compressionBombClosesWith1009(String endpoint) throws Exception {
    WsClient socket = connect(endpoint, true);

    socket.socket().writeTextMessage(ping(16 << 20));

    assertClosedTooBig(socket);
    assertAnswersPing(connect(endpoint, true));
  }

  static Stream<String> endpoints() {
    return Stream.of("run socket /ws", "session stream");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("endpoints")
  @DisplayName("an oversize binary message is refused with 1009 too")
  void oversizeBinaryClosesWith1009(String endpoint) throws Exception {
    WsClient socket = connect(endpoint, false);

    socket.socket().writeBinaryMessage(Buffer.buffer(new byte[100 * 1024])).await();

    assertClosedTooBig(socket);
  }
}
