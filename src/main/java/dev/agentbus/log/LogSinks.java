package dev.agentbus.log;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Which node a log record belongs to. Logback is one per JVM, but a JVM may run several nodes
 * (the tests' clusters do): a record goes to the sink of the Vert.x instance whose thread logged it
 * (the owner of the current context), so its {@code node_id} is the node the work ran on. A record
 * logged outside any Vert.x thread goes to the only sink when there is one node in the JVM, and is
 * counted in {@link #unattributed} otherwise.
 */
public final class LogSinks {
  private static final Map<Vertx, LogSink> SINKS = new ConcurrentHashMap<>();
  private static final LongAdder UNATTRIBUTED = new LongAdder();

  private LogSinks() {}

  static void register(Vertx vertx, LogSink sink) {
    SINKS.put(vertx, sink);
  }

  static void unregister(Vertx vertx, LogSink sink) {
    SINKS.remove(vertx, sink);
  }

  /** The sink of the node of {@code vertx}, or null when its writer is not running. */
  static LogSink of(Vertx vertx) {
    return SINKS.get(vertx);
  }

  /** The sink of the node whose thread is running, or null (no node here, or no way to tell which). */
  static LogSink current() {
    Context context = Vertx.currentContext();
    if (context != null) {
      return SINKS.get(context.owner());
    }
    if (SINKS.size() == 1) {
      for (LogSink only : SINKS.values()) {
        return only;
      }
    }
    if (!SINKS.isEmpty()) {
      UNATTRIBUTED.increment();
    }
    return null;
  }

  /** The id of the node whose thread is running (as {@link #current}, without counting), or null. */
  static String currentNodeId() {
    Context context = Vertx.currentContext();
    LogSink sink = context != null ? SINKS.get(context.owner()) : SINKS.size() == 1 ? SINKS.values().iterator().next() : null;
    return sink == null ? null : sink.nodeId();
  }

  /** Records logged off Vert.x threads while several nodes shared the JVM: not stored. */
  public static long unattributed() {
    return UNATTRIBUTED.sum();
  }
}
