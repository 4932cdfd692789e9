package dev.agentbus.bench;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts store requests on the wire: a TCP proxy between a node and its MongoDB (the embedded store
 * run with {@code --store-only}) that reads each client message's header and, for {@code OP_MSG},
 * the command name (the first key of its body section), and forwards the bytes unchanged. {@code
 * GET /counts} on the control port answers the counts so far by command; the driver's own
 * monitoring ({@code hello}, {@code ping}, ...) is counted apart.
 *
 * <p>Usage: {@code StoreWire <listen-port> <store-port> <control-port>}.
 */
public final class StoreWire {
  static final Set<String> MONITORING = Set.of("hello", "ismaster", "isMaster", "ping", "buildInfo", "buildinfo",
      "saslStart", "saslContinue", "endSessions", "getLastError");
  private static final int OP_MSG = 2013;

  private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();

  private StoreWire() {}

  public static void main(String[] args) {
    int listen = Integer.parseInt(args[0]);
    int store = Integer.parseInt(args[1]);
    int control = Integer.parseInt(args[2]);
    StoreWire wire = new StoreWire();
    Vertx vertx = Vertx.vertx();
    vertx.createNetServer().connectHandler(client -> wire.proxy(vertx, client, store)).listen(listen, "127.0.0.1").await();
    vertx.createHttpServer().requestHandler(request -> request.response().putHeader("Content-Type", "application/json")
        .end(wire.snapshot().encode())).listen(control, "127.0.0.1").await();
    System.out.println("store wire counter on " + listen + " -> " + store + ", counts on http://127.0.0.1:" + control + "/counts");
  }

  JsonObject snapshot() {
    JsonObject commands = new JsonObject();
    long total = 0;
    long monitoring = 0;
    for (Map.Entry<String, AtomicLong> entry : new TreeMap<>(counts).entrySet()) {
      commands.put(entry.getKey(), entry.getValue().get());
      if (MONITORING.contains(entry.getKey())) {
        monitoring += entry.getValue().get();
      } else {
        total += entry.getValue().get();
      }
    }
    return new JsonObject().put("requests", total).put("monitoring", monitoring).put("by_command", commands);
  }

  private void proxy(Vertx vertx, NetSocket client, int storePort) {
    client.pause();
    vertx.createNetClient().connect(storePort, "127.0.0.1").onSuccess(store -> {
      Buffer[] pending = {Buffer.buffer()};
      client.handler(bytes -> {
        pending[0] = count(pending[0].appendBuffer(bytes));
        store.write(bytes);
      });
      store.handler(client::write);
      client.closeHandler(v -> store.close());
      store.closeHandler(v -> client.close());
      client.resume();
    }).onFailure(failure -> client.close());
  }

  /** Counts every complete message in {@code buffer}; returns what is left of an incomplete one. */
  private Buffer count(Buffer buffer) {
    int at = 0;
    while (buffer.length() - at >= 16) {
      int length = buffer.getIntLE(at);
      if (buffer.length() - at < length) {
        break;
      }
      int opCode = buffer.getIntLE(at + 12);
      String command = opCode == OP_MSG ? commandName(buffer, at) : "opcode-" + opCode;
      counts.computeIfAbsent(command, k -> new AtomicLong()).incrementAndGet();
      at += length;
    }
    return buffer.getBuffer(at, buffer.length());
  }

  /**
   * OP_MSG: header (16), flag bits (4), section kind 0 (1), BSON document: length (4), type (1),
   * name (cstring), then, for a string value (type 2: the collection of insert, update, find ...),
   * its length (4) and text: {@code "insert events"}; monitoring commands keep their bare name.
   */
  private static String commandName(Buffer message, int at) {
    int type = at + 16 + 4 + 1 + 4;
    int name = type + 1;
    int end = name;
    while (end < message.length() && message.getByte(end) != 0) {
      end++;
    }
    String command = new String(message.getBytes(name, end), StandardCharsets.UTF_8);
    if (message.getByte(type) == 2 && end + 5 <= message.length()) {
      int length = message.getIntLE(end + 1);
      int text = end + 5;
      if (length > 1 && text + length - 1 <= message.length()) {
        return command + " " + new String(message.getBytes(text, text + length - 1), StandardCharsets.UTF_8);
      }
    }
    return command;
  }
}
