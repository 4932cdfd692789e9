package dev.agentbus.stream;

import io.vertx.core.json.JsonObject;

/**
 * Session events as WebSocket frames: {@code {"type": "event", "event": {...}}}. How the socket
 * closes is the transport's. Stateless: a live event's frame is built once and shared by every
 * subscriber on the event loop.
 */
public final class EventFrameFormat implements StreamFormat {
  private static final Object KEY = EventFrameFormat.class;

  @Override
  public String frames(JsonObject event) {
    return frames(new SharedEvent(event));
  }

  @Override
  public String frames(SharedEvent event) {
    return event.frames(KEY, e -> "{\"type\":\"event\",\"event\":" + e.encoded() + "}");
  }
}
