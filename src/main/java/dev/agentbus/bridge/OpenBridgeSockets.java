package dev.agentbus.bridge;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.Shareable;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The SockJS bridge sockets open on this node, each with the event-loop context it runs on (shared
 * by every HTTP verticle instance), so that a graceful shutdown closes them all ({@link #closeAll}):
 * a browser's client then reconnects, through the load balancer, to a node that serves.
 */
public final class OpenBridgeSockets {
  private static final String MAP = dev.agentbus.bus.SharedNames.OPEN_BRIDGE_SOCKETS;

  private static final class Registry implements Shareable {
    final Map<SockJSSocket, Context> sockets = new ConcurrentHashMap<>();
  }

  private OpenBridgeSockets() {}

  /** Remembers {@code socket} (on the calling context) until {@link #forget}. */
  public static void track(Vertx vertx, SockJSSocket socket) {
    registry(vertx).sockets.put(socket, vertx.getOrCreateContext());
  }

  public static void forget(Vertx vertx, SockJSSocket socket) {
    registry(vertx).sockets.remove(socket);
  }

  /** How many bridge sockets are open on this node. */
  public static int count(Vertx vertx) {
    return registry(vertx).sockets.size();
  }

  /** Closes every open bridge socket (SockJS close frame, then the WebSocket), each on its own context. */
  public static Future<Void> closeAll(Vertx vertx) {
    List<Future<Void>> closed = new ArrayList<>();
    registry(vertx).sockets.forEach((socket, context) -> {
      Promise<Void> done = Promise.promise();
      context.runOnContext(v -> {
        socket.close(1012, "server shutting down");
        done.complete();
      });
      closed.add(done.future());
    });
    return Future.all(closed).mapEmpty();
  }

  private static Registry registry(Vertx vertx) {
    return vertx.sharedData().<String, Registry>getLocalMap(MAP).computeIfAbsent("sockets", k -> new Registry());
  }
}
