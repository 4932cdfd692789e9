package dev.agentbus.stream;

import io.vertx.core.streams.WriteStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Writes frames to one socket with a bounded backlog: once the socket's write queue is full, at
 * most {@code maxQueued} more frames are accepted before the writer refuses (the caller then
 * closes the connection with a resume cursor instead of buffering without bound).
 */
public final class BoundedWriter {
  private final WriteStream<?> stream;
  private final Consumer<String> write;
  private final int maxQueued;
  private final List<Runnable> waiting = new ArrayList<>();
  private int backlog;
  private boolean refused;

  public BoundedWriter(WriteStream<?> stream, Consumer<String> write, int maxQueued) {
    this.stream = stream;
    this.write = write;
    this.maxQueued = maxQueued;
    stream.drainHandler(drained -> {
      backlog = 0;
      List<Runnable> ready = new ArrayList<>(waiting);
      waiting.clear();
      ready.forEach(Runnable::run);
    });
  }

  /** Writes a frame; false once the peer has fallen too far behind. */
  public boolean write(String frame) {
    if (refused) {
      return false;
    }
    if (stream.writeQueueFull() && ++backlog > maxQueued) {
      refused = true;
      return false;
    }
    write.accept(frame);
    return true;
  }

  public boolean writable() {
    return !stream.writeQueueFull();
  }

  public void whenWritable(Runnable next) {
    if (stream.writeQueueFull()) {
      waiting.add(next);
    } else {
      next.run();
    }
  }
}
