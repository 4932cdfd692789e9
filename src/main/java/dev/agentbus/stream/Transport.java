package dev.agentbus.stream;

import dev.agentbus.bus.StreamEnd;

/**
 * One open client connection that a followed stream writes to: an SSE response ({@link
 * SseTransport}) or a WebSocket ({@link SocketTransport}). Writes are bounded: a reader that falls
 * too far behind is refused (and cut off), never buffered without limit.
 */
public interface Transport {
  /** Writes frames ({@code ""}: nothing); false when the reader has fallen too far behind or has left. */
  boolean write(String frames);

  /** Whether the connection can take more right now (paces the replay). */
  boolean writable();

  /** Runs {@code next} once the connection can take more. */
  void whenWritable(Runnable next);

  /** A feed on this connection ended for {@code reason}, its closing frames written: end or close as this transport does. */
  void end(StreamEnd reason, long lastSeq);

  /** Runs {@code action} once if the client goes away first; the returned runnable forgets it again. */
  Runnable onGone(Runnable action);
}
