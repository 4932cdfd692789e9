package dev.agentbus.stream;

import dev.agentbus.bus.Addresses;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The fan-out of live events on one Vert.x context (one event loop; one HTTP verticle instance):
 * one bus consumer per session while the context has feeds of it, unregistered when the last one
 * leaves. Each published event arrives once per context (Vert.x copies a message body per local
 * consumer, and with a cluster manager every consumer is a cluster-wide registration), becomes
 * one {@link SharedEvent}, and is handed to every feed of the session in the order they joined.
 * Everything runs on that one context, so the hub and its feeds need no locking and no hop.
 *
 * <p>Kept in the context's data ({@link Context#put}), so verticle instances on other event loops
 * each have their own: "one consumer per session per node" is one per session per event loop with
 * subscribers of it (at most {@code http.instances}).
 */
final class SessionHub {
  private static final Object KEY = SessionHub.class;

  private final Vertx vertx;
  private final Map<String, Tap> taps = new HashMap<>();

  private SessionHub(Vertx vertx) {
    this.vertx = vertx;
  }

  /** The hub of {@code context}, made on first use; call on that context. */
  static SessionHub of(Vertx vertx, Context context) {
    SessionHub hub = context.get(KEY);
    if (hub == null) {
      hub = new SessionHub(vertx);
      context.put(KEY, hub);
    }
    return hub;
  }

  /** A feed's place in the hub: live events go to it from {@link #ready()} on, until {@link #leave()}. */
  interface Membership {
    /** Completes once the session's consumer is registered (at once when it already was). */
    Future<Void> ready();

    /** Stops the events; the last member to leave unregisters the session's consumer. Idempotent. */
    void leave();
  }

  /** Joins the live events of {@code sessionId}; {@code onEvent} runs on this hub's context for each. */
  Membership join(String sessionId, Consumer<SharedEvent> onEvent) {
    Tap tap = taps.computeIfAbsent(sessionId, this::open);
    tap.add(onEvent);
    boolean[] left = {false};
    return new Membership() {
      @Override
      public Future<Void> ready() {
        return tap.consumer.completion();
      }

      @Override
      public void leave() {
        if (!left[0]) {
          left[0] = true;
          if (tap.remove(onEvent) && taps.get(sessionId) == tap) {
            taps.remove(sessionId);
            tap.consumer.unregister();
          }
        }
      }
    };
  }

  private Tap open(String sessionId) {
    Tap tap = new Tap();
    tap.consumer = vertx.eventBus().consumer(Addresses.sessionEvents(sessionId), message -> tap.publish(message.body()));
    return tap;
  }

  /** How many sessions this hub has a consumer for (tests). */
  int sessions() {
    return taps.size();
  }

  /** One session's consumer and its members, as an array replaced on join and leave (dispatch does not copy). */
  @SuppressWarnings("unchecked")
  private static final class Tap {
    private static final Consumer<SharedEvent>[] NONE = new Consumer[0];
    MessageConsumer<JsonObject> consumer;
    Consumer<SharedEvent>[] members = NONE;

    void add(Consumer<SharedEvent> member) {
      members = Arrays.copyOf(members, members.length + 1);
      members[members.length - 1] = member;
    }

    /** Removes {@code member} → whether none is left. */
    boolean remove(Consumer<SharedEvent> member) {
      for (int i = 0; i < members.length; i++) {
        if (members[i] == member) {
          Consumer<SharedEvent>[] fewer = new Consumer[members.length - 1];
          System.arraycopy(members, 0, fewer, 0, i);
          System.arraycopy(members, i + 1, fewer, i, members.length - i - 1);
          members = fewer;
          break;
        }
      }
      return members.length == 0;
    }

    void publish(JsonObject body) {
      SharedEvent event = new SharedEvent(body);
      for (Consumer<SharedEvent> member : members) {
        member.accept(event);
      }
    }
  }
}
