package dev.agentbus.stream;

import dev.agentbus.bus.EventTypes;
import dev.agentbus.bus.StreamEnd;
import io.vertx.core.json.JsonObject;

/**
 * One inference request as SSE ({@code GET /stream/{id}}): {@code event: start {request_id}}, then
 * {@code token {chunk, data}} per answer piece, then {@code complete {status: "done", result}} or
 * {@code error} (the error shape) — also when the stream broke off before the run ended; when the
 * node shuts down mid-run, {@code event: server.shutdown} with the resume cursor instead ({@link RunEvents#shutdown}).
 */
public final class InferSseFormat implements StreamFormat {
  private final String requestId;
  private int chunk;

  public InferSseFormat(String requestId) {
    this.requestId = requestId;
  }

  @Override
  public String opening() {
    return frame("start", new JsonObject().put("request_id", requestId));
  }

  @Override
  public String frames(JsonObject event) {
    if (EventTypes.ENGINE_TOKEN.equals(RunEvents.type(event))) {
      return frame("token", new JsonObject().put("chunk", chunk++).put("data", RunEvents.data(event).getString("text")));
    }
    if (!RunEvents.isFinal(event)) {
      return "";
    }
    return RunEvents.completed(event)
        ? frame("complete", new JsonObject().put("status", "done").put("result", RunEvents.answerOf(event)))
        : frame("error", RunEvents.error(event));
  }

  @Override
  public String closing(StreamEnd reason, long lastSeq) {
    if (reason == StreamEnd.FINISHED) {
      return "";
    }
    return reason == StreamEnd.SHUTDOWN
        ? RunEvents.shutdown("type", lastSeq, requestId, "/api/v1/stream/" + requestId)
        : frame("error", RunEvents.interrupted());
  }

  private static String frame(String event, JsonObject data) {
    return "event: " + event + "\ndata: " + data.encode() + "\n\n";
  }
}
