package dev.agentbus.handler;

import dev.agentbus.util.Retry;
import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.config.Settings;
import dev.agentbus.net.Signatures;
import dev.agentbus.net.UrlGuard;
import dev.agentbus.net.Webhook;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.regex.Pattern;

/**
 * One command's delivery to its registered handler, on the handler verticle's context: attempts
 * with exponential backoff and jitter until an outcome, the command's deadline, or {@code
 * handlers.max_attempts}. Its future is the {@link Addresses#HANDLER_DELIVER} reply, {@code {result}}
 * or {@code {error}}. At the deadline it answers {@code TIMEOUT} a little late, so the command's own
 * timer makes it {@code timed_out} first.
 *
 * <p>webhook: a signed POST (Standard Webhooks; {@code webhook-id} is the command id on every
 * attempt), no redirects, the URL re-checked by {@link UrlGuard} before every attempt, each attempt
 * bounded by its timeout and the response body by {@code handlers.max_response_bytes} ({@link Webhook}). A 2xx {@code
 * {result}} or {@code {error}} is the outcome; 202 waits for the callback (whose consumer is
 * registered before the first attempt, so a callback may even beat the 202); 408, 429, 5xx,
 * timeouts and connection failures are retried; any other status fails {@code HANDLER_FAILED}.
 *
 * <p>bus: a clustered request to the address with the command as body and the remaining time as
 * timeout; the reply body is the result, a {@code RECIPIENT_FAILURE} the error. Nobody there ({@code
 * NO_HANDLERS}) or a worker gone before answering (a recipient failure coded {@code
 * HANDLER_UNAVAILABLE}: the TCP bridge fails a disconnected worker's requests so) is retried until
 * the deadline — {@code handlers.max_attempts} does not apply, the backoff is capped at {@link
 * #BUS_RETRY_MAX_MS} (so a worker that comes back is found soon), the last attempt is {@link
 * #BUS_LAST_TRY_MS} before the deadline — then the command fails {@code HANDLER_UNAVAILABLE}.
 */
final class Delivery {
  /** How long after the deadline a delivery that ran out of time answers (the command's timer is first). */
  static final long GRACE_MS = 1_000;
  private static final Pattern CODE = Pattern.compile("[A-Z][A-Z0-9_]{0,63}");
  /** The longest wait between two attempts of a bus delivery (below {@code handlers.retry_max_ms} if that is lower). */
  static final long BUS_RETRY_MAX_MS = 5_000;
  /** How long before the deadline a bus delivery makes its last attempt. */
  static final long BUS_LAST_TRY_MS = 250;

  /** What a delivery needs from its verticle. */
  record Needs(Vertx vertx, Webhook webhook, Settings.Handlers limits, String callbackBaseUrl, byte[] callbackKey) {}

  /** A failed attempt worth another one. */
  private static final class Retryable extends RuntimeException {
    Retryable(String message) {
      super(message, null, false, false);
    }
  }

  /** A failed attempt not worth another one: the handler refused, or broke the protocol. */
  private static final class Refused extends RuntimeException {
    Refused(String message) {
      super(message, null, false, false);
    }
  }

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Delivery.class);

  private final Needs needs;
  private final JsonObject command;
  private final JsonObject registration;
  private final String commandId;
  private final long deadline;
  private final Promise<JsonObject> done = Promise.promise();
  private long retryTimer = -1;
  private long deadlineTimer = -1;
  private MessageConsumer<JsonObject> callback;
  private HttpClientRequest inFlight;

  Delivery(Needs needs, JsonObject command, JsonObject registration) {
    this.needs = needs;
    this.command = command;
    this.registration = registration;
    this.commandId = command.getString("_id");
    this.deadline = command.getLong("deadline_ms");
  }

  String commandId() {
    return commandId;
  }

  Future<JsonObject> start() {
    Vertx vertx = needs.vertx();
    deadlineTimer = vertx.setTimer(Math.max(1, deadline - System.currentTimeMillis()) + GRACE_MS,
        t -> finish(error(ErrorCode.TIMEOUT.name(), "The handler did not answer before the command's deadline", null)));
    if (isWebhook()) {
      callback = vertx.eventBus().consumer(Addresses.handlerCallback(commandId), this::called);
      callback.completion().onComplete(registered -> attempt(1));
    } else {
      attempt(1);
    }
    return done.future();
  }

  /** The command was finished elsewhere (cancelled, timed out): stop. */
  void abort() {
    finish(error(ErrorCode.CANCELLED.name(), "The command was finished before its handler answered", null));
  }

  private boolean isWebhook() {
    return "webhook".equals(registration.getJsonObject("handler").getString("kind"));
  }

  private void finish(JsonObject reply) {
    if (!done.tryComplete(reply)) {
      return;
    }
    needs.vertx().cancelTimer(retryTimer);
    needs.vertx().cancelTimer(deadlineTimer);
    if (callback != null) {
      callback.unregister();
    }
    if (inFlight != null) {
      inFlight.reset();
    }
  }

  private void attempt(int attempt) {
    if (done.future().isComplete()) {
      return;
    }
    Future<JsonObject> step;
    try {
      step = isWebhook() ? webhook() : bus();
    } catch (RuntimeException e) {
      step = Future.failedFuture(e);
    }
    step.onComplete(outcome -> {
      if (outcome.succeeded()) {
        if (outcome.result() != null) {
          finish(outcome.result());
        }
        return; // null: waiting for a callback, or for the deadline
      }
      Throwable failure = outcome.cause();
      if (failure instanceof Refused) {
        finish(error(ErrorCode.HANDLER_FAILED.name(), failure.getMessage(), null));
        return;
      }
      if (!(failure instanceof Retryable)) {
        LOG.error("delivering command {} failed unexpectedly", commandId, failure);
        finish(error(ErrorCode.INTERNAL_ERROR.name(), "Internal error while delivering the command", null));
        return;
      }
      if (!isWebhook()) {
        retryBus(attempt, failure.getMessage());
        return;
      }
      long delay = backoff(attempt);
      boolean exhausted = attempt >= needs.limits().maxAttempts();
      boolean tooLate = System.currentTimeMillis() + delay >= deadline;
      if (exhausted) {
        finish(error(ErrorCode.HANDLER_FAILED.name(), "The webhook failed " + attempt + " attempts; last: " + failure.getMessage(),
            new JsonObject().put("attempts", attempt)));
      } else if (!tooLate) {
        retryTimer = needs.vertx().setTimer(delay, t -> attempt(attempt + 1));
      } // else: no retry fits before the deadline, which times the command out
    });
  }

  /** Another bus attempt after a capped backoff, the last one {@link #BUS_LAST_TRY_MS} before the deadline; then {@code HANDLER_UNAVAILABLE}. */
  private void retryBus(int attempt, String lastFailure) {
    long remaining = deadline - System.currentTimeMillis();
    if (remaining <= BUS_LAST_TRY_MS) {
      finish(error(ErrorCode.HANDLER_UNAVAILABLE.name(), "Nobody served bus address '" + address() + "' in "
          + attempt + " attempts before the command's deadline (last: " + lastFailure + ")",
          new JsonObject().put("address", address()).put("attempts", attempt)));
      return;
    }
    long delay = Retry.jitteredBackoff(needs.limits().retryBaseMs(), Math.min(needs.limits().retryMaxMs(), BUS_RETRY_MAX_MS), attempt - 1);
    retryTimer = needs.vertx().setTimer(Math.max(1, Math.min(delay, remaining - BUS_LAST_TRY_MS)), t -> attempt(attempt + 1));
  }

  /** Exponential from {@code retry_base_ms}, doubling, capped at {@code retry_max_ms}, jittered ({@link Retry#jitteredBackoff}). */
  private long backoff(int attempt) {
    return Retry.jitteredBackoff(needs.limits().retryBaseMs(), needs.limits().retryMaxMs(), attempt - 1);
  }

  // ---- bus ----

  private String address() {
    return registration.getJsonObject("handler").getString("address");
  }

  private Future<JsonObject> bus() {
    long remaining = deadline - System.currentTimeMillis();
    if (remaining <= 0) {
      return Future.succeededFuture();
    }
    DeliveryOptions options = new DeliveryOptions().setLocalOnly(false).setSendTimeout(remaining);
    return needs.vertx().eventBus().<Object>request(address(), payload(false), options)
        .map(reply -> result(reply.body()))
        .recover(failure -> {
          if (failure instanceof ReplyException reply) {
            if (reply.failureType() == ReplyFailure.NO_HANDLERS) {
              return Future.failedFuture(new Retryable("no consumer at " + address()));
            }
            if (reply.failureType() == ReplyFailure.TIMEOUT) {
              return Future.succeededFuture(); // the deadline passed
            }
            JsonObject failed = recipientFailure(reply);
            if (ErrorCode.HANDLER_UNAVAILABLE.name().equals(failed.getJsonObject("error").getString("code"))) {
              return Future.failedFuture(new Retryable(failed.getJsonObject("error").getString("message")));
            }
            return Future.succeededFuture(failed);
          }
          return Future.failedFuture(new Retryable(String.valueOf(failure.getMessage())));
        });
  }

  /** A consumer's {@code message.fail(code, message)}: our own error JSON keeps its code, anything else is {@code HANDLER_FAILED}. */
  private static JsonObject recipientFailure(ReplyException reply) {
    String message = reply.getMessage();
    if (message != null && message.startsWith("{")) {
      try {
        return errorFrom(new JsonObject(message));
      } catch (RuntimeException notJson) {
        // a plain message
      }
    }
    return error(ErrorCode.HANDLER_FAILED.name(), message == null ? "The bus handler failed" : message,
        new JsonObject().put("failure_code", reply.failureCode()));
  }

  // ---- webhook ----

  private Future<JsonObject> webhook() {
    long remaining = deadline - System.currentTimeMillis();
    if (remaining <= 0) {
      return Future.succeededFuture();
    }
    long timeout = Math.min(remaining, registration.getValue("timeout_ms") instanceof Number given
        ? given.longValue() : needs.limits().timeoutMs());
    JsonObject handler = registration.getJsonObject("handler");
    return needs.webhook().post(handler.getString("url"), "handler.url", handler.getString("secret"), commandId,
            payload(true).encode(), timeout, needs.limits().maxResponseBytes(), request -> inFlight = request)
        .recover(failure -> Future.failedFuture(failure instanceof Webhook.Refused refused
            ? new Refused("The webhook failed: " + refused.getMessage())
            : failure instanceof Webhook.Retryable retryable ? new Retryable(retryable.getMessage()) : failure))
        .map(answer -> answer(answer.status(), answer.body()));
  }

  /** The outcome of one answer (null: 202, the callback will tell); throws for a failed attempt. */
  private static JsonObject answer(int status, Buffer content) {
    if (status == 202) {
      return null;
    }
    if (status == 408 || status == 429 || status >= 500) {
      throw new Retryable("the webhook answered " + status);
    }
    if (status < 200 || status >= 300) {
      throw new Refused("The webhook answered " + status);
    }
    JsonObject body;
    try {
      body = content.toJsonObject();
    } catch (RuntimeException e) {
      throw new Refused("The webhook answered " + status + " without a JSON object");
    }
    if (body != null && body.getValue("error") instanceof JsonObject error) {
      return errorFrom(error);
    }
    if (body == null || !body.containsKey("result")) {
      throw new Refused("The webhook answered " + status + " without 'result' or 'error'");
    }
    return result(body.getValue("result"));
  }

  /** {@link Addresses#handlerCallback}: the asynchronous answer, already authorised by the node that took it. */
  private void called(Message<JsonObject> message) {
    JsonObject body = message.body();
    message.reply(new JsonObject().put("accepted", !done.future().isComplete()));
    finish(body.getValue("error") instanceof JsonObject error ? errorFrom(error) : result(body.getValue("result")));
  }

  /** What the handler receives: the command, its deadline and (webhooks) where and how to call back. */
  private JsonObject payload(boolean withCallback) {
    JsonObject payload = new JsonObject()
        .put("command_id", commandId)
        .put("session_id", command.getString("session_id"))
        .put("command_type", command.getString("command_type"))
        .put("parameters", command.getJsonObject("parameters", new JsonObject()))
        .put("metadata", command.getJsonObject("metadata", new JsonObject()))
        .put("deadline", Instant.ofEpochMilli(deadline).toString());
    if (withCallback) {
      payload.put("callback", new JsonObject()
          .put("url", needs.callbackBaseUrl() + "/api/v1/sessions/" + command.getString("session_id")
              + "/commands/" + commandId + "/result")
          .put("token", Signatures.callbackToken(needs.callbackKey(), commandId, deadline)));
    }
    return payload;
  }

  /** A result: a JSON object as is, any other value as {@code {value}}. */
  static JsonObject result(Object value) {
    return new JsonObject().put("result", value == null || value instanceof JsonObject ? value : new JsonObject().put("value", value));
  }

  /** A handler's {@code {code, message, details?}}: an UPPER_SNAKE code is kept, any other is {@code HANDLER_FAILED}. */
  static JsonObject errorFrom(JsonObject given) {
    String code = given.getValue("code") instanceof String c && CODE.matcher(c).matches() ? c : ErrorCode.HANDLER_FAILED.name();
    String message = given.getValue("message") instanceof String m && !m.isBlank()
        ? m.substring(0, Math.min(m.length(), 2000)) : "The handler reported an error";
    return error(code, message, given.getValue("details") instanceof JsonObject d ? d : null);
  }

  private static JsonObject error(String code, String message, JsonObject details) {
    return new JsonObject().put("error", new JsonObject().put("code", code).put("message", message)
        .put("details", details == null ? new JsonObject() : details));
  }
}
