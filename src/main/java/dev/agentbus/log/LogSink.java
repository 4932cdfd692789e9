package dev.agentbus.log;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.LongAdder;

/**
 * One node's queue of log records on their way to the store: bounded, and never waited on. {@link
 * #offer} is called on whatever thread logged (an event loop, a worker, a driver's thread); when the
 * queue is full the record is dropped and {@link #dropped} counts it, so a slow or unreachable store
 * costs records, never a request's time. {@link LogWriterVerticle} drains it.
 */
public final class LogSink {
  private final String nodeId;
  private final int minLevel;
  private final ArrayBlockingQueue<JsonObject> queue;
  private final LongAdder dropped = new LongAdder();
  private final LongAdder written = new LongAdder();
  private final LongAdder failed = new LongAdder();

  /** A sink of node {@code nodeId} that keeps records of {@code storeLevel} and above, at most {@code capacity} queued. */
  public LogSink(String nodeId, String storeLevel, int capacity) {
    this.nodeId = nodeId;
    int level = LogRecords.LEVELS.indexOf(storeLevel);
    this.minLevel = level < 0 ? LogRecords.LEVELS.indexOf("INFO") : level;
    this.queue = new ArrayBlockingQueue<>(Math.max(1, capacity));
  }

  public String nodeId() {
    return nodeId;
  }

  /** Whether records of {@code level} are kept at all (checked before a record is built). */
  public boolean keeps(String level) {
    return LogRecords.LEVELS.indexOf(level) >= minLevel;
  }

  /** Queues {@code record} without waiting; false (and counted as dropped) when the queue is full. */
  public boolean offer(JsonObject record) {
    if (queue.offer(record)) {
      return true;
    }
    dropped.increment();
    LogMeters.dropped();
    return false;
  }

  /** Takes up to {@code max} queued records, oldest first. */
  List<JsonObject> drain(int max) {
    List<JsonObject> batch = new ArrayList<>(Math.min(max, queue.size()));
    queue.drainTo(batch, max);
    return batch;
  }

  int queued() {
    return queue.size();
  }

  void written(int count) {
    written.add(count);
  }

  void failed(int count) {
    failed.add(count);
  }

  /**
   * {@code {node_id, queued, capacity, dropped, written, failed, unattributed}}: the writer's counters
   * on this node ({@code unattributed}: {@link LogSinks#unattributed}, for the whole JVM).
   */
  public JsonObject stats() {
    return new JsonObject().put("node_id", nodeId).put("queued", queue.size())
        .put("capacity", queue.size() + queue.remainingCapacity()).put("dropped", dropped.sum())
        .put("written", written.sum()).put("failed", failed.sum()).put("unattributed", LogSinks.unattributed());
  }
}
