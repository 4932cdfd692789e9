package dev.agentbus.stream;

import io.vertx.core.streams.WriteStream;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/** What both transports share: the bounded writer and the actions to run when the client goes away. */
abstract class BoundedTransport implements Transport {
  private final BoundedWriter writer;
  private final Set<Runnable> onGone = new LinkedHashSet<>();

  BoundedTransport(WriteStream<?> stream, Consumer<String> write, int maxQueuedFrames) {
    this.writer = new BoundedWriter(stream, write, maxQueuedFrames);
  }

  /** Whether the connection can still be written to. */
  abstract boolean isOpen();

  /** The writer refused a frame: the reader has fallen too far behind. */
  abstract void tooSlow();

  @Override
  public boolean write(String frames) {
    if (!isOpen()) {
      return false;
    }
    if (frames.isEmpty()) {
      return true;
    }
    if (!writer.write(frames)) {
      tooSlow();
      return false;
    }
    return true;
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
  public Runnable onGone(Runnable action) {
    onGone.add(action);
    return () -> onGone.remove(action);
  }

  /** The client went away: runs (once) what was registered with {@link #onGone}. */
  void gone() {
    List<Runnable> actions = List.copyOf(onGone);
    onGone.clear();
    actions.forEach(Runnable::run);
  }
}
