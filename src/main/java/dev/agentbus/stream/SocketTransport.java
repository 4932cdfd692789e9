package dev.agentbus.stream;

import dev.agentbus.config.Settings;
import dev.agentbus.bus.StreamEnd;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One open WebSocket: a bounded writer, pings every 15 s, cleanup (timer, stream slot) when it
 * closes. A <em>dedicated</em> socket carries one feed and closes when it ends: 1000 after {@code
 * session.deleted}, 1013 for a reader too slow to keep up and 1011 when the store failed, both with
 * the reason {@code resume with after_seq=N}. A <em>shared</em> socket carries several feeds (one per
 * run or subscription) and stays open when one ends, except that a reader too slow is closed (1013).
 */
public final class SocketTransport implements Transport {
  /** Pings keep idle sockets alive through proxies and reveal dead peers. */
  private static final long PING_MS = 15_000;
  private final ServerWebSocket socket;
  private final BoundedWriter writer;
  private final boolean dedicated;
  private final Set<Runnable> onGone = new LinkedHashSet<>();

  private SocketTransport(ServerWebSocket socket, Settings.Streams settings, boolean dedicated) {
    this.socket = socket;
    this.dedicated = dedicated;
    socket.setWriteQueueMaxSize(settings.writeQueueMaxBytes());
    this.writer = new BoundedWriter(socket, socket::writeTextMessage, settings.maxQueuedFrames());
  }

  /** Takes over an upgraded socket; {@code release} runs once it has closed. */
  static SocketTransport open(Vertx vertx, ServerWebSocket socket, Settings.Streams settings, boolean dedicated, Runnable release) {
    SocketTransport transport = new SocketTransport(socket, settings, dedicated);
    long pings = vertx.setPeriodic(PING_MS, t -> socket.writePing(Buffer.buffer("ping")));
    socket.closeHandler(closed -> {
      vertx.cancelTimer(pings);
      release.run();
      List.copyOf(transport.onGone).forEach(Runnable::run);
      transport.onGone.clear();
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
  public boolean write(String frame) {
    if (socket.isClosed()) {
      return false;
    }
    return frame.isEmpty() || writer.write(frame);
  }

  @Override
  public boolean writable() {
    return writer.writable();
  }

  @Override
  public void whenWritable(Runnable next) {
    writer.whenWritable(next);
  }

  @Override
  public void end(StreamEnd reason, long lastSeq) {
    if (reason == StreamEnd.OVERFLOW) {
      close((short) 1013, "too slow; resume with after_seq=" + lastSeq);
    } else if (dedicated) {
      switch (reason) {
        case SESSION_DELETED -> close((short) 1000, "session deleted");
        case FINISHED -> close((short) 1000, "stream complete");
        default -> close((short) 1011, "stream interrupted; resume with after_seq=" + lastSeq);
      }
    }
  }

  @Override
  public Runnable onGone(Runnable action) {
    onGone.add(action);
    return () -> onGone.remove(action);
  }

  public void close(short code, String reason) {
    if (!socket.isClosed()) {
      socket.close(code, reason);
    }
  }
}
