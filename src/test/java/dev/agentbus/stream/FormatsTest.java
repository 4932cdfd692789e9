package dev.agentbus.stream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.bus.StreamEnd;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Each wire format on its own: events in, frames out, no I/O. */
class FormatsTest {
  static final String SESSION = "ses_1";
  static final String RUN = "cmd_1";
  long seq;

  JsonObject event(String type, JsonObject data) {
    return new JsonObject().put("event_id", "evt_" + (seq + 1)).put("session_id", SESSION).put("seq", ++seq)
        .put("event_type", type).put("data", data).put("command_id", RUN);
  }

  JsonObject token(String text) {
    return event("engine.token", new JsonObject().put("text", text).put("channel", "content").put("index", 0));
  }

  JsonObject completed(String text) {
    return event("command.completed", new JsonObject().put("command_id", RUN).put("status", "completed")
        .put("result", new JsonObject().put("text", text).put("tokens", 2)));
  }

  JsonObject failed(String code) {
    return event("command.failed", new JsonObject().put("command_id", RUN).put("status", "failed")
        .put("error", new JsonObject().put("code", code).put("message", "boom").put("details", new JsonObject())));
  }

  JsonObject toolCall() {
    return event("engine.tool_call", new JsonObject().put("id", "call_1").put("name", "clock.now")
        .put("arguments", "{}").put("index", 0).put("iteration", 1));
  }

  /** The JSON of every {@code data:} line of SSE text. */
  static List<JsonObject> data(String sse) {
    List<JsonObject> out = new ArrayList<>();
    for (String block : sse.split("\n\n")) {
      for (String line : block.split("\n")) {
        if (line.startsWith("data: ")) {
          out.add(new JsonObject(line.substring(6)));
        }
      }
    }
    return out;
  }

  @Nested
  @DisplayName("session SSE")
  class SessionSse {
    SessionSseFormat format = new SessionSseFormat();

    @Test
    @DisplayName("opens with a retry hint and writes id = seq, event = type, data = the event")
    void frames() {
      JsonObject event = token("hi");
      assertThat(format.opening()).isEqualTo("retry: 2000\n\n");
      assertThat(format.frames(event)).isEqualTo("id: 1\nevent: engine.token\ndata: " + event.encode() + "\n\n");
    }

    @Test
    @DisplayName("a broken-off stream ends with an error event carrying the resume point; a finished one with nothing")
    void closing() {
      assertThat(format.closing(StreamEnd.FINISHED, 7)).isEmpty();
      assertThat(format.closing(StreamEnd.SESSION_DELETED, 7)).isEmpty();
      String error = format.closing(StreamEnd.ERROR, 7);
      assertThat(error).startsWith("event: error\n");
      JsonObject body = data(error).get(0).getJsonObject("error");
      assertThat(body.getString("code")).isEqualTo("SERVICE_UNAVAILABLE");
      assertThat(body.getJsonObject("details").getLong("last_seq")).isEqualTo(7L);
    }
  }

  @Nested
  @DisplayName("chat")
  class Chat {
    ChatFormat format = new ChatFormat(RUN, SESSION, 1000L);

    @Test
    @DisplayName("init_stream, message deltas, tool_call with its arguments as text, then end_stream success")
    void success() {
      assertThat(data(format.opening())).containsExactly(new JsonObject().put("type", "init_stream")
          .put("run_id", RUN).put("thread_id", SESSION).put("timestamp", 1000L));
      assertThat(data(format.frames(token("Echo"))).get(0)).isEqualTo(new JsonObject().put("type", "message").put("content", "Echo"));
      assertThat(data(format.frames(toolCall())).get(0).getString("arguments")).isEqualTo("{}");
      assertThat(format.frames(event("engine.usage", new JsonObject()))).isEmpty();
      List<JsonObject> end = data(format.frames(completed("Echo")));
      assertThat(end).extracting(f -> f.getString("type")).containsExactly("end_stream");
      assertThat(end.get(0).getString("status")).isEqualTo("success");
      assertThat(format.closing(StreamEnd.FINISHED, seq)).isEmpty();
    }

    @Test
    @DisplayName("a failed run sends one error (the error shape in the frame) then end_stream error")
    void failure() {
      JsonObject engineError = new JsonObject().put("code", "LLM_ERROR").put("message", "boom").put("details", new JsonObject());
      assertThat(data(format.frames(event("engine.error", engineError)))).containsExactly(engineError.copy().put("type", "error"));
      List<JsonObject> end = data(format.frames(failed("LLM_ERROR")));
      assertThat(end).extracting(f -> f.getString("type")).containsExactly("end_stream");
      assertThat(end.get(0).getString("status")).isEqualTo("error");
    }

    @Test
    @DisplayName("a stream broken off before the run ended still sends error and end_stream")
    void brokenOff() {
      List<JsonObject> closing = data(format.closing(StreamEnd.ERROR, 3));
      assertThat(closing).extracting(f -> f.getString("type")).containsExactly("error", "end_stream");
      assertThat(closing.get(0).getString("code")).isEqualTo("SERVICE_UNAVAILABLE");
    }
  }

  @Nested
  @DisplayName("infer SSE")
  class InferSse {
    InferSseFormat format = new InferSseFormat(RUN);

    @Test
    @DisplayName("start, numbered tokens, then complete with the answer text")
    void success() {
      assertThat(format.opening()).isEqualTo("event: start\ndata: {\"request_id\":\"" + RUN + "\"}\n\n");
      assertThat(format.frames(token("a"))).isEqualTo("event: token\ndata: {\"chunk\":0,\"data\":\"a\"}\n\n");
      assertThat(format.frames(token("b"))).contains("\"chunk\":1");
      assertThat(format.frames(completed("ab"))).isEqualTo("event: complete\ndata: {\"status\":\"done\",\"result\":\"ab\"}\n\n");
    }

    @Test
    @DisplayName("a failed run and a broken-off stream both end with an error event in the error shape")
    void errors() {
      assertThat(data(format.frames(failed("TIMEOUT"))).get(0).getString("code")).isEqualTo("TIMEOUT");
      assertThat(format.closing(StreamEnd.ERROR, 1)).startsWith("event: error\n");
      assertThat(format.closing(StreamEnd.FINISHED, 1)).isEmpty();
    }
  }

  @Nested
  @DisplayName("infer WebSocket")
  class InferSocket {
    @Test
    @DisplayName("token frames (unless tokens are off) then a result frame, each with the request id")
    void frames() {
      InferSocketFormat format = new InferSocketFormat(RUN, true);
      assertThat(new JsonObject(format.frames(token("a")))).isEqualTo(new JsonObject().put("type", "token")
          .put("request_id", RUN).put("chunk", 0).put("data", "a"));
      assertThat(new JsonObject(format.frames(completed("a")))).isEqualTo(new JsonObject().put("type", "result")
          .put("request_id", RUN).put("status", "completed").put("result", "a"));
      assertThat(new InferSocketFormat(RUN, false).frames(token("a"))).isEmpty();
    }

    @Test
    @DisplayName("a failed run is an error frame with the command's error")
    void failure() {
      JsonObject frame = new JsonObject(new InferSocketFormat(RUN, true).frames(failed("LLM_ERROR")));
      assertThat(frame.getString("type")).isEqualTo("error");
      assertThat(frame.getJsonObject("error").getString("code")).isEqualTo("LLM_ERROR");
      assertThat(new JsonObject(new InferSocketFormat(RUN, true).closing(StreamEnd.ERROR, 1))
          .getJsonObject("error").getString("code")).isEqualTo("SERVICE_UNAVAILABLE");
    }
  }

  @Nested
  @DisplayName("semantic stream")
  class Semantic {
    @Test
    @DisplayName("tool_start, route_decision tools before the first final token, then complete with stats")
    void withTools() {
      SemanticFormat format = new SemanticFormat(RUN, "conv", "s1", System.currentTimeMillis());
      assertThat(format.opening()).isEqualTo(": run " + RUN + "\n\n");
      assertThat(data(format.frames(toolCall()))).containsExactly(new JsonObject().put("event", "tool_start").put("tool", "clock.now"));
      assertThat(data(format.frames(token("a")))).extracting(f -> f.getString("event")).containsExactly("route_decision", "token");
      assertThat(data(format.frames(token("b")))).extracting(f -> f.getString("event")).containsExactly("token");
      JsonObject complete = data(format.frames(completed("ab"))).get(0);
      assertThat(complete.getString("event")).isEqualTo("complete");
      assertThat(complete.getJsonObject("stats").getInteger("tool_calls")).isEqualTo(1);
      assertThat(complete.getJsonObject("stats").getString("conversation_id")).isEqualTo("conv");
    }

    @Test
    @DisplayName("a run without tools routes direct; an error is sent once")
    void directAndError() {
      SemanticFormat format = new SemanticFormat(RUN, "conv", "s1", 0);
      assertThat(data(format.frames(token("a"))).get(0).getString("route")).isEqualTo("direct");
      assertThat(data(format.frames(failed("LLM_ERROR"))).get(0).getString("code")).isEqualTo("LLM_ERROR");
      assertThat(format.closing(StreamEnd.ERROR, 1)).isEmpty();
    }
  }

  @Test
  @DisplayName("a run stream whose node shuts down ends with server.shutdown: the cursor as id and in the data, the run and"
      + " where it resumes; chat and infer name it in type, the semantic stream in event; no error is sent")
  void runStreamsOnShutdown() {
    String chat = new ChatFormat(RUN, SESSION, 0).closing(StreamEnd.SHUTDOWN, 9);
    String infer = new InferSseFormat(RUN).closing(StreamEnd.SHUTDOWN, 9);
    String semantic = new SemanticFormat(RUN, "conv", SESSION, 0).closing(StreamEnd.SHUTDOWN, 9);
    String commandStream = "/api/v1/sessions/" + SESSION + "/commands/" + RUN + "/stream";
    for (String closing : List.of(chat, infer, semantic)) {
      assertThat(closing).startsWith("id: 9\nevent: server.shutdown\n");
      assertThat(data(closing)).hasSize(1);
      JsonObject data = data(closing).get(0);
      assertThat(data.getString("reason")).isEqualTo("shutdown");
      assertThat(data.getLong("resume_after_seq")).isEqualTo(9);
      assertThat(data.getString("run_id")).isEqualTo(RUN);
    }
    assertThat(data(chat).get(0).getString("type")).isEqualTo("server.shutdown");
    assertThat(data(chat).get(0).getString("resume")).isEqualTo(commandStream);
    assertThat(data(infer).get(0).getString("type")).isEqualTo("server.shutdown");
    assertThat(data(infer).get(0).getString("resume")).isEqualTo("/api/v1/stream/" + RUN);
    assertThat(data(semantic).get(0).getString("event")).isEqualTo("server.shutdown");
    assertThat(data(semantic).get(0).getString("resume")).isEqualTo(commandStream);
  }

  @Test
  @DisplayName("WebSocket event frames wrap the event")
  void eventFrames() {
    JsonObject event = token("x");
    assertThat(new JsonObject(new EventFrameFormat().frames(event)))
        .isEqualTo(new JsonObject().put("type", "event").put("event", event));
  }
}
