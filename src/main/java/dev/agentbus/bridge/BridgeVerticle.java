package dev.agentbus.bridge;

import dev.agentbus.auth.Tenancy;
import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.Bus;
import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.bus.Headers;
import dev.agentbus.config.Settings;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * The inbound addresses of the SockJS bridge: {@link Addresses#BRIDGE_COMMAND} submits a command
 * ({@link Addresses#COMMAND_SUBMIT}) and {@link Addresses#BRIDGE_PUBLISH} publishes a client event
 * ({@link Addresses#EVENT_PUBLISH}), each for the principal the bridge put on the message ({@link
 * Headers#PRINCIPAL}; a message without one is refused {@code UNAUTHENTICATED}), so tenancy, the
 * session check and the reply are exactly REST's. The bridge has validated the body like REST; a
 * message it refused carries the error ({@link Headers#REFUSED}) and fails with it here, so the
 * client's reply handler gets the code. Only the documented fields are passed on.
 */
public class BridgeVerticle extends VerticleBase {
  private static final List<String> COMMAND = List.of("session_id", "command_type", "parameters", "metadata");
  private static final List<String> EVENT = List.of("session_id", "event_type", "data", "metadata");

  private long timeoutMs;

  @Override
  public Future<?> start() {
    timeoutMs = Settings.of(config()).http().requestTimeoutMs();
    MessageConsumer<Object> commands = vertx.eventBus().consumer(Addresses.BRIDGE_COMMAND,
        message -> forward(message, Addresses.COMMAND_SUBMIT, COMMAND, new JsonObject().put("wait_seconds", 0)));
    MessageConsumer<Object> events = vertx.eventBus().consumer(Addresses.BRIDGE_PUBLISH,
        message -> forward(message, Addresses.EVENT_PUBLISH, EVENT, new JsonObject()));
    return Future.all(commands.completion(), events.completion());
  }

  private void forward(Message<Object> message, String address, List<String> fields, JsonObject request) {
    String refused = message.headers().get(Headers.REFUSED);
    if (refused != null) {
      Bus.fail(message, refusal(refused));
      return;
    }
    if (Tenancy.requester(message.headers()) == null) {
      Bus.fail(message, new BusError(ErrorCode.UNAUTHENTICATED, "A bridge request must carry the principal it acts for"));
      return;
    }
    if (!(message.body() instanceof JsonObject body)) {
      Bus.fail(message, BusError.invalid("body", "must be a JSON object"));
      return;
    }
    fields.forEach(field -> {
      if (body.containsKey(field)) {
        request.put(field, body.getValue(field));
      }
    });
    DeliveryOptions options = Tenancy.onBehalf(message.headers(), Bus.withRequestId(null)).setSendTimeout(timeoutMs);
    Bus.request(vertx, address, request, options)
        .onSuccess(message::reply)
        .onFailure(failure -> Bus.fail(message, failure));
  }

  /** The error the bridge put on a message it refused (anything unreadable is the bridge's own fault). */
  private static BusError refusal(String wire) {
    try {
      return BusError.fromJson(new JsonObject(wire));
    } catch (RuntimeException unreadable) {
      return new BusError(ErrorCode.INTERNAL_ERROR, "Internal error");
    }
  }
}
