package dev.agentbus.bridge;

import dev.agentbus.auth.Authenticator;
import dev.agentbus.config.Settings;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TCP event-bus bridge for workers in any language ({@code bridge.tcp.*}, off unless {@code
 * port} is set; {@code MainVerticle} deploys it only then): listens on the HTTP host, speaks the
 * framing of {@code vertx-tcp-eventbus-bridge} ({@link TcpFrames}), and lets each authenticated
 * connection ({@link TcpConnection}, policy in {@link TcpGate}) serve its tenant's worker addresses
 * {@code agentbus.ext.<tenant>.<name>}, which bus command handlers and tools of that tenant point at.
 *
 * <p>At most {@code max_connections} connections (one more is told so in an {@code err} frame and
 * closed); a connection idle for {@code idle_timeout_s} is closed. Stopping closes the server and
 * every connection, whose unanswered requests fail over ({@link TcpConnection}).
 *
 * <p>Why not {@code TcpEventBusBridge.create}: the library (5.0.8) buffers a frame of whatever
 * length is announced, offers no hook on connect or close (so no connection bound), leaves a request
 * whose worker disconnected unanswered until its timeout (a command could not retry it), and
 * forwards every frame header, the credential included, onto the bus. Its framing and frame writer
 * are used as they are.
 */
public class TcpBridgeVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(TcpBridgeVerticle.class);
  private final Set<TcpConnection> connections = new LinkedHashSet<>();
  private NetServer server;

  @Override
  public Future<?> start() {
    Settings settings = Settings.of(config());
    Settings.TcpBridge limits = settings.tcpBridge();
    if (!limits.enabled()) {
      return Future.succeededFuture();
    }
    TcpGate gate = new TcpGate(new Authenticator(vertx, settings.auth()));
    long maxReplyMs = settings.commands().maxTimeoutSeconds() * 1000L;
    server = vertx.createNetServer(new NetServerOptions().setHost(settings.http().host()).setPort(limits.port())
        .setIdleTimeout(limits.idleTimeoutSeconds()).setIdleTimeoutUnit(TimeUnit.SECONDS).setTcpNoDelay(true));
    server.connectHandler(socket -> accept(socket, gate, limits, maxReplyMs));
    return server.listen().onSuccess(listening -> LOG.info("tcp bridge for workers on {}:{} (at most {} connections)",
        settings.http().host(), listening.actualPort(), limits.maxConnections()));
  }

  private void accept(NetSocket socket, TcpGate gate, Settings.TcpBridge limits, long maxReplyMs) {
    if (connections.size() >= limits.maxConnections()) {
      TcpFrames.write(TcpFrames.err("too_many_connections", "The bridge serves at most " + limits.maxConnections()
          + " connections", null), socket);
      socket.close();
      return;
    }
    TcpConnection[] self = new TcpConnection[1];
    self[0] = new TcpConnection(vertx, socket, gate, limits, maxReplyMs, () -> connections.remove(self[0]));
    connections.add(self[0]);
  }

  @Override
  public Future<?> stop() {
    if (server == null) {
      return Future.succeededFuture();
    }
    List<Future<Void>> closing = new ArrayList<>();
    closing.add(server.close());
    new ArrayList<>(connections).forEach(connection -> closing.add(connection.close()));
    return Future.join(closing).otherwiseEmpty();
  }
}
