package dev.agentbus.command;

import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.Bus;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;

/**
 * A command type handled from outside (a registered webhook or bus handler): the handler verticle
 * delivers the command ({@link Addresses#HANDLER_DELIVER}) and answers {@code {result}} or {@code
 * {error}} once it is known, which becomes {@code completed} or {@code failed} with that error. The
 * scheduler's deadline timer makes it {@code timed_out} when nothing came in time.
 */
final class RegisteredHandler implements CommandHandler {
  static final RegisteredHandler INSTANCE = new RegisteredHandler();
  /** The delivery answers a little after the deadline; the request outlives that. */
  private static final long SPARE_MS = 5_000;

  private RegisteredHandler() {}

  @Override
  public Future<JsonObject> execute(Context context) {
    long timeout = Math.max(1, context.deadline() - System.currentTimeMillis()) + SPARE_MS;
    DeliveryOptions options = Bus.withRequestId(context.requestId()).setSendTimeout(timeout);
    return Bus.request(context.vertx(), Addresses.HANDLER_DELIVER, new JsonObject().put("command", context.command()), options)
        .compose(reply -> reply.getValue("error") instanceof JsonObject error ? Future.failedFuture(new Failure(error))
            : Future.succeededFuture(reply.getJsonObject("result")));
  }
}
