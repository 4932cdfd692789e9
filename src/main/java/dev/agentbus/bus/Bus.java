package dev.agentbus.bus;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Helpers that keep every consumer and every request shaped the same way. */
public final class Bus {
  private static final Logger LOG = LoggerFactory.getLogger(Bus.class);

  private Bus() {}

  /**
   * Registers a request consumer whose handler returns a future reply. A {@link BusError}
   * fails the message with its code; anything else is logged with the request id and travels
   * as {@code INTERNAL_ERROR}, or {@code DATABASE_ERROR} for store failures.
   */
  public static MessageConsumer<JsonObject> serve(
      Vertx vertx, String address, BiFunction<JsonObject, MultiMap, Future<JsonObject>> handler) {
    return vertx.eventBus().consumer(address, message -> answer(message, handler));
  }

  /** Like {@link #serve} for a local-only consumer (not announced to the cluster). */
  public static MessageConsumer<JsonObject> serveLocal(
      Vertx vertx, String address, BiFunction<JsonObject, MultiMap, Future<JsonObject>> handler) {
    return vertx.eventBus().localConsumer(address, message -> answer(message, handler));
  }

  private static void answer(
      Message<JsonObject> message, BiFunction<JsonObject, MultiMap, Future<JsonObject>> handler) {
    Future<JsonObject> reply;
    try {
      JsonObject body = message.body() == null ? new JsonObject() : message.body();
      // the ids of the work, on every record it logs on this message's (duplicated) context
      dev.agentbus.log.LogContext.bind(message.headers(), body);
      reply = handler.apply(body, message.headers());
    } catch (RuntimeException e) {
      reply = Future.failedFuture(e);
    }
    reply.onSuccess(message::reply).onFailure(failure -> fail(message, failure));
  }

  public static void fail(Message<?> message, Throwable failure) {
    BusError error = BusError.from(failure, message.address(), message.headers().get(Headers.REQUEST_ID));
    message.fail(error.code().httpStatus(), error.toWire());
  }

  /**
   * {@code options} for a request whose reply may take a whole {@code ?wait} of {@code waitSeconds}:
   * the request outlives the wait (with 10 s to spare), whatever its timeout was.
   */
  public static DeliveryOptions outliving(DeliveryOptions options, long waitSeconds) {
    return options.setSendTimeout(Math.max(options.getSendTimeout(), waitSeconds * 1000 + 10_000));
  }

  /** Sends a request and unwraps the reply body; failures arrive as {@link io.vertx.core.eventbus.ReplyException}. */
  public static Future<JsonObject> request(Vertx vertx, String address, JsonObject body, DeliveryOptions options) {
    return vertx.eventBus().<JsonObject>request(address, body, options).map(Message::body);
  }

  public static Future<JsonObject> request(Vertx vertx, String address, JsonObject body, String requestId) {
    return request(vertx, address, body, withRequestId(requestId));
  }

  /**
   * Options for a request from agentbus's own code. Requests are <b>local only</b>: every node
   * runs every verticle, so the node that took the HTTP request serves it — no extra network hop,
   * and the load balancer's spread is the work's spread. Shared state lives in the store and in
   * Hazelcast; publishes (session events, aborts, deletions) still reach every node.
   */
  public static DeliveryOptions withRequestId(String requestId) {
    DeliveryOptions options = new DeliveryOptions().setLocalOnly(true);
    if (requestId != null) {
      options.addHeader(Headers.REQUEST_ID, requestId);
    }
    return options;
  }
}
