package dev.agentbus.bus;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;

/**
 * A failure with a stable {@link ErrorCode}. Consumers fail a message with it; it travels as
 * {@code failureCode = HTTP status} and {@code message = {"code", "message", "details"}} JSON,
 * so it survives the clustered bus without a custom codec.
 */
public final class BusError extends RuntimeException {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(BusError.class);
  private final ErrorCode code;
  private final JsonObject details;

  public BusError(ErrorCode code, String message, JsonObject details) {
    super(message, null, false, false);
    this.code = code;
    this.details = details == null ? new JsonObject() : details;
  }

  public BusError(ErrorCode code, String message) {
    this(code, message, null);
  }

  public static BusError notFound(ErrorCode code, String what, String field, String id) {
    return new BusError(code, what + " '" + id + "' does not exist", new JsonObject().put(field, id));
  }

  public static BusError invalid(String field, String issue) {
    return new BusError(
        ErrorCode.VALIDATION_ERROR,
        "Invalid field '" + field + "': " + issue,
        FieldErrors.details(java.util.List.of(new FieldErrors.FieldError(field, issue))));
  }

  public ErrorCode code() {
    return code;
  }

  public JsonObject details() {
    return details;
  }

  /** The JSON that travels as the failure message. */
  public String toWire() {
    return new JsonObject().put("code", code.name()).put("message", getMessage()).put("details", details).encode();
  }

  public JsonObject toJson() {
    return new JsonObject().put("code", code.name()).put("message", getMessage()).put("details", details);
  }

  /**
   * The one error mapper: any failure → a {@link BusError}. A {@code BusError} stays itself; a bus
   * reply failure maps {@code TIMEOUT}→{@code TIMEOUT}, {@code NO_HANDLERS}→{@code
   * SERVICE_UNAVAILABLE}, {@code RECIPIENT_FAILURE}→the code it carries; a store failure is {@code
   * DATABASE_ERROR}; anything else is {@code INTERNAL_ERROR}. Store and unexpected failures are
   * logged here, once, with where they happened and the request id (their cause never travels).
   */
  public static BusError from(Throwable failure, String where, String requestId) {
    BusError error = classify(failure);
    if (error == null) {
      boolean store = isStoreFailure(failure);
      LOG.error("{} failure at {} request_id={}", store ? "store" : "unexpected", where, requestId, failure);
      return store ? new BusError(ErrorCode.DATABASE_ERROR, "The store is unavailable")
          : new BusError(ErrorCode.INTERNAL_ERROR, "Internal error");
    }
    return error;
  }

  /** The code {@link #from} gives {@code failure}, without logging: for callers that only branch on it. */
  public static ErrorCode codeOf(Throwable failure) {
    BusError error = classify(failure);
    return error != null ? error.code() : isStoreFailure(failure) ? ErrorCode.DATABASE_ERROR : ErrorCode.INTERNAL_ERROR;
  }

  /** Whether {@code failure} carries {@code code} (after mapping). */
  public static boolean is(Throwable failure, ErrorCode code) {
    return codeOf(failure) == code;
  }

  /** The error {@link #toJson} gave; throws for anything else. */
  public static BusError fromJson(JsonObject json) {
    return new BusError(ErrorCode.valueOf(json.getString("code")), json.getString("message"), json.getJsonObject("details"));
  }

  /** Our own failures (and replies carrying them); null for anything unexpected. */
  private static BusError classify(Throwable failure) {
    if (failure instanceof BusError e) {
      return e;
    }
    if (failure instanceof ReplyException reply) {
      if (reply.failureType() == ReplyFailure.TIMEOUT) {
        return new BusError(ErrorCode.TIMEOUT, "The operation did not complete in time");
      }
      if (reply.failureType() == ReplyFailure.NO_HANDLERS) {
        return new BusError(ErrorCode.SERVICE_UNAVAILABLE, "No node is serving this operation right now");
      }
      String wire = reply.getMessage();
      if (wire != null && wire.startsWith("{")) {
        try {
          return fromJson(new JsonObject(wire));
        } catch (RuntimeException ignored) {
          // not one of ours: unexpected
        }
      }
    }
    return null;
  }

  private static boolean isStoreFailure(Throwable failure) {
    return failure.getClass().getName().startsWith("com.mongodb");
  }
}
