package dev.agentbus.handler;

import dev.agentbus.config.Settings;
import dev.agentbus.net.Webhook;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.json.JsonObject;
import java.util.function.Consumer;

/**
 * One attempt to deliver one stored event to one event handler. webhook: a signed POST ({@link
 * Webhook}) whose body is the event exactly as {@code GET /sessions/{id}/events/{event_id}} returns
 * it and whose {@code webhook-id} is {@link #webhookId} (the same for that handler and event on
 * every attempt and every node); any 2xx is a success, any other answer or none a failure. bus: a
 * clustered request to the address with the event as body; any reply is a success, a recipient
 * failure, {@code NO_HANDLERS} or a timeout a failure. Each attempt is bounded by the
 * registration's {@code timeout_ms}, else {@code handlers.timeout_ms}.
 */
final class EventDelivery {
  /** A failed attempt; {@code retryable} false when trying again cannot help (a refused URL, an oversized answer). */
  static final class Failed extends RuntimeException {
    final boolean retryable;

    Failed(String message, boolean retryable) {
      super(message, null, false, false);
      this.retryable = retryable;
    }
  }

  private final Vertx vertx;
  private final Webhook webhook;
  private final Settings.Handlers limits;

  EventDelivery(Vertx vertx, Webhook webhook, Settings.Handlers limits) {
    this.vertx = vertx;
    this.webhook = webhook;
    this.limits = limits;
  }

  Settings.Handlers limits() {
    return limits;
  }

  /** The {@code webhook-id} of a handler's delivery of an event. */
  static String webhookId(String handlerId, String eventId) {
    return handlerId + "_" + eventId;
  }

  /** Succeeds when the handler took the event; fails {@link Failed}. {@code inFlight} is told the HTTP request (null after). */
  Future<Void> attempt(JsonObject registration, JsonObject event, Consumer<HttpClientRequest> inFlight) {
    JsonObject handler = registration.getJsonObject("handler");
    long timeout = registration.getValue("timeout_ms") instanceof Number given ? given.longValue() : limits.timeoutMs();
    if ("webhook".equals(handler.getString("kind"))) {
      return webhook.post(handler.getString("url"), "handler.url", handler.getString("secret"),
              webhookId(registration.getString("handler_id"), event.getString("event_id")), event.encode(), timeout,
              limits.maxResponseBytes(), inFlight)
          .recover(failure -> Future.failedFuture(failure instanceof Webhook.Refused refused
              ? new Failed(refused.getMessage(), false) : new Failed(String.valueOf(failure.getMessage()), true)))
          .compose(answer -> answer.status() >= 200 && answer.status() < 300 ? Future.<Void>succeededFuture()
              : Future.failedFuture(new Failed("the webhook answered " + answer.status(), true)));
    }
    String address = handler.getString("address");
    return vertx.eventBus().request(address, event, new DeliveryOptions().setLocalOnly(false).setSendTimeout(timeout))
        .<Void>mapEmpty()
        .recover(failure -> Future.failedFuture(new Failed(failure instanceof ReplyException reply
            ? reply.failureType() == ReplyFailure.NO_HANDLERS ? "nobody serves bus address '" + address + "'"
            : reply.failureType() == ReplyFailure.TIMEOUT ? "no reply from bus address '" + address + "' within " + timeout + " ms"
            : "the bus handler failed: " + reply.getMessage()
            : String.valueOf(failure.getMessage()), true)));
  }
}
