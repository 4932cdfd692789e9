package dev.agentbus.stream;

import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.bus.StreamEnd;
import io.vertx.core.json.JsonObject;

/**
 * Session events as SSE, for a whole session ({@code /events/sse}) or one command ({@code
 * /commands/{cid}/stream}, {@code /engines/{id}/execute}): a {@code retry: 2000} hint first, then per
 * event {@code id:} = seq, {@code event:} = the event type, {@code data:} = the event. A stream whose
 * store read failed ends with {@code event: error}, its {@code details.last_seq} the resume point
 * ({@code Last-Event-ID}); one whose node shuts down ends with {@code event: server.shutdown} ({@link #shutdown}).
 */
public final class SessionSseFormat implements StreamFormat {
  /** The SSE event type of the block that ends a stream when its node shuts down. */
  public static final String SHUTDOWN_EVENT = "server.shutdown";

  @Override
  public String opening() {
    return "retry: 2000\n\n";
  }

  @Override
  public String frames(JsonObject event) {
    return frames(new SharedEvent(event));
  }

  /** Stateless: a live event's block is built once and shared by every subscriber on the event loop. */
  @Override
  public String frames(SharedEvent event) {
    return event.frames(SessionSseFormat.class, e -> "id: " + e.seq() + "\nevent: " + e.json().getString("event_type")
        + "\ndata: " + e.encoded() + "\n\n");
  }

  @Override
  public String closing(StreamEnd reason, long lastSeq) {
    if (reason == StreamEnd.SHUTDOWN) {
      return shutdown(lastSeq);
    }
    if (reason != StreamEnd.ERROR) {
      return "";
    }
    BusError error = new BusError(ErrorCode.SERVICE_UNAVAILABLE, "Stream interrupted; resume with Last-Event-ID",
        new JsonObject().put("last_seq", lastSeq));
    return "event: error\ndata: " + new JsonObject().put("error", error.toJson()).encode() + "\n\n";
  }

  /**
   * The last block of a stream whose node shuts down: {@code event: server.shutdown} with the resume
   * cursor, its {@code id:} the last seq sent, so a client reconnecting with {@code Last-Event-ID}
   * (to another node) misses nothing and gets nothing twice.
   */
  public static String shutdown(long lastSeq) {
    return shutdown(lastSeq, new JsonObject());
  }

  /**
   * The same block with {@code extra} fields in its data (a run stream's own type field, its run
   * id and the path that resumes it), for clients that read only {@code data:} lines.
   */
  public static String shutdown(long lastSeq, JsonObject extra) {
    JsonObject data = extra.copy().put("reason", "shutdown").put("resume_after_seq", lastSeq);
    return "id: " + lastSeq + "\nevent: " + SHUTDOWN_EVENT + "\ndata: " + data.encode() + "\n\n";
  }
}
