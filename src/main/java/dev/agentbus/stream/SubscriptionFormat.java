package dev.agentbus.stream;

import dev.agentbus.bus.StreamEnd;
import io.vertx.core.json.JsonObject;

/**
 * One subscription on the multiplexed {@code WS /ws}: each event as {@code {"type": "event", "event":
 * {...}}} (the frame the per-session socket sends, built once per event and shared), and, when the
 * subscription ends without the client asking, {@code {"type": "unsubscribed", session_id, reason,
 * resume_after_seq}} — {@code reason} {@code shutdown} (the node stops; subscribe again elsewhere with
 * {@code after_seq = resume_after_seq}), {@code too_slow}, {@code session_deleted} or {@code
 * interrupted} (a store read failed).
 */
public final class SubscriptionFormat implements StreamFormat {
  private final EventFrameFormat events = new EventFrameFormat();
  private final String sessionId;

  public SubscriptionFormat(String sessionId) {
    this.sessionId = sessionId;
  }

  @Override
  public String frames(JsonObject event) {
    return events.frames(event);
  }

  @Override
  public String frames(SharedEvent event) {
    return events.frames(event);
  }

  @Override
  public String closing(StreamEnd reason, long lastSeq) {
    return switch (reason) {
      case SHUTDOWN -> ended("shutdown", lastSeq);
      case SESSION_DELETED -> ended("session_deleted", lastSeq);
      case ERROR -> ended("interrupted", lastSeq);
      default -> "";
    };
  }

  /** The frame that tells the client a subscription is over, and where to resume it. */
  public String ended(String reason, long lastSeq) {
    return new JsonObject().put("type", "unsubscribed").put("session_id", sessionId).put("reason", reason)
        .put("resume_after_seq", lastSeq).encode();
  }
}
