package dev.agentbus.command;

import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.EventTypes;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.function.Supplier;

/**
 * A long poll of one command from any node: listens to its session's events (so it works
 * wherever the command runs), then reads the store, and reads again once the command's final
 * event is seen or the wait is over.
 */
final class CommandWaiter {
  private CommandWaiter() {}

  static Future<JsonObject> awaitFinal(Vertx vertx, String sessionId, String commandId, long waitMs,
                                       Supplier<Future<JsonObject>> read) {
    Promise<Void> settled = Promise.promise();
    MessageConsumer<JsonObject> events = vertx.eventBus().consumer(Addresses.sessionEvents(sessionId), message -> {
      JsonObject event = message.body();
      if (CommandStatus.isFinalEventOf(event, commandId) || EventTypes.SESSION_DELETED.equals(event.getString("event_type"))) {
        settled.tryComplete();
      }
    });
    long timer = vertx.setTimer(waitMs, t -> settled.tryComplete());
    // Subscribe first, then read: a final event between the two cannot be missed.
    return events.completion()
        .compose(subscribed -> read.get())
        .compose(command -> CommandStatus.isFinal(command.getString("status"))
            ? Future.succeededFuture(command)
            : settled.future().compose(done -> read.get()))
        .onComplete(done -> {
          vertx.cancelTimer(timer);
          events.unregister();
        });
  }
}
