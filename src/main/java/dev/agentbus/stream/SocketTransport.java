package dev.agentbus.stream;

import dev.agentbus.bus.StreamEnd;
import dev.agentbus.config.Settings;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;

/**
 * One open WebSocket: a bounded writer, pings every 15 s, cleanup (timer, stream slot) when it
 * closes. A <em>dedicated</em> socket carries one feed and closes when it ends: 1000 after {@code
 * session.deleted}, 1013 for a reader too slow to keep up and 1011 when the store failed, both with
 * the reason {@code resume with after_seq=N}, and 1012 (service restart) with the same reason when its
 * node shuts down. A <em>shared</em> socket ({@code /ws}) carries several feeds, one {@link
 * MultiplexTransport} lane each, and it is that which closes it (a reader too slow, a shutdown).
 */
public final class SocketTransport extends BoundedTransport {
  /** Pings keep idle sockets alive through proxies and reveal dead peers. */
  private static final long PING_MS = 15_000;

  private final ServerWebSocket socket;
  private final boolean dedicated;

  private SocketTransport(ServerWebSocket socket, Settings.Streams settings, boolean dedicated) {
    super(socket, socket::writeTextMessage, settings.maxQueuedFrames());
    this.socket = socket;
    this.dedicated = dedicated;
    socket.setWriteQueueMaxSize(settings.writeQueueMaxBytes());
  }

  /** Takes over an upgraded socket; {@code release} runs once it has closed. */
  static SocketTransport open(Vertx vertx, ServerWebSocket socket, Settings.Streams settings, boolean dedicated, Runnable release) {
    SocketTransport transport = new SocketTransport(socket, settings, dedicated);
    long pings = vertx.setPeriodic(PING_MS, t -> socket.writePing(Buffer.buffer("ping")));
    socket.closeHandler(closed -> {
      vertx.cancelTimer(pings);
      release.run();
      transport.gone();
    });
    return transport;
  }

  public ServerWebSocket socket() {
    return socket;
  }

  /** Sends one frame that answers the client (ack, pong, error); a reader too far behind is closed with 1013. */
  public void send(String frame) {
    if (!write(frame)) {
      close((short) 1013, "too slow");
    }
  }

  @Override
  boolean isOpen() {
    return !socket.isClosed();
  }

  /** Nothing yet: the feed that was refused ends with OVERFLOW and the socket closes with its resume cursor. */
  @Override
  void tooSlow() {
  }

  @Override
  public void end(StreamEnd reason, long lastSeq) {
    if (reason == StreamEnd.OVERFLOW) {
      close((short) 1013, "too slow; resume with after_seq=" + lastSeq);
    } else if (reason == StreamEnd.SHUTDOWN) {
      close((short) 1012, "server shutting down; resume with after_seq=" + lastSeq);
    } else if (dedicated) {
      switch (reason) {
        case SESSION_DELETED -> close((short) 1000, "session deleted");
        case FINISHED -> close((short) 1000, "stream complete");
        default -> close((short) 1011, "stream interrupted; resume with after_seq=" + lastSeq);
      }
    }
  }

  public void close(short code, String reason) {
    if (!socket.isClosed()) {
      socket.close(code, reason);
    }
  }
}
