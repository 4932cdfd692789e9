package dev.agentbus.handler;

import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.Bus;
import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.bus.Headers;
import dev.agentbus.command.CommandStatus;
import dev.agentbus.net.Signatures;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;

/**
 * What an asynchronous webhook handler sends back with its command's callback token ({@link
 * Signatures#callbackToken}): its answer ({@link Addresses#HANDLER_RESULT}) and, until then, progress
 * events ({@link Addresses#HANDLER_PROGRESS}). Any node can check a token: they share the callback key.
 */
final class Callbacks {
  private final Vertx vertx;
  private final byte[] callbackKey;

  Callbacks(Vertx vertx, byte[] callbackKey) {
    this.vertx = vertx;
    this.callbackKey = callbackKey;
  }

  /** A handler's progress event ({@link Addresses#HANDLER_PROGRESS}): the command's token, the command open in this session. */
  Future<JsonObject> progress(JsonObject body, MultiMap headers) {
    String requestId = headers.get(Headers.REQUEST_ID);
    String commandId = body.getString("command_id");
    if (!Signatures.validToken(callbackKey, commandId, body.getString("token"), System.currentTimeMillis())) {
      return Future.failedFuture(new BusError(ErrorCode.UNAUTHENTICATED,
          "Publishing under command_id needs that command's callback token (Authorization: Bearer <token>), valid until its deadline",
          new JsonObject().put("field", "Authorization")));
    }
    return Bus.request(vertx, Addresses.COMMAND_GET, new JsonObject().put("session_id", body.getString("session_id"))
            .put("command_id", commandId), requestId)
        .compose(command -> CommandStatus.isFinal(command.getString("status"))
            ? Future.failedFuture(new BusError(ErrorCode.CONFLICT, "Command " + commandId + " is " + command.getString("status")
                + ": it takes no more progress events", new JsonObject().put("command_id", commandId).put("status", command.getString("status"))))
            : Bus.request(vertx, Addresses.EVENT_PUBLISH, new JsonObject().put("session_id", body.getString("session_id"))
                .put("event_type", body.getString("event_type")).put("data", body.getJsonObject("data"))
                .put("metadata", body.getJsonObject("metadata")).put("command_id", commandId).put("source", "handler"), requestId));
  }

  /**
   * An asynchronous webhook's answer: the token must be the command's, the command still open, and
   * some node still waiting for it ({@link Addresses#handlerCallback}); else 401 or 409.
   */
  Future<JsonObject> result(JsonObject body, MultiMap headers) {
    String requestId = headers.get(Headers.REQUEST_ID);
    String commandId = body.getString("command_id");
    if (!Signatures.validToken(callbackKey, commandId, body.getString("token"), System.currentTimeMillis())) {
      return Future.failedFuture(new BusError(ErrorCode.UNAUTHENTICATED,
          "A valid callback token for this command is required (Authorization: Bearer <token>); it expires at the command's deadline",
          new JsonObject().put("field", "Authorization")));
    }
    JsonObject answer = body.containsKey("error") ? new JsonObject().put("error", body.getJsonObject("error"))
        : new JsonObject().put("result", body.getValue("result"));
    BusError closed = new BusError(ErrorCode.CONFLICT, "Command " + commandId + " is no longer waiting for a result",
        new JsonObject().put("command_id", commandId));
    return Bus.request(vertx, Addresses.COMMAND_GET, new JsonObject().put("session_id", body.getString("session_id"))
            .put("command_id", commandId), requestId)
        .compose(command -> CommandStatus.isFinal(command.getString("status")) ? Future.failedFuture(
            new BusError(ErrorCode.CONFLICT, closed.getMessage() + ": it is " + command.getString("status"),
                closed.details().copy().put("status", command.getString("status"))))
            : Bus.request(vertx, Addresses.handlerCallback(commandId), answer, Bus.withRequestId(requestId).setLocalOnly(false))
                .recover(failure -> Future.failedFuture(failure instanceof ReplyException reply
                    && reply.failureType() == ReplyFailure.NO_HANDLERS ? closed : failure)))
        .compose(reply -> reply.getBoolean("accepted", false) ? Future.succeededFuture(new JsonObject()
            .put("command_id", commandId).put("accepted", true)) : Future.failedFuture(closed));
  }
}
