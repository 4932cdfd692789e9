package dev.agentbus.store;

import dev.agentbus.trace.Traces;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The loop of a group commit: items queue up; while no write is in flight, whatever has queued
 * (at most {@code maxBatch}) goes to {@code write} as one batch, and the next batch starts when
 * that write's future completes (either way). So the batch is whatever queued during the previous
 * write and the wait is bounded by one write. The items carry their own outcome (a promise each);
 * the writer settles them. Event-loop confined.
 */
public final class GroupCommit<T> {
  private final int maxBatch;
  private final Function<List<T>, Future<?>> write;
  private final ArrayDeque<T> queue = new ArrayDeque<>();
  private boolean writing;
  private Promise<Void> drained;

  public GroupCommit(int maxBatch, Function<List<T>, Future<?>> write) {
    this.maxBatch = maxBatch;
    this.write = write;
  }

  /** Items waiting for a write (not counting the one in flight). */
  public int queued() {
    return queue.size();
  }

  /** Queues the items (together, so they share a batch when they fit) and starts a write if none is in flight. */
  public void addAll(List<T> items) {
    queue.addAll(items);
    if (!writing) {
      next();
    }
  }

  public void add(T item) {
    addAll(List.of(item));
  }

  /** Completes once nothing is queued and no write is in flight (e.g. to drain on stop). */
  public Future<Void> drained() {
    if (!writing && queue.isEmpty()) {
      return Future.succeededFuture();
    }
    if (drained == null) {
      drained = Promise.promise();
    }
    return drained.future();
  }

  private void next() {
    if (queue.isEmpty()) {
      writing = false;
      if (drained != null) {
        Promise<Void> waiting = drained;
        drained = null;
        waiting.complete();
      }
      return;
    }
    writing = true;
    List<T> batch = new ArrayList<>();
    while (batch.size() < maxBatch && !queue.isEmpty()) {
      batch.add(queue.poll());
    }
    Future<?> written;
    try {
      // A span in the trace of the write's starter (batch-mates of other traces are not linked).
      written = Traces.around("group commit", "agentbus.batch_size", batch.size(), () -> write.apply(batch));
    } catch (RuntimeException e) {
      written = Future.failedFuture(e);
    }
    written.onComplete(done -> next());
  }
}
