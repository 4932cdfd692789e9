package dev.agentbus.http;

import dev.agentbus.bus.Addresses;
import dev.agentbus.stream.EventFrameFormat;
import dev.agentbus.stream.Follow;
import dev.agentbus.stream.Follower;
import dev.agentbus.stream.SessionSseFormat;
import dev.agentbus.util.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Streams of session events: SSE ({@code /events/sse}), WebSocket ({@code /events/stream}, see
 * {@link WebSocketChannel}) and one command's events as SSE ({@code /commands/{cid}/stream}).
 */
record StreamRoutes(Api api, Limits limits) {
  static final Pattern SUBSCRIBER_ID = Pattern.compile("[A-Za-z0-9_.:\\-]{1,128}");

  void mount(Router router) {
    String session = Api.BASE + "/sessions/:session_id";
    router.get(session + "/events/sse").handler(this::sse);
    router.get(session + "/events/stream").handler(this::webSocket);
    router.get(session + "/commands/:command_id/stream").handler(this::commandStream);
  }

  private void sse(RoutingContext ctx) {
    Validator check = Validator.of(ctx, "after_seq", "types");
    long afterSeq = check.resumeCursor(ctx);
    Predicate<JsonObject> filter = typeFilter(check, ctx.request().getParam("types"));
    check.throwIfInvalid();
    api.stream(ctx, Addresses.STREAM_OPEN, Api.path(ctx, "session_id").put("after_seq", afterSeq),
        start -> new Follower.Plan(Follow.session(start.getString("session_id"), start.getLong("after_seq"), filter),
            new SessionSseFormat()));
  }

  /** One command's events from its first, or after {@code Last-Event-ID} / {@code ?after_seq=} (a run stream cut by a shutdown resumes here). */
  private void commandStream(RoutingContext ctx) {
    Validator check = Validator.of(ctx, "after_seq");
    long afterSeq = check.resumeCursor(ctx);
    check.throwIfInvalid();
    api.stream(ctx, Addresses.COMMAND_GET, Api.path(ctx, "session_id", "command_id"), command -> new Follower.Plan(
        Follow.command(command.getString("session_id"), command.getString("command_id"), afterSeq), new SessionSseFormat()));
  }

  private void webSocket(RoutingContext ctx) {
    Validator check = Validator.of(ctx, "after_seq", "types", "subscriber_id");
    String afterSeq = ctx.request().getParam("after_seq");
    long from = check.queryLong(ctx, "after_seq", 0, 0, Long.MAX_VALUE);
    Predicate<JsonObject> filter = typeFilter(check, ctx.request().getParam("types"));
    if (!ctx.request().canUpgradeToWebSocket()) {
      check.add("Upgrade", "this endpoint needs a WebSocket upgrade request");
    }
    String subscriberId = ctx.request().getParam("subscriber_id");
    check.pattern("subscriber_id", subscriberId, SUBSCRIBER_ID, "1 to 128 letters, digits or _ . : -");
    check.throwIfInvalid();
    // A durable subscriber reconnecting without after_seq resumes after the last seq it acked.
    JsonObject open = Api.path(ctx, "session_id");
    Json.putIfPresent(open, "after_seq", afterSeq == null ? null : from);
    Json.putIfPresent(open, "subscriber_id", subscriberId);
    api.follower().socket(ctx, true, () -> api.send(ctx, Addresses.STREAM_OPEN, open),
        (socket, start) -> new WebSocketChannel(api, limits, ctx, socket, subscriberId)
            .open(new Follower.Plan(Follow.session(start.getString("session_id"), start.getLong("after_seq"), filter),
                new EventFrameFormat())),
        failure -> Api.fail(ctx, failure));
  }

  /** {@code types=a,b,command.*}: exact types, or prefixes ending in {@code *}. Absent: everything. */
  static Predicate<JsonObject> typeFilter(Validator check, String types) {
    if (types == null || types.isBlank()) {
      return event -> true;
    }
    List<String> wanted = Arrays.stream(types.split(",")).map(String::trim).filter(t -> !t.isEmpty()).toList();
    if (wanted.size() > 50 || wanted.stream().anyMatch(t -> t.length() > 200)) {
      check.add("types", "must list at most 50 event types of at most 200 characters");
    }
    return event -> {
      String type = event.getString("event_type");
      for (String pattern : wanted) {
        if (pattern.endsWith("*") ? type.startsWith(pattern.substring(0, pattern.length() - 1)) : type.equals(pattern)) {
          return true;
        }
      }
      return false;
    };
  }
}
