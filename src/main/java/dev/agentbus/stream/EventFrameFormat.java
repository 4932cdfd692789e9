package dev.agentbus.stream;

import io.vertx.core.json.JsonObject;

/** Session events as WebSocket frames: {@code {"type": "event", "event": {...}}}. How the socket closes is the transport's. */
public final class EventFrameFormat implements StreamFormat {
  @Override
  public String frames(JsonObject event) {
    return new JsonObject().put("type", "event").put("event", event).encode();
  }
}
