package dev.agentbus.engine;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/** STUB until the openai branch lands. */
public final class OpenAiModel implements Model {
  public OpenAiModel(Vertx vertx, JsonObject openai) {}

  @Override
  public Call call(ModelRequest request, Deltas deltas) {
    return new Call() {
      @Override
      public Future<ModelTurn> result() {
        return Future.failedFuture(new ModelError("not implemented", 0, false, -1));
      }

      @Override
      public void cancel() {}
    };
  }
}
