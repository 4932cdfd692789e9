package dev.agentbus.engine;

import dev.agentbus.bus.BusError;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * The offline, deterministic engine: answers {@code "Echo: <prompt>"} (or its configured
 * {@code response}) one word per {@code engine.token}, {@code token_delay_ms} apart, then one
 * {@code engine.message}.
 */
final class DummyEngine implements Engine {
  private final Vertx vertx;
  private final long defaultDelayMs;

  DummyEngine(Vertx vertx, long defaultDelayMs) {
    this.vertx = vertx;
    this.defaultDelayMs = defaultDelayMs;
  }

  static List<String> tokenize(String text) {
    List<String> tokens = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < text.length(); i++) {
      if (text.charAt(i) == ' ') {
        tokens.add(text.substring(start, i + 1));
        start = i + 1;
      }
    }
    if (start < text.length()) {
      tokens.add(text.substring(start));
    }
    return tokens;
  }

  @Override
  public Run start(JsonObject engine, String prompt, Sink sink) {
    JsonObject configuration = engine.getJsonObject("configuration", new JsonObject());
    String text = configuration.getString("response", "Echo: " + prompt);
    long delay = configuration.getLong("token_delay_ms", defaultDelayMs);
    DummyRun run = new DummyRun(tokenize(text), text, delay, sink);
    run.next(0);
    return run;
  }

  private final class DummyRun implements Run {
    private final List<String> tokens;
    private final String text;
    private final long delayMs;
    private final Sink sink;
    private final Promise<JsonObject> result = Promise.promise();
    private final List<Future<JsonObject>> emitted = new ArrayList<>();
    private long timer = -1;

    DummyRun(List<String> tokens, String text, long delayMs, Sink sink) {
      this.tokens = tokens;
      this.text = text;
      this.delayMs = delayMs;
      this.sink = sink;
    }

    void next(int index) {
      if (result.future().isComplete()) {
        return;
      }
      if (index == tokens.size()) {
        Future.all(emitted)
            .compose(stored -> sink.emit("engine.message", new JsonObject().put("role", "assistant").put("content", text)))
            .onSuccess(message -> result.tryComplete(new JsonObject().put("text", text).put("tokens", tokens.size())))
            .onFailure(result::tryFail);
        return;
      }
      emitted.add(sink.emit("engine.token", new JsonObject().put("text", tokens.get(index)).put("channel", "content").put("index", index)));
      if (delayMs <= 0) {
        next(index + 1);
      } else {
        timer = vertx.setTimer(delayMs, t -> next(index + 1));
      }
    }

    @Override
    public Future<JsonObject> result() {
      return result.future();
    }

    @Override
    public void abort(BusError why) {
      vertx.cancelTimer(timer);
      result.tryFail(why);
    }
  }
}
