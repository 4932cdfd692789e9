package dev.agentbus.stream;

import io.vertx.core.json.JsonObject;

/**
 * The limits of client streams ({@code streams.*}): frames queued beyond a full socket, the
 * socket's own write queue, the keep-alive period, the replay page and the streams per node.
 */
public record StreamSettings(int maxQueuedFrames, int writeQueueMaxBytes, long keepaliveMs, int replayPage,
                             int maxConnections) {
  /** WebSocket pings, so idle sockets survive proxies and dead peers are noticed. */
  static final long PING_MS = 15_000;

  public static StreamSettings from(JsonObject streams) {
    return new StreamSettings(streams.getInteger("max_queued_frames"), streams.getInteger("write_queue_max_bytes"),
        streams.getLong("keepalive_ms"), streams.getInteger("replay_page"), streams.getInteger("max_connections"));
  }
}
