package dev.agentbus.stream;

import dev.agentbus.bus.EventTypes;
import dev.agentbus.bus.StreamEnd;
import io.vertx.core.json.JsonObject;

/**
 * One inference request on {@code WS /ws}, several of which share a socket: {@code {type: "token",
 * request_id, chunk, data}} per answer piece (unless tokens are off), then {@code {type: "result",
 * request_id, status: "completed", result}} or {@code {type: "error", request_id, error}} — also when
 * the stream broke off before the run ended.
 */
public final class InferSocketFormat implements StreamFormat {
  private final String requestId;
  private final boolean tokens;
  private int chunk;

  public InferSocketFormat(String requestId, boolean tokens) {
    this.requestId = requestId;
    this.tokens = tokens;
  }

  @Override
  public String frames(JsonObject event) {
    if (EventTypes.ENGINE_TOKEN.equals(RunEvents.type(event))) {
      return !tokens ? "" : frame("token").put("chunk", chunk++).put("data", RunEvents.data(event).getString("text")).encode();
    }
    if (!RunEvents.isFinal(event)) {
      return "";
    }
    return RunEvents.completed(event)
        ? frame("result").put("status", "completed").put("result", RunEvents.answerOf(event)).encode()
        : frame("error").put("error", RunEvents.error(event)).encode();
  }

  @Override
  public String closing(StreamEnd reason, long lastSeq) {
    return reason == StreamEnd.FINISHED ? "" : frame("error").put("error", RunEvents.interrupted()).encode();
  }

  private JsonObject frame(String type) {
    return new JsonObject().put("type", type).put("request_id", requestId);
  }
}
