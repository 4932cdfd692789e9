package dev.agentbus.engine;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/** An engine adapter: turns a prompt into a stream of {@code engine.*} events and a final result. */
public interface Engine {
  /** Where a run sends its events; the future completes once the event is durable. */
  interface Sink {
    Future<JsonObject> emit(String eventType, JsonObject data);
  }

  /** One run in progress. */
  interface Run {
    /** {@code {text, tokens}} once the run has ended and all its events are stored. */
    Future<JsonObject> result();

    /** Stops the run; its result fails with {@code why}. */
    void abort(dev.agentbus.bus.BusError why);
  }

  Run start(JsonObject engine, String prompt, Sink sink);
}
