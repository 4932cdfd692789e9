package dev.agentbus.http;

import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.BusError;
import dev.agentbus.command.CommandStatus;
import dev.agentbus.stream.EventFeed;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;

/**
 * Streams of session events: SSE ({@code /events/sse}), WebSocket ({@code /events/stream}, see
 * {@link WebSocketChannel}) and one command's events as SSE ({@code /commands/{cid}/stream}).
 */
final class StreamRoutes {
  private static final java.util.regex.Pattern SUBSCRIBER_ID = java.util.regex.Pattern.compile("[A-Za-z0-9_.:\\-]{1,128}");
  private final Api api;
  private final JsonObject streams;
  private final Limits limits;
  private final StreamSlots slots;

  StreamRoutes(Api api, JsonObject config, Limits limits) {
    this.api = api;
    this.streams = config.getJsonObject("streams", new JsonObject());
    this.limits = limits;
    this.slots = new StreamSlots(api.vertx(), streams.getInteger("max_connections", 10_000));
  }

  void mount(Router router) {
    String session = Api.BASE + "/sessions/:session_id";
    router.get(session + "/events/sse").handler(this::sse);
    router.get(session + "/events/stream").handler(this::webSocket);
    router.get(session + "/commands/:command_id/stream").handler(this::commandStream);
  }

  int maxQueuedFrames() {
    return streams.getInteger("max_queued_frames", 1000);
  }

  int writeQueueMaxBytes() {
    return streams.getInteger("write_queue_max_bytes", 262_144);
  }

  /** The {@code streams} config section (keep-alive, queue bounds, replay page). */
  JsonObject config() {
    return streams;
  }

  /** Takes one of this node's stream slots; fails {@code SERVICE_UNAVAILABLE} at {@code streams.max_connections}. */
  Runnable acquireSlot() {
    return slots.acquire();
  }

  EventFeed feed(String sessionId, long afterSeq, Predicate<JsonObject> filter, Predicate<JsonObject> endAfter,
                 EventFeed.Subscriber subscriber) {
    return new EventFeed(api.vertx(), sessionId, afterSeq, filter, endAfter,
        streams.getInteger("replay_page", 500), maxQueuedFrames(), subscriber);
  }

  private void sse(RoutingContext ctx) {
    Validator check = new Validator();
    long afterSeq = check.queryLong(ctx, "after_seq", 0, 0, Long.MAX_VALUE);
    String lastEventId = ctx.request().getHeader("Last-Event-ID");
    if (lastEventId != null) {
      try {
        afterSeq = Long.parseLong(lastEventId.trim());
        if (afterSeq < 0) {
          check.add("Last-Event-ID", "must be a non-negative integer (the seq of the last event seen)");
        }
      } catch (NumberFormatException e) {
        check.add("Last-Event-ID", "must be a non-negative integer (the seq of the last event seen)");
      }
    }
    Predicate<JsonObject> filter = typeFilter(check, ctx.request().getParam("types"));
    check.throwIfInvalid();
    long from = afterSeq;
    Runnable release = slots.acquire();
    api.send(ctx, Addresses.SESSION_GET, SessionRoutes.sessionRef(ctx))
        .onSuccess(session -> streamSse(ctx, from, filter, event -> false, release))
        .onFailure(failure -> {
          release.run();
          Api.fail(ctx, failure);
        });
  }

  private void commandStream(RoutingContext ctx) {
    String commandId = ctx.pathParam("command_id");
    Runnable release = slots.acquire();
    api.send(ctx, Addresses.COMMAND_GET, CommandRoutes.commandRef(ctx))
        .onSuccess(command -> streamSse(ctx, 0, event -> commandId.equals(event.getString("command_id")),
            event -> CommandStatus.isFinalEventOf(event, commandId), release))
        .onFailure(failure -> {
          release.run();
          Api.fail(ctx, failure);
        });
  }

  private void streamSse(RoutingContext ctx, long afterSeq, Predicate<JsonObject> filter, Predicate<JsonObject> endAfter,
                         Runnable release) {
    SseResponse sse = SseResponse.open(api, ctx, streams, "retry: 2000\n\n", release);
    EventFeed feed = feed(ctx.pathParam("session_id"), afterSeq, filter, endAfter, sse.subscriber(StreamRoutes::sessionFrame,
        (reason, lastSeq) -> {
          if ("error".equals(reason)) {
            sse.write("event: error\ndata: " + new JsonObject().put("error", new BusError(
                dev.agentbus.bus.ErrorCode.SERVICE_UNAVAILABLE, "Stream interrupted; resume with Last-Event-ID").toJson()
                .put("last_seq", lastSeq)).encode() + "\n\n");
          }
          sse.end();
        }));
    sse.onClientGone(feed::close);
    feed.start();
  }

  /** The session SSE format: {@code id:} = seq, {@code event:} = event type, {@code data:} = the event. */
  static String sessionFrame(JsonObject event) {
    return "id: " + event.getLong("seq") + "\nevent: " + event.getString("event_type") + "\ndata: " + event.encode() + "\n\n";
  }

  private void webSocket(RoutingContext ctx) {
    Validator check = new Validator();
    long afterSeq = check.queryLong(ctx, "after_seq", 0, 0, Long.MAX_VALUE);
    Predicate<JsonObject> filter = typeFilter(check, ctx.request().getParam("types"));
    if (!ctx.request().canUpgradeToWebSocket()) {
      check.add("Upgrade", "this endpoint needs a WebSocket upgrade request");
    }
    String subscriberId = ctx.request().getParam("subscriber_id");
    check.pattern("subscriber_id", subscriberId, SUBSCRIBER_ID, "1 to 128 letters, digits or _ . : -");
    check.throwIfInvalid();
    // A durable subscriber reconnecting without after_seq resumes after the last seq it acked.
    boolean resumeFromAck = subscriberId != null && ctx.request().getParam("after_seq") == null;
    Runnable release = slots.acquire();
    // The upgrade happens after async lookups: keep the request unread until then, or Vert.x has
    // already consumed its end and toWebSocket() fails ("Request has already been read").
    ctx.request().pause();
    api.send(ctx, Addresses.SESSION_GET, SessionRoutes.sessionRef(ctx))
        .compose(session -> !resumeFromAck ? Future.succeededFuture(afterSeq)
            : api.send(ctx, Addresses.SUBSCRIBER_CURSOR, SessionRoutes.sessionRef(ctx).put("subscriber_id", subscriberId))
                .map(cursor -> cursor.getLong("acked_seq")))
        .compose(from -> ctx.request().toWebSocket().onSuccess(socket ->
            new WebSocketChannel(api, this, limits, ctx, socket, subscriberId).open(from, filter, release)))
        .onFailure(failure -> {
          release.run();
          ctx.request().resume();
          Api.fail(ctx, failure);
        });
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
