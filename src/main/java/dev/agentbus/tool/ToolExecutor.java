package dev.agentbus.tool;

import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.Bus;
import dev.agentbus.config.Settings;
import dev.agentbus.net.Webhook;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;

/**
 * Runs one call of a resolved tool, by its implementation's kind. It never fails: whatever goes
 * wrong (no answer, a refusal, a non-2xx, a malformed reply, nobody on the address) is an {@link
 * Outcome} with {@code isError} and a sentence the model can read. Nothing is retried: a tool call
 * may not be idempotent, and the model (or the caller) decides whether to call again.
 *
 * <ul>
 *   <li>{@code builtin}: {@link BuiltinTools}, inline.
 *   <li>{@code http}: one signed {@link Webhook} POST {@code {tool, call_id, arguments, session_id,
 *       command_id?}} ({@code webhook-id} = the call id); a 2xx {@code {result}} is the result, a
 *       2xx {@code {error: {message}}}, any other answer or none at all is a tool error.
 *   <li>{@code bus}: one clustered event-bus request with that body; the reply body is the result,
 *       a failure (recipient failure, no handlers, timeout) a tool error.
 *   <li>{@code mcp}: one {@link Addresses#MCP_CALL} to the MCP verticle.
 * </ul>
 */
final class ToolExecutor {
  /** What a call produced: {@code result} is a JSON value (for an error, its message). */
  record Outcome(Object result, boolean isError) {
    static Outcome error(String message) {
      return new Outcome(message, true);
    }
  }

  private final Vertx vertx;
  private final Webhook webhook;
  private final BuiltinTools builtins;
  private final Settings.Tools settings;

  ToolExecutor(Vertx vertx, Webhook webhook, BuiltinTools builtins, Settings.Tools settings) {
    this.vertx = vertx;
    this.webhook = webhook;
    this.builtins = builtins;
    this.settings = settings;
  }

  /** The call's time budget: the registration's {@code timeout_ms} or the default, within {@code deadlineMs} (0: none). */
  long timeout(JsonObject implementation, long deadlineMs) {
    long own = implementation.getLong("timeout_ms", settings.timeoutMs());
    return deadlineMs > 0 ? Math.max(1, Math.min(own, deadlineMs - System.currentTimeMillis())) : own;
  }

  /** {@code tool}: the resolved tool ({@code name, implementation}); {@code call}: the body an http or bus tool receives. */
  Future<Outcome> run(JsonObject tool, JsonObject call, long timeoutMs) {
    JsonObject implementation = tool.getJsonObject("implementation");
    String name = tool.getString("name");
    return switch (implementation.getString("kind")) {
      case "builtin" -> builtins.call(call.getString("session_id"), name, call.getJsonObject("arguments"))
          .map(done -> new Outcome(done.isError() ? done.result() : builtinValue(done.result()), done.isError()));
      case "http" -> http(name, implementation, call, timeoutMs);
      case "bus" -> bus(name, implementation.getString("address"), call, timeoutMs);
      case "mcp" -> mcp(name, tool.getString(dev.agentbus.auth.Tenancy.FIELD), implementation, call.getJsonObject("arguments"), timeoutMs);
      default -> Future.succeededFuture(Outcome.error("The tool " + name + " has an unknown kind"));
    };
  }

  /** A built-in's text: its JSON object when it answers one ({@code clock.now}), else the text ({@code "42"}). */
  private static Object builtinValue(String text) {
    if (text.startsWith("{")) {
      try {
        return new JsonObject(text);
      } catch (DecodeException e) {
        return text;
      }
    }
    return text;
  }

  private Future<Outcome> http(String name, JsonObject implementation, JsonObject call, long timeoutMs) {
    return webhook.post(implementation.getString("url"), "implementation.url", implementation.getString("secret"),
            call.getString("call_id"), call.encode(), timeoutMs, settings.maxResponseBytes(), null)
        .map(answer -> {
          Object body = null;
          try {
            body = answer.body().length() == 0 ? null : Json.decodeValue(answer.body());
          } catch (DecodeException e) {
            // not JSON: judged below
          }
          String errorMessage = body instanceof JsonObject object && object.getValue("error") instanceof JsonObject error
              ? error.getString("message", "the tool reported an error") : null;
          if (answer.status() >= 200 && answer.status() < 300) {
            if (errorMessage != null) {
              return Outcome.error(errorMessage);
            }
            if (body instanceof JsonObject object && object.containsKey("result")) {
              return new Outcome(object.getValue("result"), false);
            }
            return Outcome.error("The tool " + name + " answered HTTP " + answer.status()
                + " without a JSON {\"result\"} or {\"error\": {\"message\"}} body");
          }
          return Outcome.error("The tool " + name + " answered HTTP " + answer.status()
              + (errorMessage != null ? ": " + errorMessage : ""));
        })
        .otherwise(failure -> Outcome.error(failure instanceof Webhook.Retryable
            ? "The tool " + name + " did not answer: " + failure.getMessage()
            : "The tool " + name + " could not be called: " + failure.getMessage()));
  }

  private Future<Outcome> bus(String name, String address, JsonObject call, long timeoutMs) {
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(timeoutMs).setLocalOnly(false);
    return vertx.eventBus().request(address, call, options)
        .map(reply -> new Outcome(reply.body(), false))
        .otherwise(failure -> {
          if (failure instanceof ReplyException reply) {
            if (reply.failureType() == ReplyFailure.NO_HANDLERS) {
              return Outcome.error("The tool " + name + " is unavailable: nobody serves its bus address " + address);
            }
            if (reply.failureType() == ReplyFailure.TIMEOUT) {
              return Outcome.error("The tool " + name + " did not answer within " + timeoutMs + " ms");
            }
            return Outcome.error(busMessage(reply.getMessage()));
          }
          return Outcome.error("The tool " + name + " failed: " + failure.getMessage());
        });
  }

  /** A recipient's failure message, or the {@code message} of the {@code {code, message}} JSON it carries. */
  private static String busMessage(String message) {
    if (message != null && message.startsWith("{")) {
      try {
        return new JsonObject(message).getString("message", message);
      } catch (DecodeException e) {
        return message;
      }
    }
    return message == null ? "the tool failed" : message;
  }

  /** {@code tenant}: the calling session's; the MCP verticle refuses a server of another tenant as unknown. */
  private Future<Outcome> mcp(String name, String tenant, JsonObject implementation, JsonObject arguments, long timeoutMs) {
    JsonObject request = new JsonObject().put("server_id", implementation.getString("server_id")).put(dev.agentbus.auth.Tenancy.FIELD, tenant)
        .put("tool", implementation.getString("tool")).put("arguments", arguments).put("timeout_ms", timeoutMs);
    return Bus.request(vertx, Addresses.MCP_CALL, request, Bus.withRequestId(null).setSendTimeout(timeoutMs + 1_000))
        .map(reply -> new Outcome(reply.getValue("result"), reply.getBoolean("is_error", false)))
        .otherwise(failure -> Outcome.error("The MCP tool " + name + " is unavailable: "
            + (!(failure instanceof ReplyException reply) ? String.valueOf(failure.getMessage())
                : reply.failureType() == ReplyFailure.NO_HANDLERS ? "no MCP service runs on this node"
                : reply.failureType() == ReplyFailure.TIMEOUT ? "no answer within " + timeoutMs + " ms"
                : busMessage(reply.getMessage()))));
  }
}
