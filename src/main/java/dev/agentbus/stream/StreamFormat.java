package dev.agentbus.stream;

import dev.agentbus.bus.StreamEnd;
import io.vertx.core.json.JsonObject;

/**
 * One wire format of a followed stream: turns a session's events into the frames a client reads.
 * Pure: no I/O, no bus, no timers; an instance may keep state for the one stream it formats
 * (counters, whether an error was already sent). {@link Follower} does the rest.
 *
 * <p>For SSE a frame string holds one or more complete blocks ({@code ...\n\n}); for a WebSocket it
 * is one text message. The empty string means "nothing to send".
 */
public interface StreamFormat {
  /** What is sent as soon as the stream opens, before any event. */
  default String opening() {
    return "";
  }

  /** The frames of one event. */
  String frames(JsonObject event);

  /**
   * The frames of one event as feeds hold it. A stateless format (its frames depend on the event
   * only) overrides this to build them once per shared event ({@link SharedEvent#frames}), so
   * every subscriber of the session on an event loop is sent the same string; a format with
   * per-stream state keeps this default.
   */
  default String frames(SharedEvent event) {
    return frames(event.json());
  }

  /** What is sent when the feed ends for {@code reason}; {@code lastSeq} is the last event the client was sent. */
  default String closing(StreamEnd reason, long lastSeq) {
    return "";
  }
}
