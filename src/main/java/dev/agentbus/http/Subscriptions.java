package dev.agentbus.http;

import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.stream.EventFeed;
import dev.agentbus.stream.Follow;
import dev.agentbus.stream.Follower;
import dev.agentbus.stream.MultiplexTransport;
import dev.agentbus.stream.SubscriptionFormat;
import dev.agentbus.util.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The session subscriptions of one {@code WS /ws} socket, at most {@value #MAX_PER_SOCKET}. {@code
 * subscribe {session_id, after_seq?, types?, subscriber_id?}} needs {@code events:read}, costs one of
 * the principal's streams and is charged like opening {@code /sessions/{id}/events/stream}; it is
 * answered {@code {type: "ack", request_id, session_id, after_seq}} (where the replay starts), then
 * the session's events after it, replay then live, as {@code event} frames ({@link Follower}, the
 * same path as every stream). {@code unsubscribe {session_id}} → {@code {type: "ack", request_id,
 * session_id, last_seq}}, and no more of its events. With {@code subscriber_id} the session's acks
 * are kept ({@link DurableCursor}), and a subscribe without {@code after_seq} resumes after them.
 */
final class Subscriptions implements SocketFrames.Sessions {
  static final int MAX_PER_SOCKET = 32;
  private static final List<String> KEYS = List.of("type", "request_id", "session_id", "after_seq", "types", "subscriber_id");

  /** One subscription, from its subscribe frame (its feed once the start is known). */
  private static final class Subscription {
    final DurableCursor cursor;
    final Runnable release;
    EventFeed feed;

    Subscription(DurableCursor cursor, Runnable release) {
      this.cursor = cursor;
      this.release = release;
    }
  }

  private final Api api;
  private final RoutingContext ctx;
  private final MultiplexTransport mux;
  private final Map<String, Subscription> bySession = new LinkedHashMap<>();
  private SocketFrames frames;

  Subscriptions(Api api, RoutingContext ctx, MultiplexTransport mux) {
    this.api = api;
    this.ctx = ctx;
    this.mux = mux;
  }

  /** Takes {@code subscribe} and {@code unsubscribe} frames on {@code socketFrames}. */
  void handle(SocketFrames socketFrames) {
    frames = socketFrames.on("subscribe", this::subscribe).on("unsubscribe", this::unsubscribe);
  }

  /** On {@code /ws} every session-bound frame names its session. */
  @Override
  public String of(Validator check, JsonObject frame) {
    return check.string(frame, "", "session_id", true, 200);
  }

  /** Acks are for subscribed sessions (kept when the subscription has a {@code subscriber_id}). */
  @Override
  public DurableCursor cursor(String sessionId) {
    Subscription subscription = bySession.get(sessionId);
    if (subscription == null) {
      throw BusError.invalid("session_id", "is not subscribed on this socket");
    }
    return subscription.cursor;
  }

  private void subscribe(JsonObject frame, String requestId) {
    frames.requireScope("events:read");
    frames.refuseWhileDraining();
    Validator check = new Validator();
    check.onlyKeys(frame, "", KEYS);
    String sessionId = of(check, frame);
    Object afterSeq = frame.getValue("after_seq");
    if (afterSeq != null && (!(afterSeq instanceof Integer || afterSeq instanceof Long) || ((Number) afterSeq).longValue() < 0)) {
      check.add("after_seq", "must be a non-negative integer (the seq of the last event seen)");
    }
    Predicate<JsonObject> filter = StreamRoutes.typeFilter(check, types(check, frame.getValue("types")));
    String subscriberId = check.string(frame, "", "subscriber_id", false, 128);
    check.pattern("subscriber_id", subscriberId, StreamRoutes.SUBSCRIBER_ID, "1 to 128 letters, digits or _ . : -");
    check.throwIfInvalid();
    if (bySession.containsKey(sessionId)) {
      throw new BusError(ErrorCode.CONFLICT, "Session " + sessionId + " is already subscribed on this socket; unsubscribe first",
          new JsonObject().put("field", "session_id"));
    }
    if (bySession.size() >= MAX_PER_SOCKET) {
      throw new BusError(ErrorCode.RATE_LIMITED, "At most " + MAX_PER_SOCKET + " subscriptions per socket; unsubscribe one first",
          new JsonObject().put("limit", "max_subscriptions_per_socket"));
    }
    Subscription subscription = new Subscription(subscriberId == null ? null : new DurableCursor(api, ctx, sessionId, subscriberId),
        api.follower().principalStream(ctx));
    bySession.put(sessionId, subscription);
    JsonObject open = new JsonObject().put("session_id", sessionId);
    Json.putIfPresent(open, "after_seq", afterSeq == null ? null : ((Number) afterSeq).longValue());
    Json.putIfPresent(open, "subscriber_id", subscriberId);
    api.limiter().charge(ctx, "GET", Api.BASE + "/sessions/" + sessionId + "/events/stream")
        .compose(allowed -> api.send(ctx, Addresses.STREAM_OPEN, open))
        .onComplete(opened -> {
          if (!mux.isOpen()) {
            bySession.remove(sessionId, subscription);
            subscription.release.run();
            return;
          }
          BusError refused = opened.failed() ? BusError.from(opened.cause(), "ws subscribe", requestId)
              : bySession.get(sessionId) != subscription
              ? new BusError(ErrorCode.CANCELLED, "Unsubscribed before the subscription started") : null;
          if (refused == null) {
            try {
              frames.refuseWhileDraining();
            } catch (BusError draining) {
              refused = draining;
            }
          }
          if (refused != null) {
            bySession.remove(sessionId, subscription);
            subscription.release.run();
            frames.sendError(requestId, refused);
          } else {
            start(sessionId, subscription, opened.result().getLong("after_seq"), filter, requestId);
          }
        });
  }

  /** Acked, then followed: the ack is written before the feed's first event. */
  private void start(String sessionId, Subscription subscription, long afterSeq, Predicate<JsonObject> filter, String requestId) {
    frames.send(requestId, new JsonObject().put("type", "ack").put("session_id", sessionId).put("after_seq", afterSeq));
    SubscriptionFormat format = new SubscriptionFormat(sessionId);
    MultiplexTransport.Lane lane = mux.subscription(format);
    subscription.feed = api.follower().follow(new Follower.Plan(Follow.session(sessionId, afterSeq, filter), format), lane,
        Api.requestId(ctx));
    lane.attach(subscription.feed);
    subscription.feed.whenEnded(() -> {
      bySession.remove(sessionId, subscription);
      subscription.release.run();
      if (subscription.cursor != null) {
        subscription.cursor.store();
      }
    });
  }

  private void unsubscribe(JsonObject frame, String requestId) {
    Validator check = new Validator();
    check.onlyKeys(frame, "", List.of("type", "request_id", "session_id"));
    String sessionId = of(check, frame);
    check.throwIfInvalid();
    Subscription subscription = bySession.remove(sessionId);
    if (subscription == null) {
      throw BusError.invalid("session_id", "is not subscribed on this socket");
    }
    JsonObject ack = new JsonObject().put("type", "ack").put("session_id", sessionId);
    if (subscription.feed != null) {
      ack.put("last_seq", subscription.feed.cursor());
      subscription.feed.close();
    }
    frames.send(requestId, ack);
  }

  /** {@code types}: an array of event types or prefixes ending in {@code *}, as the comma list the stream routes take. */
  private static String types(Validator check, Object types) {
    if (types == null) {
      return null;
    }
    if (!(types instanceof JsonArray list) || list.isEmpty()) {
      check.add("types", "must be a non-empty array of event types or prefixes ending in *");
      return null;
    }
    List<String> wanted = new ArrayList<>();
    for (Object type : list) {
      if (!(type instanceof String name) || name.isBlank() || name.contains(",")) {
        check.add("types", "must hold event types or prefixes ending in * (non-empty strings without commas)");
        return null;
      }
      wanted.add(name);
    }
    return String.join(",", wanted);
  }
}
